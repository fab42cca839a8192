//! Matrix rows of server-side matching: every signed-in user may match (scope read); what each
//! gets back is the sharing policy's (`match_server.rs` checks the hits).

use serde_json::json;

use super::{Ids, Row, row};

pub fn rows(_: &Ids) -> Vec<Row> {
    vec![row!(
        "POST /match",
        "/api/v1/match".into(),
        Some(json!(["evil.example", "http://evil.example/login"])),
        [401, 401, 200, 200, 200, 200]
    )]
}
