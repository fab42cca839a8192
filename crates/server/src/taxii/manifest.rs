//! A collection's manifest (§5.6): one record per version the caller may see, with the same
//! filters and paging as its objects.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde::Serialize;
use simpul_core::clock::rfc3339_micros;

use super::filters::{self, DefaultVersion};
use super::negotiation::{Taxii, check_accept};
use super::objects::{LISTING, added_range};
use super::{STIX_MEDIA_TYPE, listing, taxii_route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![
        taxii_route!(GET "/taxii2/{root}/collections/{id}/manifest/", "get the manifest", manifest),
    ]
}

#[derive(Serialize)]
struct Record {
    id: String,
    date_added: String,
    version: String,
    media_type: &'static str,
}

#[derive(Serialize)]
struct Manifest {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    /// Never an empty list (§2): omitted instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<Record>,
}

async fn manifest(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let page = listing(
        &state,
        &p,
        &id,
        None,
        raw.as_deref(),
        (LISTING, DefaultVersion::Last),
    )
    .await?;
    let mut res = Taxii::json(&Manifest {
        more: page.more,
        next: page.next().map(filters::next_token_of),
        objects: page
            .objects
            .iter()
            .map(|o| Record {
                id: o.stix_id.clone(),
                date_added: rfc3339_micros(o.date_added),
                version: rfc3339_micros(o.version),
                media_type: STIX_MEDIA_TYPE,
            })
            .collect(),
    });
    res.added = added_range(&page);
    Ok(res)
}
