//! In-app acknowledgement: a signed-in user who is a target of an open check (by e-mail, see
//! [`Service::pending_for_me`](simpul_core::Service::pending_for_me)) sees it in a panel on the
//! dashboard and on `/checks`, and acknowledges it with one click (`POST
//! /checks/{id}/acknowledge`, read through [`CsrfForm`]); the answer redirects to the check's page
//! (post/redirect/get).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::comm_checks::CheckId;
use simpul_core::{CoreError, Principal};

use super::view::{Prefs, When};
use super::{CsrfForm, error_page, see_other};
use crate::AppState;
use crate::error::ApiError;

/// One open check asking the reader, for the panel.
#[derive(Debug)]
pub(super) struct Mine {
    pub(super) title: String,
    pub(super) message: String,
    pub(super) deadline: When,
    pub(super) action: String,
}

/// The open checks asking `p`; an error leaves the panel empty (it is logged: the page around it
/// still works).
pub(super) async fn mine(state: &AppState, p: &Principal, prefs: &Prefs) -> Vec<Mine> {
    match state.service.pending_for_me(p).await {
        Ok(list) => list
            .into_iter()
            .map(|m| Mine {
                action: format!("/checks/{}/acknowledge", m.check.id),
                title: m.check.title,
                message: m.check.message,
                deadline: prefs.when(m.check.deadline_at),
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "the pending checks could not be read");
            Vec::new()
        }
    }
}

/// The acknowledge button's form: nothing but the CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct AckForm {}

/// `POST /checks/{id}/acknowledge`: acknowledges for the user's contacts, then shows the check.
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user: w, form: _ }: CsrfForm<AckForm>,
) -> Response {
    let not_found = || CoreError::NotFound(format!("communication check {id}"));
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
        return error_page(&ApiError::from(not_found()), None);
    };
    match state
        .service
        .acknowledge_as_me(&w.principal, CheckId(uuid))
        .await
    {
        Ok(_) => see_other(&format!("/checks/{uuid}")),
        Err(e) => error_page(&ApiError::from(e), None),
    }
}
