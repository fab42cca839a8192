//! `/directory/health`: the directory's freshness flags (contacts not verified for the configured
//! period, OpenPGP keys expired or expiring within 30 days, organisations whose 24/7 duty contacts
//! answered neither of the last two checks, profiles not saved for a year). The regional CERT's
//! coordinators read every organisation's; an org-admin their own organisation's.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use simpul_core::directory::freshness::Health;
use utoipa::ToSchema;

use super::{ApiResult, ApiRoute, route};
use crate::AppState;
use crate::auth::Auth;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/directory/health", get_health)
            .doc(
                "The directory's freshness flags: `not-verified`, `key-expired`, \
                 `key-expires-soon`, `key-unreadable` (per contact), `duty-unanswered`, \
                 `profile-stale` and `profile-missing` (a member organisation that never saved its \
                 profile; per organisation), by organisation",
                "the regional CERT's coordinators (every organisation); an org-admin or \
                 site-admin of another organisation (their own organisation's)",
            )
            .returns::<HealthReport>(StatusCode::OK),
    ]
}

/// `{"verify_after_days": 183, "flags": [{"org_id", "org", "contact_id", "contact", "flag", …}]}`
#[derive(Debug, ToSchema)]
#[schema(value_type = Object)]
#[allow(dead_code)] // documents the body
pub struct HealthReport(serde_json::Value);

async fn get_health(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Health>> {
    Ok(Json(s.service.directory_health(&p).await?))
}
