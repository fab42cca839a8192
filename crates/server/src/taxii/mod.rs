//! TAXII 2.1 (OASIS Committee Specification 01) under `/taxii2`, one file per resource:
//! discovery and API roots (`discovery.rs`), collections (`collections.rs`), a collection's
//! objects (`objects.rs`), one object and its versions (`object.rs`), the manifest
//! (`manifest.rs`) and status resources (`status.rs`); content negotiation (`negotiation.rs`) and
//! the filters and paging of listings (`filters.rs`) are shared.
//!
//! Handlers are thin: they check the media types, parse the filters, call the core's TAXII service
//! functions (`simpul_core::intel::taxii`) with the principal, and shape the answer. What a caller
//! sees is the core's sharing policy's decision, made in the database; the edge never reads shared
//! objects itself. Errors are the TAXII error object (the edge's `Flavour::Taxii` for every path
//! under `/taxii2`). Deliberate differences from the specification are listed with their section
//! numbers in `crates/server/taxii-conformance-differences.md`.

use axum::http::Method;
use axum::routing::MethodRouter;

use crate::AppState;
use crate::error::ApiError;

mod collections;
mod discovery;
mod filters;
mod manifest;
mod negotiation;
mod object;
mod objects;
mod status;

pub use negotiation::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};

/// One API root: a path segment under `/taxii2/` and what discovery says of it. Every root serves
/// the same collections (the exchange's), so a client configured with any of them finds its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// The path segment (`api` for `/taxii2/api/`).
    pub name: String,
    pub title: String,
    pub description: String,
}

/// The TAXII server's settings (`[taxii]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiSettings {
    /// The API roots; the first is the default one.
    pub roots: Vec<ApiRoot>,
    /// The largest request body, advertised as the roots' `max_content_length`; larger is 413.
    pub max_content_length: usize,
    /// The most objects one page holds (a larger `limit` gets this many).
    pub max_page: u32,
    /// How long status resources are kept.
    pub status_retention: time::Duration,
}

/// The default API root's name: `/taxii2/api/`.
pub const DEFAULT_ROOT: &str = "api";

impl Default for TaxiiSettings {
    fn default() -> Self {
        Self {
            roots: vec![ApiRoot {
                name: DEFAULT_ROOT.into(),
                title: "simpul".into(),
                description: "The collections of the intelligence exchange".into(),
            }],
            max_content_length: 64 * 1024 * 1024,
            max_page: simpul_core::intel::store::MAX_PAGE,
            status_retention: time::Duration::hours(24),
        }
    }
}

impl TaxiiSettings {
    /// The root named `name`, or "not found".
    pub(crate) fn root(&self, name: &str) -> Result<&ApiRoot, ApiError> {
        self.roots
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| ApiError::not_found("no such API root"))
    }
}

/// The API root of a request's path, checked before who is asking: an unknown root is "not
/// found" for everyone (roots are listed by discovery; they are no secret).
#[derive(Debug, Clone)]
pub(crate) struct Root;

impl axum::extract::FromRequestParts<AppState> for Root {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(params) = axum::extract::Path::<
            std::collections::HashMap<String, String>,
        >::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::not_found("no such API root"))?;
        if let Some(root) = params.get("root") {
            state.settings.taxii.root(root)?;
        }
        Ok(Root)
    }
}

/// A page of a listing of collection `collection` (of object `object`'s versions when given):
/// the filters of `raw` as `takes` allows, `match[version]` defaulting to `default`. An object of
/// which the caller sees no version is "not found".
pub(crate) async fn listing(
    state: &AppState,
    p: &simpul_core::Principal,
    collection: &str,
    object: Option<&str>,
    raw: Option<&str>,
    (takes, default): (filters::Takes, filters::DefaultVersion),
) -> Result<simpul_core::intel::taxii::TaxiiPage, ApiError> {
    let collection = collections::collection_id(collection)?;
    let mut q = filters::parse(raw, takes, default, state.settings.taxii.max_page)?;
    if let Some(id) = object {
        q.ids = vec![id.to_owned()];
    }
    let page = state.service.taxii_objects(p, collection, &q).await?;
    if let Some(id) = object
        && page.objects.is_empty()
        && !state.service.taxii_object_exists(p, collection, id).await?
    {
        return Err(ApiError::not_found("object not found"));
    }
    Ok(page)
}

/// One TAXII route.
pub struct TaxiiRoute {
    pub method: Method,
    /// The path in axum syntax, with its trailing slash (`/taxii2/{root}/collections/`).
    pub path: &'static str,
    /// What it is, in words.
    pub summary: &'static str,
    pub handler: MethodRouter<AppState>,
}

impl std::fmt::Debug for TaxiiRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

macro_rules! taxii_route {
    ($method:ident $path:literal, $summary:literal, $handler:expr) => {
        $crate::taxii::TaxiiRoute {
            method: axum::http::Method::$method,
            path: $path,
            summary: $summary,
            handler: axum::routing::on(axum::routing::MethodFilter::$method, $handler),
        }
    };
}
pub(crate) use taxii_route;

/// Every TAXII route.
pub fn table() -> Vec<TaxiiRoute> {
    [
        discovery::routes(),
        collections::routes(),
        objects::routes(),
        object::routes(),
        manifest::routes(),
        status::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The `/taxii2` router: each route at its path, and without its trailing slash too.
pub fn router() -> axum::Router<AppState> {
    let mut by_path: Vec<(String, MethodRouter<AppState>)> = Vec::new();
    for r in table() {
        let bare = r.path.trim_end_matches('/').to_owned();
        for path in [r.path.to_owned(), bare] {
            match by_path.iter_mut().find(|(p, _)| *p == path) {
                Some((_, mr)) => *mr = std::mem::take(mr).merge(r.handler.clone()),
                None => by_path.push((path, r.handler.clone())),
            }
        }
    }
    let mut router = axum::Router::new();
    for (path, mr) in by_path {
        router = router.route(&path, mr);
    }
    router
}
