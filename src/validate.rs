//! Small input rules shared by forms, the API and the CLI, so all three refuse the same things.

use crate::error::Invalid;

pub mod schema;

/// Lowercase slug: 2–63 characters of a–z, 0–9 and '-', starting with a letter or digit.
pub fn slug(field: &'static str, value: &str, errors: &mut Vec<Invalid>) {
    let ok = (2..=63).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-');
    if !ok {
        errors.push(Invalid {
            field,
            key: "validation-slug",
        });
    }
}

/// Trimmed, non-empty display text of at most `max` characters, no control characters.
pub fn text(field: &'static str, value: &str, max: usize, errors: &mut Vec<Invalid>) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(Invalid {
            field,
            key: "validation-required",
        });
    } else if trimmed.chars().count() > max {
        errors.push(Invalid {
            field,
            key: "validation-too-long",
        });
    } else if trimmed.chars().any(char::is_control) {
        errors.push(Invalid {
            field,
            key: "validation-control-chars",
        });
    }
}

/// A plausible e-mail address: one '@', something before it, a dot after it, at most 254 bytes.
pub fn email(field: &'static str, value: &str, errors: &mut Vec<Invalid>) {
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if !ok {
        errors.push(Invalid {
            field,
            key: "validation-email",
        });
    }
}

/// Normalised form of an e-mail address for lookups and uniqueness.
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Ok when no rule failed, else all failures at once.
pub fn finish(errors: Vec<Invalid>) -> Result<(), crate::error::ServiceError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::error::ServiceError::Invalid(errors))
    }
}

/// Whether `s` is a GUID in its canonical 8-4-4-4-12 hex form (Entra tenant and object ids).
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Whether `s` names an Entra directory: its tenant GUID or a domain name such as
/// `contoso.onmicrosoft.com`. One rule for provider connections and onboarding.
pub fn is_directory_id(s: &str) -> bool {
    let domain = s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
        });
    is_guid(s) || domain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: impl Fn(&mut Vec<Invalid>)) -> bool {
        let mut e = Vec::new();
        f(&mut e);
        e.is_empty()
    }

    #[test]
    fn slugs() {
        assert!(check(|e| slug("s", "contoso-msp", e)));
        assert!(!check(|e| slug("s", "Contoso", e)));
        assert!(!check(|e| slug("s", "-x", e)));
        assert!(!check(|e| slug("s", "a", e)));
        assert!(!check(|e| slug("s", "a/b", e)));
    }

    #[test]
    fn texts() {
        assert!(check(|e| text("t", " Contoso ", 10, e)));
        assert!(!check(|e| text("t", "   ", 10, e)));
        assert!(!check(|e| text("t", "x\u{7}y", 10, e)));
        assert!(!check(|e| text("t", "ü".repeat(11).as_str(), 10, e)));
    }

    #[test]
    fn emails() {
        assert!(check(|e| email("e", "owner@contoso.test", e)));
        for bad in ["", "a", "a@b", "@b.c", "a@@b.c", "a b@c.d", "a@.c", "a@c."] {
            assert!(!check(|e| email("e", bad, e)), "{bad}");
        }
    }
}
