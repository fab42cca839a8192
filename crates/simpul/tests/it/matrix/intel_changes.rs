//! Matrix rows of the changes to shared objects (a new version, a revocation, a marking change, a
//! recipients change) and to collections. [`setup`] shares, into the collection of SingCERT (ours)
//! and MyCERT, one GREEN indicator per change route by our analyst and one by MyCERT's, and one by
//! MyCERT into its own collection: our analysts and org-admin may change ours; our read-only user
//! may not (403); MyCERT's object in our collection is seen but not ours (403); MyCERT's own is not
//! seen (404), nor by the regional CERT's site-admin, in neither audience, anything of these.
//!
//! Cells run in column order on one world, so the second writer of a row finds the first one's
//! change: a revocation is then a conflict (409), a re-posted version or the same marking or
//! recipients again store nothing and answer 200.

use serde_json::json;
use simpul_core::intel::{CollectionId, Tlp};
use uuid::Uuid;

use super::intel::{OURS, THEIRS};
use super::{Ids, Row, row};
use crate::world::{World, indicator, operator};

/// Ours, in [`OURS`], one per route.
const VERSIONED: &str = "indicator--c4a9e000-0000-4000-8000-000000000001";
const REVOKED: &str = "indicator--c4a9e000-0000-4000-8000-000000000002";
const MARKED: &str = "indicator--c4a9e000-0000-4000-8000-000000000003";
const NAMED: &str = "indicator--c4a9e000-0000-4000-8000-000000000004";
/// MyCERT's, in [`OURS`].
const THEIRS_IN_OURS: &str = "indicator--c4a9e000-0000-4000-8000-000000000005";
/// MyCERT's, in [`THEIRS`].
const THEIRS_ONLY: &str = "indicator--c4a9e000-0000-4000-8000-000000000006";
/// An id nothing has.
const ABSENT: &str = "indicator--c4a9e000-0000-4000-8000-0000000000ff";

const MODIFIED: &str = "2026-01-01T00:00:00.000Z";

pub async fn setup(w: &World) {
    let op = operator();
    let ours = w.service.act_as(&op, "an@own.example").await.unwrap();
    let theirs = w.service.act_as(&op, "an@other.example").await.unwrap();
    for (who, collection, id) in [
        (&ours, OURS, VERSIONED),
        (&ours, OURS, REVOKED),
        (&ours, OURS, MARKED),
        (&ours, OURS, NAMED),
        (&theirs, OURS, THEIRS_IN_OURS),
        (&theirs, THEIRS, THEIRS_ONLY),
    ] {
        let body = indicator(id, Some(Tlp::Green), "change.example", MODIFIED);
        let r = w
            .service
            .share(
                who,
                CollectionId(collection),
                body.to_string().as_bytes(),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(r.stored, [id], "{r:?}");
    }
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let absent_collection = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_00fe);
    let later = "2026-02-01T00:00:00.000Z";
    let new_version = |id: &str| Some(indicator(id, Some(Tlp::Amber), "change.example", later));
    let amber = Some(json!({"tlp": "amber"}));
    let named = Some(json!({"recipients": ["an@other.example"]}));
    let mut rows = vec![
        row!(
            "POST /objects/{id}/versions",
            format!("/api/v1/objects/{VERSIONED}/versions"),
            new_version(VERSIONED),
            [401, 401, 404, 200, 200, 403]
        ),
        // Older than the stored version.
        row!(
            "POST /objects/{id}/versions",
            format!("/api/v1/objects/{VERSIONED}/versions"),
            Some(indicator(
                VERSIONED,
                None,
                "change.example",
                "2026-01-15T00:00:00.000Z"
            )),
            [401, 401, 404, 400, 400, 403]
        ),
        // Another object's id in the body.
        row!(
            "POST /objects/{id}/versions",
            format!("/api/v1/objects/{VERSIONED}/versions"),
            new_version(MARKED),
            [401, 401, 404, 400, 400, 403]
        ),
        row!(
            "POST /objects/{id}/revoke",
            format!("/api/v1/objects/{REVOKED}/revoke"),
            None,
            [401, 401, 404, 200, 409, 403]
        ),
        row!(
            "PUT /objects/{id}/marking",
            format!("/api/v1/objects/{MARKED}/marking"),
            amber.clone(),
            [401, 401, 404, 200, 200, 403]
        ),
        // RED in a collection of organisations, naming nobody.
        row!(
            "PUT /objects/{id}/marking",
            format!("/api/v1/objects/{MARKED}/marking"),
            Some(json!({"tlp": "red"})),
            [401, 401, 404, 400, 400, 403]
        ),
        row!(
            "PUT /objects/{id}/marking",
            format!("/api/v1/objects/{MARKED}/marking"),
            Some(json!({"tlp": "purple"})),
            [401, 401, 400, 400, 400, 400]
        ),
        row!(
            "PUT /objects/{id}/recipients",
            format!("/api/v1/objects/{NAMED}/recipients"),
            named.clone(),
            [401, 401, 404, 200, 200, 403]
        ),
        row!(
            "PUT /objects/{id}/recipients",
            format!("/api/v1/objects/{NAMED}/recipients"),
            Some(json!({"recipients": ["nobody@nowhere.example"]})),
            [401, 401, 404, 400, 400, 403]
        ),
        row!(
            "PATCH /collections/{id}",
            format!("/api/v1/collections/{OURS}"),
            Some(json!({"description": "Changed {n}"})),
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "PATCH /collections/{id}",
            format!("/api/v1/collections/{OURS}"),
            Some(json!({"read_only_orgs": ["NoSuchOrg"]})),
            [401, 401, 400, 403, 403, 403]
        ),
        row!(
            "PATCH /collections/{id}",
            format!("/api/v1/collections/{absent_collection}"),
            Some(json!({"title": "Nothing"})),
            [401, 401, 404, 403, 403, 403]
        ),
    ];
    // Seen but not produced by us (403); not seen (404, like an absent id). The read-only user's
    // role is refused first.
    for (id, ours) in [(THEIRS_IN_OURS, 403), (THEIRS_ONLY, 404), (ABSENT, 404)] {
        rows.extend([
            row!(
                "POST /objects/{id}/versions",
                format!("/api/v1/objects/{id}/versions"),
                new_version(id),
                [401, 401, 404, ours, ours, 403]
            ),
            row!(
                "POST /objects/{id}/revoke",
                format!("/api/v1/objects/{id}/revoke"),
                None,
                [401, 401, 404, ours, ours, 403]
            ),
            row!(
                "PUT /objects/{id}/marking",
                format!("/api/v1/objects/{id}/marking"),
                amber.clone(),
                [401, 401, 404, ours, ours, 403]
            ),
            row!(
                "PUT /objects/{id}/recipients",
                format!("/api/v1/objects/{id}/recipients"),
                named.clone(),
                [401, 401, 404, ours, ours, 403]
            ),
        ]);
    }
    rows
}
