//! REST API v1 under `/api/v1`, one file per resource.
//!
//! The routes are one table ([`table`]), gathered from each resource's `routes()`: the router and the
//! OpenAPI 3.1 document at `/api/v1/openapi.json` are both built from it, so a route cannot exist
//! undocumented or be documented and missing. Each route names the Rust types of its request and
//! response; their JSON Schemas are derived from those types (`utoipa::ToSchema`), with the
//! length and pattern bounds taken from the core's validated newtypes ([`schema`]). Handlers are
//! thin: parse, call the service with the principal, shape the answer as a typed struct.

use std::borrow::Cow;

use axum::Json;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Parameter;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::ApiError;

pub mod audit;
pub mod cases;
pub mod cases_tasks;
pub mod cases_timeline;
mod chunks;
pub mod collections;
pub mod comm_checks;
pub mod comm_checks_start;
pub mod communities;
pub mod contacts;
pub mod directory_health;
pub mod export;
pub mod imports;
pub mod json;
pub mod mail;
pub mod match_;
pub mod me;
pub mod misp_feed;
pub mod object_changes;
pub mod objects;
pub mod observables;
mod openapi;
pub mod organisations;
pub mod peers;
pub mod profiles;
pub mod requests;
pub mod requests_stats;
pub mod requests_types;
pub mod schema;
pub mod sightings;
pub mod tokens;
pub mod users;
pub mod warninglists;
pub mod webhooks;

/// Every REST route.
pub fn table() -> Vec<ApiRoute> {
    [
        me::routes(),
        organisations::routes(),
        profiles::routes(),
        contacts::routes(),
        communities::routes(),
        users::routes(),
        tokens::routes(),
        audit::routes(),
        collections::routes(),
        objects::routes(),
        sightings::routes(),
        observables::routes(),
        imports::routes(),
        object_changes::routes(),
        match_::routes(),
        warninglists::routes(),
        export::routes(),
        misp_feed::routes(),
        peers::routes(),
        mail::routes(),
        comm_checks::routes(),
        directory_health::routes(),
        webhooks::routes(),
        requests::routes(),
        cases::routes(),
        cases_timeline::routes(),
        cases_tasks::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The named JSON Schema of a Rust type, with the schemas it refers to.
#[derive(Clone, Copy)]
pub struct SchemaDoc {
    name: fn() -> Cow<'static, str>,
    schema: fn() -> RefOr<Schema>,
    refs: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl std::fmt::Debug for SchemaDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl SchemaDoc {
    pub fn of<T: ToSchema>() -> Self {
        Self {
            name: T::name,
            schema: T::schema,
            refs: T::schemas,
        }
    }

    /// The schema's name under `#/components/schemas/`.
    pub fn name(&self) -> String {
        (self.name)().into_owned()
    }

    /// This schema and the ones it refers to, by name.
    pub fn collect(&self, out: &mut Vec<(String, RefOr<Schema>)>) {
        out.push((self.name(), (self.schema)()));
        (self.refs)(out);
    }
}

/// Where the REST API is.
pub const API_ROOT: &str = "/api/v1";

/// One documented route.
pub struct ApiRoute {
    pub method: Method,
    /// Where [`ApiRoute::path`] is: `/api/v1`, or `""` for a route outside it (the MISP feed,
    /// `/feeds/misp/…`, at the address MISP's feed fetcher is given).
    pub root: &'static str,
    /// The path in axum syntax (`/organisations/{id}`), relative to [`ApiRoute::root`].
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words (the matrix lives in `simpul_core::access`).
    pub who: &'static str,
    /// The JSON request body, if the route takes one.
    pub request: Option<SchemaDoc>,
    /// The JSON response body on success; `None` for an empty answer (204).
    pub response: Option<SchemaDoc>,
    pub success: StatusCode,
    /// The query parameters.
    pub query: fn() -> Vec<Parameter>,
    /// The media type of the success body (`application/json` unless set).
    pub response_type: &'static str,
    /// The route also reads a `text/plain` body (lines), besides its JSON one.
    pub text_request: Option<&'static str>,
    pub handler: MethodRouter<AppState>,
}

impl std::fmt::Debug for ApiRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl ApiRoute {
    /// A route answering `200` with no documented body yet; see the builder methods.
    pub fn new(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        Self {
            method,
            root: API_ROOT,
            path,
            summary: "",
            who: "",
            request: None,
            response: None,
            success: StatusCode::OK,
            query: Vec::new,
            response_type: "application/json",
            text_request: None,
            handler,
        }
    }

    /// The route is at `path` itself, outside `/api/v1`.
    pub fn outside_api(mut self) -> Self {
        self.root = "";
        self
    }

    /// The route's full path (`/api/v1/organisations/{id}`).
    pub fn full_path(&self) -> String {
        format!("{}{}", self.root, self.path)
    }

    pub fn doc(mut self, summary: &'static str, who: &'static str) -> Self {
        self.summary = summary;
        self.who = who;
        self
    }

    /// The route reads a JSON body of type `T`.
    pub fn request<T: ToSchema>(mut self) -> Self {
        self.request = Some(SchemaDoc::of::<T>());
        self
    }

    /// The route answers `status` with a JSON body of type `T`.
    pub fn returns<T: ToSchema>(mut self, status: StatusCode) -> Self {
        self.response = Some(SchemaDoc::of::<T>());
        self.success = status;
        self
    }

    /// The route answers `status` with a stream of `media_type` (JSON lines), each line a `T`.
    pub fn streams<T: ToSchema>(mut self, status: StatusCode, media_type: &'static str) -> Self {
        self.response = Some(SchemaDoc::of::<T>());
        self.response_type = media_type;
        self.success = status;
        self
    }

    /// The route also reads a `text/plain` body, described as `what`.
    pub fn text_request(mut self, what: &'static str) -> Self {
        self.text_request = Some(what);
        self
    }

    /// The route answers 204 without a body.
    pub fn no_content(mut self) -> Self {
        self.response = None;
        self.success = StatusCode::NO_CONTENT;
        self
    }

    /// The route reads the query parameters of `Q`.
    pub fn query<Q: IntoParams>(mut self) -> Self {
        self.query = || Q::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query));
        self
    }
}

/// `route!(GET "/path", handler)`: an [`ApiRoute`] whose method is named once.
macro_rules! route {
    ($method:ident $path:literal, $handler:expr) => {
        $crate::api::ApiRoute::new(
            axum::http::Method::$method,
            $path,
            axum::routing::on(axum::routing::MethodFilter::$method, $handler),
        )
    };
}
pub(crate) use route;

/// The `/api/v1` router with the OpenAPI document, and the routes outside it.
pub fn router() -> axum::Router<AppState> {
    let mut by_path: Vec<(&'static str, &'static str, MethodRouter<AppState>)> = Vec::new();
    for r in table() {
        match by_path
            .iter_mut()
            .find(|(root, p, _)| *p == r.path && *root == r.root)
        {
            Some((_, _, mr)) => *mr = std::mem::take(mr).merge(r.handler),
            None => by_path.push((r.root, r.path, r.handler)),
        }
    }
    let mut api = axum::Router::new().route("/openapi.json", axum::routing::get(openapi_json));
    let mut outside = axum::Router::new();
    for (root, path, mr) in by_path {
        if root == API_ROOT {
            api = api.route(path, mr);
        } else {
            outside = outside.route(path, mr);
        }
    }
    axum::Router::new().nest(API_ROOT, api).merge(outside)
}

/// The OpenAPI document of [`table`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::document(&table())
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

pub(crate) fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}
