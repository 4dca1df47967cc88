//! The one way into the telemetry ledger. An event is built from typed parts and checked
//! against the catalog before it can be written: metadata values are [`MetaValue`]s of the kind
//! the catalog allows for their key, so free text, e-mail addresses, nested payloads and unknown
//! keys are refused with a [`MetadataError`] rather than silently dropped.
//!
//! Writes happen inside the caller's transaction, next to the source change (the run insert,
//! the audit row of an opening, the stored report), so a rolled-back source leaves no event and
//! a committed one always has its event. Seams call [`record_in`], which skips (and logs) an
//! event that cannot be recorded: telemetry never makes the user's action fail.

use super::catalog::Event;
pub use super::model::{
    MAX_ID, MAX_TYPE_LEN, MetaValue, Metadata, MetadataError, TelemetryError, TenantRef,
    UsageEvent, is_canonical_type,
};
use super::repo;
use crate::db::Tx;
use chrono::{DateTime, Utc};

/// Writes `event` (ledger row plus rollups) inside `tx`; returns the ledger row id.
pub async fn record(tx: &mut Tx, event: &UsageEvent) -> Result<i64, sqlx::Error> {
    repo::insert(tx, event).await
}

/// The seam entry point: writes the event when it could be built, otherwise skips it. Skips
/// for a missing tenant or user are the rules working (debug log); any other refusal is a bug
/// in the seam (error log). Returns whether a row was written. Database errors propagate, as
/// the caller's transaction is then unusable anyway.
pub async fn record_in(
    tx: &mut Tx,
    event: Result<UsageEvent, TelemetryError>,
) -> Result<bool, sqlx::Error> {
    match event {
        Ok(event) => {
            record(tx, &event).await?;
            Ok(true)
        }
        Err(e @ (TelemetryError::NoTenant | TelemetryError::NoActor)) => {
            tracing::debug!(reason = %e, "product usage event not recorded");
            Ok(false)
        }
        Err(e) => {
            tracing::error!(error = %e, "product usage event refused by the catalog");
            Ok(false)
        }
    }
}

/// The typed events the instrumented seams record, so each seam is one call.
pub mod seams {
    use super::*;
    use crate::audit::{Actor, AuditContext};

    fn user_of(actx: &AuditContext) -> Option<i64> {
        match &actx.actor {
            Actor::User { id, .. } => Some(*id),
            Actor::Cli | Actor::System => None,
        }
    }

    fn enum_value(s: &str) -> MetaValue {
        MetaValue::Enum(s.to_string())
    }

    /// `product.onboarding.checkpoint_completed`: draft `draft_id` completed step
    /// `checkpoint` (`identify`, `connect`, `verify`); `completed` when the draft finished.
    /// Nothing is recorded while the draft has no tenant.
    #[allow(clippy::too_many_arguments)] // one argument per fact of the event
    pub async fn onboarding_checkpoint(
        tx: &mut Tx,
        actx: &AuditContext,
        workspace_id: i64,
        tenant_id: Option<i64>,
        draft_id: i64,
        checkpoint: &str,
        completed: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let event = (|| {
            let metadata = Metadata::new(Event::OnboardingCheckpointCompleted)
                .with("checkpoint_key", enum_value(checkpoint))?
                .with(
                    "lifecycle_state",
                    enum_value(if completed { "completed" } else { "draft" }),
                )?
                .with("completed_at", MetaValue::Timestamp(now))?;
            UsageEvent::new(
                metadata,
                tenant_id.map(|tenant_id| TenantRef {
                    workspace_id,
                    tenant_id,
                }),
                user_of(actx),
                "onboarding_draft",
                draft_id,
                now,
            )
        })();
        record_in(tx, event).await
    }

    /// `product.support_diagnostics.opened` from `source_surface` (`tenant_dashboard`,
    /// `operation_run_viewer`, `api`), for a tenant (`run = None`) or a run of `run_type`.
    pub async fn diagnostics_opened(
        tx: &mut Tx,
        actx: &AuditContext,
        tenant: TenantRef,
        run: Option<(i64, &str)>,
        source_surface: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let event = (|| {
            let mut metadata = Metadata::new(Event::SupportDiagnosticsOpened)
                .with("source_surface", enum_value(source_surface))?;
            let (subject_type, subject_id) = match run {
                Some((run_id, run_type)) => {
                    metadata = metadata
                        .with("operation_type", MetaValue::TypeName(run_type.to_string()))?;
                    ("operation_run", run_id)
                }
                None => ("tenant", tenant.tenant_id),
            };
            UsageEvent::new(
                metadata,
                Some(tenant),
                user_of(actx),
                subject_type,
                subject_id,
                now,
            )
        })();
        record_in(tx, event).await
    }

    /// `product.operations.started` for run `run_id` of `run_type` started by `user`
    /// (`None` for system runs, which are not recorded).
    pub async fn operation_started(
        tx: &mut Tx,
        tenant: TenantRef,
        user: Option<i64>,
        run_id: i64,
        run_type: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let event = Metadata::new(Event::OperationsStarted)
            .with("operation_type", MetaValue::TypeName(run_type.to_string()))
            .map_err(TelemetryError::from)
            .and_then(|m| UsageEvent::new(m, Some(tenant), user, "operation_run", run_id, now));
        record_in(tx, event).await
    }

    /// `product.review_pack.requested`: `user` queued review pack run `run_id` from
    /// `source_surface` (`admin`, `api`; `None` when the caller did not say).
    pub async fn review_pack_requested(
        tx: &mut Tx,
        tenant: TenantRef,
        user: Option<i64>,
        run_id: i64,
        source_surface: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let event = (|| {
            let mut metadata = Metadata::new(Event::ReviewPackRequested);
            if let Some(surface) = source_surface {
                metadata = metadata.with("source_surface", enum_value(surface))?;
            }
            UsageEvent::new(metadata, Some(tenant), user, "operation_run", run_id, now)
        })();
        record_in(tx, event).await
    }

    /// `product.stored_report.created`: a run started by `user` stored report `report_id` of
    /// `report_type`. Runs without a user (system, demo history by the system) record nothing.
    pub async fn stored_report_created(
        tx: &mut Tx,
        tenant: TenantRef,
        user: Option<i64>,
        report_id: i64,
        report_type: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let event = Metadata::new(Event::StoredReportCreated)
            .with("report_type", enum_value(report_type))
            .map_err(TelemetryError::from)
            .and_then(|m| UsageEvent::new(m, Some(tenant), user, "stored_report", report_id, now));
        record_in(tx, event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::telemetry::catalog::ValueKind;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    fn tenant() -> Option<TenantRef> {
        Some(TenantRef {
            workspace_id: 1,
            tenant_id: 2,
        })
    }

    #[test]
    fn typed_metadata_is_stored_flat() {
        let m = Metadata::new(Event::OnboardingCheckpointCompleted)
            .with("checkpoint_key", MetaValue::Enum("connect".into()))
            .unwrap()
            .with("lifecycle_state", MetaValue::Enum("draft".into()))
            .unwrap()
            .with("completed_at", MetaValue::Timestamp(now()))
            .unwrap();
        assert_eq!(
            m.to_json(),
            json!({"checkpoint_key": "connect", "lifecycle_state": "draft",
                   "completed_at": "2026-11-23T09:00:00+00:00"})
        );
        assert_eq!(
            Metadata::from_json(Event::OnboardingCheckpointCompleted, &m.to_json()).unwrap(),
            m
        );
    }

    #[test]
    fn wrong_kinds_lists_ids_and_duplicates_are_refused() {
        let ops = Metadata::new(Event::OperationsStarted);
        assert_eq!(
            ops.clone()
                .with("operation_type", MetaValue::Bool(true))
                .unwrap_err(),
            MetadataError::WrongKind {
                key: "operation_type",
                expected: "a canonical type id"
            }
        );
        assert_eq!(
            ops.clone()
                .with(
                    "operation_type",
                    MetaValue::TypeName("Inventory.Sync".into())
                )
                .unwrap_err(),
            MetadataError::FreeText("operation_type")
        );
        assert_eq!(
            ops.clone()
                .with("operation_type", MetaValue::TypeName("9inventory".into()))
                .unwrap_err(),
            MetadataError::WrongKind {
                key: "operation_type",
                expected: "a canonical type id"
            }
        );
        let twice = ops
            .with(
                "operation_type",
                MetaValue::TypeName("inventory.sync".into()),
            )
            .unwrap()
            .with(
                "operation_type",
                MetaValue::TypeName("inventory.sync".into()),
            );
        assert_eq!(
            twice.unwrap_err(),
            MetadataError::DuplicateKey("operation_type")
        );
        assert_eq!(
            Metadata::new(Event::StoredReportCreated)
                .with("report_type", MetaValue::Enum("compliance".into()))
                .unwrap_err(),
            MetadataError::NotInList("report_type")
        );
        assert_eq!(
            Metadata::from_json(Event::StoredReportCreated, &json!({"report_type": null}))
                .unwrap_err(),
            MetadataError::Null("report_type")
        );
        assert_eq!(
            Metadata::from_json(Event::StoredReportCreated, &json!(["report_type"])).unwrap_err(),
            MetadataError::NotAnObject
        );
        assert_eq!(
            Metadata::from_json(
                Event::OnboardingCheckpointCompleted,
                &json!({"completed_at": "yesterday"})
            )
            .unwrap_err(),
            MetadataError::WrongKind {
                key: "completed_at",
                expected: "a timestamp"
            }
        );
    }

    #[test]
    fn events_need_a_tenant_a_user_and_an_allowed_subject() {
        let m = || Metadata::new(Event::OperationsStarted);
        assert_eq!(
            UsageEvent::new(m(), None, Some(1), "operation_run", 5, now()).unwrap_err(),
            TelemetryError::NoTenant
        );
        assert_eq!(
            UsageEvent::new(m(), tenant(), None, "operation_run", 5, now()).unwrap_err(),
            TelemetryError::NoActor
        );
        assert_eq!(
            UsageEvent::new(m(), tenant(), Some(1), "tenant", 5, now()).unwrap_err(),
            TelemetryError::SubjectType {
                event: "product.operations.started",
                subject_type: "tenant"
            }
        );
        assert_eq!(
            UsageEvent::new(m(), tenant(), Some(1), "operation_run", 0, now()).unwrap_err(),
            TelemetryError::InvalidId("subject id")
        );
        let ok = UsageEvent::new(m(), tenant(), Some(1), "operation_run", 5, now()).unwrap();
        assert_eq!(ok.event, Event::OperationsStarted);
        assert_eq!(ok.tenant_id, 2);
    }

    #[test]
    fn canonical_type_ids() {
        assert!(is_canonical_type("inventory.sync"));
        assert!(is_canonical_type("a"));
        assert!(is_canonical_type(&"a".repeat(64)));
        assert!(!is_canonical_type(&"a".repeat(65)));
        assert!(!is_canonical_type(""));
        assert!(!is_canonical_type("_x"));
        assert!(!is_canonical_type("x-y"));
        assert!(!is_canonical_type("x y"));
    }

    /// (event, key, kind) of every string-valued key.
    fn string_keys() -> Vec<(Event, &'static str)> {
        Event::ALL
            .iter()
            .flat_map(|e| {
                e.metadata_keys()
                    .iter()
                    .filter(|k| {
                        matches!(
                            k.kind,
                            ValueKind::OneOf(_) | ValueKind::CanonicalType | ValueKind::Timestamp
                        )
                    })
                    .map(move |k| (*e, k.name))
            })
            .collect()
    }

    fn any_string_key() -> impl Strategy<Value = (Event, &'static str)> {
        let keys = string_keys();
        (0..keys.len()).prop_map(move |i| keys[i])
    }

    fn any_event() -> impl Strategy<Value = Event> {
        (0..Event::ALL.len()).prop_map(|i| Event::ALL[i])
    }

    proptest! {
        /// Free text: words separated by spaces, with punctuation.
        #[test]
        fn free_text_is_refused(
            (event, key) in any_string_key(),
            text in "[A-Za-z0-9]{1,12}( [A-Za-z0-9,;!?'\"()]{1,12}){1,6}[.!?]?",
        ) {
            let r = Metadata::from_json(event, &json!({ key: text }));
            let refused = matches!(r, Err(MetadataError::FreeText(_) | MetadataError::WrongKind { .. }));
            prop_assert!(refused, "{} = {:?} gave {:?}", key, text, r);
            let typed = Metadata::new(event).with(key, MetaValue::Enum(text.clone()));
            prop_assert!(typed.is_err());
            let typed = Metadata::new(event).with(key, MetaValue::TypeName(text));
            prop_assert!(typed.is_err());
        }

        /// Anything shaped like an e-mail address, in any string-valued key.
        #[test]
        fn email_addresses_are_refused(
            (event, key) in any_string_key(),
            local in "[a-z0-9._%+-]{1,20}",
            domain in "[a-z0-9-]{1,20}(\\.[a-z]{2,6}){1,2}",
        ) {
            let email = format!("{local}@{domain}");
            let r = Metadata::from_json(event, &json!({ key: email }));
            prop_assert_eq!(r, Err(MetadataError::EmailLike(key)));
            let typed = Metadata::new(event).with(key, MetaValue::TypeName(email.clone()));
            let refused = matches!(typed, Err(MetadataError::EmailLike(_) | MetadataError::WrongKind { .. }));
            prop_assert!(refused, "typed e-mail accepted");
            let typed = Metadata::new(event).with(key, MetaValue::Enum(email));
            let refused = matches!(typed, Err(MetadataError::EmailLike(_) | MetadataError::WrongKind { .. }));
            prop_assert!(refused, "typed e-mail accepted");
        }

        /// Objects and arrays (payloads) under any allowed key.
        #[test]
        fn nested_values_are_refused(
            event in any_event(),
            key_index in 0usize..3,
            inner_key in "[a-z_]{1,10}",
            inner in "[a-z]{0,10}",
            as_array in any::<bool>(),
        ) {
            let keys = event.metadata_keys();
            let key = keys[key_index % keys.len()].name;
            let nested = if as_array { json!([inner]) } else { json!({ inner_key: inner }) };
            let r = Metadata::from_json(event, &json!({ key: nested }));
            prop_assert_eq!(r, Err(MetadataError::Nested(key)));
        }

        /// Keys outside the event's catalog entry, whatever their value.
        #[test]
        fn unknown_keys_are_refused(
            event in any_event(),
            key in "[a-z_]{1,20}",
            value in prop_oneof![
                Just(json!(true)),
                Just(json!(7)),
                Just(json!("connect")),
            ],
        ) {
            prop_assume!(event.key(&key).is_none());
            let r = Metadata::from_json(event, &json!({ key.clone(): value.clone() }));
            let refused = matches!(r, Err(MetadataError::UnknownKey { .. }));
            prop_assert!(refused, "{:?}", r);
            let typed = Metadata::new(event).with(&key, MetaValue::Bool(true));
            let refused = matches!(typed, Err(MetadataError::UnknownKey { .. }));
            prop_assert!(refused, "typed unknown key accepted");
        }
    }
}
