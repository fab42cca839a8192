//! Request extractors of the REST API: `JsonBody<T>` (a JSON body whose errors name the JSON pointer
//! and the text position), `JsonBytes` (a JSON body as sent, for the core to parse) and
//! `ApiQuery<T>` (query parameters whose errors name the parameter). The errors quote at most an
//! excerpt of what the client sent.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use simpul_core::error::excerpt;

use crate::error::{ApiError, ErrorCode};
use crate::serve::BodyTimedOut;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A serde path as a JSON pointer (`/members/2`); each key is cut to an excerpt.
pub fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => {
                out.push_str(&excerpt(key).replace('~', "~0").replace('/', "~1"))
            }
            Segment::Enum { variant } => out.push_str(&excerpt(variant)),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Parses `bytes` as one JSON value of type `T` and nothing after it, with the error naming the path
/// and position.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let inner = e.inner();
        let ptr = pointer(e.path());
        let code = match inner.classify() {
            serde_json::error::Category::Data => ErrorCode::InvalidInput,
            _ => ErrorCode::InvalidJson,
        };
        let msg = inner.to_string();
        let at = if ptr.is_empty() {
            String::new()
        } else {
            format!(" at {ptr}")
        };
        ApiError::new(code, format!("invalid request body{at}: {msg}"))
            .with_field(if ptr.is_empty() { "/".into() } else { ptr }, msg)
    })?;
    // Only white space may follow the value: `{"a":1} garbage` is not a JSON document.
    de.end().map_err(|e| {
        ApiError::new(ErrorCode::InvalidJson, format!("invalid request body: {e}"))
            .with_field("/", e.to_string())
    })?;
    Ok(value)
}

/// The error for a body that could not be read: too large (413), not sent in time (408), or cut.
pub(crate) fn unreadable_body(rej: axum::extract::rejection::BytesRejection) -> ApiError {
    if std::error::Error::source(&rej).is_some_and(BodyTimedOut::is_cause_of) {
        return ApiError::new(
            ErrorCode::RequestTimeout,
            "the request body was not received in time",
        );
    }
    let status = axum::response::IntoResponse::into_response(rej).status();
    let code = ErrorCode::for_status(status);
    ApiError {
        status,
        ..ApiError::new(code, "the request body could not be read (too large?)")
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// A JSON request body as the bytes sent (`application/json` or any `…+json`, or JSON lines as
/// `application/x-ndjson`), for bodies the core parses itself (STIX documents, kept exactly as
/// received).
#[derive(Debug)]
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                is_json_mime(mime)
            });
        if !json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the request body must be application/json (or JSON lines, application/x-ndjson)",
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBytes)
            .map_err(unreadable_body)
    }
}

/// Whether a media type (without parameters) is JSON or JSON lines.
pub fn is_json_mime(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    mime == "application/json"
        || mime.ends_with("+json")
        || mime == "application/x-ndjson"
        || mime == "application/jsonl"
        || mime == "application/json-seq"
}

/// The query parameters of a request, as `T`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

/// Parses a query string as `T`; errors name the parameter (`errors[].pointer` is its name).
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let name = e
            .path()
            .iter()
            .next()
            .map(|s| excerpt(&s.to_string()))
            .unwrap_or_default();
        let msg = e.inner().to_string();
        let what = if name.is_empty() {
            "invalid query string".to_owned()
        } else {
            format!("invalid query parameter `{name}`")
        };
        let pointer = if name.is_empty() { "?".into() } else { name };
        ApiError::new(ErrorCode::InvalidInput, format!("{what}: {msg}")).with_field(pointer, msg)
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        members: Vec<uuid::Uuid>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Query {
        limit: Option<u32>,
    }

    #[test]
    fn errors_carry_pointer_and_position() {
        let e = parse::<Body>(br#"{"members": ["not-a-uuid"]}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.errors[0].pointer, "/members/0");
        assert!(e.detail.contains("line 1 column"), "{}", e.detail);

        let e = parse::<Body>(b"{\"members\": [").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        assert!(e.detail.contains("EOF"), "{}", e.detail);

        let e = parse::<Body>(br#"{"members": [], "extra": 1}"#).unwrap_err();
        assert!(e.detail.contains("unknown field `extra`"), "{}", e.detail);
    }

    #[test]
    fn trailing_garbage_is_refused_with_its_position() {
        let e = parse::<Body>(br#"{"members": []} this is not json"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        assert!(
            e.detail.contains("trailing characters at line 1 column 17"),
            "{}",
            e.detail
        );
        parse::<Body>(b"{\"members\": []}\n  ").unwrap();
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<Query>("limit=abc").unwrap_err();
        assert_eq!(e.errors[0].pointer, "limit");
        assert!(e.detail.contains("`limit`"), "{}", e.detail);
        let e = parse_query::<Query>("nope=1").unwrap_err();
        assert!(e.detail.contains("unknown field `nope`"), "{}", e.detail);
        assert_eq!(parse_query::<Query>("limit=5").unwrap().limit, Some(5));
    }
}
