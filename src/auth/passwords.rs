//! Argon2id password hashes. Hashing is CPU-heavy, so it runs on the blocking pool.

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};
use std::sync::LazyLock;

/// Shortest password we accept.
pub const MIN_LENGTH: usize = 8;
/// Longest password we accept (hashing cost is bounded).
pub const MAX_LENGTH: usize = 256;

/// A hash of a random password, verified against when the account does not exist so that the
/// response time does not reveal whether an e-mail address is registered.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("not-a-real-password-tenantpilot").unwrap_or_default());

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt from the OS.
fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

/// Verifies with the algorithm and parameters the stored PHC string names (not the defaults),
/// so hashes made by older releases keep verifying; an unparsable string verifies nothing.
fn verify_blocking(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Hashes a new password.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Checks `password` against `stored`; with `None` it spends the same effort and answers false.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            let _ = verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = super::hash("correct horse".into()).await.expect("hash");
        let b = super::hash("correct horse".into()).await.expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify("correct horse".into(), Some(a.clone())).await);
        assert!(!super::verify("wrong".into(), Some(a)).await);
        assert!(!super::verify("x".into(), None).await);
        assert!(!super::verify("x".into(), Some("garbage".into())).await);
    }

    /// Made by argon2 0.5 (the release before 0.6): stored hashes survive the upgrade.
    const HASH_FROM_ARGON2_0_5: &str = "$argon2id$v=19$m=19456,t=2,p=1$gdrCi+y+968HHxZKwSCMBw$AVhSkaLVeq2hmsmcenRESHi5ZGt/7NOHjRnbs3P9U/E";

    #[tokio::test]
    async fn hashes_of_the_previous_argon2_release_verify() {
        let stored = Some(HASH_FROM_ARGON2_0_5.to_string());
        assert!(super::verify("correct horse battery".into(), stored.clone()).await);
        assert!(!super::verify("correct horse battery!".into(), stored).await);
        let fresh = super::hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(
            fresh.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "same parameters as before: {fresh}"
        );
    }
}
