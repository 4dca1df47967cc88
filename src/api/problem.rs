//! The problem body and its place in the OpenAPI document. [`ProblemDoc`] is the one type of
//! every `application/problem+json` body: `crate::web::render` serializes it, and the document
//! takes its schema from it. Every error status is one response component
//! (`#/components/responses/<Name>`) whose content references that schema, and handlers list the
//! groups of statuses they can answer:
//!
//! ```text
//! responses((status = 200, description = "…", body = Thing), problem::Common, problem::InScope, problem::Body)
//! ```
//!
//! `Common` belongs on every authenticated route; add `InScope` when a path parameter or query
//! names something the caller may not see, `Capability` when a role check follows, `Query` when
//! the route reads a query string, `Body` when it reads a JSON body (`ApiJson`).

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::{
    Components, ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response,
};

/// RFC 9457 problem document, as every API error is returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDoc {
    /// Stable URI `urn:tenantpilot:problem:<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary in the caller's language.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened and what to do.
    pub detail: String,
    /// Request path.
    pub instance: String,
    /// Correlation id.
    pub request_id: String,
    /// One entry per refused property (`invalid-json-fields`, `validation-failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Field name, or the JSON path of the offending property (`a.b[0]`).
    pub field: String,
    /// Stable code: `required`, `invalid_type`, `invalid_value`, `unknown_field`, or the
    /// message id of the rule that refused the value.
    pub code: String,
    /// Message in the caller's language.
    pub message: String,
}

/// Every problem status the API answers: status, component name, description.
const STATUSES: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "Malformed request: invalid JSON or query string, a property of the wrong type or \
         value, or an unknown property. `errors[]` names each offending property.",
    ),
    (
        401,
        "Unauthenticated",
        "No valid API token (missing, unknown, expired or revoked).",
    ),
    (
        403,
        "Forbidden",
        "Inside the caller's scope, but their role lacks the capability.",
    ),
    (
        404,
        "NotFound",
        "Does not exist or is outside the caller's scope (the same answer for both, type \
         `not-found`); inside scope but without a record yet, a type of its own (e.g. \
         `no-support-request`).",
    ),
    (
        408,
        "RequestTimeout",
        "The request took longer than the configured limit.",
    ),
    (
        409,
        "Conflict",
        "The change collides with the record's current state.",
    ),
    (
        413,
        "PayloadTooLarge",
        "The body is larger than the server accepts.",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body is not `application/json`.",
    ),
    (
        422,
        "ValidationFailed",
        "A rule refused the input, or a required property is missing; `errors[]` names each \
         field.",
    ),
    (
        431,
        "RequestHeaderFieldsTooLarge",
        "The request headers together are larger than the server accepts \
         (`http.max_header_bytes`).",
    ),
    (
        503,
        "ServiceUnavailable",
        "The database is not reachable right now; retry later.",
    ),
];

fn name_of(status: u16) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, _)| *name)
        .unwrap_or("BadRequest")
}

/// References to the response components of `statuses`.
pub fn refs(statuses: &[u16]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|s| {
            (
                s.to_string(),
                RefOr::Ref(Ref::from_response_name(name_of(*s))),
            )
        })
        .collect()
}

/// Adds one response component per problem status.
pub fn register(components: &mut Components) {
    for (_, name, description) in STATUSES {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ProblemDoc")))
            .build();
        components.responses.insert(
            (*name).to_string(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(super::PROBLEM_JSON, content)
                    .build(),
            ),
        );
    }
}

macro_rules! group {
    ($(#[$doc:meta])* $name:ident = [$($status:literal),+]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                refs(&[$($status),+])
            }
        }
    };
}

group!(
    /// Every authenticated route: no token (401), the timeout layer (408), oversized headers
    /// (431), database down (503).
    Common = [401, 408, 431, 503]
);
group!(
    /// Routes that resolve a workspace, tenant or run the caller may not see.
    InScope = [404]
);
group!(
    /// Routes that check a capability after the scope.
    Capability = [403]
);
group!(
    /// Routes that read a query string: a malformed one (400), a value no rule accepts (422).
    Query = [400, 422]
);
group!(
    /// Routes that read a JSON body through `ApiJson`.
    Body = [400, 413, 415, 422]
);
group!(
    /// Routes whose change can collide with the record's state.
    Conflict = [409]
);
group!(
    /// Routes that apply rules to their input beyond its shape.
    Rules = [422]
);
