//! What action requests need of a store, told through the service: creating (a country routed to
//! its one active national CERT, the refusals, RED's named users, one audited transaction),
//! reading (every reader of `access::requests` through the list's SQL filter and the read by id,
//! which must agree with the in-memory rule; personal data for the two parties only), and the
//! list filters; the intelligence linked by canonical key. The state machine, overdue and the compare-and-set are in `request_steps.rs`.

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::access::requests::RequestFilter;
use simpul_core::access::{Action, Principal, authorize};
use simpul_core::audit::AuditAction;
use simpul_core::intel::sightings::NewSighting;
use simpul_core::intel::{Audience, service::NewCollection};
use simpul_core::org::{OrgKind, OrgStatus, Organisation};
use simpul_core::requests::reads::{RequestListFilter, RequestView};
use simpul_core::requests::{NewRequest, RequestId, RequestKind, RequestState};
use simpul_core::user::{Role, User};
use simpul_core::{CoreError, Service, Store};

use crate::comm_checks::Manual;
use crate::support::{
    at, insert_org, insert_user, last_seq, org, short, signed_in, tag, user, written_after, wrote,
};

/// The organisations and people of the request stories.
pub(crate) struct World {
    pub requester: Organisation,
    pub target: Organisation,
    pub third: Organisation,
    pub partner: Organisation,
    pub hub: Organisation,
    /// Analysts of the requester (`req`, `req2`), a read-only user of it, of the target (`tgt`,
    /// `tgt2`), of the third member, the partner, the regional CERT (a coordinator), and a
    /// site-admin of the third member.
    pub users: Vec<(&'static str, User, Principal)>,
}

impl World {
    pub(crate) fn p(&self, name: &str) -> &Principal {
        &self.users.iter().find(|(n, _, _)| *n == name).unwrap().2
    }

    pub(crate) fn u(&self, name: &str) -> &User {
        &self.users.iter().find(|(n, _, _)| *n == name).unwrap().1
    }

    pub(crate) async fn insert(s: &dyn Store, t: &str) -> Self {
        let requester = org(&format!("{t}-id"), OrgKind::NationalCert, Some("ID"));
        let target = org(&format!("{t}-my"), OrgKind::NationalCert, Some("MY"));
        let third = org(&format!("{t}-th"), OrgKind::NationalCert, Some("TH"));
        // A bank in Malaysia: a partner, never the country's national CERT.
        let partner = org(&format!("{t}-bank"), OrgKind::Industry, Some("MY"));
        let hub = org(&format!("{t}-hub"), OrgKind::RegionalCert, Some("ID"));
        // Two national CERTs of the Philippines; Viet Nam's only one is suspended.
        let ph1 = org(&format!("{t}-ph1"), OrgKind::NationalCert, Some("PH"));
        let ph2 = org(&format!("{t}-ph2"), OrgKind::NationalCert, Some("PH"));
        let vn = Organisation {
            status: OrgStatus::Suspended,
            ..org(&format!("{t}-vn"), OrgKind::NationalCert, Some("VN"))
        };
        for o in [&requester, &target, &third, &partner, &hub, &ph1, &ph2, &vn] {
            insert_org(s, o).await;
        }
        let people: [(&'static str, &Organisation, Role); 9] = [
            ("req", &requester, Role::Analyst),
            ("req2", &requester, Role::Analyst),
            ("req_ro", &requester, Role::ReadOnly),
            ("tgt", &target, Role::Analyst),
            ("tgt2", &target, Role::OrgAdmin),
            ("third", &third, Role::Analyst),
            ("third_admin", &third, Role::SiteAdmin),
            ("partner", &partner, Role::OrgAdmin),
            ("coord", &hub, Role::Analyst),
        ];
        let mut users = Vec::new();
        for (name, o, role) in people {
            let u = user(o.id, &format!("{name}@{t}.example"), role);
            insert_user(s, &u).await;
            let p = signed_in(&u, o, vec![]);
            users.push((name, u, p));
        }
        Self {
            requester,
            target,
            third,
            partner,
            hub,
            users,
        }
    }
}

/// A request body: `base` with `extra`'s members.
pub(crate) fn body(to: Value, extra: Value) -> NewRequest {
    let mut b = json!({
        "kind": "freeze",
        "to": to,
        "observables": [
            {"type": "iban", "value": "gb82 west 1234 5698 7654 32"},
            {"type": "phone", "value": "0812-3456-7890", "personal": true}
        ],
        "summary": "Mule account of a scam call centre",
        "details": "Victims paid on 2026-11-27.",
        "urgency": "critical",
        "tlp": "amber",
        "personal_data": [{"role": "account-holder", "name": "A. Holder", "identifier": "880101-14-5566"}]
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    serde_json::from_value(b).unwrap()
}

/// The JSON pointer of an invalid input.
pub(crate) fn invalid_at<T: std::fmt::Debug>(r: Result<T, CoreError>) -> String {
    match r {
        Err(CoreError::Invalid(i)) => i.path,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// The ids `p` lists with `f`.
async fn listed(svc: &Service, p: &Principal, f: &RequestListFilter) -> Vec<RequestId> {
    svc.list_requests(p, f)
        .await
        .unwrap()
        .iter()
        .map(|v| v.request.id)
        .collect()
}

/// The action-request story (see the module docs).
pub async fn requests(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let clock = Manual::new(at(0));
    let svc = Service::new(Arc::clone(&store), clock.clone());
    let req = w.p("req");

    // A country is routed to its national CERT; the observables normalised with Indonesia's
    // region; one audited transaction.
    let seq = last_seq(s).await;
    let a = svc
        .create_request(req, body(json!({"country": "MY"}), json!({})))
        .await
        .unwrap();
    assert_eq!(a.request.target_org, w.target.id);
    assert_eq!(a.request.requester_org, w.requester.id);
    assert_eq!(
        a.request.to_country.map(|c| c.as_str().to_owned()),
        Some("MY".into())
    );
    assert_eq!(a.request.state, RequestState::Submitted);
    assert_eq!(
        a.request.due,
        at(0) + time::Duration::hours(4),
        "critical: 4 h"
    );
    assert_eq!(
        a.request.keys(),
        ["iban|GB82WEST12345698765432", "phone|+6281234567890"]
    );
    assert!(!a.overdue && !a.personal_hidden);
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::RequestCreate, &a.request.id.to_string())]
    );
    let stored = s.get_request(a.request.id).await.unwrap().unwrap();
    assert_eq!(stored, a.request, "read back as created");

    // Refusals: no or two active national CERTs, one's own organisation, an unknown one; the
    // operator and read-only users send nothing.
    for (to, path) in [
        (json!({"country": "PH"}), "/to/country"),
        (json!({"country": "VN"}), "/to/country"),
        (json!({"country": "BN"}), "/to/country"),
        (json!({"country": "ID"}), "/to"),
        (json!({"org": w.requester.short_name.as_str()}), "/to"),
        (json!({"org": format!("{t}-nobody")}), "/to/org"),
        (json!({"org": format!("{t}-vn")}), "/to/org"),
    ] {
        let r = svc.create_request(req, body(to.clone(), json!({}))).await;
        assert_eq!(invalid_at(r), path, "{to}");
    }
    let e = svc
        .create_request(req, body(json!({"country": "PH"}), json!({})))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("{t}-ph1")) && e.contains(&format!("{t}-ph2")),
        "{e}"
    );
    for p in [&Principal::operator("story"), w.p("req_ro")] {
        assert!(matches!(
            svc.create_request(p, body(json!({"country": "MY"}), json!({})))
                .await,
            Err(CoreError::Forbidden(_))
        ));
    }
    assert_eq!(
        invalid_at(
            svc.create_request(
                req,
                body(
                    json!({"country": "MY"}),
                    json!({"due": "2026-11-28T00:00:00Z"})
                )
            )
            .await
        ),
        "/due"
    );

    clock.set(at(10));
    // RED: named users of the two organisations only, at least one of the target; the requester
    // is named too.
    let red = |names: Vec<&str>| {
        let emails: Vec<String> = names
            .iter()
            .map(|n| w.u(n).email.as_str().to_owned())
            .collect();
        body(
            json!({"org": w.target.short_name.as_str()}),
            json!({"tlp": "red", "kind": "takedown", "recipients": emails}),
        )
    };
    assert_eq!(
        invalid_at(svc.create_request(req, red(vec!["tgt", "third"])).await),
        "/recipients/1"
    );
    assert_eq!(
        invalid_at(svc.create_request(req, red(vec!["req2"])).await),
        "/recipients"
    );
    let r = svc.create_request(req, red(vec!["tgt"])).await.unwrap();
    let mut named = vec![w.u("req").id, w.u("tgt").id];
    named.sort();
    assert_eq!(r.request.named, named);
    // A third request, to the third member, for the list filters.
    clock.set(at(20));
    let b = svc
        .create_request(
            req,
            body(
                json!({"org": w.third.short_name.as_str()}),
                json!({"kind": "information", "urgency": "low", "personal_data": []}),
            ),
        )
        .await
        .unwrap();

    // Who sees what, through the list's SQL and the read by id; they agree with the rule.
    // (reader, sees A, sees the RED one, sees A's personal data)
    let operator = Principal::operator("story");
    let readers: Vec<(&str, &Principal, bool, bool, bool)> = vec![
        ("requester", w.p("req"), true, true, true),
        ("requester not named", w.p("req2"), true, false, true),
        ("requester read-only", w.p("req_ro"), true, false, true),
        ("target", w.p("tgt"), true, true, true),
        ("target not named", w.p("tgt2"), true, false, true),
        ("third member", w.p("third"), false, false, false),
        (
            "site-admin of the third",
            w.p("third_admin"),
            false,
            false,
            false,
        ),
        ("partner", w.p("partner"), false, false, false),
        ("coordinator", w.p("coord"), true, false, false),
        ("operator", &operator, true, false, false),
    ];
    let all = RequestListFilter::default();
    for (name, p, sees_a, sees_red, personal) in readers {
        let ids = listed(&svc, p, &all).await;
        assert_eq!(ids.contains(&a.request.id), sees_a, "{name} lists A");
        assert_eq!(ids.contains(&r.request.id), sees_red, "{name} lists RED");
        let filter = RequestFilter::of(&authorize(p, Action::ReadRequests).unwrap());
        for x in [&a, &r, &b] {
            let got = svc.get_request(p, x.request.id).await;
            let admitted = filter.admits(&x.request.facts());
            assert_eq!(ids.contains(&x.request.id), admitted, "{name}: SQL = rule");
            match got {
                Ok(d) => {
                    assert!(admitted, "{name} reads what the rule hides");
                    assert_eq!(d.view.request.id, x.request.id);
                }
                Err(CoreError::NotFound(_)) => assert!(!admitted, "{name}: not found"),
                Err(e) => panic!("{name}: {e:?}: never anything but not found"),
            }
        }
        if sees_a {
            let d = svc.get_request(p, a.request.id).await.unwrap();
            assert_eq!(d.personal_data.is_some(), personal, "{name} personal data");
            assert_eq!(
                d.view.personal_hidden, !personal,
                "{name} personal observable"
            );
            let keys = d.view.request.keys();
            assert_eq!(keys.len(), if personal { 2 } else { 1 }, "{name}");
            if personal {
                let pd = d.personal_data.unwrap();
                assert_eq!(pd.len(), 1);
                assert_eq!(pd[0].name.as_deref(), Some("A. Holder"));
                assert_eq!(pd[0].identifier.as_deref(), Some("880101-14-5566"));
            }
        }
    }
    // A listed view hides personal observables from the coordinator too.
    let coord_view: Vec<RequestView> = svc.list_requests(w.p("coord"), &all).await.unwrap();
    let ca = coord_view
        .iter()
        .find(|v| v.request.id == a.request.id)
        .unwrap();
    assert!(ca.personal_hidden && ca.request.observables.iter().all(|o| !o.personal));
    assert_eq!(ca.party, None);

    // The list filters (the requester sees all three).
    let f = |to: Option<&Organisation>, kind: Option<RequestKind>| RequestListFilter {
        to: to.map(|o| o.short_name.clone()),
        kind,
        ..RequestListFilter::default()
    };
    let mut ids = listed(&svc, req, &f(Some(&w.target), None)).await;
    ids.sort();
    let mut want = vec![a.request.id, r.request.id];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(
        listed(&svc, req, &f(None, Some(RequestKind::Information))).await,
        vec![b.request.id]
    );
    assert_eq!(
        listed(
            &svc,
            req,
            &f(Some(&w.target), Some(RequestKind::Information))
        )
        .await,
        Vec::<RequestId>::new()
    );
    let from = RequestListFilter {
        from: Some(w.requester.short_name.clone()),
        ..RequestListFilter::default()
    };
    assert_eq!(listed(&svc, req, &from).await.len(), 3);
    let from_target = RequestListFilter {
        from: Some(w.target.short_name.clone()),
        ..RequestListFilter::default()
    };
    assert!(listed(&svc, req, &from_target).await.is_empty());
    let unknown = RequestListFilter {
        to: Some(short(&format!("{t}-none"))),
        ..RequestListFilter::default()
    };
    assert_eq!(invalid_at(svc.list_requests(req, &unknown).await), "to");
    // Newest first.
    assert_eq!(
        listed(&svc, req, &all).await,
        vec![b.request.id, r.request.id, a.request.id]
    );
    let _ = (&w.partner, &w.hub);

    // Linked intelligence: what the reader may see with the request's canonical keys, and the
    // sightings of it, through the sharing policy (the collection is the two parties').
    let c = svc
        .create_collection(
            &operator,
            NewCollection {
                id: None,
                title: format!("{t} scams"),
                alias: None,
                description: String::new(),
                audience: Audience::Orgs {
                    orgs: vec![w.requester.id, w.target.id],
                },
                default_tlp: None,
            },
        )
        .await
        .unwrap();
    let ind_id = format!("indicator--{}", uuid::Uuid::new_v4());
    let ind = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": ind_id,
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "pattern": format!("[domain-name:value = '{t}-mule.example']"),
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    });
    let shared = svc
        .share(w.p("tgt"), c.id, &serde_json::to_vec(&ind).unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(shared.stored.len(), 1, "{shared:?}");
    svc.record_sighting(w.p("req"), &ind_id, NewSighting::default())
        .await
        .unwrap();
    let x = svc
        .create_request(
            req,
            body(
                json!({"country": "MY"}),
                json!({"observables": [{"type": "domain", "value": format!("{t}-Mule.example")}]}),
            ),
        )
        .await
        .unwrap()
        .request;
    let key = format!("domain|{t}-mule.example");
    let linked = svc.request_intel(req, x.id, 10).await.unwrap();
    assert_eq!(linked.keys, vec![key.clone()]);
    assert_eq!(linked.total, 1);
    assert_eq!(linked.objects[0].object.stix_id, ind_id);
    assert_eq!(linked.objects[0].shared, vec![key.clone()]);
    assert_eq!(linked.sightings[&ind_id].len(), 1);
    // The coordinator sees the request but not the collection: no intelligence.
    let theirs = svc.request_intel(w.p("coord"), x.id, 10).await.unwrap();
    assert_eq!((theirs.keys, theirs.total), (vec![key], 0));
    assert!(theirs.objects.is_empty() && theirs.sightings.is_empty());
    assert!(matches!(
        svc.request_intel(w.p("third"), x.id, 10).await,
        Err(CoreError::NotFound(_))
    ));
    crate::support::assert_chain_verifies(s).await;
}
