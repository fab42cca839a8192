//! What the case owner's management needs of a store, told through the service: the case list
//! paged by its keyset cursor in SQL (pages in order, none twice, none skipped, each reader's
//! pages only what it sees, cases created at the same instant kept apart by id), editing and
//! closing a case (audited, a closed case refusing changes), and inviting a further party
//! (stored after the first ones, audited, refused twice or for the owner).

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use simpul_core::access::Principal;
use simpul_core::audit::AuditAction;
use simpul_core::cases::manage::{CaseCursor, CaseEdit};
use simpul_core::cases::{CaseId, NewCase, PartyStatus};
use simpul_core::{CoreError, Service, Store};

use crate::comm_checks::Manual;
use crate::requests::{World, invalid_at};
use crate::support::{at, last_seq, tag, written_after, wrote};

fn new_case(title: &str, tlp: &str, parties: &[&str]) -> NewCase {
    serde_json::from_value(json!({
        "title": title,
        "severity": 2,
        "tlp": tlp,
        "category": "other",
        "parties": parties,
    }))
    .unwrap()
}

fn edit(v: serde_json::Value) -> CaseEdit {
    serde_json::from_value(v).unwrap()
}

/// Every page of `p`'s list, `limit` at a time.
async fn pages(svc: &Service, p: &Principal, limit: u32) -> Vec<Vec<CaseId>> {
    let mut out = Vec::new();
    let mut after: Option<CaseCursor> = None;
    loop {
        let (page, next) = svc.list_cases_page(p, after, limit).await.unwrap();
        assert!(page.len() <= limit as usize);
        out.push(page.iter().map(|c| c.id).collect());
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// The case-management story (see the module docs).
pub async fn case_management(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let clock = Manual::new(at(0));
    let svc = Service::new(Arc::clone(&store), clock.clone());
    let (req, tgt, third) = (w.p("req"), w.p("tgt"), w.p("third"));
    let target = w.target.short_name.as_str();

    // Seven cases, three of them at the same instant; two the target is not in.
    let mut ids = Vec::new();
    for i in 0..7 {
        if i != 2 && i != 3 {
            clock.set(at(i + 1));
        }
        let parties: &[&str] = if i % 3 == 0 { &[] } else { &[target] };
        let c = svc
            .open_case(req, new_case(&format!("case {i}"), "green", parties))
            .await
            .unwrap();
        ids.push((c.id, !parties.is_empty()));
    }
    for (p, sees) in [(req, ids.len()), (tgt, 4)] {
        let all: Vec<CaseId> = svc
            .list_cases(p)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(all.len(), sees);
        for limit in [1, 2, 3, 7, 100] {
            let paged = pages(&svc, p, limit).await;
            let flat: Vec<CaseId> = paged.iter().flatten().copied().collect();
            assert_eq!(flat, all, "limit {limit}");
            assert_eq!(flat.iter().collect::<HashSet<_>>().len(), flat.len());
        }
    }
    let listed: Vec<CaseId> = svc
        .list_cases(tgt)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    for (id, with_target) in &ids {
        assert_eq!(listed.contains(id), *with_target);
    }
    assert!(
        pages(&svc, third, 2)
            .await
            .iter()
            .flatten()
            .next()
            .is_none()
    );
    for bad in [0, simpul_core::cases::manage::MAX_PAGE + 1] {
        assert_eq!(
            invalid_at(svc.list_cases_page(req, None, bad).await),
            "limit"
        );
    }

    // Editing: the owner only, audited with the fields changed; RED stays RED or not.
    let id = ids[1].0;
    let seq = last_seq(s).await;
    let c = svc
        .update_case(
            req,
            id,
            edit(json!({"title": "Renamed", "severity": 4, "pap": "amber", "tlp": "amber"})),
        )
        .await
        .unwrap();
    assert_eq!((c.title.as_str(), c.severity.get()), ("Renamed", 4));
    assert_eq!(s.get_case(id).await.unwrap().unwrap(), c);
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseUpdate, &id.to_string())]
    );
    assert!(matches!(
        svc.update_case(tgt, id, edit(json!({"title": "x"}))).await,
        Err(CoreError::Forbidden(_))
    ));
    assert!(matches!(
        svc.update_case(third, id, edit(json!({"title": "x"})))
            .await,
        Err(CoreError::NotFound(_))
    ));
    for (body, path) in [
        (json!({"tlp": "red"}), "/tlp"),
        (json!({"severity": 9}), "/severity"),
        (json!({"title": " "}), "/title"),
        (json!({"close": false}), "/close"),
        (json!({"title": "Renamed"}), "/"),
    ] {
        assert_eq!(invalid_at(svc.update_case(req, id, edit(body)).await), path);
    }

    // Inviting later: stored after the first party, audited; not twice, not the owner.
    let third_name = w.third.short_name.as_str();
    let seq = last_seq(s).await;
    let c = svc.invite_party(req, id, third_name).await.unwrap();
    let parties: Vec<_> = c.parties.iter().map(|p| (p.org, p.status)).collect();
    assert_eq!(
        parties,
        [
            (w.target.id, PartyStatus::Invited),
            (w.third.id, PartyStatus::Invited)
        ]
    );
    assert_eq!(s.get_case(id).await.unwrap().unwrap(), c);
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseInvite, &id.to_string())]
    );
    assert!(svc.get_case(third, id).await.is_ok());
    assert!(matches!(
        svc.invite_party(req, id, third_name).await,
        Err(CoreError::Conflict(_))
    ));
    assert_eq!(
        invalid_at(
            svc.invite_party(req, id, w.requester.short_name.as_str())
                .await
        ),
        "/org"
    );
    assert_eq!(
        invalid_at(svc.invite_party(req, id, "nobody-here").await),
        "/org"
    );
    assert!(matches!(
        svc.invite_party(tgt, id, third_name).await,
        Err(CoreError::Forbidden(_))
    ));

    // Closing: audited, the summary fixed at the closing time, nothing changes after.
    clock.set(at(7_200));
    let seq = last_seq(s).await;
    let c = svc
        .update_case(req, id, edit(json!({"close": true})))
        .await
        .unwrap();
    assert_eq!(c.closed_at, Some(at(7_200)));
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseClose, &id.to_string())]
    );
    clock.set(at(30_000));
    assert_eq!(
        svc.case_summary(req, id).await.unwrap().closed_at,
        c.closed_at.unwrap()
    );
    assert!(matches!(
        svc.update_case(req, id, edit(json!({"title": "Again"})))
            .await,
        Err(CoreError::Conflict(_))
    ));
    assert!(matches!(
        svc.invite_party(req, id, w.partner.short_name.as_str())
            .await,
        Err(CoreError::Conflict(_))
    ));
}
