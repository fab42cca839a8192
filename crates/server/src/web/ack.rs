//! The acknowledgement link of a communication check: `GET /ack/{token}` shows what is asked and
//! a button, `POST /ack/{token}` records the acknowledgement. A GET alone records nothing, so mail
//! scanners that open links do not answer for people.
//!
//! Anonymous on purpose: the link is the credential. There is no session and so no CSRF cookie;
//! the 256-bit token in the path is the guard (a cross-site form cannot know it). Answers carry
//! `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (so the token leaves no copy in a
//! cache nor in a `Referer`), and the request log records the route `/ack/{token}`, never the
//! path (`crate::log_path`). Errors are pages: 404 for a link that is not valid, 410 for one used
//! or expired.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use simpul_core::comm_checks::ack::AckError;
use simpul_core::comm_checks::duration::human;

use super::view::{Chrome, Prefs, When};
use super::{ErrorPage, error_page, html};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};

#[derive(Template)]
#[template(path = "ack.html")]
struct AckPage {
    chrome: Chrome,
    p: simpul_core::comm_checks::ack::AckPreview,
    deadline: When,
    token: String,
}

#[derive(Template)]
#[template(path = "ack_done.html")]
struct AckDone {
    chrome: Chrome,
    title: String,
    at: When,
    response: String,
}

/// What the link's answers carry whatever they are.
fn private(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    res
}

/// The page of a refused link.
fn refused(e: &AckError, prefs: Prefs) -> Response {
    let (status, title) = match e {
        AckError::Invalid => (StatusCode::NOT_FOUND, "Link not valid"),
        AckError::Expired { .. } => (StatusCode::GONE, "Link expired"),
        AckError::Used { .. } => (StatusCode::GONE, "Already acknowledged"),
        AckError::Core(c) => {
            tracing::error!(error = %c, "acknowledgement failed");
            return error_page(
                &ApiError::new(
                    ErrorCode::Unavailable,
                    "the acknowledgement could not be read or recorded; try again",
                ),
                None,
            );
        }
    };
    let page = ErrorPage {
        chrome: Chrome::anonymous(title, prefs),
        title,
        detail: e.to_string(),
        request_id: None,
    };
    html(status, page.render())
}

/// `GET /ack/{token}`: the confirmation page (records nothing).
pub(super) async fn page(
    State(state): State<AppState>,
    prefs: Prefs,
    Path(token): Path<String>,
) -> Response {
    let res = match state.service.ack_preview(&token).await {
        Ok(p) if p.acknowledged_at.is_some() => refused(
            &AckError::Used {
                at: p.acknowledged_at.unwrap_or(p.deadline_at),
            },
            prefs,
        ),
        Ok(p) if state.service.now() > p.deadline_at => refused(
            &AckError::Expired {
                deadline: p.deadline_at,
            },
            prefs,
        ),
        Ok(p) => {
            let page = AckPage {
                deadline: prefs.when(p.deadline_at),
                chrome: Chrome::anonymous("Communication check", prefs),
                p,
                token,
            };
            html(StatusCode::OK, page.render())
        }
        Err(e) => refused(&e, prefs),
    };
    private(res)
}

/// `POST /ack/{token}`: records the acknowledgement, once.
pub(super) async fn confirm(
    State(state): State<AppState>,
    prefs: Prefs,
    parts: Parts,
    Path(token): Path<String>,
) -> Response {
    let source = crate::auth::source(&parts);
    let res = match state.service.acknowledge_by_link(&token, source).await {
        Ok(done) => {
            let page = AckDone {
                at: prefs.when(done.acknowledged_at),
                chrome: Chrome::anonymous("Acknowledged", prefs),
                title: done.title,
                response: human(time::Duration::seconds(done.response_secs)),
            };
            html(StatusCode::OK, page.render())
        }
        Err(e) => refused(&e, prefs),
    };
    private(res)
}
