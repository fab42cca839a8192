//! One object of a collection (§5.5 get, §5.7 delete) and its versions (§5.8). An object of
//! which the caller sees no version is "not found", exactly like one that does not exist.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use simpul_core::clock::rfc3339_micros;

use super::collections::collection_id;
use super::filters::{self, DefaultVersion, Takes};
use super::negotiation::{Taxii, check_accept};
use super::objects::{added_range, envelope};
use super::{listing, taxii_route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![
        taxii_route!(GET "/taxii2/{root}/collections/{id}/objects/{object_id}/", "get an object", get),
        taxii_route!(DELETE "/taxii2/{root}/collections/{id}/objects/{object_id}/", "delete an object", delete),
        taxii_route!(GET "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/", "an object's versions", versions),
    ]
}

const ONE: Takes = Takes {
    ids_and_types: false,
    version: true,
    paging: true,
};

const VERSIONS: Takes = Takes {
    ids_and_types: false,
    version: false,
    paging: true,
};

async fn get(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let kind = (ONE, DefaultVersion::Last);
    let page = listing(&state, &p, &id, Some(&object_id), raw.as_deref(), kind).await?;
    Ok(envelope(&page))
}

async fn delete(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let collection = collection_id(&id)?;
    let versions = filters::delete_versions(raw.as_deref())?;
    state
        .service
        .taxii_delete_object(&p, collection, &object_id, versions)
        .await?;
    Ok(Taxii {
        status: StatusCode::OK,
        body: Vec::new(),
        added: None,
    })
}

#[derive(Serialize)]
struct Versions {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    /// Never an empty list (§2): omitted instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<String>,
}

async fn versions(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let kind = (VERSIONS, DefaultVersion::All);
    let page = listing(&state, &p, &id, Some(&object_id), raw.as_deref(), kind).await?;
    let mut res = Taxii::json(&Versions {
        more: page.more,
        next: page.next().map(filters::next_token_of),
        versions: page
            .objects
            .iter()
            .map(|o| rfc3339_micros(o.version))
            .collect(),
    });
    res.added = added_range(&page);
    Ok(res)
}
