//! Content negotiation (TAXII 2.1 §1.6.8): `Accept` must admit `application/taxii+json` at
//! version 2.1 (a bare `application/taxii+json` is 2.1), else 406; a posted body's `Content-Type`
//! must be it, else 415; a body longer than the root's `max_content_length` is 413. Answers carry
//! `application/taxii+json;version=2.1`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use simpul_core::clock::rfc3339_micros;
use time::OffsetDateTime;

use crate::error::{ApiError, ErrorCode};

pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// A media type (`type/subtype;params`) as TAXII names it: `application/taxii+json` at version
/// 2.1 or without a version.
fn is_taxii_21(media: &str) -> bool {
    let mut parts = media.split(';').map(str::trim);
    let essence = parts.next().unwrap_or("");
    if !essence.eq_ignore_ascii_case("application/taxii+json") {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("version") => {
            v.trim().trim_matches('"') == "2.1"
        }
        // `q` and other parameters do not decide.
        _ => true,
    })
}

/// 406 unless `Accept` admits TAXII 2.1 JSON (`*/*` and `application/*` do; no `Accept` does).
pub(crate) fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    let ok = values.iter().flat_map(|v| v.split(',')).any(|m| {
        let essence = m.split(';').next().unwrap_or("").trim();
        is_taxii_21(m) || essence == "*/*" || essence.eq_ignore_ascii_case("application/*")
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::NotAcceptable,
            format!("this server answers {TAXII_MEDIA_TYPE}; send it in Accept"),
        ))
    }
}

/// 415 unless the posted body is TAXII 2.1 JSON.
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if is_taxii_21(ct) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("post {TAXII_MEDIA_TYPE} (an envelope of objects)"),
        ))
    }
}

/// The body of `body`, at most `max` bytes (413 beyond).
pub(crate) async fn read_body(body: Body, max: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than this API root's max_content_length ({max} bytes)"),
        )
    })
}

/// A TAXII answer: a JSON body with its status and the `X-TAXII-Date-Added-First`/`-Last`
/// headers when it lists objects.
pub(crate) struct Taxii {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    pub(crate) added: Option<(OffsetDateTime, OffsetDateTime)>,
}

impl Taxii {
    pub(crate) fn json(value: &impl serde::Serialize) -> Self {
        Self {
            status: StatusCode::OK,
            body: serde_json::to_vec(value).unwrap_or_default(),
            added: None,
        }
    }
}

impl IntoResponse for Taxii {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if let Some((first, last)) = self.added {
            for (name, t) in [
                ("x-taxii-date-added-first", first),
                ("x-taxii-date-added-last", last),
            ] {
                if let Ok(v) = HeaderValue::from_str(&rfc3339_micros(t)) {
                    h.insert(name, v);
                }
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for ok in [
            "application/taxii+json;version=2.1",
            "application/taxii+json",
            "Application/TAXII+json; version=\"2.1\"",
            "application/taxii+json;version=2.1;q=0.9",
        ] {
            assert!(is_taxii_21(ok), "{ok}");
        }
        for bad in [
            "application/taxii+json;version=2.0",
            "application/json",
            "application/stix+json;version=2.1",
            "",
        ] {
            assert!(!is_taxii_21(bad), "{bad}");
        }
    }
}
