//! Identity: users and password hashes, database-backed sessions, login throttling and API
//! bearer tokens. The request-context middleware turns a cookie or token into an [`Identity`].

pub mod credentials;
pub mod passwords;
pub mod routes;
pub mod sessions;
pub mod sign_in;
pub mod throttle;
pub mod tokens;
pub mod tokens_repo;
pub mod users;
pub mod views;

use users::User;

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user.
    pub user: User,
    /// How they proved it.
    pub via: Via,
}

/// Proof of identity used for the request.
#[derive(Debug, Clone)]
pub enum Via {
    /// Browser session (HTML planes).
    Session {
        /// Hash of the session token (the primary key).
        token_hash: String,
        /// Per-session CSRF token forms must echo.
        csrf_token: String,
    },
    /// API bearer token.
    Token {
        /// Token id.
        token_id: i64,
    },
}

/// SHA-256 hex of a secret token; only this is stored.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A new random URL-safe secret of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::Rng;
    let mut bytes = [0u8; 32];
    // Straight from the operating system, like rand 0.8's `OsRng`; a failing OS source panics
    // as it did then (getrandom does not fail on the platforms we run on).
    rand::rand_core::UnwrapErr(rand::rngs::SysRng).fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
