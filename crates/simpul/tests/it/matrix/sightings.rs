//! Matrix rows of sightings and correlation, on the world of [`super::intel::setup`]: a GREEN
//! indicator our analyst shared into a collection of SingCERT and MyCERT, which the regional CERT's
//! site-admin administers but may not see.

use serde_json::json;

use super::intel::{ABSENT, OBJECT};
use super::{Ids, Row, row};

pub fn rows(_: &Ids) -> Vec<Row> {
    let sightings = format!("/api/v1/objects/{OBJECT}/sightings");
    vec![
        row!(
            "POST /objects/{id}/sightings",
            sightings.clone(),
            Some(json!({"count": 1, "where": "cell {n}"})),
            [401, 401, 404, 201, 201, 403]
        ),
        row!(
            "POST /objects/{id}/sightings",
            format!("/api/v1/objects/{ABSENT}/sightings"),
            Some(json!({"count": 1})),
            [401, 401, 404, 404, 404, 403]
        ),
        // Bounds are checked before the object is looked for; the role before both.
        row!(
            "POST /objects/{id}/sightings",
            sightings.clone(),
            Some(json!({"count": 1_000_000_000u64})),
            [401, 401, 400, 400, 400, 403]
        ),
        // RED in an organisations' collection names nobody.
        row!(
            "POST /objects/{id}/sightings",
            sightings.clone(),
            Some(json!({"tlp": "red"})),
            [401, 401, 404, 400, 400, 403]
        ),
        row!(
            "GET /objects/{id}/sightings",
            sightings.clone(),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /objects/{id}/sightings",
            format!("/api/v1/objects/{ABSENT}/sightings"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "GET /objects/{id}/sightings",
            format!("{sightings}?limit=0"),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /objects/{id}/correlations",
            format!("/api/v1/objects/{OBJECT}/correlations"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /objects/{id}/correlations",
            format!("/api/v1/objects/{ABSENT}/correlations"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "GET /observables/{type}/{value}",
            "/api/v1/observables/domain/Evil.Example.".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /observables/{type}/{value}",
            "/api/v1/observables/nope/evil.example".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /observables/{type}/{value}",
            "/api/v1/observables/ipv4/300.1.2.3".into(),
            None,
            [401, 401, 400, 400, 400, 400]
        ),
    ]
}
