//! Matrix rows of identity: users and one's own password.

use serde_json::json;

use super::{Ids, Row, row};

pub fn rows(ids: &Ids) -> Vec<Row> {
    let (own, other) = (ids.own, ids.other);
    let (oa, ou) = (ids.own_analyst, ids.other_user);
    vec![
        row!(
            "POST /me/password",
            "/api/v1/me/password".into(),
            Some(
                json!({"current_password": "not it at all", "new_password": "a new long password"})
            ),
            [401, 401, 400, 400, 400, 403]
        ),
        row!(
            "GET /users",
            "/api/v1/users".into(),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "GET /users",
            format!("/api/v1/users?org={other}"),
            None,
            [401, 401, 200, 404, 403, 403]
        ),
        row!(
            "POST /users",
            "/api/v1/users".into(),
            Some(
                json!({"email": "new{n}@own.example", "display_name": "N", "org_id": own, "role": "analyst"})
            ),
            [401, 401, 201, 201, 403, 403]
        ),
        row!(
            "POST /users",
            "/api/v1/users".into(),
            Some(
                json!({"email": "new{n}@other.example", "display_name": "N", "org_id": other, "role": "analyst"})
            ),
            [401, 401, 201, 404, 403, 403]
        ),
        row!(
            "POST /users",
            "/api/v1/users".into(),
            Some(
                json!({"email": "boss{n}@own.example", "display_name": "N", "org_id": own, "role": "site-admin"})
            ),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "GET /users/{id}",
            format!("/api/v1/users/{oa}"),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "GET /users/{id}",
            format!("/api/v1/users/{ou}"),
            None,
            [401, 401, 200, 404, 403, 403]
        ),
        row!(
            "PATCH /users/{id}",
            format!("/api/v1/users/{ou}"),
            Some(json!({"display_name": "x{n}"})),
            [401, 401, 200, 404, 403, 403]
        ),
        row!(
            "POST /users/{id}/reset-password",
            format!("/api/v1/users/{ou}/reset-password"),
            None,
            [401, 401, 200, 404, 403, 403]
        ),
    ]
}
