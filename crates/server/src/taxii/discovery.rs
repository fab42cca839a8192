//! Server discovery (§4.1, `GET /taxii2/`) and API root information (§4.2, `GET /taxii2/{root}/`).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;

use super::negotiation::{Taxii, check_accept};
use super::{TAXII_MEDIA_TYPE, taxii_route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![
        taxii_route!(GET "/taxii2/", "server discovery", discovery),
        taxii_route!(GET "/taxii2/{root}/", "API root information", api_root),
    ]
}

#[derive(Serialize)]
struct Discovery {
    title: &'static str,
    description: &'static str,
    default: String,
    api_roots: Vec<String>,
}

async fn discovery(
    State(state): State<AppState>,
    _: super::Root,
    _: Auth,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let roots: Vec<String> = state
        .settings
        .taxii
        .roots
        .iter()
        .map(|r| format!("/taxii2/{}/", r.name))
        .collect();
    Ok(Taxii::json(&Discovery {
        title: "simpul TAXII 2.1",
        description: "The intelligence exchange of the national CERTs",
        default: roots.first().cloned().unwrap_or_default(),
        api_roots: roots,
    }))
}

#[derive(Serialize)]
struct ApiRootInfo<'a> {
    title: &'a str,
    description: &'a str,
    versions: [&'static str; 1],
    max_content_length: usize,
}

async fn api_root(
    State(state): State<AppState>,
    _: super::Root,
    _: Auth,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let t = &state.settings.taxii;
    let r = t.root(&root)?;
    Ok(Taxii::json(&ApiRootInfo {
        title: &r.title,
        description: &r.description,
        versions: [TAXII_MEDIA_TYPE],
        max_content_length: t.max_content_length,
    }))
}
