//! The world of the action-request HTTP tests: the regional CERT (its analyst a coordinator), the
//! requesting national CERT (Indonesia), the target (Malaysia's national CERT), a third member
//! (Thailand's) and a partner (a Malaysian bank), a token per user, served on a random port over
//! either backend with a [`TestClock`].

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::country::Country;
use simpul_core::org::{NewOrganisation, OrgKind, ShortName};
use simpul_core::{Organisation, Role, Service};

use crate::helpers::{TestApp, TestClock, TestDb, call, spawn_app_full};
use crate::world::{operator, token, user};

/// The people, by name: (name, org short name, e-mail, role).
pub const PEOPLE: [(&str, &str, Role); 9] = [
    ("req", "ID-CERT", Role::Analyst),
    ("req2", "ID-CERT", Role::Analyst),
    ("tgt", "MyCERT", Role::Analyst),
    ("tgt2", "MyCERT", Role::OrgAdmin),
    ("tgt_ro", "MyCERT", Role::ReadOnly),
    ("third", "ThaiCERT", Role::Analyst),
    ("partner", "MayBank", Role::Analyst),
    ("coord", "ASEAN-CERT", Role::Analyst),
    ("coord_ro", "ASEAN-CERT", Role::ReadOnly),
];

/// The personal data every [`body`] carries: none of it may reach a reader who is no party.
pub const HOLDER: &str = "A. Holder";
pub const HOLDER_ID: &str = "880101-14-5566";
pub const PERSONAL_PHONE: &str = "+6281234567890";

pub struct RequestWorld {
    pub app: TestApp,
    pub clock: TestClock,
    pub orgs: Vec<Organisation>,
    /// (name, token)
    pub tokens: Vec<(&'static str, String)>,
    pub _db: TestDb,
}

/// The e-mail address of a person of [`PEOPLE`].
pub fn email(name: &str) -> String {
    format!("{name}@requests.example")
}

impl RequestWorld {
    pub async fn new(db: TestDb) -> Self {
        let clock = TestClock::new();
        let service = Service::new(db.open().await, Arc::new(clock.clone()));
        let op = operator();
        let mut orgs = Vec::new();
        for (short, kind, cc) in [
            ("ASEAN-CERT", OrgKind::RegionalCert, None),
            ("ID-CERT", OrgKind::NationalCert, Some("ID")),
            ("MyCERT", OrgKind::NationalCert, Some("MY")),
            ("ThaiCERT", OrgKind::NationalCert, Some("TH")),
            ("MayBank", OrgKind::Industry, Some("MY")),
        ] {
            let new = NewOrganisation {
                name: format!("{short} team"),
                short_name: ShortName::parse(short).unwrap(),
                kind,
                country: cc.map(|c| Country::parse(c).unwrap()),
            };
            orgs.push(service.create_org(&op, new).await.unwrap());
        }
        let mut tokens = Vec::new();
        for (name, org, role) in PEOPLE {
            let o = orgs.iter().find(|o| o.short_name.as_str() == org).unwrap();
            user(&service, o, &email(name), role).await;
            let scopes = if role == Role::ReadOnly {
                "read"
            } else {
                "read,write"
            };
            tokens.push((name, token(&service, &email(name), scopes, None).await));
        }
        let app = spawn_app_full(
            service.clone(),
            simpul_server::Settings::default(),
            simpul_server::Router::new(),
        )
        .await;
        Self {
            app,
            clock,
            orgs,
            tokens,
            _db: db,
        }
    }

    pub fn token(&self, name: &str) -> &str {
        &self.tokens.iter().find(|(n, _)| *n == name).unwrap().1
    }

    pub fn org(&self, short: &str) -> &Organisation {
        self.orgs
            .iter()
            .find(|o| o.short_name.as_str() == short)
            .unwrap()
    }

    /// `method path` as `who` (none: anonymous) with `body`: the status and the body as text.
    pub async fn call(
        &self,
        who: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, String) {
        let auth = who.map(|w| self.token(w).to_owned());
        let res = call(&self.app, method, path, auth.as_deref(), body).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Sends `body` as `who`, answering the created request's id (panics unless 201).
    pub async fn create(&self, who: &str, body: &Value) -> String {
        let (status, text) = self
            .call(
                Some(who),
                reqwest::Method::POST,
                "/api/v1/requests",
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// Takes the step `step` on `id` as `who`: the status and the body as JSON.
    pub async fn step(&self, who: &str, id: &str, step: Value) -> (u16, Value) {
        let (status, text) = self
            .call(
                Some(who),
                reqwest::Method::POST,
                &format!("/api/v1/requests/{id}/transitions"),
                Some(&step),
            )
            .await;
        (status, serde_json::from_str(&text).unwrap())
    }
}

/// A freeze request from ID-CERT to `to` with personal data, `extra`'s members set over it.
pub fn body(to: Value, extra: Value) -> Value {
    let mut b = json!({
        "kind": "freeze",
        "to": to,
        "observables": [
            {"type": "iban", "value": "gb82 west 1234 5698 7654 32"},
            {"type": "phone", "value": PERSONAL_PHONE, "personal": true}
        ],
        "summary": "Mule account of a scam call centre",
        "details": "Victims paid on 2026-11-27.",
        "legal_basis": "Art. 5 of the regional MoU",
        "urgency": "critical",
        "tlp": "amber",
        "personal_data": [{"role": "account-holder", "name": HOLDER, "identifier": HOLDER_ID}]
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

/// `text` as JSON (panics with the text otherwise).
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A problem document with its request id blanked (for snapshots).
pub fn problem(text: &str) -> Value {
    let mut v = parse(text);
    v["request_id"] = json!("[request_id]");
    v
}

/// [`body`] to MyCERT.
pub fn to_my(extra: Value) -> Value {
    body(json!({"org": "MyCERT"}), extra)
}
