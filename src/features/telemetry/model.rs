//! Telemetry's shared types: the checked [`UsageEvent`] and its [`Metadata`] (built here, written
//! by [`super::recorder`] through [`super::repo`]), and the time buckets shared by the recorder
//! (which keeps the rollups), the summary (which reads them) and the prune (which trims them):
//! UTC hours and UTC days.

use super::catalog::{Event, ValueKind};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Timelike, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Start of the UTC hour containing `t`.
pub fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    t - Duration::seconds(i64::from(t.minute() * 60 + t.second()))
        - Duration::nanoseconds(i64::from(t.nanosecond()))
}

/// Start of the first UTC hour at or after `t`.
pub fn hour_ceil(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = hour_floor(t);
    if floor == t {
        t
    } else {
        floor + Duration::hours(1)
    }
}

/// Midnight (UTC) starting `day`.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Sleeps `pause_ratio` times as long as the prune batch begun at `started` took.
pub async fn pause_after(started: std::time::Instant, pause_ratio: f64) {
    if pause_ratio > 0.0 {
        tokio::time::sleep(started.elapsed().mul_f64(pause_ratio)).await;
    }
}

/// The UTC days that share at least an instant with `[from, to)`, oldest first (empty when
/// `from >= to`).
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    if from >= to {
        return Vec::new();
    }
    let last = (to - Duration::microseconds(1)).date_naive();
    from.date_naive()
        .iter_days()
        .take_while(|d| *d <= last)
        .collect()
}

/// Largest id accepted as a bounded id (the largest integer JSON readers keep exactly).
pub const MAX_ID: i64 = 9_007_199_254_740_991;

/// Longest canonical type id.
pub const MAX_TYPE_LEN: usize = 64;

/// A metadata value. There is no variant for free text, objects or arrays: those cannot be
/// expressed, and [`Metadata::from_json`] refuses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaValue {
    /// A positive id of one of our records.
    Id(i64),
    /// A value from the key's fixed list.
    Enum(String),
    /// A flag.
    Bool(bool),
    /// A point in time.
    Timestamp(DateTime<Utc>),
    /// A canonical type id (`inventory.sync`).
    TypeName(String),
}

impl MetaValue {
    fn to_json(&self) -> Value {
        match self {
            MetaValue::Id(id) => Value::from(*id),
            MetaValue::Enum(s) | MetaValue::TypeName(s) => Value::String(s.clone()),
            MetaValue::Bool(b) => Value::Bool(*b),
            MetaValue::Timestamp(t) => {
                Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
            }
        }
    }
}

/// Why metadata was refused. Each variant names the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// Metadata must be a flat JSON object.
    #[error("telemetry metadata must be an object of allowed keys")]
    NotAnObject,
    /// The key is not in the event's catalog entry.
    #[error("metadata key {key:?} is not allowed for {event}")]
    UnknownKey {
        /// Event name.
        event: &'static str,
        /// The refused key (cut to 64 characters).
        key: String,
    },
    /// The key was given twice.
    #[error("metadata key {0:?} given twice")]
    DuplicateKey(&'static str),
    /// The value is an object or array.
    #[error("metadata key {0:?} holds a nested object or array; only flat values are allowed")]
    Nested(&'static str),
    /// The value is `null`.
    #[error("metadata key {0:?} is null; leave the key out instead")]
    Null(&'static str),
    /// The value looks like an e-mail address.
    #[error("metadata key {0:?} looks like an e-mail address")]
    EmailLike(&'static str),
    /// The value is free text (spaces, punctuation, upper case, too long).
    #[error("metadata key {0:?} holds free text")]
    FreeText(&'static str),
    /// The value is not of the kind the catalog allows for the key.
    #[error("metadata key {key:?} must be {expected}")]
    WrongKind {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A token that is not in the key's fixed list.
    #[error("metadata key {0:?} holds a value outside its fixed list")]
    NotInList(&'static str),
    /// An id that is zero, negative or too large.
    #[error("metadata key {0:?} holds an id outside 1..=2^53-1")]
    IdOutOfRange(&'static str),
}

/// Why an event cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelemetryError {
    /// No tenant yet (a pre-tenant onboarding draft): v1 records tenant-bound events only.
    #[error("no tenant: product usage events are tenant-bound")]
    NoTenant,
    /// No user started it (system runs, CLI): only user adoption is recorded.
    #[error("no acting user: system actions are not product usage")]
    NoActor,
    /// A workspace, tenant, actor or subject id is not a positive id.
    #[error("{0} is not a valid id")]
    InvalidId(&'static str),
    /// The subject type is not one the event allows.
    #[error("subject type {subject_type:?} is not allowed for {event}")]
    SubjectType {
        /// Event name.
        event: &'static str,
        /// The refused subject type.
        subject_type: &'static str,
    },
    /// The metadata was built for another event.
    #[error("metadata built for {built_for} cannot be recorded as {event}")]
    MetadataEvent {
        /// Event name.
        event: &'static str,
        /// Event the metadata was checked against.
        built_for: &'static str,
    },
    /// The metadata broke the catalog's rules.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

/// Metadata already checked against one event's catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    event: Event,
    entries: BTreeMap<&'static str, MetaValue>,
}

/// Whether `s` is a canonical type id: `^[a-z][a-z0-9_.]{0,63}$`.
pub fn is_canonical_type(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= MAX_TYPE_LEN
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// Classifies a string refused for `key`: e-mail-like, free text, or a token that is simply
/// not acceptable (`fallback`).
fn refuse_string(key: &'static str, s: &str, fallback: MetadataError) -> MetadataError {
    if s.contains('@') {
        MetadataError::EmailLike(key)
    } else if s.len() > MAX_TYPE_LEN
        || s.chars().any(|c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-')
        })
    {
        MetadataError::FreeText(key)
    } else {
        fallback
    }
}

impl Metadata {
    /// Empty metadata for `event`.
    pub fn new(event: Event) -> Metadata {
        Metadata {
            event,
            entries: BTreeMap::new(),
        }
    }

    /// Adds `key = value` if the catalog allows the key for this event and the value is of the
    /// key's kind (and, for lists, one of its values).
    pub fn with(mut self, key: &str, value: MetaValue) -> Result<Metadata, MetadataError> {
        let spec = self
            .event
            .key(key)
            .ok_or_else(|| MetadataError::UnknownKey {
                event: self.event.name(),
                key: key.chars().take(64).collect(),
            })?;
        let key = spec.name;
        if self.entries.contains_key(key) {
            return Err(MetadataError::DuplicateKey(key));
        }
        let wrong = MetadataError::WrongKind {
            key,
            expected: spec.kind.describe(),
        };
        match (&spec.kind, &value) {
            (ValueKind::BoundedId, MetaValue::Id(id)) => {
                if !(1..=MAX_ID).contains(id) {
                    return Err(MetadataError::IdOutOfRange(key));
                }
            }
            (ValueKind::OneOf(allowed), MetaValue::Enum(s)) => {
                if !allowed.contains(&s.as_str()) {
                    return Err(refuse_string(key, s, MetadataError::NotInList(key)));
                }
            }
            (ValueKind::Bool, MetaValue::Bool(_))
            | (ValueKind::Timestamp, MetaValue::Timestamp(_)) => {}
            (ValueKind::CanonicalType, MetaValue::TypeName(s)) => {
                if !is_canonical_type(s) {
                    return Err(refuse_string(key, s, wrong));
                }
            }
            (_, MetaValue::Enum(s) | MetaValue::TypeName(s)) => {
                return Err(refuse_string(key, s, wrong));
            }
            _ => return Err(wrong),
        }
        self.entries.insert(key, value);
        Ok(self)
    }

    /// Checks untyped JSON (imports, tests) against `event`'s catalog entry: a flat object of
    /// allowed keys whose values parse as the keys' kinds. Strings become list values, type ids
    /// or timestamps according to the key; integers become ids.
    pub fn from_json(event: Event, value: &Value) -> Result<Metadata, MetadataError> {
        let Value::Object(map) = value else {
            return Err(MetadataError::NotAnObject);
        };
        let mut metadata = Metadata::new(event);
        for (key, raw) in map {
            let spec = event.key(key).ok_or_else(|| MetadataError::UnknownKey {
                event: event.name(),
                key: key.chars().take(64).collect(),
            })?;
            let name = spec.name;
            let typed = match raw {
                Value::Object(_) | Value::Array(_) => return Err(MetadataError::Nested(name)),
                Value::Null => return Err(MetadataError::Null(name)),
                Value::Bool(b) => MetaValue::Bool(*b),
                Value::Number(n) => match n.as_i64() {
                    Some(id) => MetaValue::Id(id),
                    None => {
                        return Err(MetadataError::WrongKind {
                            key: name,
                            expected: spec.kind.describe(),
                        });
                    }
                },
                Value::String(s) => match spec.kind {
                    ValueKind::OneOf(_) => MetaValue::Enum(s.clone()),
                    ValueKind::CanonicalType => MetaValue::TypeName(s.clone()),
                    ValueKind::Timestamp => match DateTime::parse_from_rfc3339(s) {
                        Ok(t) => MetaValue::Timestamp(t.with_timezone(&Utc)),
                        Err(_) => {
                            return Err(refuse_string(
                                name,
                                s,
                                MetadataError::WrongKind {
                                    key: name,
                                    expected: spec.kind.describe(),
                                },
                            ));
                        }
                    },
                    ValueKind::BoundedId | ValueKind::Bool => {
                        return Err(refuse_string(
                            name,
                            s,
                            MetadataError::WrongKind {
                                key: name,
                                expected: spec.kind.describe(),
                            },
                        ));
                    }
                },
            };
            metadata = metadata.with(name, typed)?;
        }
        Ok(metadata)
    }

    /// The event the metadata was checked against.
    pub fn event(&self) -> Event {
        self.event
    }

    /// The stored form: a flat JSON object.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.entries
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.to_json()))
                .collect::<Map<String, Value>>(),
        )
    }
}

/// The tenant (and its workspace) an event belongs to, both from a real tenant row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantRef {
    /// Workspace of the tenant.
    pub workspace_id: i64,
    /// The tenant.
    pub tenant_id: i64,
}

/// A checked event, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    /// Which event.
    pub event: Event,
    /// Workspace.
    pub workspace_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// The user who acted.
    pub actor_user_id: i64,
    /// Kind of record the event is about.
    pub subject_type: &'static str,
    /// Its id.
    pub subject_id: i64,
    /// Checked metadata.
    pub metadata: Metadata,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

fn positive(id: i64, what: &'static str) -> Result<i64, TelemetryError> {
    if (1..=MAX_ID).contains(&id) {
        Ok(id)
    } else {
        Err(TelemetryError::InvalidId(what))
    }
}

impl UsageEvent {
    /// Checks an event: a real tenant, a user, a subject type the event allows and metadata
    /// checked for this very event. `tenant = None` (pre-tenant drafts) and `actor = None`
    /// (system runs) are refused with [`TelemetryError::NoTenant`] / [`TelemetryError::NoActor`].
    pub fn new(
        metadata: Metadata,
        tenant: Option<TenantRef>,
        actor_user_id: Option<i64>,
        subject_type: &'static str,
        subject_id: i64,
        occurred_at: DateTime<Utc>,
    ) -> Result<UsageEvent, TelemetryError> {
        let event = metadata.event();
        let tenant = tenant.ok_or(TelemetryError::NoTenant)?;
        let actor = actor_user_id.ok_or(TelemetryError::NoActor)?;
        if !event.subject_types().contains(&subject_type) {
            return Err(TelemetryError::SubjectType {
                event: event.name(),
                subject_type,
            });
        }
        Ok(UsageEvent {
            event,
            workspace_id: positive(tenant.workspace_id, "workspace id")?,
            tenant_id: positive(tenant.tenant_id, "tenant id")?,
            actor_user_id: positive(actor, "actor user id")?,
            subject_type,
            subject_id: positive(subject_id, "subject id")?,
            metadata,
            occurred_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn buckets() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 17, 3).unwrap() + Duration::microseconds(5);
        let h = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        assert_eq!(hour_floor(t), h);
        assert_eq!(hour_ceil(t), h + Duration::hours(1));
        assert_eq!(hour_floor(h), h);
        assert_eq!(hour_ceil(h), h);
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            day_start(d),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
        );
        assert_eq!(days_between(h - Duration::days(1), h).len(), 2);
        let midnight = day_start(d);
        assert_eq!(
            days_between(midnight - Duration::days(1), midnight),
            vec![d.pred_opt().unwrap()]
        );
        assert_eq!(days_between(h - Duration::days(7), h).len(), 8);
        assert!(days_between(h, h).is_empty());
    }
}
