//! Secrets in configuration: how they leave the process when a config is serialised (never
//! in clear).

/// Serializes a secret as absent, so printing or dumping the configuration never shows it.
pub fn serialize_secret<S: serde::Serializer>(
    _: &Option<secrecy::SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}
