//! The route × role × organisation matrix: one row per route and target, one column per principal,
//! each cell the exact status. Every route of the API table and of the TAXII table must have a row
//! (checked below), and the matrix runs on SQLite and on PostgreSQL.
//!
//! Rows live beside their domain (`directory.rs`, `identity.rs`, `auth.rs`, `audit.rs`, `intel.rs`, `sightings.rs`,
//! `requests.rs`, `cases.rs`); a new domain adds a file and one line in [`rows`].

use reqwest::Method;
use serde_json::Value;
use simpul_core::Scopes;
use simpul_core::service::NewToken;
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::world::{World, operator, world_on};

mod audit;
mod auth;
mod cases;
mod comm_checks;
mod contacts;
mod directory;
mod directory_health;
mod federation;
mod identity;
mod imports;
mod intel;
mod intel_changes;
mod mail;
mod match_;
mod misp_feed;
mod profiles;
mod requests;
mod sightings;
mod taxii;
mod warninglists;
mod webhooks;

/// The principals, in column order.
pub const COLUMNS: [&str; 6] = [
    "anonymous",
    "bad token",
    "site-admin",
    "org-admin",
    "analyst",
    "read-only",
];

/// One row: the route as the API table names it (`GET /organisations/{id}`), the concrete path
/// under `/api/v1` (with `{n}` replaced by a fresh number per cell, `{other_token}`/`{own_token}`
/// by a fresh token of another organisation's user / of our own read-only user), an optional JSON
/// body (with `{n}` too), and the status for each column.
pub struct Row {
    pub route: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub expect: [u16; 6],
}

/// `row!("GET /organisations/{id}", path, body, [..6 statuses])`
macro_rules! row {
    ($route:literal, $path:expr, $body:expr, $expect:expr) => {
        $crate::matrix::Row {
            route: $route,
            path: $path,
            body: $body,
            expect: $expect,
        }
    };
}
pub(crate) use row;

/// The ids rows refer to.
pub struct Ids {
    pub own: Uuid,
    pub other: Uuid,
    pub spare: Uuid,
    pub own_analyst: Uuid,
    pub other_user: Uuid,
}

impl Ids {
    fn of(w: &World) -> Self {
        Self {
            own: w.own.id.0,
            other: w.other.id.0,
            spare: w.spare.id.0,
            own_analyst: w.own_analyst.id.0,
            other_user: w.other_user.id.0,
        }
    }
}

fn rows(ids: &Ids) -> Vec<Row> {
    [
        auth::rows(ids),
        directory::rows(ids),
        profiles::rows(ids),
        contacts::rows(ids),
        identity::rows(ids),
        audit::rows(ids),
        intel::rows(ids),
        sightings::rows(ids),
        imports::rows(ids),
        intel_changes::rows(ids),
        match_::rows(ids),
        taxii::rows(ids),
        warninglists::rows(ids),
        misp_feed::rows(ids),
        federation::rows(ids),
        mail::rows(ids),
        comm_checks::rows(ids),
        directory_health::rows(ids),
        webhooks::rows(ids),
        requests::rows(ids),
        cases::rows(ids),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn every_api_route_has_a_row() {
    let nil = Uuid::nil();
    let ids = Ids {
        own: nil,
        other: nil,
        spare: nil,
        own_analyst: nil,
        other_user: nil,
    };
    let covered: Vec<&str> = rows(&ids).iter().map(|r| r.route).collect();
    let mut missing = Vec::new();
    let mut known = Vec::new();
    let rest = simpul_server::api::table()
        .into_iter()
        .map(|r| (r.method, r.path));
    let taxii = simpul_server::taxii::table()
        .into_iter()
        .map(|r| (r.method, r.path));
    for (method, path) in rest.chain(taxii) {
        let route = format!("{method} {path}");
        if !covered.contains(&route.as_str()) {
            missing.push(route.clone());
        }
        known.push(route);
    }
    assert!(
        missing.is_empty(),
        "routes without a matrix row: {missing:?}"
    );
    let stale: Vec<&&str> = covered
        .iter()
        .filter(|c| !known.iter().any(|k| k == **c))
        .collect();
    assert!(stale.is_empty(), "matrix rows for no route: {stale:?}");
}

#[tokio::test]
async fn route_role_org_matrix_sqlite() {
    run(world_on(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn route_role_org_matrix_postgres() {
    run(world_on(TestDb::postgres().await).await).await;
}

async fn run(w: World) {
    let op = operator();
    w.service
        .create_community(
            &op,
            simpul_core::CommunityName::parse("shared").unwrap(),
            "",
        )
        .await
        .unwrap();
    intel::setup(&w).await;
    intel_changes::setup(&w).await;
    taxii::setup(&w).await;
    federation::setup(&w).await;
    profiles::setup(&w).await;
    contacts::setup(&w).await;
    comm_checks::setup(&w).await;
    webhooks::setup(&w).await;
    requests::setup(&w).await;
    let case_ids = cases::setup(&w).await;
    let principals: [Option<String>; 6] = [
        None,
        Some("simpul_not-a-real-token-000000000000000000000000".into()),
        Some(w.tokens[0].1.clone()),
        Some(w.tokens[1].1.clone()),
        Some(w.tokens[2].1.clone()),
        Some(w.tokens[3].1.clone()),
    ];
    let rows = rows(&Ids::of(&w));
    let mut n = 0;
    let mut failures = Vec::new();
    for row in &rows {
        let (method, _) = row.route.split_once(' ').unwrap();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for (col, auth) in principals.iter().enumerate() {
            n += 1;
            let path = cell_path(&w, &case_ids, &row.path, n).await;
            let mut req = w.app.client.request(method.clone(), w.app.url(&path));
            if let Some(t) = auth {
                req = req.bearer_auth(t);
            }
            let is_taxii = path.starts_with("/taxii2/");
            let media = if is_taxii {
                simpul_server::taxii::TAXII_MEDIA_TYPE
            } else {
                "application/json"
            };
            if is_taxii {
                req = req.header("accept", media);
            }
            if let Some(b) = &row.body {
                let text = b.to_string().replace("{n}", &n.to_string());
                req = req.header("content-type", media).body(text);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            if status != row.expect[col] {
                let text = res.text().await.unwrap_or_default();
                failures.push(format!(
                    "{method} {path} as {}: expected {}, got {status}: {text}",
                    COLUMNS[col], row.expect[col]
                ));
            } else if status >= 400 {
                // Every refusal is a problem document (a TAXII error object under /taxii2);
                // 401s carry a challenge.
                let want = if is_taxii {
                    simpul_server::taxii::TAXII_MEDIA_TYPE
                } else {
                    "application/problem+json"
                };
                assert_eq!(res.headers()["content-type"], want, "{method} {path}");
                if status == 401 {
                    assert!(res.headers().contains_key("www-authenticate"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    w.app.shutdown().await;
}

/// The row's path for cell `n`: a fresh token to revoke where the row asks for one.
async fn cell_path(w: &World, case_ids: &[(&str, String)], path: &str, n: usize) -> String {
    let path = comm_checks::fill(w, path.replace("{n}", &n.to_string())).await;
    let path = webhooks::fill(w, path).await;
    let path = requests::fill(w, path).await;
    let path = cases::fill(w, case_ids, path).await;
    let mut path = contacts::fill(w, path).await;
    for (placeholder, owner) in [
        ("{other_token}", "an@other.example"),
        ("{own_token}", "ro@own.example"),
    ] {
        if path.contains(placeholder) {
            let new = NewToken {
                name: "victim".into(),
                scopes: Scopes::parse("read").unwrap(),
                expires_in_days: None,
            };
            let (t, _) = w
                .service
                .create_token_for(&operator(), owner, new)
                .await
                .unwrap();
            path = path.replace(placeholder, &t.id.to_string());
        }
    }
    if path.contains(taxii::OWN_STATUS) {
        path = path.replace(taxii::OWN_STATUS, &taxii::own_status(w).await);
    }
    for (placeholder, owner) in imports::JOBS {
        if path.contains(placeholder) {
            let job = imports::job_of(w, owner).await;
            path = path.replace(placeholder, &job.to_string());
        }
    }
    path
}
