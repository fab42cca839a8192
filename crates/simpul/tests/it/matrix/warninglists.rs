//! Matrix rows of the MISP warninglists (public data) and of exports (each holds what its reader
//! may see: `export.rs` checks the contents): every signed-in user may (scope read); nobody else.

use super::{Ids, Row, row};

pub fn rows(_: &Ids) -> Vec<Row> {
    vec![
        row!(
            "GET /warninglists",
            "/api/v1/warninglists".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /warninglists/check",
            "/api/v1/warninglists/check?value=8.8.8.8".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /export/{format}",
            "/api/v1/export/csv".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        // A decay bar of one's own (`decay.rs` checks what it leaves out); a bad one is 400.
        row!(
            "GET /export/{format}",
            "/api/v1/export/text?min_score=0".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /export/{format}",
            "/api/v1/export/text?min_score=100".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
    ]
}
