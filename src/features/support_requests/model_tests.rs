//! Unit tests of the submission rules in [`super`].

use super::*;

fn base() -> Submission {
    Submission {
        summary: "Sync fails".into(),
        ..Submission::default()
    }
}

#[test]
fn defaults_are_normal_and_internal_only() {
    let v = base()
        .validate(DeskAvailability::NotConfigured)
        .expect("valid");
    assert_eq!(v.severity, Severity::Normal);
    assert_eq!(v.handoff_mode, HandoffMode::InternalOnly);
    assert_eq!(v.link, None);
}

#[test]
fn every_rule_is_reported_at_once() {
    let s = Submission {
        severity: "urgent".into(),
        summary: "   ".into(),
        contact_email: Some("not-an-address".into()),
        contact_name: Some("x".repeat(MAX_CONTACT_NAME + 1)),
        handoff_mode: "email".into(),
        ..Submission::default()
    };
    let fields: Vec<&str> = s
        .validate(DeskAvailability::Available)
        .unwrap_err()
        .iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "severity",
            "summary",
            "contact_name",
            "contact_email",
            "handoff_mode"
        ]
    );
}

#[test]
fn create_needs_a_configured_desk() {
    let s = Submission {
        handoff_mode: "create_external_ticket".into(),
        target_available: Some(true),
        ..base()
    };
    let errors = s.validate(DeskAvailability::NotConfigured).unwrap_err();
    assert_eq!(errors[0].key, "support-desk-unavailable");
    let errors = s.validate(DeskAvailability::Paused).unwrap_err();
    assert_eq!(errors[0].key, "support-desk-paused");
    assert!(s.validate(DeskAvailability::Available).is_ok());
}

#[test]
fn link_needs_a_reference_and_a_web_url() {
    let mut s = Submission {
        handoff_mode: "link_existing_ticket".into(),
        ..base()
    };
    assert_eq!(
        s.validate(DeskAvailability::NotConfigured).unwrap_err()[0].key,
        "support-link-reference-required"
    );
    s.external_ticket_reference = Some(" T-42 ".into());
    for bad in [
        "javascript:alert(1)",
        "ftp://desk/1",
        "desk.example/1",
        "https://user:pw@desk.example/1",
    ] {
        s.external_ticket_url = Some(bad.into());
        assert_eq!(
            s.validate(DeskAvailability::NotConfigured).unwrap_err()[0].key,
            "support-link-url-invalid",
            "{bad}"
        );
    }
    s.external_ticket_url = Some("https://desk.example/t/42".into());
    let v = s
        .validate(DeskAvailability::NotConfigured)
        .expect("valid link");
    assert_eq!(
        v.link,
        Some(("T-42".into(), Some("https://desk.example/t/42".into())))
    );
}

#[test]
fn notes_keep_newlines_but_not_other_control_characters() {
    let mut s = Submission {
        reproduction_notes: Some("1. open\n2. click\tsave".into()),
        ..base()
    };
    assert!(s.validate(DeskAvailability::NotConfigured).is_ok());
    s.reproduction_notes = Some("bell \u{7}".into());
    assert_eq!(
        s.validate(DeskAvailability::NotConfigured).unwrap_err()[0].key,
        "validation-control-chars"
    );
    s.reproduction_notes = None;
    s.summary = "two\nlines".into();
    assert_eq!(
        s.validate(DeskAvailability::NotConfigured).unwrap_err()[0].key,
        "validation-control-chars"
    );
}
