//! Outgoing e-mail (issue 15): one plain-text message at a time through the configured SMTP
//! server (`[mail]`), with `lettre` over rustls (ring). Core layer: it knows the configuration
//! and nothing of features; callers compose the text in the recipient's language.
//!
//! Every send has one bounded budget (`mail.timeout_secs`) for connecting, TLS, the greeting and
//! the transfer. The server's answer is outside text: [`MailError`] carries it only after
//! [`crate::redact::text`], so it may be logged or shown.

use crate::config::{MailConfig, MailTls};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};
use secrecy::ExposeSecret;
use std::time::Duration;

/// One message to send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// Recipient address.
    pub to: &'a str,
    /// Subject line.
    pub subject: &'a str,
    /// Plain-text body.
    pub body: &'a str,
}

/// Why a message was not sent. The text is redacted and bounded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MailError {
    /// The recipient is not an address a message can go to.
    #[error("the recipient is not a valid e-mail address")]
    Recipient,
    /// The message could not be built (a configuration error `validate` missed).
    #[error("the message could not be built: {0}")]
    Build(String),
    /// Connecting, TLS, authentication or the transfer failed, or the server refused.
    #[error("the mail server did not accept the message: {0}")]
    Transport(String),
    /// The budget ran out.
    #[error("the mail server did not answer within {0} seconds")]
    Timeout(u64),
}

/// Outside text made safe to log, store or show: secrets and addresses removed, at most 300
/// characters.
fn outside(text: &str) -> String {
    crate::redact::text(text).chars().take(300).collect()
}

fn transport(config: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls = match config.tls {
        MailTls::None => Tls::None,
        MailTls::Starttls | MailTls::Tls => {
            let parameters = TlsParameters::new(config.host.clone())
                .map_err(|e| MailError::Build(outside(&e.to_string())))?;
            if config.tls == MailTls::Tls {
                Tls::Wrapper(parameters)
            } else {
                Tls::Required(parameters)
            }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(config.timeout_secs)));
    if let Some(username) = &config.username {
        let password = config
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// Sends `message` through the configured server within `mail.timeout_secs` (the whole
/// exchange, however many steps the server takes).
pub async fn send(config: &MailConfig, message: &Outgoing<'_>) -> Result<(), MailError> {
    let to: Mailbox = message.to.parse().map_err(|_| MailError::Recipient)?;
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Build(outside(&e.to_string())))?;
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.to_string())
        .map_err(|e| MailError::Build(outside(&e.to_string())))?;
    let transport = transport(config)?;
    let budget = Duration::from_secs(config.timeout_secs);
    match tokio::time::timeout(budget, transport.send(email)).await {
        Err(_) => Err(MailError::Timeout(config.timeout_secs)),
        Ok(Err(e)) => Err(MailError::Transport(outside(&e.to_string()))),
        Ok(Ok(_)) => Ok(()),
    }
}

/// Sends `message` when mail is configured. `None`: not configured (nothing attempted);
/// `Some(Err)`: the send failed, already logged (redacted) with `what` naming the message kind.
pub async fn send_if_configured(
    config: Option<&MailConfig>,
    what: &'static str,
    message: &Outgoing<'_>,
) -> Option<Result<(), MailError>> {
    let config = config?;
    let result = send(config, message).await;
    if let Err(e) = &result {
        tracing::warn!(kind = what, error = %e, "an e-mail could not be sent");
    }
    Some(result)
}

/// What became of the e-mail for a link that is also shown once.
#[derive(Debug, Clone, Default)]
pub enum MailOutcome {
    /// `[mail]` is not configured; nothing was attempted.
    #[default]
    NotConfigured,
    /// The server accepted the message.
    Sent,
    /// The send failed; the link is still valid and shown.
    Failed(MailError),
}

impl MailOutcome {
    /// Whether the message went out.
    pub fn sent(&self) -> bool {
        matches!(self, MailOutcome::Sent)
    }

    /// The (redacted) reason a configured send failed.
    pub fn error(&self) -> Option<String> {
        match self {
            MailOutcome::Failed(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// [`send_if_configured`]'s answer as an outcome.
    pub async fn of(
        config: Option<&MailConfig>,
        what: &'static str,
        message: &Outgoing<'_>,
    ) -> MailOutcome {
        match send_if_configured(config, what, message).await {
            None => MailOutcome::NotConfigured,
            Some(Ok(())) => MailOutcome::Sent,
            Some(Err(e)) => MailOutcome::Failed(e),
        }
    }
}
