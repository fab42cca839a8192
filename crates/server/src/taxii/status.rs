//! Status resources (§4.3): what a post did, readable by the poster's organisation for the
//! configured retention; any other is "not found".

use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::negotiation::{Taxii, check_accept};
use super::taxii_route;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![taxii_route!(GET "/taxii2/{root}/status/{status_id}/", "a post's status", status)]
}

async fn status(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, status_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let retention = state.settings.taxii.status_retention;
    let s = state
        .service
        .taxii_status(&p, &status_id, retention)
        .await?;
    Ok(Taxii::json(&s))
}
