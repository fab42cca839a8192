//! The TAXII 2.1 server over real HTTP, on SQLite and PostgreSQL: a client's whole walk
//! (discovery → API root → collections → add objects → status → get with each filter → paging →
//! manifest → versions → delete), the same walk as users who may not read, content negotiation
//! and every error object (`errors.rs`), and paging while others write (`paging.rs`).

use reqwest::{Method, Response};
use serde_json::{Value, json};
use simpul_core::intel::service::{AudienceNames, NewCollection};
use simpul_core::intel::{CollectionId, Tlp};
use uuid::Uuid;

use crate::helpers::TestDb;
use crate::world::{World, indicator, operator, world_on};

mod contract;
mod durability;
mod errors;
mod paging;
mod walk;

pub const MEDIA: &str = "application/taxii+json;version=2.1";

/// Shared with SingCERT (ours) and MyCERT.
pub const OURS: Uuid = Uuid::from_u128(0x7a11_0000_0000_4000_8000_0000_0000_0001);
/// Shared with MyCERT only.
pub const THEIRS: Uuid = Uuid::from_u128(0x7a11_0000_0000_4000_8000_0000_0000_0002);

/// Who calls: an email and the secret of one of their tokens (HTTP Basic, as TAXII clients
/// send), or nobody.
#[derive(Debug, Clone)]
pub struct Caller {
    pub email: String,
    pub secret: Option<String>,
}

/// The world with [`OURS`] and [`THEIRS`], and a caller per world user.
pub struct Fixture {
    pub w: World,
}

impl Fixture {
    pub async fn new(db: TestDb) -> Self {
        let w = world_on(db).await;
        setup(&w).await;
        Self { w }
    }

    /// The world user `email` with a fresh token of `scopes`.
    pub async fn caller(&self, email: &str, scopes: &str) -> Caller {
        Caller {
            email: email.into(),
            secret: Some(crate::world::token(&self.w.service, email, scopes, None).await),
        }
    }

    pub async fn analyst(&self) -> Caller {
        self.caller("an@own.example", "read,write").await
    }

    /// Sends a TAXII request: `Accept` TAXII 2.1, a TAXII body when given.
    pub async fn send(
        &self,
        who: &Caller,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self
            .w
            .app
            .client
            .request(method, self.w.app.url(path))
            .header("accept", MEDIA);
        if let Some(s) = &who.secret {
            req = req.basic_auth(&who.email, Some(s));
        }
        if let Some(b) = body {
            req = req.header("content-type", MEDIA).body(b.to_string());
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, who: &Caller, path: &str) -> Response {
        self.send(who, Method::GET, path, None).await
    }

    /// Posts `objects` as an envelope to `collection`, expecting 202; answers the status.
    pub async fn add(&self, who: &Caller, collection: Uuid, objects: Vec<Value>) -> Value {
        let res = self
            .send(
                who,
                Method::POST,
                &objects_path(collection),
                Some(&json!({ "objects": objects })),
            )
            .await;
        assert_eq!(res.status(), 202);
        assert_eq!(res.headers()["content-type"], MEDIA);
        res.json().await.unwrap()
    }
}

pub fn collection_path(c: Uuid) -> String {
    format!("/taxii2/api/collections/{c}/")
}

pub fn objects_path(c: Uuid) -> String {
    format!("/taxii2/api/collections/{c}/objects/")
}

/// Creates [`OURS`] and [`THEIRS`] (operator).
pub async fn setup(w: &World) {
    let op = operator();
    for (id, orgs) in [(OURS, vec!["SingCERT", "MyCERT"]), (THEIRS, vec!["MyCERT"])] {
        let names = AudienceNames::Orgs(orgs.into_iter().map(str::to_owned).collect());
        let audience = w.service.resolve_audience(&op, &names).await.unwrap();
        let new = NewCollection {
            id: Some(CollectionId(id)),
            title: format!("TAXII {}", if id == OURS { "ours" } else { "theirs" }),
            alias: None,
            description: "For the TAXII tests".into(),
            audience,
            default_tlp: None,
        };
        w.service.create_collection(&op, new).await.unwrap();
    }
}

/// An indicator `n` (an id of its own), GREEN, at `modified`.
pub fn ind(n: u32, modified: &str) -> Value {
    indicator(
        &ind_id(n),
        Some(Tlp::Green),
        &format!("d{n}.example"),
        modified,
    )
}

pub fn ind_id(n: u32) -> String {
    format!("indicator--7a110000-0000-4000-8000-{n:012x}")
}

pub async fn json_of(res: Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn walk_sqlite() {
    walk::walk(Fixture::new(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn walk_postgres() {
    walk::walk(Fixture::new(TestDb::postgres().await).await).await;
}

#[tokio::test]
async fn errors_sqlite() {
    errors::errors(Fixture::new(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn errors_postgres() {
    errors::errors(Fixture::new(TestDb::postgres().await).await).await;
}

#[tokio::test]
async fn paging_under_concurrent_writes_sqlite() {
    paging::paging_under_concurrent_writes(Fixture::new(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn paging_under_concurrent_writes_postgres() {
    paging::paging_under_concurrent_writes(Fixture::new(TestDb::postgres().await).await).await;
}

#[tokio::test]
async fn contract_sqlite() {
    contract::contract(Fixture::new(TestDb::sqlite()).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn contract_postgres() {
    contract::contract(Fixture::new(TestDb::postgres().await).await).await;
}

#[tokio::test]
async fn no_acknowledged_post_is_lost_when_the_server_is_killed_sqlite() {
    durability::run(TestDb::sqlite()).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set SIMPUL_TEST_POSTGRES (the PostgreSQL leg of .ci/run does)"]
async fn no_acknowledged_post_is_lost_when_the_server_is_killed_postgres() {
    durability::run(TestDb::postgres().await).await;
}
