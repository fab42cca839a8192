//! Matrix rows of the TAXII 2.1 server: every endpoint × every principal, over the collections of
//! `intel.rs` ([`OURS`] shared with SingCERT and MyCERT, [`THEIRS`] with MyCERT only). The
//! regional CERT's site-admin is in neither audience: TAXII shows them no collection, and every
//! collection path is "not found" for them, as for a collection that does not exist. [`setup`]
//! adds an indicator MyCERT shared into [`OURS`] (ours may not delete it).

use serde_json::json;
use simpul_core::intel::{CollectionId, Tlp};

use super::intel::{ABSENT, OBJECT, OURS, THEIRS};
use super::{Ids, Row, row};
use crate::world::{World, indicator, operator};

/// An indicator of MyCERT's in [`OURS`].
pub const PARTNERS: &str = "indicator--5e1ec7ed-0000-4000-8000-000000000010";

pub async fn setup(w: &World) {
    let partner = w
        .service
        .act_as(&operator(), "an@other.example")
        .await
        .unwrap();
    let body = indicator(
        PARTNERS,
        Some(Tlp::Green),
        "theirs.example",
        "2026-01-01T00:00:00.000Z",
    );
    let r = w
        .service
        .share(
            &partner,
            CollectionId(OURS),
            body.to_string().as_bytes(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r.stored, [PARTNERS], "{r:?}");
}

/// A status resource of our organisation's, made fresh for a cell.
pub const OWN_STATUS: &str = "{own_status}";

pub async fn own_status(w: &World) -> String {
    let analyst = w
        .service
        .act_as(&operator(), "an@own.example")
        .await
        .unwrap();
    let body = json!({"objects": []}).to_string();
    let s = w
        .service
        .taxii_add_objects(
            &analyst,
            CollectionId(OURS),
            body.as_bytes(),
            time::Duration::hours(24),
        )
        .await
        .unwrap();
    s.id
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let absent = uuid::Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_00ff);
    let c = |id: uuid::Uuid| format!("/taxii2/api/collections/{id}/");
    let post = json!({"objects": [indicator(
        "indicator--5e1ec7ed-0000-4000-8000-000000000011",
        None,
        "bad.example",
        "2026-01-01T00:00:00.000Z",
    )]});
    let everyone = [401, 401, 200, 200, 200, 200];
    let members = [401, 401, 404, 200, 200, 200];
    let nobody = [401, 401, 404, 404, 404, 404];
    vec![
        row!("GET /taxii2/", "/taxii2/".into(), None, everyone),
        row!("GET /taxii2/{root}/", "/taxii2/api/".into(), None, everyone),
        row!(
            "GET /taxii2/{root}/",
            "/taxii2/none/".into(),
            None,
            [404; 6]
        ),
        row!(
            "GET /taxii2/{root}/collections/",
            "/taxii2/api/collections/".into(),
            None,
            everyone
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/",
            c(OURS),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/",
            c(THEIRS),
            None,
            nobody
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/",
            c(absent),
            None,
            nobody
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/",
            format!("{}objects/", c(OURS)),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/",
            format!("{}objects/", c(THEIRS)),
            None,
            nobody
        ),
        row!(
            "POST /taxii2/{root}/collections/{id}/objects/",
            format!("{}objects/", c(OURS)),
            Some(post.clone()),
            [401, 401, 404, 202, 202, 403]
        ),
        row!(
            "POST /taxii2/{root}/collections/{id}/objects/",
            format!("{}objects/", c(THEIRS)),
            Some(post.clone()),
            nobody
        ),
        row!(
            "POST /taxii2/{root}/collections/{id}/objects/",
            format!("{}objects/", c(absent)),
            Some(post),
            nobody
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}objects/{OBJECT}/", c(OURS)),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}objects/{ABSENT}/", c(OURS)),
            None,
            nobody
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}objects/{OBJECT}/", c(THEIRS)),
            None,
            nobody
        ),
        row!(
            "DELETE /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}objects/{PARTNERS}/", c(OURS)),
            None,
            [401, 401, 404, 403, 403, 403]
        ),
        row!(
            "DELETE /taxii2/{root}/collections/{id}/objects/{object_id}/",
            format!("{}objects/{ABSENT}/", c(OURS)),
            None,
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/versions/",
            format!("{}objects/{OBJECT}/versions/", c(OURS)),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/objects/{object_id}/versions/",
            format!("{}objects/{ABSENT}/versions/", c(OURS)),
            None,
            nobody
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/manifest/",
            format!("{}manifest/", c(OURS)),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/collections/{id}/manifest/",
            format!("{}manifest/", c(THEIRS)),
            None,
            nobody
        ),
        row!(
            "GET /taxii2/{root}/status/{status_id}/",
            format!("/taxii2/api/status/{OWN_STATUS}/"),
            None,
            members
        ),
        row!(
            "GET /taxii2/{root}/status/{status_id}/",
            format!("/taxii2/api/status/{absent}/"),
            None,
            nobody
        ),
    ]
}
