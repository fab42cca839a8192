//! The shared test world: organisations, a user of every role, and their tokens, over either
//! backend, served on a random port. Every HTTP-level test builds on this.

use std::sync::Arc;

use simpul_core::org::{NewOrganisation, OrgKind, ShortName};
use simpul_core::service::{NewToken, NewUser};
use simpul_core::{Organisation, Principal, Role, Scopes, Service, User};

use crate::helpers::{TestApp, TestClock, TestDb, spawn_app_full};

/// The password every world user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// Four organisations and a user of each role, each with a token of the widest scopes the role
/// allows (read-only: `read`).
pub struct World {
    pub app: TestApp,
    pub service: Service,
    pub clock: TestClock,
    pub own: Organisation,
    pub other: Organisation,
    pub spare: Organisation,
    pub other_user: User,
    pub own_analyst: User,
    /// (label, token) for: site-admin, org-admin, analyst, read-only — all of `own`, except the
    /// site-admin of the regional CERT.
    pub tokens: Vec<(&'static str, String)>,
    /// Keeps the database until the world is dropped.
    pub _db: TestDb,
}

pub fn operator() -> Principal {
    Principal::operator("test")
}

pub async fn org(service: &Service, short: &str, kind: OrgKind) -> Organisation {
    let new = NewOrganisation {
        name: format!("{short} team"),
        short_name: ShortName::parse(short).unwrap(),
        kind,
        country: None,
    };
    service.create_org(&operator(), new).await.unwrap()
}

pub async fn user(service: &Service, org: &Organisation, email: &str, role: Role) -> User {
    let new = NewUser {
        email: simpul_core::Email::parse(email).unwrap(),
        display_name: email.into(),
        org_id: Some(org.id),
        role,
        password: Some(PASSWORD.into()),
    };
    service.create_user(&operator(), new).await.unwrap().0
}

pub async fn token(service: &Service, email: &str, scopes: &str, days: Option<u32>) -> String {
    let new = NewToken {
        name: "test".into(),
        scopes: Scopes::parse(scopes).unwrap(),
        expires_in_days: days,
    };
    service
        .create_token_for(&operator(), email, new)
        .await
        .unwrap()
        .1
}

/// The world over a fresh SQLite database.
/// `email`'s principal, signed in with a fresh read and write token.
pub async fn signed_in(service: &Service, email: &str) -> Principal {
    let t = token(service, email, "read,write", None).await;
    service.authenticate_token(&t, None).await.unwrap()
}

pub async fn world() -> World {
    world_on(TestDb::sqlite()).await
}

/// The world over `db`.
pub async fn world_on(db: TestDb) -> World {
    world_with(db, |s| s).await
}

/// The world over `db`, its service made by `f` from the plain one (e.g. with warninglists).
pub async fn world_with(db: TestDb, f: impl FnOnce(Service) -> Service) -> World {
    let clock = TestClock::new();
    let service = f(Service::new(db.open().await, Arc::new(clock.clone())))
        .with_federation_key(simpul_core::federation::FederationKey::generate());
    let regional = org(&service, "ASEAN-CERT", OrgKind::RegionalCert).await;
    let own = org(&service, "SingCERT", OrgKind::NationalCert).await;
    let other = org(&service, "MyCERT", OrgKind::NationalCert).await;
    let spare = org(&service, "Spare", OrgKind::Other).await;
    user(&service, &regional, "sa@regional.example", Role::SiteAdmin).await;
    user(&service, &own, "oa@own.example", Role::OrgAdmin).await;
    let own_analyst = user(&service, &own, "an@own.example", Role::Analyst).await;
    user(&service, &own, "ro@own.example", Role::ReadOnly).await;
    let other_user = user(&service, &other, "an@other.example", Role::Analyst).await;
    let all = "read,write,sync,admin";
    let mut tokens = Vec::new();
    for (label, email, scopes) in [
        ("site-admin", "sa@regional.example", all),
        ("org-admin", "oa@own.example", all),
        ("analyst", "an@own.example", all),
        ("read-only", "ro@own.example", "read"),
    ] {
        tokens.push((label, token(&service, email, scopes, None).await));
    }
    let app = spawn_app_full(
        service.clone(),
        simpul_server::Settings::default(),
        simpul_server::Router::new(),
    )
    .await;
    World {
        app,
        service,
        clock,
        own,
        other,
        spare,
        other_user,
        own_analyst,
        tokens,
        _db: db,
    }
}

/// A valid STIX 2.1 indicator with id `id`, for `domain`, at version `modified`, marked at `tlp`
/// (unmarked when `None`).
pub fn indicator(
    id: &str,
    tlp: Option<simpul_core::intel::Tlp>,
    domain: &str,
    modified: &str,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": format!("Phishing {domain}"),
        "pattern_type": "stix",
        "pattern": format!("[domain-name:value = '{domain}']"),
        "valid_from": "2026-01-01T00:00:00.000Z",
    });
    if let Some(t) = tlp {
        v["object_marking_refs"] = serde_json::json!([t.marking_id()]);
    }
    v
}
