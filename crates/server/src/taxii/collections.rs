//! Collections (§5.1, §5.2): the exchange's collections whose audience the caller is in, with
//! `can_read`/`can_write` from the audience, the caller's role and their token's scopes.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use simpul_core::intel::CollectionId;
use simpul_core::intel::taxii::TaxiiCollection;
use uuid::Uuid;

use super::negotiation::{Taxii, check_accept};
use super::{STIX_MEDIA_TYPE, taxii_route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![
        taxii_route!(GET "/taxii2/{root}/collections/", "the collections you may see", list),
        taxii_route!(GET "/taxii2/{root}/collections/{id}/", "one collection", get),
    ]
}

/// A collection resource.
#[derive(Serialize)]
pub(super) struct CollectionView {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<String>,
    can_read: bool,
    can_write: bool,
    media_types: [&'static str; 1],
}

impl From<TaxiiCollection> for CollectionView {
    fn from(c: TaxiiCollection) -> Self {
        Self {
            id: c.collection.id.to_string(),
            title: c.collection.title,
            description: c.collection.description,
            alias: c.collection.alias,
            can_read: c.can_read,
            can_write: c.can_write,
            media_types: [STIX_MEDIA_TYPE],
        }
    }
}

#[derive(Serialize)]
struct Collections {
    /// Never an empty list (§2): omitted instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    collections: Vec<CollectionView>,
}

async fn list(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let all = state.service.taxii_collections(&p).await?;
    Ok(Taxii::json(&Collections {
        collections: all.into_iter().map(CollectionView::from).collect(),
    }))
}

async fn get(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let c = state
        .service
        .taxii_collection(&p, collection_id(&id)?)
        .await?;
    Ok(Taxii::json(&CollectionView::from(c)))
}

/// A collection id from the path: any text that is no UUID names no collection (404, like an
/// unknown one).
pub(super) fn collection_id(s: &str) -> Result<CollectionId, ApiError> {
    Uuid::parse_str(s)
        .map(CollectionId)
        .map_err(|_| ApiError::not_found("collection not found"))
}
