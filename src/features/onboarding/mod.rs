//! Managed-tenant onboarding wizard: identify → connect → verify → complete.

pub mod routes;
