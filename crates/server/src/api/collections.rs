//! `/collections`: collections of shared STIX objects, changing them, and sharing into them.

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::access::sharing::may_write_collection;
use simpul_core::intel::collection_change::CollectionPatch;
use simpul_core::intel::service::{AudienceNames, NewCollection as CoreNewCollection, ShareReport};
use simpul_core::intel::{CollectionId, parse_tlp};
use simpul_core::{Principal, intel};
use time::OffsetDateTime;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody, JsonBytes};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/collections", list_collections)
            .doc(
                "List the collections you may read (all of them for a site-admin)",
                "any signed-in user (scope read)",
            )
            .returns::<CollectionList>(StatusCode::OK),
        route!(POST "/collections", create_collection)
            .doc("Create a collection", "site-admin")
            .request::<NewCollection>()
            .returns::<Collection>(StatusCode::CREATED),
        route!(GET "/collections/{id}", get_collection)
            .doc(
                "Get a collection you may read",
                "its audience, and site-admins (scope read)",
            )
            .returns::<Collection>(StatusCode::OK),
        route!(PATCH "/collections/{id}", update_collection)
            .doc(
                "Change a collection: title, alias (null removes it), description, default TLP, \
                 audience, read-only organisations (each field given replaces what it was)",
                "site-admin",
            )
            .request::<CollectionChange>()
            .returns::<Collection>(StatusCode::OK),
        route!(POST "/collections/{id}/objects", share)
            .doc(
                "Share STIX objects into a collection: a bundle, one object, an array, or JSON \
                 lines (`application/x-ndjson`). Each valid object is stored, all in one \
                 transaction (unmarked ones get `tlp`, else the collection's default TLP); each \
                 invalid one is reported with its JSON pointer (or `line N` in JSON lines); one \
                 already stored (same id and version) is skipped; an `object_marking_refs` entry \
                 that is no TLP or PAP marking and no marking-definition of the post or the store \
                 is a warning. A TLP:RED object needs named `recipients` unless the collection is \
                 a list of users.",
                "analysts and administrators of organisations in its audience that may write \
                 there, and its named users (scope write)",
            )
            .query::<ShareQuery>()
            .request::<StixDocument>()
            .returns::<ShareResult>(StatusCode::OK),
    ]
}

/// Who a collection is shared with (ids).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// The organisations of a community.
    Community { community: Uuid },
    /// A list of organisations.
    Orgs { orgs: Vec<Uuid> },
    /// A list of named users.
    Users { users: Vec<Uuid> },
}

impl From<intel::Audience> for Audience {
    fn from(a: intel::Audience) -> Self {
        match a {
            intel::Audience::Community { community } => Self::Community {
                community: community.0,
            },
            intel::Audience::Orgs { orgs } => Self::Orgs {
                orgs: orgs.into_iter().map(|o| o.0).collect(),
            },
            intel::Audience::Users { users } => Self::Users {
                users: users.into_iter().map(|u| u.0).collect(),
            },
        }
    }
}

/// A collection of shared objects.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    pub id: Uuid,
    #[schema(schema_with = schema::name)]
    pub title: String,
    #[schema(schema_with = schema::alias_or_null, required = true)]
    pub alias: Option<String>,
    #[schema(schema_with = schema::collection_description)]
    pub description: String,
    pub audience: Audience,
    /// The marking of objects that arrive unmarked.
    #[schema(schema_with = schema::tlp_label)]
    pub default_tlp: String,
    /// Organisations of the audience that may read but not write.
    pub read_only_orgs: Vec<Uuid>,
    /// Whether you may share into it.
    pub can_write: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Collection {
    fn of(p: &Principal, c: intel::Collection) -> Self {
        Self {
            can_write: may_write_collection(p, &c),
            id: c.id.0,
            title: c.title,
            alias: c.alias,
            description: c.description,
            audience: c.audience.into(),
            default_tlp: c.default_tlp.label().to_owned(),
            read_only_orgs: c.read_only_orgs.into_iter().map(|o| o.0).collect(),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionList {
    pub collections: Vec<Collection>,
}

/// Who a new collection is shared with, by name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AudienceByName {
    /// The organisations of a community (now and later members).
    Community {
        #[schema(schema_with = schema::community_name)]
        community: String,
    },
    /// Organisations by short name.
    Orgs {
        #[schema(schema_with = schema::short_names)]
        orgs: Vec<String>,
    },
    /// Named users by email: the only audience TLP:RED objects may be posted to without
    /// recipients.
    Users {
        #[schema(schema_with = schema::emails)]
        users: Vec<String>,
    },
}

impl AudienceByName {
    fn into_names(self) -> AudienceNames {
        match self {
            Self::Community { community } => AudienceNames::Community(community),
            Self::Orgs { orgs } => AudienceNames::Orgs(orgs),
            Self::Users { users } => AudienceNames::Users(users),
        }
    }
}

/// A new collection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCollection {
    #[schema(schema_with = schema::name)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = schema::alias_or_null)]
    pub alias: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::collection_description)]
    pub description: String,
    pub audience: AudienceByName,
    /// The marking of objects that arrive unmarked (AMBER when not given).
    #[serde(default)]
    #[schema(schema_with = schema::tlp_wanted)]
    pub default_tlp: Option<String>,
    /// A chosen id (e.g. a TAXII collection's elsewhere); a new one otherwise.
    #[serde(default)]
    pub id: Option<Uuid>,
}

/// What to change in a collection; an absent field is left as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionChange {
    #[serde(default)]
    #[schema(schema_with = schema::name)]
    pub title: Option<String>,
    #[serde(default, with = "super::organisations::double_option")]
    #[schema(schema_with = schema::alias_or_null)]
    pub alias: Option<Option<String>>,
    #[serde(default)]
    #[schema(schema_with = schema::collection_description)]
    pub description: Option<String>,
    /// The marking of objects that arrive unmarked from now on.
    #[serde(default)]
    #[schema(schema_with = schema::tlp_wanted)]
    pub default_tlp: Option<String>,
    /// The whole new audience.
    #[serde(default)]
    pub audience: Option<AudienceByName>,
    /// The whole list of organisations (short names) that may read but not write; empty: none.
    #[serde(default)]
    #[schema(schema_with = schema::short_names_or_none)]
    pub read_only_orgs: Option<Vec<String>>,
}

/// Options of a share.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShareQuery {
    /// Named recipients, comma-separated emails: when given, they are the whole audience of the
    /// objects posted (what TLP:RED needs outside a list of users).
    pub recipients: Option<String>,
    /// The TLP of objects that arrive unmarked, instead of the collection's default.
    #[param(schema_with = schema::tlp_wanted)]
    pub tlp: Option<String>,
}

/// A STIX 2.1 bundle, one STIX object, or a JSON array of STIX objects.
#[derive(Debug)]
pub struct StixDocument;

impl utoipa::PartialSchema for StixDocument {
    fn schema() -> RefOr<Schema> {
        let object = || ObjectBuilder::new().schema_type(Type::Object).build();
        OneOfBuilder::new()
            .item(object())
            .item(ArrayBuilder::new().items(object()).build())
            .description(Some(
                "A STIX 2.1 bundle, one STIX object, or a JSON array of STIX objects; or, as \
                 application/x-ndjson, JSON lines of them",
            ))
            .into()
    }
}

impl ToSchema for StixDocument {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StixDocument")
    }
}

/// An object of the posted document that was not stored (or, among `warnings`, was stored with a
/// remark).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareFailure {
    /// Its position among the posted objects.
    pub index: usize,
    /// Its STIX id, if it has one.
    #[schema(required = true)]
    pub id: Option<String>,
    /// A JSON pointer into the posted document (`/objects/12/pattern`), or its line in JSON lines
    /// (`line 7`, `line 7 /pattern`).
    pub path: String,
    pub message: String,
}

impl From<simpul_core::intel::service::Failure> for ShareFailure {
    fn from(f: simpul_core::intel::service::Failure) -> Self {
        Self {
            index: f.index,
            id: f.id,
            path: f.path,
            message: f.message,
        }
    }
}

/// What a share did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareResult {
    /// Ids of the objects stored.
    pub stored: Vec<String>,
    /// Ids already stored at that version: nothing stored.
    pub skipped: Vec<String>,
    pub failed: Vec<ShareFailure>,
    /// Objects stored with a remark: an `object_marking_refs` entry that is no TLP or PAP marking
    /// and no marking-definition of this post or the store (the object keeps its TLP).
    pub warnings: Vec<ShareFailure>,
}

impl From<ShareReport> for ShareResult {
    fn from(r: ShareReport) -> Self {
        Self {
            stored: r.stored,
            skipped: r.skipped,
            failed: r.failed.into_iter().map(ShareFailure::from).collect(),
            warnings: r.warnings.into_iter().map(ShareFailure::from).collect(),
        }
    }
}

async fn list_collections(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<CollectionList>> {
    let all = s.service.list_collections(&p).await?;
    Ok(Json(CollectionList {
        collections: all.into_iter().map(|c| Collection::of(&p, c)).collect(),
    }))
}

async fn create_collection(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewCollection>,
) -> ApiResult<Response> {
    let audience = s
        .service
        .resolve_audience(&p, &b.audience.into_names())
        .await?;
    let new = CoreNewCollection {
        id: b.id.map(CollectionId),
        title: b.title,
        alias: b.alias,
        description: b.description,
        audience,
        default_tlp: b
            .default_tlp
            .as_deref()
            .map(|t| parse_tlp("default_tlp", t))
            .transpose()?,
    };
    let c = s.service.create_collection(&p, new).await?;
    Ok(created(Collection::of(&p, c)))
}

async fn get_collection(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Collection>> {
    let c = s.service.get_collection(&p, CollectionId(id)).await?;
    Ok(Json(Collection::of(&p, c)))
}

async fn update_collection(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<CollectionChange>,
) -> ApiResult<Json<Collection>> {
    let patch = CollectionPatch {
        title: b.title,
        alias: b.alias,
        description: b.description,
        default_tlp: b
            .default_tlp
            .as_deref()
            .map(|t| parse_tlp("default_tlp", t))
            .transpose()?,
        audience: b.audience.map(AudienceByName::into_names),
        read_only_orgs: b.read_only_orgs,
    };
    let c = s
        .service
        .update_collection(&p, CollectionId(id), patch)
        .await?;
    Ok(Json(Collection::of(&p, c)))
}

async fn share(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<ShareQuery>,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Json<ShareResult>> {
    let opts = super::imports::share_options(q.recipients.as_deref(), q.tlp.as_deref())?;
    let report = s
        .service
        .share_document(&p, CollectionId(id), &body, &opts)
        .await?;
    Ok(Json(report.into()))
}
