//! `/peers`: federation peers (P1.10) — the TAXII servers this node pulls from and pushes to.
//! Site-admins administer them; a peer's credentials are write-only (sealed at rest, never
//! answered).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simpul_core::federation::{
    CollectionMap, DEFAULT_INTERVAL_SECS, Direction, NewPeer as CoreNewPeer, PeerAuth, PeerName,
};
use simpul_core::intel::CollectionId;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/peers", list_peers)
            .doc("List federation peers with their sync status", "site-admin")
            .returns::<PeerList>(StatusCode::OK),
        route!(POST "/peers", add_peer)
            .doc(
                "Add a federation peer (the same name replaces it); its credentials are sealed and never answered",
                "site-admin",
            )
            .request::<NewPeer>()
            .returns::<Peer>(StatusCode::CREATED),
        route!(GET "/peers/{name}", get_peer)
            .doc("Get a federation peer with its sync status", "site-admin")
            .returns::<Peer>(StatusCode::OK),
        route!(DELETE "/peers/{name}", remove_peer)
            .doc("Remove a federation peer and its cursors", "site-admin")
            .no_content(),
        route!(POST "/peers/{name}/sync", sync_peer)
            .doc(
                "Run one sync round of the peer now, under its lease (409 while another round runs; 502 when the peer fails it)",
                "site-admin",
            )
            .returns::<crate::RoundCounts>(StatusCode::OK),
    ]
}

/// One remote collection and the local collection it exchanges with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Map {
    /// The remote TAXII collection id.
    pub remote: String,
    pub local: Uuid,
}

/// How a peer's syncing goes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Status {
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub last_sync: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub last_success: Option<OffsetDateTime>,
    /// Seconds since the last successful round; null: never synced.
    #[schema(required = true)]
    pub lag_seconds: Option<i64>,
    pub objects_in: u64,
    pub objects_out: u64,
    pub refused: u64,
    /// Object versions the peer failed that wait to be pushed again by later rounds.
    pub retrying: u64,
    pub errors: u64,
    #[schema(required = true)]
    pub last_error: Option<String>,
}

/// A federation peer (never its credentials).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    pub id: Uuid,
    #[schema(schema_with = schema::peer_name)]
    pub name: String,
    /// The TAXII discovery URL.
    pub url: String,
    /// `token` or `basic`.
    pub auth: String,
    #[schema(schema_with = schema::peer_direction)]
    pub direction: String,
    pub maps: Vec<Map>,
    #[schema(schema_with = schema::peer_interval)]
    pub interval_secs: u32,
    /// The local account the peer acts as.
    pub act_as: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub status: Status,
}

impl Peer {
    pub fn of(p: simpul_core::federation::Peer, now: OffsetDateTime) -> Self {
        let lag = p.status.lag(now).map(|d| d.whole_seconds());
        Self {
            id: p.id.0,
            name: p.name.to_string(),
            url: p.url,
            auth: p.auth_kind,
            direction: p.direction.as_str().to_owned(),
            maps: p
                .maps
                .into_iter()
                .map(|m| Map {
                    remote: m.remote,
                    local: m.local.0,
                })
                .collect(),
            interval_secs: p.interval_secs,
            act_as: p.act_as.0,
            created_at: p.created_at,
            status: Status {
                last_sync: p.status.last_sync,
                last_success: p.status.last_success,
                lag_seconds: lag,
                objects_in: p.status.objects_in,
                objects_out: p.status.objects_out,
                refused: p.status.refused,
                retrying: p.status.retrying,
                errors: p.status.errors,
                last_error: p.status.last_error,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerList {
    pub peers: Vec<Peer>,
}

/// A new peer: a bearer `token`, or `user` and `password` for HTTP Basic.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeer {
    #[schema(schema_with = schema::peer_name)]
    pub name: String,
    /// The TAXII discovery URL (`http://` or `https://`).
    pub url: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[schema(schema_with = schema::peer_direction)]
    pub direction: String,
    pub maps: Vec<Map>,
    #[serde(default)]
    #[schema(schema_with = schema::peer_interval)]
    pub interval_secs: Option<u32>,
    /// The email of the local account of the peer's organisation.
    #[serde(rename = "as")]
    #[schema(schema_with = schema::email)]
    pub act_as: String,
}

async fn list_peers(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<PeerList>> {
    let now = s.service.now();
    let peers = s.service.list_peers(&p).await?;
    Ok(Json(PeerList {
        peers: peers.into_iter().map(|p| Peer::of(p, now)).collect(),
    }))
}

async fn add_peer(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewPeer>,
) -> ApiResult<Response> {
    let invalid = |path: &str, msg: &str| ApiError::from(simpul_core::Invalid::new(path, msg));
    let auth = match (b.token, b.user, b.password) {
        (Some(token), None, None) => PeerAuth::Token { token },
        (None, Some(user), Some(password)) => PeerAuth::Basic { user, password },
        _ => {
            return Err(invalid(
                "/token",
                "give either `token`, or `user` and `password`",
            ));
        }
    };
    let name = PeerName::parse(&b.name).map_err(|e| invalid("/name", &e.message))?;
    let direction: Direction = b
        .direction
        .parse()
        .map_err(|e: simpul_core::Invalid| invalid("/direction", &e.message))?;
    let new = CoreNewPeer {
        name,
        url: b.url,
        auth,
        direction,
        maps: b
            .maps
            .into_iter()
            .map(|m| CollectionMap {
                remote: m.remote,
                local: CollectionId(m.local),
            })
            .collect(),
        interval_secs: b.interval_secs.unwrap_or(DEFAULT_INTERVAL_SECS),
        act_as: b.act_as,
    };
    let peer = s.service.add_peer(&p, new).await?;
    Ok(created(Peer::of(peer, s.service.now())))
}

async fn get_peer(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Peer>> {
    let peer = s.service.peer(&p, &name).await?;
    Ok(Json(Peer::of(peer, s.service.now())))
}

async fn remove_peer(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    s.service.remove_peer(&p, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sync_peer(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<crate::RoundCounts>> {
    // Who may, and whether there is such a peer, first: the service decides both.
    s.service.peer(&p, &name).await?;
    let Some(sync) = &s.peer_sync else {
        return Err(ApiError::new(
            crate::ErrorCode::Unavailable,
            "this server runs no federation rounds",
        ));
    };
    match sync.sync_now(&s.service, &p, &name).await {
        Ok(counts) => Ok(Json(counts)),
        Err(crate::RoundRefused::Busy) => Err(ApiError::new(
            crate::ErrorCode::Conflict,
            "a round of this peer is running (another holds its lease); try again when it ends",
        )),
        Err(crate::RoundRefused::Failed(why)) => Err(ApiError::new(
            crate::ErrorCode::PeerFailed,
            format!("the round failed: {why}"),
        )),
    }
}
