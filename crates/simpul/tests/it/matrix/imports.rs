//! Matrix rows of import jobs: starting one into a collection (as sharing into it), and reading a
//! job (its owner, their org-admins and site-admins; anyone else 404). The jobs read are started
//! per cell ([`job_of`]): one by our analyst, one by MyCERT's.

use simpul_core::intel::CollectionId;
use simpul_core::intel::service::ShareOptions;
use uuid::Uuid;

use super::intel::{OURS, THEIRS};
use super::{Ids, Row, row};
use crate::world::{World, indicator, operator};

/// The placeholders [`job_of`] fills: (placeholder, the email of the job's owner).
pub const JOBS: [(&str, &str); 2] = [
    ("{own_job}", "an@own.example"),
    ("{other_job}", "an@other.example"),
];

/// A job importing one indicator into [`OURS`], started by `email`.
pub async fn job_of(w: &World, email: &str) -> Uuid {
    let p = w.service.act_as(&operator(), email).await.unwrap();
    let body = indicator(
        "indicator--5e1ec7ed-0000-4000-8000-000000000a01",
        None,
        "job.example",
        "2026-01-01T00:00:00.000Z",
    )
    .to_string()
    .into_bytes();
    let job = w
        .service
        .start_import(
            &p,
            CollectionId(OURS),
            &ShareOptions::default(),
            Box::new(std::io::Cursor::new(body)),
            None,
        )
        .await
        .unwrap();
    job.id.0
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let absent = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_0aff);
    let post = indicator(
        "indicator--5e1ec7ed-0000-4000-8000-000000000a02",
        None,
        "imported.example",
        "2026-01-01T00:00:00.000Z",
    );
    vec![
        row!(
            "POST /collections/{id}/imports",
            format!("/api/v1/collections/{OURS}/imports"),
            Some(post.clone()),
            [401, 401, 403, 202, 202, 403]
        ),
        row!(
            "POST /collections/{id}/imports",
            format!("/api/v1/collections/{THEIRS}/imports"),
            Some(post.clone()),
            [401, 401, 403, 404, 404, 403]
        ),
        row!(
            "POST /collections/{id}/imports",
            format!("/api/v1/collections/{absent}/imports"),
            Some(post),
            [401, 401, 404, 404, 404, 403]
        ),
        row!(
            "GET /imports/{job}",
            "/api/v1/imports/{own_job}".into(),
            None,
            [401, 401, 200, 200, 200, 404]
        ),
        row!(
            "GET /imports/{job}",
            "/api/v1/imports/{other_job}".into(),
            None,
            [401, 401, 200, 404, 404, 404]
        ),
        row!(
            "GET /imports/{job}",
            format!("/api/v1/imports/{absent}"),
            None,
            [401, 401, 404, 404, 404, 404]
        ),
    ]
}
