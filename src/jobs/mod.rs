//! Scheduled jobs with a run ledger: each job runs once per slot across every instance sharing
//! the database (being built).
