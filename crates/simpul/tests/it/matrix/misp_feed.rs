//! Matrix rows of the MISP feed (`/feeds/misp/{collection}/…`, outside `/api/v1`): a collection's
//! feed is for the users in its audience, like its TAXII collection; the regional CERT's
//! site-admin (in neither audience of `intel.rs`) and everyone on [`THEIRS`] get 404 as for a
//! collection that does not exist, and so does an event nobody sees or another file name. The
//! event file is [`OURS`]'s synthetic event (the indicator of `intel.rs` is in no report).

use simpul_core::intel::CollectionId;
use simpul_core::misp::from_stix::synthetic_uuid;
use uuid::Uuid;

use super::intel::{OURS, THEIRS};
use super::{Ids, Row, row};

pub fn rows(_: &Ids) -> Vec<Row> {
    let absent = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_00ff);
    let feed = |c: Uuid, file: &str| format!("/feeds/misp/{c}/{file}");
    let event = |c: Uuid| format!("{}.json", synthetic_uuid(CollectionId(c)));
    let members = [401, 401, 404, 200, 200, 200];
    let nobody = [401, 401, 404, 404, 404, 404];
    let mut rows = Vec::new();
    for (file, route) in [
        (
            "manifest.json",
            "GET /feeds/misp/{collection}/manifest.json",
        ),
        ("hashes.csv", "GET /feeds/misp/{collection}/hashes.csv"),
    ] {
        rows.push(Row {
            route,
            path: feed(OURS, file),
            body: None,
            expect: members,
        });
        for c in [THEIRS, absent] {
            rows.push(Row {
                route,
                path: feed(c, file),
                body: None,
                expect: nobody,
            });
        }
        rows.push(Row {
            route,
            path: format!("/feeds/misp/not-a-uuid/{file}"),
            body: None,
            expect: nobody,
        });
    }
    rows.extend([
        row!(
            "GET /feeds/misp/{collection}/{event}",
            feed(OURS, &event(OURS)),
            None,
            members
        ),
        row!(
            "GET /feeds/misp/{collection}/{event}",
            feed(OURS, &format!("{absent}.json")),
            None,
            nobody
        ),
        row!(
            "GET /feeds/misp/{collection}/{event}",
            feed(OURS, "other.txt"),
            None,
            nobody
        ),
        row!(
            "GET /feeds/misp/{collection}/{event}",
            feed(THEIRS, &event(THEIRS)),
            None,
            nobody
        ),
    ]);
    rows
}
