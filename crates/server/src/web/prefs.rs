//! `POST /preferences`: the theme and the time zone, kept in cookies (they are the browser's
//! settings, not the account's), then back to the page the form was on.

use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;

use super::view::{THEME_COOKIE, TZ_COOKIE, ZONES};
use super::{CsrfForm, bad_request, cookie, see_other};
use crate::AppState;

/// A year, in seconds.
const KEEP: i64 = 365 * 24 * 3600;

#[derive(Deserialize)]
pub(super) struct PrefsForm {
    theme: Option<String>,
    tz: Option<String>,
    #[serde(default)]
    back: String,
}

pub(super) async fn save(
    State(state): State<AppState>,
    CsrfForm { form: f, .. }: CsrfForm<PrefsForm>,
) -> Response {
    let mut cookies = Vec::new();
    if let Some(theme) = f.theme.as_deref() {
        match theme {
            "system" => cookies.push(cookie(&state, THEME_COOKIE, "", "/", Some(0))),
            "light" | "dark" => cookies.push(cookie(&state, THEME_COOKIE, theme, "/", Some(KEEP))),
            other => {
                return bad_request(format!(
                    "theme: must be system, light or dark (got `{}`)",
                    crate::error::bound_message(other)
                ));
            }
        }
    }
    if let Some(tz) = f.tz.as_deref() {
        if !ZONES.iter().any(|(name, ..)| *name == tz) {
            return bad_request(format!(
                "tz: not a time zone simpul knows (got `{}`)",
                crate::error::bound_message(tz)
            ));
        }
        cookies.push(cookie(&state, TZ_COOKIE, tz, "/", Some(KEEP)));
    }
    let mut res = see_other(local_path(&f.back));
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// `back` if it is a path on this site, else `/` (never an open redirect).
fn local_path(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if ok { back } else { "/" }
}
