//! Matrix rows of contacts: `own` has a `members` contact, `other` a `members` and a `public` one.
//! Every signed-in column is a member organisation's user, so sees them all; nobody signed in sees
//! the public one only (others: 404, and an organisation's vCards are just the public ones). The
//! org-admin manages their own organisation's contacts, the site-admin any; analysts and
//! read-only users none.

use serde_json::json;
use simpul_core::access::directory::Reader;
use simpul_core::contacts::store::ContactQuery;
use simpul_core::contacts::{ContactKind, DirectoryVisibility, NewContact};

use super::{Ids, Row, row};
use crate::world::{World, operator};

/// The placeholders [`fill`] replaces with the setup's contacts; `{fresh_contact}` is a new
/// contact of `own` for each cell (to delete).
pub const OWN: &str = "{own_contact}";
pub const OTHER: &str = "{other_contact}";
pub const PUBLIC: &str = "{public_contact}";
pub const FRESH: &str = "{fresh_contact}";

fn new(name: &str, visibility: DirectoryVisibility) -> NewContact {
    NewContact {
        name: name.into(),
        kinds: vec![ContactKind::TechnicalPoc],
        emails: vec!["poc@matrix.example".into()],
        visibility: Some(visibility),
        ..Default::default()
    }
}

pub async fn setup(w: &World) {
    let op = operator();
    for (org, name, v) in [
        (w.own.id, "matrix own", DirectoryVisibility::Members),
        (w.other.id, "matrix other", DirectoryVisibility::Members),
        (w.other.id, "matrix public", DirectoryVisibility::Public),
    ] {
        w.service.add_contact(&op, org, new(name, v)).await.unwrap();
    }
}

/// `path` with the placeholders replaced.
pub async fn fill(w: &World, mut path: String) -> String {
    if !path.contains("_contact}") {
        return path;
    }
    let op = operator();
    if path.contains(FRESH) {
        let c = w
            .service
            .add_contact(
                &op,
                w.own.id,
                new("matrix fresh", DirectoryVisibility::Members),
            )
            .await
            .unwrap();
        path = path.replace(FRESH, &c.id.to_string());
    }
    let all = w
        .service
        .list_contacts(Reader::Signed(&op), ContactQuery::default())
        .await
        .unwrap();
    let id = |name: &str| {
        all.iter()
            .find(|c| c.name == name)
            .map(|c| c.id.to_string())
            .unwrap()
    };
    path.replace(OWN, &id("matrix own"))
        .replace(OTHER, &id("matrix other"))
        .replace(PUBLIC, &id("matrix public"))
}

pub fn rows(ids: &Ids) -> Vec<Row> {
    let (own, other) = (ids.own, ids.other);
    let readers = [200, 401, 200, 200, 200, 200];
    let members_only = [404, 401, 200, 200, 200, 200];
    let body = |org| json!({"org": org, "name": "New {n}", "kinds": ["head-of-team"]});
    vec![
        row!("GET /contacts", "/api/v1/contacts".into(), None, readers),
        row!(
            "GET /contacts",
            format!("/api/v1/contacts?org={other}&kind=technical-poc&q=matrix"),
            None,
            readers
        ),
        row!(
            "GET /contacts",
            "/api/v1/contacts?kind=pager".into(),
            None,
            [400, 401, 400, 400, 400, 400]
        ),
        row!(
            "GET /contacts/{id}",
            format!("/api/v1/contacts/{OWN}"),
            None,
            members_only
        ),
        row!(
            "GET /contacts/{id}",
            format!("/api/v1/contacts/{OTHER}"),
            None,
            members_only
        ),
        row!(
            "GET /contacts/{id}",
            format!("/api/v1/contacts/{PUBLIC}"),
            None,
            readers
        ),
        row!(
            "GET /contacts/{id}/vcard",
            format!("/api/v1/contacts/{OTHER}/vcard"),
            None,
            members_only
        ),
        row!(
            "GET /contacts/{id}/vcard",
            format!("/api/v1/contacts/{PUBLIC}/vcard"),
            None,
            readers
        ),
        row!(
            "GET /organisations/{id}/contacts/vcard",
            format!("/api/v1/organisations/{other}/contacts/vcard"),
            None,
            readers
        ),
        row!(
            "GET /organisations/{id}/contacts/vcard",
            "/api/v1/organisations/00000000-0000-4000-8000-000000000001/contacts/vcard".into(),
            None,
            [404, 401, 404, 404, 404, 404]
        ),
        row!(
            "POST /contacts",
            "/api/v1/contacts".into(),
            Some(body(own)),
            [401, 401, 201, 201, 403, 403]
        ),
        row!(
            "POST /contacts",
            "/api/v1/contacts".into(),
            Some(body(other)),
            [401, 401, 201, 403, 403, 403]
        ),
        row!(
            "PATCH /contacts/{id}",
            format!("/api/v1/contacts/{OWN}"),
            Some(json!({"availability": "Office hours {n}"})),
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "PATCH /contacts/{id}",
            format!("/api/v1/contacts/{OTHER}"),
            Some(json!({"availability": "Office hours {n}"})),
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "DELETE /contacts/{id}",
            format!("/api/v1/contacts/{FRESH}"),
            None,
            [401, 401, 204, 204, 403, 403]
        ),
        row!(
            "DELETE /contacts/{id}",
            "/api/v1/contacts/00000000-0000-4000-8000-000000000001".into(),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
    ]
}
