//! Matrix rows of the intelligence exchange: collections and shared objects. [`setup`] makes a
//! collection shared with our organisation (and MyCERT), one shared only with MyCERT, and a GREEN
//! indicator our analyst shared into the first: the regional CERT's site-admin is in neither
//! audience, so administers both and sees neither's objects.

use serde_json::json;
use simpul_core::intel::service::{AudienceNames, NewCollection};
use simpul_core::intel::{CollectionId, Tlp};
use uuid::Uuid;

use super::{Ids, Row, row};
use crate::world::{World, indicator, operator};

/// Shared with SingCERT (ours) and MyCERT.
pub const OURS: Uuid = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_0001);
/// Shared with MyCERT only.
pub const THEIRS: Uuid = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_0002);
/// A GREEN indicator in [`OURS`], shared by our analyst.
pub const OBJECT: &str = "indicator--5e1ec7ed-0000-4000-8000-000000000003";
/// An id nothing has.
pub const ABSENT: &str = "indicator--5e1ec7ed-0000-4000-8000-0000000000ff";

pub async fn setup(w: &World) {
    let op = operator();
    for (id, orgs) in [(OURS, vec!["SingCERT", "MyCERT"]), (THEIRS, vec!["MyCERT"])] {
        let names = AudienceNames::Orgs(orgs.into_iter().map(str::to_owned).collect());
        let audience = w.service.resolve_audience(&op, &names).await.unwrap();
        let new = NewCollection {
            id: Some(CollectionId(id)),
            title: format!("Collection {id}"),
            alias: None,
            description: String::new(),
            audience,
            default_tlp: None,
        };
        w.service.create_collection(&op, new).await.unwrap();
    }
    let analyst = w.service.act_as(&op, "an@own.example").await.unwrap();
    let body = indicator(
        OBJECT,
        Some(Tlp::Green),
        "evil.example",
        "2026-01-01T00:00:00.000Z",
    );
    let r = w
        .service
        .share(
            &analyst,
            CollectionId(OURS),
            body.to_string().as_bytes(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r.stored, [OBJECT], "{r:?}");
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let absent = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_00ff);
    let post = indicator(
        "indicator--5e1ec7ed-0000-4000-8000-000000000004",
        None,
        "bad.example",
        "2026-01-01T00:00:00.000Z",
    );
    vec![
        row!(
            "GET /collections",
            "/api/v1/collections".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "POST /collections",
            "/api/v1/collections".into(),
            Some(json!({"title": "C {n}", "audience": {"kind": "orgs", "orgs": ["SingCERT"]}})),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "GET /collections/{id}",
            format!("/api/v1/collections/{OURS}"),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /collections/{id}",
            format!("/api/v1/collections/{THEIRS}"),
            None,
            [401, 401, 200, 404, 404, 404]
        ),
        row!(
            "GET /collections/{id}",
            format!("/api/v1/collections/{absent}"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "POST /collections/{id}/objects",
            format!("/api/v1/collections/{OURS}/objects"),
            Some(post.clone()),
            [401, 401, 403, 200, 200, 403]
        ),
        row!(
            "POST /collections/{id}/objects",
            format!("/api/v1/collections/{THEIRS}/objects"),
            Some(post.clone()),
            [401, 401, 403, 404, 404, 403]
        ),
        row!(
            "POST /collections/{id}/objects",
            format!("/api/v1/collections/{absent}/objects"),
            Some(post),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /objects",
            "/api/v1/objects".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /objects/{id}",
            format!("/api/v1/objects/{OBJECT}"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /objects/{id}",
            format!("/api/v1/objects/{ABSENT}"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
        row!(
            "GET /objects/{id}/versions",
            format!("/api/v1/objects/{OBJECT}/versions"),
            None,
            [401, 401, 404, 200, 200, 200]
        ),
        row!(
            "GET /objects/{id}/versions",
            format!("/api/v1/objects/{ABSENT}/versions"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
    ]
}
