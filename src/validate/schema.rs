//! The rules of this module's parent as OpenAPI schemas, for inputs whose rules the Rust types
//! cannot state. The document must accept exactly
//! what the rules accept (Schemathesis checks both directions: schema-valid input must not be
//! refused, schema-invalid input must be), so these patterns spell out `str::trim`,
//! `char::is_control` and the length limits the services apply.
//!
//! Use them with `#[schema(schema_with = ...)]` on body fields and `#[param(schema_with = ...)]`
//! on query fields.

use utoipa::openapi::{
    Object, ObjectBuilder, Type,
    schema::{SchemaType, Type as T},
};

/// Unicode `White_Space`: what `str::trim` removes.
const WS: &str =
    r"[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Neither whitespace nor a control character.
const VISIBLE: &str =
    r"[^ \u0000-\u001F\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Anything but a control character.
const LINE: &str = r"[^\u0000-\u001F\u007F-\u009F]";
/// Anything but a control character other than tab, line feed and carriage return.
const TEXT: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";

/// Text that, trimmed, holds 1 to `max` characters and no control characters (tab and line
/// breaks allowed when `multiline`); with `blank_ok` an all-whitespace value (treated as absent)
/// fits too.
pub fn trimmed_text(max: usize, multiline: bool, blank_ok: bool) -> String {
    let inner = if multiline { TEXT } else { LINE };
    let body = format!(
        "{VISIBLE}(?:{inner}{{0,{}}}{VISIBLE})?",
        max.saturating_sub(2)
    );
    let body = if blank_ok {
        format!("(?:{body})?")
    } else {
        body
    };
    format!("^{WS}*{body}{WS}*$")
}

fn string(nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([T::String, T::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(ty)
}

/// A string that is one of `values`.
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    let values: Vec<String> = values.into_iter().map(str::to_string).collect();
    string(false).enum_values(Some(values)).build()
}

/// A query filter: one of `values`, or empty for "no filter".
pub fn filter<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    one_of(std::iter::once("").chain(values))
}

/// Required single-line text (trimmed 1..=`max` characters).
pub fn line(max: usize) -> Object {
    string(false)
        .pattern(Some(trimmed_text(max, false, false)))
        .build()
}

/// Optional single-line text: `null`, blank (absent) or trimmed 1..=`max` characters.
pub fn optional_line(max: usize) -> Object {
    string(true)
        .pattern(Some(trimmed_text(max, false, true)))
        .build()
}

/// Optional multi-line text: `null`, blank (absent) or trimmed 1..=`max` characters.
pub fn optional_text(max: usize) -> Object {
    string(true)
        .pattern(Some(trimmed_text(max, true, true)))
        .build()
}

/// Optional e-mail address as `validate::email` accepts it, in its ASCII form: one `@`,
/// something before it, a dot inside the part after it, at most 254 characters; blank is absent.
pub fn optional_email() -> Object {
    let any = r"[!-?A-~]";
    let edge = r"[!-,/-?A-~-]";
    string(true)
        .pattern(Some(format!(
            "^(?:{WS}*|{any}+@{edge}{any}*\\.{any}*{edge})$"
        )))
        .max_length(Some(254))
        .build()
}

/// Optional absolute `http`/`https` URL without credentials, at most 2000 characters; blank is
/// absent. Stated for ASCII host names (the last label starts with a letter, so it is never
/// read as an IPv4 address).
pub fn optional_web_url() -> Object {
    let label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    let tld = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    string(true)
        .pattern(Some(format!(
            "^(?:{WS}*|[Hh][Tt][Tt][Pp][Ss]?://(?:{label}\\.)*{tld}(?::[1-9][0-9]{{0,3}})?(?:[/?#][!-~]*)?)$"
        )))
        .max_length(Some(2000))
        .build()
}
