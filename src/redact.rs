//! The one redaction module. Every piece of outside or free text (a provider's or desk's error,
//! a user's free text in audit metadata, support-request context) passes through here before it
//! is stored, shown or logged anywhere other than the user's own support-request fields.
//!
//! [`text`] is the entry point for one-off strings: secrets (bearer credentials, JWT-shaped
//! strings, `key=value` / `key: value` secrets, `tp_` API tokens, credentials in URLs,
//! `sha256=<hex>` signatures, `Idempotency-Key` values) are removed and e-mail addresses replaced
//! by a placeholder. [`Redactor`] is a pass over a whole diagnostics bundle: it also replaces
//! GUIDs that are not the tenant's own, keeps placeholder numbering consistent across the
//! bundle (so a reader can still tell "the same user did both" without learning who) and counts
//! what it replaced for the bundle's manifest.
//!
//! Every function here is total: it never panics, whatever UTF-8 it is given. Patterns are
//! ASCII, so matches start and end on ASCII bytes, which are always character boundaries.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Redacts one string: secrets removed, e-mail addresses replaced by `<email-N>`. GUIDs stay.
pub fn text(input: &str) -> String {
    Redactor::plain().text(input)
}

/// Redacts every string value in `value`, recursively (object keys are ours and stay), with one
/// placeholder numbering for the whole value. GUIDs stay.
pub fn json_strings(value: Value) -> Value {
    Redactor::plain().strings(value)
}

/// One redaction rule and what it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The value of a key that names a secret (`client_secret`, `password`, `token`, …).
    SecretKey,
    /// A JWT-shaped string (base64url parts separated by dots, the first starting `eyJ`).
    Jwt,
    /// A TenantPilot API token (`tp_…`) or a bearer credential.
    BearerToken,
    /// `user:password@` in a URL.
    UrlCredentials,
    /// `password=…`, `client_secret: …`, `Authorization: …` and the like inside free text.
    InlineSecret,
    /// A `sha256=<hex>` (or `sha1=`, `sha512=`) signature.
    Signature,
    /// An e-mail address.
    Email,
    /// A GUID that is not one of the tenant's own ids.
    Guid,
}

/// What was redacted, by rule, with counts.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Manifest {
    /// Replacements per rule.
    pub rules: Vec<RuleCount>,
    /// Sum of all replacements.
    pub total: usize,
}

/// Count of one rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleCount {
    /// The rule.
    pub rule: Rule,
    /// How often it applied.
    pub count: usize,
    /// What a replacement looks like.
    pub replacement: &'static str,
}

const SECRET: &str = "[redacted:secret]";
const TOKEN: &str = "[redacted:token]";
const JWT: &str = "[redacted:jwt]";
const SIGNATURE: &str = "[redacted:signature]";
const CREDENTIALS: &str = "[redacted:credentials]";

/// A redaction pass; keeps placeholder numbering consistent across everything it sees.
#[derive(Debug)]
pub struct Redactor {
    guids: Option<Vec<String>>,
    emails: BTreeMap<String, usize>,
    guid_numbers: BTreeMap<String, usize>,
    counts: BTreeMap<Rule, usize>,
}

/// JSON keys whose value is replaced whole in a bundle.
const SECRET_KEY_HINTS: [&str; 9] = [
    "secret",
    "password",
    "passwd",
    "token",
    "authorization",
    "cookie",
    "credential",
    "api_key",
    "apikey",
];

/// Names that, followed by `=` or `:`, announce a secret value in free text, besides every
/// [`SECRET_KEY_HINTS`] name. Matched case-insensitively anywhere (so `clientSecret`,
/// `x-api-key` and `access_token` hit too).
const INLINE_HINTS: [&str; 10] = [
    "passphrase",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "signature",
    "idempotency-key",
    "idempotency_key",
    "client_assertion",
];

/// Short names that only count at the start of a word (`sig=` in a SAS URL, not `xsig=`).
const WORD_HINTS: [&str; 2] = ["sig", "pwd"];

/// Hints whose value is a whole header value: everything to the end of the line.
const LINE_HINTS: [&str; 1] = ["cookie"];

/// Authorization schemes: the scheme is not the secret, the word after it is.
const SCHEMES: [&str; 8] = [
    "bearer",
    "basic",
    "digest",
    "negotiate",
    "ntlm",
    "token",
    "sharedkey",
    "hmac",
];

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(&[])
    }
}

impl Redactor {
    /// A bundle redactor that replaces GUIDs except `allowed_ids` (the tenant's own GUIDs).
    pub fn new(allowed_ids: &[&str]) -> Redactor {
        Redactor {
            guids: Some(allowed_ids.iter().map(|s| s.to_ascii_lowercase()).collect()),
            emails: BTreeMap::new(),
            guid_numbers: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    /// A redactor for one-off text: secrets and e-mail addresses, GUIDs untouched.
    pub fn plain() -> Redactor {
        Redactor {
            guids: None,
            ..Redactor::new(&[])
        }
    }

    fn bump(&mut self, rule: Rule) {
        *self.counts.entry(rule).or_default() += 1;
    }

    /// Redacts every string in `value`; the value of a key that names a secret is replaced
    /// whole.
    pub fn value(&mut self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let lower = k.to_ascii_lowercase();
                    if SECRET_KEY_HINTS.iter().any(|h| lower.contains(h))
                        && !matches!(v, Value::Null | Value::Bool(_))
                    {
                        self.bump(Rule::SecretKey);
                        out.insert(k, Value::String(SECRET.into()));
                    } else {
                        out.insert(k, self.value(v));
                    }
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    /// Redacts every string value in `value`, recursively; keys are left as they are.
    pub fn strings(&mut self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.strings(v)).collect())
            }
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.strings(v))).collect())
            }
            other => other,
        }
    }

    /// Redacts one string. Every detector reads the original text, so no replacement can hide
    /// another secret from a later detector; overlapping finds are merged and replaced once.
    pub fn text(&mut self, input: &str) -> String {
        let lower = input.to_ascii_lowercase();
        let mut spans = Vec::new();
        url_credentials(input, &mut spans);
        inline_secrets(input, &lower, &mut spans);
        bearer(input, &lower, &mut spans);
        jwts(input, &mut spans);
        api_tokens(input, &mut spans);
        signatures(input, &lower, &mut spans);
        emails(input, &mut spans);
        if let Some(allowed) = &self.guids {
            guids(input, allowed, &mut spans);
        }
        spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out = String::with_capacity(input.len());
        let mut copied = 0;
        let mut iter = spans.into_iter().peekable();
        while let Some(mut span) = iter.next() {
            while let Some(next) = iter.next_if(|n| n.start < span.end) {
                span.end = span.end.max(next.end);
            }
            let (Some(before), Some(found)) = (
                input.get(copied..span.start),
                input.get(span.start..span.end),
            ) else {
                continue;
            };
            out.push_str(before);
            self.bump(span.rule);
            match span.rule {
                Rule::SecretKey | Rule::InlineSecret => out.push_str(SECRET),
                Rule::Jwt => out.push_str(JWT),
                Rule::BearerToken => out.push_str(TOKEN),
                Rule::UrlCredentials => out.push_str(CREDENTIALS),
                Rule::Signature => out.push_str(SIGNATURE),
                Rule::Email => {
                    let n = number_of(&mut self.emails, found);
                    out.push_str(&format!("<email-{n}>"));
                }
                Rule::Guid => {
                    let n = number_of(&mut self.guid_numbers, found);
                    out.push_str(&format!("<guid-{n}>"));
                }
            }
            copied = span.end;
        }
        out.push_str(input.get(copied..).unwrap_or(""));
        out
    }

    /// What this pass redacted.
    pub fn manifest(&self) -> Manifest {
        let rules: Vec<RuleCount> = self
            .counts
            .iter()
            .map(|(rule, count)| RuleCount {
                rule: *rule,
                count: *count,
                replacement: match rule {
                    Rule::SecretKey | Rule::InlineSecret => SECRET,
                    Rule::Jwt => JWT,
                    Rule::BearerToken => TOKEN,
                    Rule::UrlCredentials => "[redacted:credentials]@host",
                    Rule::Signature => SIGNATURE,
                    Rule::Email => "<email-N>",
                    Rule::Guid => "<guid-N>",
                },
            })
            .collect();
        Manifest {
            total: rules.iter().map(|r| r.count).sum(),
            rules,
        }
    }
}

/// A byte range of the input to replace, and why. Both ends are character boundaries.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    rule: Rule,
}

fn push(spans: &mut Vec<Span>, start: usize, end: usize, rule: Rule) {
    if end > start {
        spans.push(Span { start, end, rule });
    }
}

/// The `user:pass` of `scheme://user:pass@host`.
fn url_credentials(s: &str, spans: &mut Vec<Span>) {
    let mut from = 0;
    while let Some(found) = s[from..].find("://") {
        let start = from + found + 3;
        let end = s[start..]
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>')
            })
            .map_or(s.len(), |e| start + e);
        if let Some(at) = s[start..end].rfind('@')
            && &s[start..start + at] != CREDENTIALS
        {
            push(spans, start, start + at, Rule::UrlCredentials);
        }
        from = end.max(start);
    }
}

/// The value of `name = value` / `name: value` where the name announces a secret.
fn inline_secrets(s: &str, lower: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let hint = SECRET_KEY_HINTS
            .iter()
            .chain(&INLINE_HINTS)
            .find(|h| lower[i..].starts_with(*h))
            .or_else(|| {
                let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
                WORD_HINTS
                    .iter()
                    .find(|h| at_word_start && lower[i..].starts_with(*h))
            });
        match hint {
            Some(h) => {
                if let Some(sep) = separator_after(bytes, i + h.len())
                    && let Some((start, end)) = secret_value(s, lower, sep, LINE_HINTS.contains(h))
                    && !is_placeholder(&s[start..end])
                {
                    push(spans, start, end, Rule::InlineSecret);
                }
                // Keep looking inside the value: another secret may start there.
                i += h.len();
            }
            None => i += char_len(s, i),
        }
    }
}

/// `Bearer <credential>` anywhere, also without a header name in front.
fn bearer(s: &str, lower: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(found) = lower[from..].find("bearer") {
        let after = from + found + "bearer".len();
        let start = skip(bytes, after, |b| b == b' ' || b == b'\t');
        let run = skip(bytes, start, is_token68);
        let end = skip(bytes, run, |b| b == b'=');
        // `Bearer password=x` is not a credential but the start of a `key=value` secret.
        let ends_cleanly = !bytes.get(end).copied().is_some_and(is_token68);
        if start > after && run - start >= 8 && ends_cleanly {
            push(spans, start, end, Rule::BearerToken);
            from = end;
        } else {
            from = after;
        }
    }
}

/// The number `found` (case-insensitively) carries in `numbers`: the same value keeps its number
/// across one redaction, a new value takes the next.
fn number_of(numbers: &mut BTreeMap<String, usize>, found: &str) -> usize {
    let next = numbers.len() + 1;
    *numbers.entry(found.to_ascii_lowercase()).or_insert(next)
}

/// Asks `secret_end` at each occurrence of `needle` where a secret starting there ends; a found
/// secret becomes a span of `rule` and the scan goes on after it.
fn each_secret(
    s: &str,
    needle: &str,
    rule: Rule,
    spans: &mut Vec<Span>,
    secret_end: impl Fn(usize) -> Option<usize>,
) {
    let mut from = 0;
    while let Some(found) = s[from..].find(needle) {
        let start = from + found;
        match secret_end(start) {
            Some(end) => {
                push(spans, start, end, rule);
                from = end;
            }
            None => from = start + needle.len(),
        }
    }
}

/// `eyJ…` followed by base64url parts joined by dots (JWS, JWE), or a long bare `eyJ…` part.
fn jwts(s: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    each_secret(s, "eyJ", Rule::Jwt, spans, |start| {
        let first = skip(bytes, start, is_b64url);
        let mut end = first;
        let mut dots = 0;
        while bytes.get(end) == Some(&b'.') {
            let next = skip(bytes, end + 1, is_b64url);
            dots += 1;
            if next == end + 1 {
                // An empty part ends the token (`header.payload.` is an unsigned JWT).
                end += 1;
                break;
            }
            end = next;
        }
        let is_jwt = (first - start >= 5 && dots >= 2 && end - first > 2) || first - start >= 20;
        is_jwt.then_some(end)
    });
}

/// `tp_<random>`, our own API tokens: at the start of a word, or glued to a word when the
/// random part looks random (long, mixed case and digits), so `smtp_server_name` stays.
fn api_tokens(s: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    each_secret(s, "tp_", Rule::BearerToken, spans, |start| {
        let at_word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let end = skip(bytes, start + 3, is_b64url);
        let random = &bytes[start + 3..end];
        let looks_random = random.len() >= 20
            && random.iter().any(u8::is_ascii_uppercase)
            && random.iter().any(u8::is_ascii_lowercase)
            && random.iter().any(u8::is_ascii_digit);
        ((at_word_start && random.len() >= 9) || looks_random).then_some(end)
    });
}

/// The hex of `sha256=<hex>` and its siblings: a signature over something of ours.
fn signatures(s: &str, lower: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(found) = lower[from..].find("sha") {
        let at = from + found;
        let digits = skip(bytes, at + 3, |b| b.is_ascii_digit());
        from = digits;
        if digits > at + 3 && matches!(bytes.get(digits), Some(b'=' | b':')) {
            let start = digits + 1;
            let end = skip(bytes, start, |b| b.is_ascii_hexdigit());
            if end - start >= 32 {
                push(spans, start, end, Rule::Signature);
                from = end;
            }
        }
    }
}

/// Each `local@domain.tld`; runs after [`url_credentials`].
fn emails(s: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(found) = s[from..].find('@') {
        let at = from + found;
        // The `@` that ends URL credentials is not an address (the host stays readable).
        let ends_credentials = spans
            .iter()
            .any(|sp| sp.rule == Rule::UrlCredentials && sp.end == at);
        let mut start = at;
        while start > 0 && is_email_local(bytes[start - 1]) {
            start -= 1;
        }
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        let mut end = skip(bytes, at + 1, |b| {
            b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
        });
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if !ends_credentials && start < at && is_domain(&s[at + 1..end]) {
            push(spans, start, end, Rule::Email);
            from = end;
        } else {
            from = at + 1;
        }
    }
}

/// GUIDs other than `allowed` (lowercase).
fn guids(s: &str, allowed: &[String], spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 36 <= bytes.len() {
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_hexdigit())
            && (i + 36 == bytes.len() || !bytes[i + 36].is_ascii_hexdigit());
        if bounded && let Some(cand) = s.get(i..i + 36).filter(|c| crate::validate::is_guid(c)) {
            if !allowed.contains(&cand.to_ascii_lowercase()) {
                push(spans, i, i + 36, Rule::Guid);
            }
            i += 36;
            continue;
        }
        i += char_len(s, i);
    }
}

/// Length in bytes of the character at `i` (1 past the end, so loops always advance).
fn char_len(s: &str, i: usize) -> usize {
    s.get(i..)
        .and_then(|rest| rest.chars().next())
        .map_or(1, char::len_utf8)
}

/// The first index at or after `from` whose byte does not satisfy `keep`.
fn skip(bytes: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut i = from.min(bytes.len());
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

/// After a hint at `from`: optional spaces and closing quotes, then `=` or `:`; the index
/// after the separator.
fn separator_after(bytes: &[u8], from: usize) -> Option<usize> {
    let j = skip(bytes, from, |b| matches!(b, b' ' | b'\t' | b'"' | b'\''));
    matches!(bytes.get(j), Some(b'=' | b':')).then_some(j + 1)
}

/// The span of the secret value starting after a separator at `from`: a quoted string, the
/// rest of the line (`whole_line`), or one word, where a leading authorization scheme takes
/// the word after it along.
fn secret_value(s: &str, lower: &str, from: usize, whole_line: bool) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let start = skip(bytes, from, |b| b == b' ' || b == b'\t');
    let line_end = s[start..].find(['\n', '\r']).map_or(s.len(), |e| start + e);
    if let Some(&q) = bytes.get(start).filter(|b| matches!(b, b'"' | b'\''))
        && let Some(close) = s[start + 1..line_end].find(q as char)
    {
        let (a, b) = (start + 1, start + 1 + close);
        return (b > a).then_some((a, b));
    }
    let start = skip(bytes, start, |b| b == b'"' || b == b'\'');
    if whole_line {
        let end = s[start..line_end].trim_end().len() + start;
        return (end > start).then_some((start, end));
    }
    let end = word_end(s, start);
    if SCHEMES.iter().any(|scheme| &lower[start..end] == *scheme) {
        let next = skip(bytes, end, |b| b == b' ' || b == b'\t');
        let next_end = word_end(s, next);
        if next_end > next {
            return Some((start, next_end));
        }
    }
    (end > start).then_some((start, end))
}

/// Exactly one of our own replacements (so a second pass neither changes nor counts it).
fn is_placeholder(value: &str) -> bool {
    [SECRET, TOKEN, JWT, SIGNATURE, CREDENTIALS].contains(&value)
        || value
            .strip_prefix("<email-")
            .and_then(|rest| rest.strip_suffix('>'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn word_end(s: &str, from: usize) -> usize {
    s[from..]
        .find(|c: char| {
            c.is_whitespace() || matches!(c, '&' | ',' | ';' | '"' | '\'' | '<' | '>' | ')' | '}')
        })
        .map_or(s.len(), |e| from + e)
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// RFC 6750 `b64token` characters (without the trailing `=` padding).
fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

fn is_email_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// `contoso.com`, `mail.contoso.co.uk`: dot-separated labels, an alphabetic top level.
fn is_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
