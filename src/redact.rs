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

/// Names that, followed by `=` or `:`, announce a secret value in free text. Matched
/// case-insensitively anywhere (so `clientSecret`, `x-api-key` and `access_token` hit too).
const INLINE_HINTS: [&str; 19] = [
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "authorization",
    "cookie",
    "credential",
    "api_key",
    "apikey",
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
                    let next = self.emails.len() + 1;
                    let n = *self
                        .emails
                        .entry(found.to_ascii_lowercase())
                        .or_insert(next);
                    out.push_str(&format!("<email-{n}>"));
                }
                Rule::Guid => {
                    let next = self.guid_numbers.len() + 1;
                    let n = *self
                        .guid_numbers
                        .entry(found.to_ascii_lowercase())
                        .or_insert(next);
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
        let hint = INLINE_HINTS
            .iter()
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

/// `eyJ…` followed by base64url parts joined by dots (JWS, JWE), or a long bare `eyJ…` part.
fn jwts(s: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(found) = s[from..].find("eyJ") {
        let start = from + found;
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
        if is_jwt {
            push(spans, start, end, Rule::Jwt);
            from = end;
        } else {
            from = start + 3;
        }
    }
}

/// `tp_<random>`, our own API tokens: at the start of a word, or glued to a word when the
/// random part looks random (long, mixed case and digits), so `smtp_server_name` stays.
fn api_tokens(s: &str, spans: &mut Vec<Span>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(found) = s[from..].find("tp_") {
        let start = from + found;
        let at_word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let end = skip(bytes, start + 3, is_b64url);
        let random = &bytes[start + 3..end];
        let looks_random = random.len() >= 20
            && random.iter().any(u8::is_ascii_uppercase)
            && random.iter().any(u8::is_ascii_lowercase)
            && random.iter().any(u8::is_ascii_digit);
        if (at_word_start && random.len() >= 9) || looks_random {
            push(spans, start, end, Rule::BearerToken);
            from = end;
        } else {
            from = start + 3;
        }
    }
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const TENANT_GUID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn each_rule_applies_and_is_counted() {
        let mut r = Redactor::new(&[TENANT_GUID]);
        let out = r.value(json!({
            "client_secret": "s3cr3t-value",
            "message": "AADSTS65001 for admin@contoso.com and ADMIN@contoso.com, trace 0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b in tenant 72f988bf-86f1-41af-91ab-2d7cd011db47",
            "url": "https://svc:hunter2@desk.example.com/api?x=1",
            "log": "Authorization: Bearer abcdefghijklmnop then eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.c2ln and tp_0123456789abcdef password=Winter2026!",
            "sig": format!("X-Hub: sha256={}", "ab".repeat(32)),
            "ok": true,
        }));
        let text = out.to_string();
        for secret in [
            "s3cr3t-value",
            "hunter2",
            "abcdefghijklmnop",
            "eyJhbGci",
            "tp_0123456789abcdef",
            "Winter2026",
            "admin@contoso.com",
            "ADMIN@",
            "0b9d5a5e",
            "abababab",
        ] {
            assert!(!text.contains(secret), "{secret} survived: {text}");
        }
        assert!(text.contains(TENANT_GUID), "the tenant's own id stays");
        assert!(
            text.contains("<email-1> and <email-1>"),
            "consistent placeholders: {text}"
        );
        assert!(text.contains("<guid-1>"));
        assert!(text.contains("desk.example.com"));
        let m = r.manifest();
        assert!(m.total >= 9, "{m:?}");
        for rule in [
            Rule::SecretKey,
            Rule::Email,
            Rule::Guid,
            Rule::UrlCredentials,
            Rule::InlineSecret,
            Rule::Jwt,
            Rule::BearerToken,
            Rule::Signature,
        ] {
            assert!(m.rules.iter().any(|c| c.rule == rule), "{rule:?} counted");
        }
    }

    #[test]
    fn harmless_text_is_untouched() {
        let mut r = Redactor::new(&[]);
        for s in [
            "Consent granted; 6 of 6 permissions. Run #42 at 2026-11-23T09:00:00Z, see https://learn.microsoft.com/graph/throttling",
            "Paused for the maintenance window: the secret sauce is patience, 3 tokens left",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value",
            "smtp_server_configuration http_proxy_settings sha256 checksum ok eyJ",
            "tenant.created owner readonly SR-01JDZK6N9Z2Q0X4T7W8Y5V3B1C",
        ] {
            assert_eq!(r.text(s), s);
        }
        assert_eq!(r.manifest().total, 0);
    }

    #[test]
    fn redacted_text_is_not_redacted_again() {
        let mut r = Redactor::new(&[]);
        let once = r.text("password=hunter2 at https://u:p@h.example and Bearer abcdefghij");
        let mut again = Redactor::new(&[]);
        assert_eq!(again.text(&once), once);
        assert_eq!(
            again.manifest().total,
            0,
            "placeholders are not counted twice"
        );
        assert_eq!(
            text("password=[redacted:secret]tail"),
            "password=[redacted:secret]",
            "only an exact placeholder is left alone"
        );
    }

    #[test]
    fn plain_text_keeps_guids() {
        let s = format!("tenant {TENANT_GUID} and 0b9d5a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
        assert_eq!(text(&s), s);
    }

    #[test]
    fn bearer_credentials() {
        let out = text("401: the call sent Bearer abc.DEF-123_xyz~+/== and was refused");
        assert_eq!(
            out,
            "401: the call sent Bearer [redacted:token] and was refused"
        );
        assert_eq!(
            text("authorization: bearer QWxhZGRpbjpvcGVu"),
            "authorization: [redacted:secret]"
        );
        assert_eq!(
            text("Authorization: Basic QWxhZGRpbjpvcGVu"),
            "Authorization: [redacted:secret]"
        );
        // Not a credential: too short to be one.
        assert_eq!(text("a Bearer token"), "a Bearer token");
    }

    #[test]
    fn jwt_shapes() {
        let jws = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert_eq!(text(&format!("got {jws}!")), "got [redacted:jwt]!");
        assert_eq!(
            text(&format!("id_token={jws}")),
            "id_token=[redacted:secret]"
        );
        assert_eq!(text(&format!("x{jws}")), "x[redacted:jwt]");
        assert_eq!(
            text("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. end"),
            "unsigned [redacted:jwt] end"
        );
        let jwe = "eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2o.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rp.XFBoMYUZodetZdvTiFvSkQ";
        assert_eq!(text(jwe), "[redacted:jwt]");
        assert_eq!(text("eyJhbGciOiJSUzI1NiIsImtpZCI6"), "[redacted:jwt]");
    }

    #[test]
    fn key_value_secrets() {
        for (input, expected) in [
            ("password=Winter2026!", "password=[redacted:secret]"),
            ("client_secret: abc~def", "client_secret: [redacted:secret]"),
            (
                "{\"client_secret\":\"a b c\"}",
                "{\"client_secret\":\"[redacted:secret]\"}",
            ),
            ("clientSecret = 'x y'", "clientSecret = '[redacted:secret]'"),
            ("?api_key=k1&x=2", "?api_key=[redacted:secret]&x=2"),
            ("X-Api-Key: k-123", "X-Api-Key: [redacted:secret]"),
            ("access_token: zzz", "access_token: [redacted:secret]"),
            ("Signature: abcdef", "Signature: [redacted:secret]"),
            (
                "https://acct.blob/x?sv=1&sig=AbC%2Fd",
                "https://acct.blob/x?sv=1&sig=[redacted:secret]",
            ),
            ("Cookie: a=1; b=2\nnext", "Cookie: [redacted:secret]\nnext"),
            (
                "Idempotency-Key: SR-01JDZK6N9Z",
                "Idempotency-Key: [redacted:secret]",
            ),
        ] {
            assert_eq!(text(input), expected, "{input}");
        }
    }

    #[test]
    fn api_tokens() {
        assert_eq!(
            text("use tp_AbC-123_xyz456 now"),
            "use [redacted:token] now"
        );
        assert_eq!(text("(tp_0123456789)"), "([redacted:token])");
        assert_eq!(
            text("tp_abcdef"),
            "tp_abcdef",
            "the stored display prefix stays"
        );
        assert_eq!(
            text("e1tp_Ir1z_c_k9oNiGpnVaDDZJ2-9-qp3x"),
            "e1[redacted:token]",
            "glued to a word, a random-looking token still goes"
        );
        assert_eq!(
            text("smtp_server_configuration_value http_proxy_settings_for_all_hosts"),
            "smtp_server_configuration_value http_proxy_settings_for_all_hosts"
        );
    }

    #[test]
    fn url_credentials() {
        assert_eq!(
            text("see https://svc:hunter2@desk.example/x?y=1"),
            "see https://[redacted:credentials]@desk.example/x?y=1"
        );
        assert_eq!(
            text("https://desk.example/x?email=a@b.example"),
            "https://desk.example/x?email=<email-1>"
        );
    }

    #[test]
    fn signatures_and_request_headers() {
        let hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            text(&format!("X-TenantPilot-Signature: sha256={hex}")),
            "X-TenantPilot-Signature: [redacted:secret]"
        );
        assert_eq!(
            text(&format!("signed sha256={hex}.")),
            "signed sha256=[redacted:signature]."
        );
        assert_eq!(
            text("sha256=abc"),
            "sha256=abc",
            "too short to be a signature"
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            text("from Admin@Contoso.com, cc admin@contoso.com; to x.y+z@mail.fabrikam.co.uk."),
            "from <email-1>, cc <email-1>; to <email-2>."
        );
        assert_eq!(text("x@y user@ex.com"), "x@y <email-1>");
        assert_eq!(text("x@user@ex.com"), "x@<email-1>");
        assert_eq!(text("@ @@ a@ @b.c a@b"), "@ @@ a@ @b.c a@b");
    }

    #[test]
    fn unicode_and_char_boundaries() {
        for s in [
            "Passwort: ä€𝄞 und password=ünïcødé!",
            "€@€.€ ü@ü.com Bearer ääääääääää token=",
            "é://ü:ö@ä/ eyJ€ tp_€€€€€€€€€€ sha256=€",
            "ü",
            "",
            "password",
            "password=",
            "token: \"",
            "token: 'unterminated\nnext",
            "\u{0}\u{7f}\u{200b}secret:\u{200b}x",
        ] {
            let once = text(s);
            let mut r = Redactor::new(&[]);
            let _ = r.text(s);
            assert!(!once.contains("ünïcødé"), "{once}");
            let _ = text(&once);
        }
        assert_eq!(
            text("Mandant Müller GmbH – Störung"),
            "Mandant Müller GmbH – Störung"
        );
    }

    #[test]
    fn json_strings_redacts_values_not_keys() {
        let out = json_strings(json!({
            "reason": "maintenance, password=hunter2",
            "token": "kept: key names are ours",
            "list": ["a@b.example", 1, {"deep": "Bearer abcdefghijk"}],
            "n": 3,
        }));
        assert_eq!(out["reason"], "maintenance, password=[redacted:secret]");
        assert_eq!(out["token"], "kept: key names are ours");
        assert_eq!(
            out["list"],
            json!(["<email-1>", 1, {"deep": "Bearer [redacted:token]"}])
        );
        assert_eq!(out["n"], 3);
    }

    fn email() -> impl Strategy<Value = String> {
        (
            "[a-z][a-z0-9._+-]{0,12}",
            "[a-z][a-z0-9-]{0,10}",
            "[a-z]{2,6}",
        )
            .prop_map(|(l, d, t)| format!("{l}@{d}.{t}"))
    }

    fn jwt() -> impl Strategy<Value = String> {
        (
            "[A-Za-z0-9_-]{4,30}",
            "[A-Za-z0-9_-]{4,60}",
            "[A-Za-z0-9_-]{4,40}",
        )
            .prop_map(|(a, b, c)| format!("eyJ{a}.{b}.{c}"))
    }

    fn secret() -> impl Strategy<Value = String> {
        "[A-Za-z0-9!%*+^~]{8,24}"
    }

    /// Text around a canary: anything, printable or not, ASCII or not.
    fn noise() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,30}",
            any::<String>().prop_map(|s| s.chars().take(30).collect()),
            "[a-zäöüß€ .,:;=\"'@/]{0,30}",
        ]
    }

    /// A separator that ends a word (the canary is embedded as a word of its own).
    fn sep() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![" ", "\n", ", ", " (", "\t", "; ", " \""])
    }

    /// A canary of one class and the secret part that must not survive.
    fn canary() -> impl Strategy<Value = (String, String)> {
        prop_oneof![
            "[A-Za-z0-9._~+/-]{8,40}".prop_map(|t| (format!("Bearer {t}"), t)),
            jwt().prop_map(|j| (j.clone(), j)),
            (
                secret(),
                prop::sample::select(vec![
                    "password",
                    "client_secret",
                    "api_key",
                    "token",
                    "signature"
                ]),
                prop::sample::select(vec!["=", ": ", " = ", ":"]),
            )
                .prop_map(|(s, k, eq)| (format!("{k}{eq}{s}"), s)),
            "[A-Za-z0-9_-]{20,43}".prop_map(|t| (format!("tp_{t}"), format!("tp_{t}"))),
            ("[a-z]{1,10}", secret()).prop_map(|(u, p)| (
                format!("https://{u}:{p}@host.example/x"),
                format!("{u}:{p}")
            )),
            email().prop_map(|e| (e.clone(), e)),
            "[0-9a-f]{64}".prop_map(|h| (format!("sha256={h}"), h)),
        ]
    }

    proptest! {
        #[test]
        fn no_canary_survives(
            prefix in noise(),
            left in sep(),
            (canary, secret) in canary(),
            right in sep(),
            suffix in noise(),
        ) {
            let input = format!("{prefix}{left}{canary}{right}{suffix}");
            let out = text(&input);
            prop_assert!(!out.contains(&secret), "{:?} survived in {:?}", secret, out);
            let mut r = Redactor::new(&[]);
            let bundle = r.value(json!({"m": input, "list": [canary]})).to_string();
            prop_assert!(!bundle.contains(&secret), "{:?} survived in {:?}", secret, bundle);
        }

        #[test]
        fn every_canary_in_one_string(
            parts in prop::collection::vec((noise(), sep(), canary()), 1..8),
        ) {
            let mut input = String::new();
            for (noise, sep, (canary, _)) in &parts {
                input.push_str(noise);
                input.push_str(sep);
                input.push_str(canary);
                input.push_str(sep);
            }
            let out = text(&input);
            for (_, _, (_, secret)) in &parts {
                prop_assert!(!out.contains(secret.as_str()), "{:?} survived in {:?}", secret, out);
            }
        }

        #[test]
        fn total_on_any_input(s in any::<String>(), t in "[ -~äö€𝄞]{0,200}") {
            let _ = text(&s);
            let _ = text(&t);
            let mut r = Redactor::new(&[TENANT_GUID]);
            let _ = r.text(&format!("{s}{t}{s}"));
        }

        #[test]
        fn no_secret_value_survives_as_field(s in secret(), key in prop::sample::select(vec!["client_secret", "password", "apiToken", "Authorization"])) {
            let mut r = Redactor::new(&[]);
            let as_field = r.value(json!({ key: s.clone() })).to_string();
            prop_assert!(!as_field.contains(&s), "{}", as_field);
        }
    }
}
