//! Redaction for support diagnostics. Always on: secrets (tokens, client secrets, passwords,
//! JWT-shaped strings, credentials in URLs) are removed, and e-mail addresses and GUIDs that are
//! not the tenant's own ids are replaced by placeholders that stay consistent within one bundle,
//! so a reader can still tell "the same user did both" without learning who.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One redaction rule and what it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The value of a key that names a secret (`client_secret`, `password`, `token`, …).
    SecretKey,
    /// A JWT-shaped string (three base64url parts, the first starting `eyJ`).
    Jwt,
    /// A TenantPilot API token (`tp_…`) or a bearer credential.
    BearerToken,
    /// `user:password@` in a URL.
    UrlCredentials,
    /// `password=…`, `secret=…`, `client_secret=…` inside free text.
    InlineSecret,
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

/// A redaction pass over one bundle; keeps placeholder numbering consistent across values.
#[derive(Debug, Default)]
pub struct Redactor {
    allowed_ids: Vec<String>,
    emails: BTreeMap<String, usize>,
    guids: BTreeMap<String, usize>,
    counts: BTreeMap<Rule, usize>,
}

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

impl Redactor {
    /// A redactor that leaves `allowed_ids` (the tenant's own GUIDs) readable.
    pub fn new(allowed_ids: &[&str]) -> Redactor {
        Redactor {
            allowed_ids: allowed_ids.iter().map(|s| s.to_ascii_lowercase()).collect(),
            ..Redactor::default()
        }
    }

    fn bump(&mut self, rule: Rule) {
        *self.counts.entry(rule).or_default() += 1;
    }

    /// Redacts every string in `value` (keys included in the secret-key rule).
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
                        out.insert(k, Value::String("[redacted:secret]".into()));
                    } else {
                        out.insert(k, self.value(v));
                    }
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    /// Redacts one string.
    pub fn text(&mut self, input: &str) -> String {
        let s = self.url_credentials(input);
        let s = self.inline_secrets(&s);
        let s = self.tokens(&s);
        let s = self.emails(&s);
        self.guids(&s)
    }

    fn url_credentials(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("://") {
            let (head, tail) = rest.split_at(i + 3);
            out.push_str(head);
            let end = tail
                .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
                .unwrap_or(tail.len());
            let authority = &tail[..end];
            if let Some(at) = authority.rfind('@') {
                self.bump(Rule::UrlCredentials);
                out.push_str("[redacted:credentials]@");
                out.push_str(&authority[at + 1..]);
            } else {
                out.push_str(authority);
            }
            rest = &tail[end..];
        }
        out.push_str(rest);
        out
    }

    fn inline_secrets(&mut self, s: &str) -> String {
        let lower = s.to_ascii_lowercase();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let bytes = s.as_bytes();
        while i < s.len() {
            let hit = SECRET_KEY_HINTS.iter().find_map(|h| {
                lower[i..].starts_with(h).then(|| {
                    let mut j = i + h.len();
                    // allow `client_secret`, `password :`, `token=` …
                    while j < s.len() && (bytes[j] == b' ' || bytes[j] == b'"') {
                        j += 1;
                    }
                    (j < s.len() && (bytes[j] == b'=' || bytes[j] == b':')).then_some(j + 1)
                })?
            });
            match hit {
                Some(mut j) => {
                    while j < s.len() && (bytes[j] == b' ' || bytes[j] == b'"') {
                        j += 1;
                    }
                    let word_end = |from: usize| {
                        s[from..]
                            .find(|c: char| c.is_whitespace() || matches!(c, '&' | ',' | ';' | '"'))
                            .map_or(s.len(), |e| from + e)
                    };
                    let mut end = word_end(j);
                    // `Authorization: Bearer <token>`: the scheme is not the secret, the next word is.
                    let scheme = &s[j..end];
                    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic")
                    {
                        let mut k = end;
                        while k < s.len() && bytes[k] == b' ' {
                            k += 1;
                        }
                        end = word_end(k);
                    }
                    if end > j {
                        self.bump(Rule::InlineSecret);
                        out.push_str(&s[i..j]);
                        out.push_str("[redacted:secret]");
                        i = end;
                    } else {
                        out.push_str(&s[i..j]);
                        i = j;
                    }
                }
                None => {
                    let c = s[i..].chars().next().unwrap_or(' ');
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }

    fn tokens(&mut self, s: &str) -> String {
        let mut out = Vec::new();
        let mut bearer_next = false;
        for word in split_keep(s) {
            let core = word.trim_matches(|c: char| !is_token_char(c));
            let is_jwt = core.starts_with("eyJ")
                && core.split('.').count() == 3
                && core
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(is_b64url));
            let is_tp = core.starts_with("tp_") && core.len() >= 12;
            if !core.is_empty() && is_jwt {
                self.bump(Rule::Jwt);
                out.push(word.replace(core, "[redacted:jwt]"));
            } else if !core.is_empty() && (is_tp || (bearer_next && core.len() >= 8)) {
                self.bump(Rule::BearerToken);
                out.push(word.replace(core, "[redacted:token]"));
            } else {
                out.push(word.to_string());
            }
            if !word.trim().is_empty() {
                bearer_next = core.eq_ignore_ascii_case("bearer");
            }
        }
        out.concat()
    }

    fn emails(&mut self, s: &str) -> String {
        let mut out = Vec::new();
        for word in split_keep(s) {
            let core = word.trim_matches(|c: char| !is_email_char(c));
            if looks_like_email(core) {
                let key = core.to_ascii_lowercase();
                let next = self.emails.len() + 1;
                let n = *self.emails.entry(key).or_insert(next);
                self.bump(Rule::Email);
                out.push(word.replace(core, &format!("<email-{n}>")));
            } else {
                out.push(word.to_string());
            }
        }
        out.concat()
    }

    fn guids(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if i + 36 <= chars.len()
                && (i == 0 || !chars[i - 1].is_ascii_hexdigit())
                && (i + 36 == chars.len() || !chars[i + 36].is_ascii_hexdigit())
            {
                let cand: String = chars[i..i + 36].iter().collect();
                if crate::validate::is_guid(&cand) {
                    let key = cand.to_ascii_lowercase();
                    if self.allowed_ids.contains(&key) {
                        out.push_str(&cand);
                    } else {
                        let next = self.guids.len() + 1;
                        let n = *self.guids.entry(key).or_insert(next);
                        self.bump(Rule::Guid);
                        out.push_str(&format!("<guid-{n}>"));
                    }
                    i += 36;
                    continue;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
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
                    Rule::SecretKey | Rule::InlineSecret => "[redacted:secret]",
                    Rule::Jwt => "[redacted:jwt]",
                    Rule::BearerToken => "[redacted:token]",
                    Rule::UrlCredentials => "[redacted:credentials]@host",
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

fn split_keep(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|w| w != space) {
            parts.push(&s[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_token_char(c: char) -> bool {
    is_b64url(c) || c == '.'
}

fn is_email_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-@".contains(c)
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
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
        assert!(m.total >= 8, "{m:?}");
        for rule in [
            Rule::SecretKey,
            Rule::Email,
            Rule::Guid,
            Rule::UrlCredentials,
            Rule::Jwt,
            Rule::BearerToken,
            Rule::InlineSecret,
        ] {
            assert!(m.rules.iter().any(|c| c.rule == rule), "{rule:?} counted");
        }
    }

    #[test]
    fn harmless_text_is_untouched() {
        let mut r = Redactor::new(&[]);
        let s = "Consent granted; 6 of 6 permissions. Run #42 at 2026-11-23T09:00:00Z, see https://learn.microsoft.com/graph/throttling";
        assert_eq!(r.text(s), s);
        assert_eq!(r.manifest().total, 0);
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

    proptest! {
        #[test]
        fn no_email_survives(prefix in "[ -~]{0,30}", e in email(), suffix in "[ -~]{0,30}") {
            let mut r = Redactor::new(&[]);
            let text = r.value(json!({"m": format!("{prefix} {e} {suffix}"), "list": [e.clone()]})).to_string();
            prop_assert!(!text.contains(&e), "{} in {}", e, text);
        }

        #[test]
        fn no_jwt_or_token_survives(prefix in "[a-z ]{0,20}", t in jwt(), tp in "tp_[A-Za-z0-9]{10,40}") {
            let mut r = Redactor::new(&[]);
            let text = r.text(&format!("{prefix} {t} and ({tp})"));
            prop_assert!(!text.contains(&t), "{}", text);
            prop_assert!(!text.contains(&tp), "{}", text);
        }

        #[test]
        fn no_secret_value_survives(s in secret(), key in prop::sample::select(vec!["client_secret", "password", "apiToken", "Authorization"])) {
            let mut r = Redactor::new(&[]);
            let as_field = r.value(json!({ key: s.clone() })).to_string();
            prop_assert!(!as_field.contains(&s), "{}", as_field);
            let inline = r.text(&format!("failed with {key}={s} at step 2"));
            prop_assert!(!inline.contains(&s), "{}", inline);
            let in_url = r.text(&format!("https://user:{s}@host.example/x"));
            prop_assert!(!in_url.contains(&format!(":{s}@")), "{}", in_url);
        }
    }
}
