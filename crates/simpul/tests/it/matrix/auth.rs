//! Matrix rows of authentication: who am I, API tokens.

use serde_json::json;

use super::{Ids, Row, row};

pub fn rows(_: &Ids) -> Vec<Row> {
    vec![
        row!(
            "GET /me",
            "/api/v1/me".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /tokens",
            "/api/v1/tokens".into(),
            None,
            [401, 401, 200, 200, 200, 403]
        ),
        row!(
            "POST /tokens",
            "/api/v1/tokens".into(),
            Some(json!({"name": "t", "scopes": ["read"]})),
            [401, 401, 201, 201, 201, 403]
        ),
        // Another organisation's user's token: not found for its org-admin's peers elsewhere.
        row!(
            "DELETE /tokens/{id}",
            "/api/v1/tokens/{other_token}".into(),
            None,
            [401, 401, 200, 404, 403, 403]
        ),
        // Another user's token in one's own organisation.
        row!(
            "DELETE /tokens/{id}",
            "/api/v1/tokens/{own_token}".into(),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
    ]
}
