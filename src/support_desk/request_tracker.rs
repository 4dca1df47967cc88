//! The `request_tracker` connector (being implemented).

use super::{CreatedTicket, DeskError, SupportDeskConfig, TicketDraft};

/// Creates one ticket.
pub async fn create(
    _config: &SupportDeskConfig,
    _client: &reqwest::Client,
    _draft: &TicketDraft,
) -> Result<CreatedTicket, DeskError> {
    Err(DeskError::Config("the request_tracker connector is not built yet".into()))
}

/// Checks credentials and reachability without creating a ticket.
pub async fn check(_config: &SupportDeskConfig, _client: &reqwest::Client) -> Result<String, DeskError> {
    Err(DeskError::Config("the request_tracker connector is not built yet".into()))
}
