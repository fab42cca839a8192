//! Matrix rows of the audit log.

use super::{Ids, Row, row};

pub fn rows(ids: &Ids) -> Vec<Row> {
    let other = ids.other;
    vec![
        row!(
            "GET /audit",
            "/api/v1/audit".into(),
            None,
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "GET /audit",
            format!("/api/v1/audit?org={other}"),
            None,
            [401, 401, 200, 404, 403, 403]
        ),
    ]
}
