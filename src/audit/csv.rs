//! CSV text of the audit export: RFC 4180 records (CRLF line ends, a field quoted when it holds
//! a comma, a quote, CR or LF, quotes doubled) whose cells cannot be read as formulas by a
//! spreadsheet (a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`).

use std::borrow::Cow;

/// Characters a spreadsheet may read as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell: neutralised against formula injection, then quoted when RFC 4180 needs it.
pub fn cell(value: &str) -> Cow<'_, str> {
    let neutral: Cow<'_, str> = if value.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    };
    if neutral.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", neutral.replace('"', "\"\"")))
    } else {
        neutral
    }
}

/// One record of `fields`, with its CRLF line end, appended to `out`.
pub fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(field));
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed_and_never_formulas() {
        let cases = [
            ("plain", "plain"),
            ("", ""),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\rhere", "\"cr\rhere\""),
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            (
                "=HYPERLINK(\"x\",\"y\")",
                "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"",
            ),
            ("a=b", "a=b"),
            ("{\"k\":1}", "\"{\"\"k\"\":1}\""),
        ];
        for (input, expected) in cases {
            assert_eq!(cell(input), expected, "{input:?}");
        }
        let mut out = String::new();
        push_record(&mut out, ["a", "b,c", "-d"]);
        push_record(&mut out, ["e"]);
        assert_eq!(out, "a,\"b,c\",'-d\r\ne\r\n");
    }
}
