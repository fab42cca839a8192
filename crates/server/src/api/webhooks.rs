//! `/organisations/{id}/webhooks` and `/organisations/{id}/webhook-deliveries`: an organisation's
//! webhooks (P2.2) and their delivery log, for its org-admins and site-admins. A webhook's secret
//! is answered once, when it is created; deliveries are listed without their bodies.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::OrgId;
use simpul_core::webhooks::{
    self as core, DeliveryStatus, MAX_DESCRIPTION_CHARS, MAX_LIST, MAX_PATTERNS, MAX_URL_CHARS,
    WebhookId,
};
use time::OffsetDateTime;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const WHO: &str = "site-admin; org-admin of that organisation";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/organisations/{id}/webhooks", list_webhooks)
            .doc("List an organisation's webhooks (never their secrets)", WHO)
            .returns::<WebhookList>(StatusCode::OK),
        route!(POST "/organisations/{id}/webhooks", create_webhook)
            .doc(
                "Register a webhook: events of the organisation matching `events` are POSTed to \
                 `url` as JSON, signed with `X-Simpul-Signature: sha256=<hex HMAC-SHA256 of the \
                 body keyed with the secret>`; the secret is answered this once",
                WHO,
            )
            .request::<NewWebhook>()
            .returns::<CreatedWebhook>(StatusCode::CREATED),
        route!(DELETE "/organisations/{id}/webhooks/{webhook}", delete_webhook)
            .doc("Delete a webhook with its delivery log", WHO)
            .no_content(),
        route!(GET "/organisations/{id}/webhook-deliveries", list_deliveries)
            .doc(
                "The organisation's webhook delivery log, newest first (never a body)",
                WHO,
            )
            .query::<DeliveriesQuery>()
            .returns::<DeliveryList>(StatusCode::OK),
    ]
}

pub const DEFAULT_LIMIT: u32 = 100;

fn limit_schema() -> Object {
    schema::limit(MAX_LIST, DEFAULT_LIMIT)
}

fn url_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_URL_CHARS))
        .build()
}

fn events_schema() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(simpul_core::webhooks::MAX_EVENT_TYPE_CHARS + 2)),
        )
        .min_items(Some(1))
        .max_items(Some(MAX_PATTERNS))
        .build()
}

fn description_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Null]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .max_length(Some(MAX_DESCRIPTION_CHARS))
        .build()
}

fn status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(DeliveryStatus::ALL.iter().map(DeliveryStatus::as_str)))
        .build()
}

/// A webhook to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://…`, or `http://` to a loopback address only; no user name or password, no
    /// fragment.
    #[schema(schema_with = url_schema)]
    pub url: String,
    /// Event patterns: `*` (all), an event type (`request.created`) or a prefix (`request.*`).
    #[schema(schema_with = events_schema)]
    pub events: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = description_schema)]
    pub description: Option<String>,
    /// Whether it receives events (default `true`).
    #[serde(default)]
    pub active: Option<bool>,
}

/// A registered webhook.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub id: Uuid,
    pub org: Uuid,
    pub url: String,
    pub events: Vec<String>,
    #[schema(required = true, schema_with = description_schema)]
    pub description: Option<String>,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<core::Webhook> for Webhook {
    fn from(w: core::Webhook) -> Self {
        Self {
            id: w.id.0,
            org: w.org.0,
            url: w.url.as_str().to_owned(),
            events: w.events.iter().map(|e| e.as_str().to_owned()).collect(),
            description: w.description,
            active: w.active,
            created_at: w.created_at,
        }
    }
}

/// A webhook just registered, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`): the HMAC key is this text.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// How many log rows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
}

/// One delivery of an event to a webhook.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// The `X-Simpul-Delivery` header's value.
    pub id: Uuid,
    pub webhook: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    /// `queued`, `sending`, `delivered`, `failed` (given up).
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The receiver's last HTTP status, if it answered.
    #[schema(required = true)]
    pub last_status_code: Option<u16>,
    /// What went wrong last (never a body).
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub delivered_at: Option<OffsetDateTime>,
}

impl From<core::Delivery> for Delivery {
    fn from(d: core::Delivery) -> Self {
        Self {
            id: d.id.0,
            webhook: d.webhook.0,
            event_id: d.event_id.0,
            event_type: d.event_type.as_str().to_owned(),
            created_at: d.created_at,
            attempts: d.attempts,
            status: d.status.as_str().to_owned(),
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
}

async fn list_webhooks(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<WebhookList>> {
    let hooks = s.service.list_webhooks(&p, OrgId(id)).await?;
    Ok(Json(WebhookList {
        webhooks: hooks.into_iter().map(Into::into).collect(),
    }))
}

async fn create_webhook(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<NewWebhook>,
) -> ApiResult<Response> {
    let new = core::NewWebhook {
        url: b.url,
        events: b.events,
        description: b.description,
        active: b.active,
    };
    let c = s.service.create_webhook(&p, OrgId(id), new).await?;
    Ok(created(CreatedWebhook {
        webhook: c.webhook.into(),
        secret: c.secret.expose().to_owned(),
    }))
}

async fn delete_webhook(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, webhook)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    s.service
        .delete_webhook(&p, OrgId(id), WebhookId(webhook))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_deliveries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIST} (got {limit})"),
        ));
    }
    let log = s.service.list_deliveries(&p, OrgId(id), limit).await?;
    Ok(Json(DeliveryList {
        deliveries: log.into_iter().map(Into::into).collect(),
    }))
}
