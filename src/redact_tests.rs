//! Unit tests of `redact.rs`.

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
