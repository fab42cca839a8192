//! Matrix rows of team profiles: `own` (a member CERT) has a published profile, `other` (a member
//! CERT) an unpublished one, `spare` (a partner) none. Nobody signed in reads only the published
//! one; every signed-in user reads all; the org-admin saves their own, the site-admin any; a
//! partner may not publish.

use serde_json::json;
use simpul_core::directory::profile::TeamProfile;

use super::{Ids, Row, row};
use crate::world::{World, operator};

pub async fn setup(w: &World) {
    for (org, publish) in [(&w.own, true), (&w.other, false)] {
        let mut p = TeamProfile::skeleton(&org.name, None);
        p.document.publish = publish;
        w.service.put_profile(&operator(), org.id, p).await.unwrap();
    }
}

pub fn rows(ids: &Ids) -> Vec<Row> {
    let (own, other, spare) = (ids.own, ids.other, ids.spare);
    vec![
        row!(
            "GET /organisations/{id}/profile",
            format!("/api/v1/organisations/{own}/profile"),
            None,
            [200, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /organisations/{id}/profile",
            format!("/api/v1/organisations/{other}/profile"),
            None,
            [404, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /organisations/{id}/profile",
            format!("/api/v1/organisations/{spare}/profile"),
            None,
            [404, 401, 200, 200, 200, 200]
        ),
        row!(
            "PUT /organisations/{id}/profile",
            format!("/api/v1/organisations/{own}/profile"),
            Some(json!({"document": {"publish": true}, "contact": {"team_name": "Own {n}"}})),
            [401, 401, 200, 200, 403, 403]
        ),
        row!(
            "PUT /organisations/{id}/profile",
            format!("/api/v1/organisations/{other}/profile"),
            Some(json!({"contact": {"team_name": "Other {n}"}})),
            [401, 401, 200, 403, 403, 403]
        ),
        row!(
            "PUT /organisations/{id}/profile",
            format!("/api/v1/organisations/{spare}/profile"),
            Some(json!({"document": {"publish": true}})),
            [401, 401, 400, 403, 403, 403]
        ),
        row!(
            "GET /organisations/{id}/rfc2350.txt",
            format!("/api/v1/organisations/{own}/rfc2350.txt"),
            None,
            [200, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /organisations/{id}/rfc2350.txt",
            format!("/api/v1/organisations/{other}/rfc2350.txt"),
            None,
            [404, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /organisations/{id}/rfc2350.txt",
            format!("/api/v1/organisations/{spare}/rfc2350.txt"),
            None,
            [404, 401, 200, 200, 200, 200]
        ),
    ]
}
