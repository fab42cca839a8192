//! `JsonBody<T>`: a JSON request body whose errors name the JSON path and the text position.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A serde path as a JSON pointer (`/members/2`).
pub fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Parses `bytes` as `T`, with the error naming the path and position.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
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
    Ok(value)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the request body must be application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            let status = axum::response::IntoResponse::into_response(rej).status();
            let code = ErrorCode::for_status(status);
            ApiError {
                status,
                ..ApiError::new(code, "the request body could not be read (too large?)")
            }
        })?;
        parse(&bytes).map(JsonBody)
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
}
