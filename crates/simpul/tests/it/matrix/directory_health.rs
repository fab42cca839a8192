//! Matrix rows of the directory's health report: the site-admin of this world is the regional
//! CERT's (a coordinator: every organisation), the org-admin reads their own organisation's, an
//! analyst or a read-only user nothing.

use super::{Ids, Row, row};

pub fn rows(_ids: &Ids) -> Vec<Row> {
    vec![row!(
        "GET /directory/health",
        "/api/v1/directory/health".into(),
        None,
        [401, 401, 200, 200, 403, 403]
    )]
}
