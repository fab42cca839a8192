//! The one edge error type.
//!
//! Policy: every failure that leaves the server is an [`ApiError`] with a stable [`ErrorCode`]; the code
//! fixes the HTTP status. REST routes answer RFC 9457 `application/problem+json`; TAXII routes answer the
//! TAXII 2.1 error object. Both carry the request id. Client mistakes are 4xx and say exactly what was
//! wrong (with a JSON pointer or position where there is one); server faults are 5xx with a generic
//! message, and their details go to the log, never to the client.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use simpul_core::error::excerpt;
use simpul_core::{CoreError, Invalid, StoreError};

/// Stable error codes: one table, one status each. Never renumber or rename a shipped code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidInput,
    InvalidJson,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    Unavailable,
    RequestTimeout,
    /// Well-formed, but not what the route takes (a TAXII post that is JSON but no envelope).
    Unprocessable,
    /// A federation peer failed the round asked for (unreachable, refused our credentials…).
    PeerFailed,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        Self::InvalidInput,
        Self::InvalidJson,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
        Self::RequestTimeout,
        Self::Unprocessable,
        Self::PeerFailed,
    ];

    /// (code, status, title)
    const fn row(self) -> (&'static str, StatusCode, &'static str) {
        match self {
            Self::InvalidInput => ("invalid_input", StatusCode::BAD_REQUEST, "Invalid input"),
            Self::InvalidJson => ("invalid_json", StatusCode::BAD_REQUEST, "Malformed JSON"),
            Self::Unauthenticated => (
                "unauthenticated",
                StatusCode::UNAUTHORIZED,
                "Authentication required",
            ),
            Self::Forbidden => ("forbidden", StatusCode::FORBIDDEN, "Not allowed"),
            Self::NotFound => ("not_found", StatusCode::NOT_FOUND, "Not found"),
            Self::MethodNotAllowed => (
                "method_not_allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
            ),
            Self::NotAcceptable => (
                "not_acceptable",
                StatusCode::NOT_ACCEPTABLE,
                "Not acceptable",
            ),
            Self::Conflict => ("conflict", StatusCode::CONFLICT, "Conflict"),
            Self::PayloadTooLarge => (
                "payload_too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
            ),
            Self::UnsupportedMediaType => (
                "unsupported_media_type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ),
            Self::RateLimited => (
                "rate_limited",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
            ),
            Self::Internal => (
                "internal",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
            ),
            Self::Unavailable => (
                "unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
            ),
            Self::RequestTimeout => (
                "request_timeout",
                StatusCode::REQUEST_TIMEOUT,
                "Request timeout",
            ),
            Self::Unprocessable => (
                "unprocessable",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable content",
            ),
            Self::PeerFailed => (
                "peer_failed",
                StatusCode::BAD_GATEWAY,
                "The federation peer failed",
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.row().0
    }

    pub fn status(self) -> StatusCode {
        self.row().1
    }

    pub fn title(self) -> &'static str {
        self.row().2
    }

    /// The code for a status produced outside our handlers (framework rejections, fallbacks).
    pub fn for_status(status: StatusCode) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.status() == status)
            .unwrap_or(if status.is_server_error() {
                Self::Internal
            } else {
                Self::InvalidInput
            })
    }
}

/// One offending field: a JSON pointer (or a parameter name) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

/// An error on its way to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    /// The status; `code.status()` unless the error came from outside our handlers.
    pub status: StatusCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds to wait, sent as `Retry-After` (rate limits).
    pub retry_after: Option<u64>,
    /// For a refused step of a state machine (409): the states that may follow from where it
    /// stands, sent as `allowed`.
    pub allowed: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            status: code.status(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allowed: None,
        }
    }

    pub fn with_field(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
        });
        self
    }

    /// A server fault: the cause is logged here and the client gets a generic message.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            "The server failed to handle this request; the request id identifies it in the log.",
        )
    }

    /// A query or path parameter the server refuses; the field error names the parameter.
    pub fn invalid_parameter(name: &str, why: impl Into<String>) -> Self {
        let why = why.into();
        Self::new(
            ErrorCode::InvalidInput,
            format!("invalid query parameter `{name}`: {why}"),
        )
        .with_field(name, why)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }
}

impl From<Invalid> for ApiError {
    fn from(i: Invalid) -> Self {
        let pointer = if i.path.starts_with('/') {
            i.path.clone()
        } else {
            format!("/{}", i.path)
        };
        Self::new(ErrorCode::InvalidInput, i.to_string()).with_field(pointer, i.message)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(i) => i.into(),
            CoreError::NotFound(what) => {
                Self::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            CoreError::Conflict(msg) => Self::new(ErrorCode::Conflict, msg),
            CoreError::Unauthenticated(msg) => Self::new(ErrorCode::Unauthenticated, msg),
            CoreError::Forbidden(msg) => Self::new(ErrorCode::Forbidden, msg),
            CoreError::RateLimited { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(
                    ErrorCode::RateLimited,
                    format!("too many failed attempts; try again in {retry_after_secs} s"),
                )
            },
            CoreError::Store(e) => e.into(),
            // A refused step of a request's state machine (the message names the allowed ones).
            CoreError::Refused(r) => Self::new(ErrorCode::Conflict, r.to_string()),
            // A refused step of a case party's status or a task (the message names the allowed).
            CoreError::StepRefused { message, allowed } => Self {
                allowed: Some(allowed.iter().map(|s| (*s).to_owned()).collect()),
                ..Self::new(ErrorCode::Conflict, message)
            },
            CoreError::TooLarge { path, max } => {
                let detail = format!("is larger than the {max} bytes allowed");
                Self::new(ErrorCode::PayloadTooLarge, format!("{path} {detail}"))
                    .with_field(path, detail)
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Self::new(
                    ErrorCode::Unavailable,
                    "The database is unavailable; try again shortly.",
                )
            }
            StoreError::Duplicate(what) => {
                Self::new(ErrorCode::Conflict, format!("already exists ({what})"))
            }
            other => Self::internal(&other),
        }
    }
}

/// Which error body a route answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// RFC 9457 problem details.
    Problem,
    /// The TAXII 2.1 error message.
    Taxii,
    /// An HTML page (the web UI's routes).
    Html,
}

impl Flavour {
    pub fn for_path(path: &str) -> Self {
        if path == "/taxii2" || path.starts_with("/taxii2/") {
            Self::Taxii
        } else if crate::web::is_web_path(path) {
            Self::Html
        } else {
            Self::Problem
        }
    }
}

/// The most characters of a `detail` sent; longer ones are cut (the full text is in no response).
const MAX_DETAIL_CHARS: usize = 512;
/// The most field errors sent.
const MAX_FIELD_ERRORS: usize = 20;

/// `msg` fit for an error body: each quoted part (between backticks or double quotes) longer than
/// an excerpt is cut to one (see [`excerpt`]), control characters are escaped, and the whole is cut
/// to [`MAX_DETAIL_CHARS`]. Serde's and the framework's messages quote what the client sent (an
/// unknown key, a bad value) and must not echo a huge input.
pub fn bound_message(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find(['`', '"']) {
        push_escaped(&mut out, &rest[..i]);
        let quote = &rest[i..=i];
        let after = &rest[i + 1..];
        let (inner, tail) = match after.find(quote) {
            Some(j) => (&after[..j], Some(&after[j + 1..])),
            None => (after, None),
        };
        out.push_str(quote);
        out.push_str(&excerpt(inner));
        match tail {
            Some(t) => {
                out.push_str(quote);
                rest = t;
            }
            None => rest = "",
        }
        if out.chars().count() > MAX_DETAIL_CHARS {
            break;
        }
    }
    push_escaped(&mut out, rest);
    if out.chars().count() > MAX_DETAIL_CHARS {
        out = out.chars().take(MAX_DETAIL_CHARS).collect();
        out.push('…');
    }
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars().take(MAX_DETAIL_CHARS + 1) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// The field errors fit for an error body: at most [`MAX_FIELD_ERRORS`], each bounded.
fn bounded_fields(errors: &[FieldError]) -> Vec<FieldError> {
    errors
        .iter()
        .take(MAX_FIELD_ERRORS)
        .map(|e| FieldError {
            pointer: bound_message(&e.pointer),
            detail: bound_message(&e.detail),
        })
        .collect()
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(description = "RFC 9457 problem details with a stable `code`")]
struct Problem<'a> {
    /// `urn:simpul:problem:<code>`
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[schema(schema_with = crate::api::schema::error_code)]
    code: &'static str,
    /// The request's id, as in the `X-Request-Id` response header and the server log.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    /// The offending fields (JSON pointers into the body, or parameter names).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[schema(value_type = Vec<FieldError>)]
    errors: &'a [FieldError],
    /// For a refused state step (409): the states it may move to from where it stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    allowed: Option<&'a [String]>,
}

/// The schema of the problem+json body, derived from the type that writes it.
pub fn problem_schema() -> (
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
) {
    use utoipa::{PartialSchema, ToSchema};
    (
        Problem::<'static>::name().into_owned(),
        Problem::<'static>::schema(),
    )
}

/// The schemas the problem body refers to.
pub fn problem_schemas(
    out: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) {
    use utoipa::{PartialSchema, ToSchema};
    out.push((FieldError::name().into_owned(), FieldError::schema()));
}

#[derive(Serialize)]
struct TaxiiError<'a> {
    title: &'static str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_id: Option<&'a str>,
    error_code: &'static str,
    http_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";
pub const TAXII_JSON: &str = "application/taxii+json;version=2.1";

impl ApiError {
    /// The body and its media type.
    pub fn body(&self, flavour: Flavour, request_id: Option<&str>) -> (&'static str, Vec<u8>) {
        let detail = bound_message(&self.detail);
        let errors = bounded_fields(&self.errors);
        let bytes = match flavour {
            Flavour::Problem | Flavour::Html => serde_json::to_vec(&Problem {
                kind: format!("urn:simpul:problem:{}", self.code.as_str()),
                title: self.code.title(),
                status: self.status.as_u16(),
                detail: &detail,
                code: self.code.as_str(),
                request_id,
                errors: &errors,
                allowed: self.allowed.as_deref(),
            }),
            Flavour::Taxii => serde_json::to_vec(&TaxiiError {
                title: self.code.title(),
                description: &detail,
                error_id: request_id,
                error_code: self.code.as_str(),
                http_status: self.status.as_u16().to_string(),
                details: (!errors.is_empty()).then(|| serde_json::json!({ "errors": errors })),
            }),
        };
        let media = if flavour == Flavour::Taxii {
            TAXII_JSON
        } else {
            PROBLEM_JSON
        };
        (media, bytes.unwrap_or_default())
    }

    /// Renders into an existing response, keeping its headers (`WWW-Authenticate`, `Allow`, …).
    pub fn render_into(
        &self,
        mut parts: axum::http::response::Parts,
        flavour: Flavour,
        request_id: Option<&str>,
    ) -> Response {
        if flavour == Flavour::Html {
            let mut res = crate::web::error_page(self, request_id);
            for (name, value) in &parts.headers {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    res.headers_mut().append(name, value.clone());
                }
            }
            return res;
        }
        let (media, body) = self.body(flavour, request_id);
        parts.status = self.status;
        parts
            .headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.extensions.remove::<ApiError>();
        if self.code == ErrorCode::Unauthenticated {
            let challenge = match flavour {
                Flavour::Taxii => r#"Basic realm="simpul", Bearer realm="simpul""#,
                Flavour::Problem | Flavour::Html => r#"Bearer realm="simpul""#,
            };
            parts.headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let Some(secs) = self.retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        Response::from_parts(parts, Body::from(body))
    }
}

impl IntoResponse for ApiError {
    /// Renders a problem body without a request id; the edge middleware re-renders it with the request
    /// id and the route's flavour.
    fn into_response(self) -> Response {
        let (media, body) = self.body(Flavour::Problem, None);
        let mut res = (self.status, [(header::CONTENT_TYPE, media)], body).into_response();
        res.extensions_mut().insert(self);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_client_codes_are_4xx() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            let server = matches!(
                c,
                ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::PeerFailed
            );
            assert_eq!(c.status().is_server_error(), server, "{c:?}");
        }
    }

    #[test]
    fn invalid_core_error_carries_pointer() {
        let e: ApiError =
            CoreError::Invalid(simpul_core::Invalid::new("short_name", "too short")).into();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            e.errors,
            vec![FieldError {
                pointer: "/short_name".into(),
                detail: "too short".into()
            }]
        );
    }

    #[test]
    fn unavailable_store_is_503_without_details() {
        let e: ApiError = StoreError::Unavailable("connection refused to 10.0.0.1".into()).into();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!e.detail.contains("10.0.0.1"));
    }

    #[test]
    fn bodies_quote_at_most_an_excerpt() {
        let key = "k".repeat(1 << 20);
        let msg = format!("unknown field `{key}`, expected one of `name`, `kind`");
        let bounded = bound_message(&msg);
        assert!(bounded.len() < 200, "{bounded}");
        assert!(
            bounded.contains("expected one of `name`, `kind`"),
            "{bounded}"
        );
        let e = ApiError::new(ErrorCode::InvalidInput, msg).with_field(format!("/{key}"), "x");
        let (_, body) = e.body(Flavour::Problem, None);
        assert!(body.len() < 1024, "{}", body.len());
        assert_eq!(bound_message("bad\u{7}bell"), "bad\\u{7}bell");
        assert_eq!(bound_message("unclosed `abc"), "unclosed `abc");
    }

    #[test]
    fn taxii_body_shape() {
        let e = ApiError::new(ErrorCode::NotFound, "no such collection");
        let (media, body) = e.body(Flavour::Taxii, Some("rid-1"));
        assert_eq!(media, TAXII_JSON);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["http_status"], "404");
        assert_eq!(v["error_id"], "rid-1");
        assert_eq!(v["title"], "Not found");
    }
}
