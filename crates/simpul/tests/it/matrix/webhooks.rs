//! Matrix rows of webhooks and their delivery log: `own` and `other` each have a webhook, `own` a
//! delivery. The org-admin manages their own organisation's only, the site-admin any; analysts
//! and read-only users none (a read-only token lacks the admin scope). A webhook is deleted
//! through its own organisation only.

use serde_json::json;
use simpul_core::access::{Action, authorize};
use simpul_core::org::OrgId;
use simpul_core::webhooks::{EventType, NewWebhook};

use super::{Ids, Row, row};
use crate::world::{World, operator};

/// Placeholders [`fill`] replaces: the setup's webhook of `other`, and a fresh webhook of `own` /
/// of `other` for each cell (to delete).
pub const OTHER: &str = "{other_webhook}";
pub const FRESH_OWN: &str = "{fresh_own_webhook}";
pub const FRESH_OTHER: &str = "{fresh_other_webhook}";

async fn add(w: &World, org: OrgId, name: &str) -> String {
    let new = NewWebhook {
        url: format!("https://hooks.example/{name}"),
        events: vec!["request.*".into()],
        description: Some(name.into()),
        active: None,
    };
    let c = w
        .service
        .create_webhook(&operator(), org, new)
        .await
        .unwrap();
    c.webhook.id.to_string()
}

pub async fn setup(w: &World) {
    add(w, w.own.id, "matrix-own").await;
    add(w, w.other.id, "matrix-other").await;
    let op = operator();
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    let n = w
        .service
        .queue_event(
            &grant,
            w.own.id,
            EventType::parse("request.created").unwrap(),
            &json!({"matrix": true}),
        )
        .await
        .unwrap();
    assert_eq!(n.len(), 1);
}

/// `path` with the placeholders replaced.
pub async fn fill(w: &World, mut path: String) -> String {
    if !path.contains("_webhook}") {
        return path;
    }
    if path.contains(FRESH_OWN) {
        path = path.replace(FRESH_OWN, &add(w, w.own.id, "fresh").await);
    }
    if path.contains(FRESH_OTHER) {
        path = path.replace(FRESH_OTHER, &add(w, w.other.id, "fresh").await);
    }
    if path.contains(OTHER) {
        let hooks = w
            .service
            .list_webhooks(&operator(), w.other.id)
            .await
            .unwrap();
        let id = hooks
            .iter()
            .find(|h| h.description.as_deref() == Some("matrix-other"))
            .unwrap()
            .id;
        path = path.replace(OTHER, &id.to_string());
    }
    path
}

pub fn rows(ids: &Ids) -> Vec<Row> {
    let (own, other) = (ids.own, ids.other);
    let nowhere = "00000000-0000-4000-8000-000000000001";
    let body = json!({"url": "https://hooks.example/{n}", "events": ["request.*"]});
    vec![
        row!(
            "GET /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{own}/webhooks"),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{other}/webhooks"),
            None,
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{nowhere}/webhooks"),
            None,
            [401, 401, 404, 403, 403, 403]
        ),
        row!(
            "POST /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{own}/webhooks"),
            Some(body.clone()),
            [401, 401, 201, 201, 403, 403]
        ),
        row!(
            "POST /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{other}/webhooks"),
            Some(body),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "POST /organisations/{id}/webhooks",
            format!("/api/v1/organisations/{own}/webhooks"),
            Some(json!({"url": "http://hooks.example/{n}", "events": ["request.*"]})),
            [401, 401, 400, 400, 403, 403]
        ),
        row!(
            "DELETE /organisations/{id}/webhooks/{webhook}",
            format!("/api/v1/organisations/{own}/webhooks/{FRESH_OWN}"),
            None,
            [401, 401, 204, 204, 403, 403]
        ),
        row!(
            "DELETE /organisations/{id}/webhooks/{webhook}",
            format!("/api/v1/organisations/{other}/webhooks/{FRESH_OTHER}"),
            None,
            [401, 401, 204, 403, 403, 403]
        ),
        row!(
            "DELETE /organisations/{id}/webhooks/{webhook}",
            format!("/api/v1/organisations/{own}/webhooks/{OTHER}"),
            None,
            [401, 401, 404, 404, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/webhook-deliveries",
            format!("/api/v1/organisations/{own}/webhook-deliveries?limit=10"),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/webhook-deliveries",
            format!("/api/v1/organisations/{other}/webhook-deliveries"),
            None,
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/webhook-deliveries",
            format!("/api/v1/organisations/{own}/webhook-deliveries?limit=0"),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
    ]
}
