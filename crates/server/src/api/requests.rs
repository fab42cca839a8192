//! `/requests`: cross-border action requests (P2.2) — sending one (a country routed to its national
//! CERT, the due time from the SLA), the list a reader may see (keyset pages, newest first), one
//! request with its history, the steps of its state machine (a refused step is 409 with the
//! `allowed` next states), comments and the intelligence linked by canonical key. The bodies'
//! types are in [`super::requests_types`], the statistics in [`super::requests_stats`]. Who sees
//! what is `simpul_core::access::requests`'; a request the caller may not see is not found.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::requests::reads::{PageAsk, RequestListFilter};
use simpul_core::requests::store::RequestCursor;
use simpul_core::requests::{RequestId, RequestKind, RequestState};
use simpul_core::{Invalid, ShortName};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody};
use super::objects::{Shaper, SharedObject};
use super::observables::Reported;
use super::requests_types::{
    CommentOut, NewComment, NewRequest, RequestDetail, RequestOut, TransitionBody,
};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const READ: &str = "users of the requesting and the target organisation (for TLP:RED the named \
                    users only) and the regional CERT's coordinators (never RED, never personal \
                    data); anyone else: not found";
const ACT: &str = "users of the requesting or the target organisation who are not read-only \
                   (TLP:RED: named ones); the state machine decides which side takes which step";

pub fn routes() -> Vec<ApiRoute> {
    let mut routes = vec![
        route!(POST "/requests", create_request)
            .doc(
                "Send an action request (takedown, block, freeze, victim-notification, \
                 information) to an organisation (`{\"org\": SHORT}`) or a country \
                 (`{\"country\": CC}`, routed to its one active national CERT); observables \
                 normalised with your organisation's country; `due` defaults from the SLA of \
                 the urgency",
                "users who are not read-only, from their own organisation",
            )
            .request::<NewRequest>()
            .returns::<RequestOut>(StatusCode::CREATED),
        route!(GET "/requests", list_requests)
            .doc(
                "List the requests you may see, newest first, a page at a time (`next` is the \
                 following page's `cursor`)",
                READ,
            )
            .query::<ListQuery>()
            .returns::<RequestList>(StatusCode::OK),
        route!(GET "/requests/{id}", get_request)
            .doc(
                "One request with its transitions, `overdue` at the server's clock and the \
                 states you may move it to (`allowed`); personal data, comments and reasons for \
                 the two parties only",
                READ,
            )
            .returns::<RequestDetail>(StatusCode::OK),
        route!(POST "/requests/{id}/transitions", transition)
            .doc(
                "Take a step: the target acknowledges, starts (in-progress), reports the outcome \
                 (actioned) or declines (a reason required); the requester withdraws before an \
                 outcome. A step not allowed from the request's state is 409 with the `allowed` \
                 next states",
                ACT,
            )
            .request::<TransitionBody>()
            .returns::<RequestOut>(StatusCode::OK),
        route!(GET "/requests/{id}/comments", list_comments)
            .doc(
                "The parties' comments, oldest first (empty for a coordinator)",
                READ,
            )
            .returns::<CommentList>(StatusCode::OK),
        route!(POST "/requests/{id}/comments", add_comment)
            .doc("Comment on a request", ACT)
            .request::<NewComment>()
            .returns::<CommentOut>(StatusCode::CREATED),
        route!(GET "/requests/{id}/intel", intel)
            .doc(
                "The intelligence you may see with the same canonical keys as the request's \
                 observables (those marked personal for the two parties only): the latest \
                 versions of indicators and other objects, newest added first, and the visible \
                 sightings of each",
                READ,
            )
            .query::<IntelQuery>()
            .returns::<RequestIntel>(StatusCode::OK),
    ];
    routes.extend(super::requests_stats::routes());
    routes
}

/// The most requests of one page, and the default.
pub const MAX_LIMIT: u32 = 500;
pub const DEFAULT_LIMIT: u32 = 100;
/// The most linked objects answered.
pub const MAX_INTEL: u32 = 500;

fn limit_schema() -> utoipa::openapi::schema::Object {
    schema::limit(MAX_LIMIT, DEFAULT_LIMIT)
}

fn intel_limit_schema() -> utoipa::openapi::schema::Object {
    schema::limit(MAX_INTEL, DEFAULT_LIMIT)
}

fn state_schema() -> utoipa::openapi::schema::Object {
    super::requests_types::one_of(RequestState::ALL.iter().map(RequestState::as_str))
}

fn kind_schema() -> utoipa::openapi::schema::Object {
    super::requests_types::one_of(RequestKind::ALL.iter().map(RequestKind::as_str))
}

/// `?state=&kind=&to=&from=&overdue=&limit=&cursor=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only requests in this state.
    #[param(schema_with = state_schema)]
    pub state: Option<String>,
    #[param(schema_with = kind_schema)]
    pub kind: Option<String>,
    /// Only requests to this organisation (short name).
    #[param(schema_with = schema::short_name)]
    pub to: Option<String>,
    /// Only requests from this organisation (short name).
    #[param(schema_with = schema::short_name)]
    pub from: Option<String>,
    /// Only overdue requests (`true`) or only those that are not (`false`).
    pub overdue: Option<bool>,
    /// How many requests.
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
    /// The previous page's `next`.
    pub cursor: Option<String>,
}

/// A parameter read by `parse`, refused at its name.
fn param<T>(
    name: &str,
    v: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<Option<T>, ApiError> {
    v.map(|s| parse(s).map_err(|e| ApiError::invalid_parameter(name, e.message)))
        .transpose()
}

/// A page limit between 1 and `max` (`default` when absent).
pub(super) fn limit(v: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = v.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {max} (got {limit})"),
        ));
    }
    Ok(limit)
}

impl ListQuery {
    fn parse(&self) -> Result<(RequestListFilter, PageAsk), ApiError> {
        let filter = RequestListFilter {
            state: param("state", self.state.as_deref(), str::parse)?,
            kind: param("kind", self.kind.as_deref(), str::parse)?,
            to: param("to", self.to.as_deref(), ShortName::parse)?,
            from: param("from", self.from.as_deref(), ShortName::parse)?,
            overdue: self.overdue,
        };
        let page = PageAsk {
            after: param(
                "cursor",
                self.cursor.as_deref(),
                str::parse::<RequestCursor>,
            )?,
            limit: Some(limit(self.limit, DEFAULT_LIMIT, MAX_LIMIT)?),
        };
        Ok((filter, page))
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestList {
    pub requests: Vec<RequestOut>,
    /// Pass as `cursor` for the following page; null on the last one.
    #[schema(required = true)]
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentList {
    pub comments: Vec<CommentOut>,
}

/// `?limit=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IntelQuery {
    /// How many linked objects.
    #[param(schema_with = intel_limit_schema)]
    pub limit: Option<u32>,
}

/// A sighting of a linked object, with the organisation that reported it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkedSighting {
    /// The reporting organisation's short name.
    pub org: String,
    pub sighting: SharedObject,
}

/// The intelligence a request links to by canonical key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestIntel {
    /// The canonical keys (`type|key`) looked for, sorted.
    pub observables: Vec<String>,
    pub objects: Vec<Reported>,
    /// How many objects in all (at most `limit` are answered).
    pub total: u64,
    /// The visible sightings of each object, by its STIX id.
    pub sightings: BTreeMap<String, Vec<LinkedSighting>>,
}

fn request_id(id: Uuid) -> RequestId {
    RequestId(id)
}

async fn create_request(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewRequest>,
) -> ApiResult<Response> {
    let view = s.service.create_request(&p, b.into()).await?;
    Ok(created(RequestOut::from(view)))
}

async fn list_requests(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<RequestList>> {
    let (filter, page) = q.parse()?;
    let page = s.service.list_requests_page(&p, &filter, page).await?;
    Ok(Json(RequestList {
        requests: page.requests.into_iter().map(RequestOut::from).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}

async fn get_request(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RequestDetail>> {
    let d = s.service.get_request(&p, request_id(id)).await?;
    Ok(Json(d.into()))
}

async fn transition(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<TransitionBody>,
) -> ApiResult<Json<RequestOut>> {
    let view = s
        .service
        .transition_request(&p, request_id(id), b.into())
        .await?;
    Ok(Json(view.into()))
}

async fn list_comments(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CommentList>> {
    let d = s.service.get_request(&p, request_id(id)).await?;
    Ok(Json(CommentList {
        comments: d.comments.into_iter().map(CommentOut::from).collect(),
    }))
}

async fn add_comment(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<NewComment>,
) -> ApiResult<Response> {
    let c = s
        .service
        .comment_request(&p, request_id(id), &b.text)
        .await?;
    Ok(created(CommentOut::from(c)))
}

async fn intel(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<IntelQuery>,
) -> ApiResult<Json<RequestIntel>> {
    let limit = limit(q.limit, DEFAULT_LIMIT, MAX_INTEL)?;
    let r = s.service.request_intel(&p, request_id(id), limit).await?;
    let shaper = Shaper::new(&s, &p).await?;
    let mut objects = Vec::with_capacity(r.objects.len());
    for c in r.objects {
        objects.push(Reported::of(shaper.shape(c.object)?, c.shared));
    }
    let mut sightings = BTreeMap::new();
    for (stix_id, seen) in r.sightings {
        let mut list = Vec::with_capacity(seen.len());
        for x in seen {
            list.push(LinkedSighting {
                org: x.org,
                sighting: shaper.shape(x.sighting)?,
            });
        }
        sightings.insert(stix_id, list);
    }
    Ok(Json(RequestIntel {
        observables: r.keys,
        objects,
        total: r.total,
        sightings,
    }))
}
