//! Matrix rows of the directory: organisations and communities.

use serde_json::json;

use super::{Ids, Row, row};

pub fn rows(ids: &Ids) -> Vec<Row> {
    let (own, other, spare) = (ids.own, ids.other, ids.spare);
    vec![
        row!(
            "GET /organisations",
            "/api/v1/organisations".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "POST /organisations",
            "/api/v1/organisations".into(),
            Some(json!({"name": "New", "short_name": "New-{n}", "kind": "industry"})),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "GET /organisations/{id}",
            format!("/api/v1/organisations/{own}"),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /organisations/{id}",
            format!("/api/v1/organisations/{other}"),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "PATCH /organisations/{id}",
            format!("/api/v1/organisations/{own}"),
            Some(json!({"name": "Own {n}"})),
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "PATCH /organisations/{id}",
            format!("/api/v1/organisations/{other}"),
            Some(json!({"name": "Other {n}"})),
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "PATCH /organisations/{id}",
            format!("/api/v1/organisations/{own}"),
            Some(json!({"kind": "government"})),
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "POST /organisations/{id}/suspend",
            format!("/api/v1/organisations/{spare}/suspend"),
            None,
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "GET /communities",
            "/api/v1/communities".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "POST /communities",
            "/api/v1/communities".into(),
            Some(json!({"name": "c-{n}"})),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "GET /communities/{name}",
            "/api/v1/communities/shared".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "POST /communities/{name}/members",
            "/api/v1/communities/shared/members".into(),
            Some(json!({"members": [own]})),
            [401, 401, 200, 403, 403, 403]
        ),
    ]
}
