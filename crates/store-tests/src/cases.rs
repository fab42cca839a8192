//! What incident cases need of a store, told through the service: opening a case (parties
//! resolved, a template's tasks, RED's named users, one audited transaction), every reader of
//! `access::cases` through the list's SQL filter agreeing with the in-memory rule, a party's
//! status steps (refused ones name the allowed), the consent gate (an unreleased entry absent
//! from other parties' timeline and count, the author's release and allowance, the owner's
//! pass-on), attachments (bytes and sha256 kept, the configured maximum), tasks with overdue
//! from the clock, and the after-action summary.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;

use serde_json::{Value, json};
use simpul_core::access::cases::{CaseFilter, EntryFilter, may_see, may_see_entry};
use simpul_core::access::{Action, Principal, authorize};
use simpul_core::audit::AuditAction;
use simpul_core::cases::party::StatusInput;
use simpul_core::cases::timeline::NewEntry;
use simpul_core::cases::{CaseId, ConsentInput, NewCase, PartyStatus, TaskState, TaskUpdate};
use simpul_core::{CoreError, Service, Store};

use crate::comm_checks::Manual;
use crate::requests::{World, invalid_at};
use crate::support::{at, last_seq, tag, written_after, wrote};

fn case_body(w: &World, extra: Value) -> NewCase {
    let mut b = json!({
        "title": "Scam call centre using three countries' numbers",
        "summary": "Mule accounts in MY, landing pages elsewhere.",
        "severity": 3,
        "tlp": "amber",
        "category": "scam-operation",
        "template": "scam-operation",
        "parties": [w.target.short_name.as_str(), w.partner.short_name.as_str()],
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    serde_json::from_value(b).unwrap()
}

fn entry(v: Value) -> NewEntry {
    serde_json::from_value(v).unwrap()
}

fn status(to: &str) -> StatusInput {
    serde_json::from_value(json!({ "to": to })).unwrap()
}

const READERS: [&str; 9] = [
    "req",
    "req2",
    "req_ro",
    "tgt",
    "tgt2",
    "third",
    "third_admin",
    "partner",
    "coord",
];

/// Every reader's SQL-filtered list and count agree with the in-memory rules (every entry is in
/// its author's list, so the union of the readers' lists is every entry of the case).
async fn lists_agree(s: &dyn Store, w: &World, cases: &[CaseId]) {
    for id in cases {
        let case = s.get_case(*id).await.unwrap().unwrap();
        let f = case.facts();
        let mut every: Vec<simpul_core::cases::store::Entry> = Vec::new();
        for name in READERS {
            if let Some(filter) = EntryFilter::of(w.p(name), &f) {
                for e in s.list_entries(*id, &filter).await.unwrap() {
                    if !every.iter().any(|x| x.id == e.id) {
                        every.push(e);
                    }
                }
            }
        }
        for name in READERS {
            let p = w.p(name);
            let grant = authorize(p, Action::ReadCases).unwrap();
            let listed = s
                .list_cases(&CaseFilter::of(&grant), None, 1000)
                .await
                .unwrap();
            assert_eq!(
                listed.iter().any(|c| c.id == *id),
                may_see(p, &f),
                "{name} lists {id}"
            );
            let Some(filter) = EntryFilter::of(p, &f) else {
                continue;
            };
            let seen: Vec<_> = s
                .list_entries(*id, &filter)
                .await
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            for e in &every {
                assert_eq!(
                    seen.contains(&e.id),
                    may_see_entry(p, &f, &e.facts()),
                    "{name} sees entry {}",
                    e.id
                );
            }
            assert_eq!(
                s.count_entries(*id, &filter).await.unwrap(),
                seen.len() as u64,
                "{name} counts"
            );
        }
    }
}

/// The case-store story (see the module docs).
pub async fn cases(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let clock = Manual::new(at(0));
    let svc = Service::new(Arc::clone(&store), clock.clone()).with_case_attachment_max(16);
    let (req, tgt, partner) = (w.p("req"), w.p("tgt"), w.p("partner"));

    // Opening: parties resolved, the template's tasks, one audited transaction.
    let seq = last_seq(s).await;
    let case = svc.open_case(req, case_body(&w, json!({}))).await.unwrap();
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseOpen, &case.id.to_string())]
    );
    assert_eq!(s.get_case(case.id).await.unwrap().unwrap(), case);
    let orgs: Vec<_> = case.parties.iter().map(|p| (p.org, p.status)).collect();
    assert_eq!(
        orgs,
        [
            (w.target.id, PartyStatus::Invited),
            (w.partner.id, PartyStatus::Invited)
        ]
    );
    let tasks = svc.case_tasks(req, case.id).await.unwrap();
    assert!(!tasks.is_empty() && tasks.iter().all(|t| !t.overdue));
    assert!(tasks.iter().any(|t| t.task.owner_org == w.target.id));
    for (extra, path) in [
        (json!({"parties": [format!("{t}-nobody")]}), "/parties/0"),
        (
            json!({"parties": [w.requester.short_name.as_str()]}),
            "/parties/0",
        ),
        (json!({"parties": [format!("{t}-vn")]}), "/parties/0"),
        (
            json!({"tlp": "red", "recipients": [w.u("third").email.as_str()]}),
            "/recipients/0",
        ),
    ] {
        let r = svc.open_case(req, case_body(&w, extra.clone())).await;
        assert_eq!(invalid_at(r), path, "{extra}");
    }
    for p in [&Principal::operator("story"), w.p("req_ro")] {
        assert!(matches!(
            svc.open_case(p, case_body(&w, json!({}))).await,
            Err(CoreError::Forbidden(_))
        ));
    }
    let red = svc
        .open_case(
            req,
            case_body(
                &w,
                json!({"tlp": "red", "template": null, "recipients": [w.u("tgt").email.as_str()]}),
            ),
        )
        .await
        .unwrap();
    let mut named = vec![w.u("req").id, w.u("tgt").id];
    named.sort();
    assert_eq!(red.named, named);

    // Party steps: only the party's own from `invited`; a refusal names the allowed steps.
    assert!(matches!(
        svc.case_timeline(tgt, case.id).await,
        Err(CoreError::NotFound(_))
    ));
    match svc
        .step_party(tgt, case.id, &w.target.short_name, status("resolved"))
        .await
    {
        Err(CoreError::StepRefused { allowed, .. }) => assert_eq!(allowed, ["acknowledged"]),
        other => panic!("expected a refused step, got {other:?}"),
    }
    assert!(matches!(
        svc.step_party(
            partner,
            case.id,
            &w.target.short_name,
            status("acknowledged")
        )
        .await,
        Err(CoreError::Forbidden(_))
    ));
    clock.set(at(600));
    let seq = last_seq(s).await;
    svc.step_party(tgt, case.id, &w.target.short_name, status("acknowledged"))
        .await
        .unwrap();
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseParty, &case.id.to_string())]
    );
    svc.step_party(
        partner,
        case.id,
        &w.partner.short_name,
        status("acknowledged"),
    )
    .await
    .unwrap();

    // The consent gate: the target's comment to the owner stays with the target until released.
    let c = svc
        .add_case_entry(
            tgt,
            case.id,
            entry(
                json!({"kind": "comment", "text": "The numbers are ours; blocking.",
                         "audience": {"orgs": [w.requester.short_name.as_str()]}}),
            ),
            None,
        )
        .await
        .unwrap();
    assert!(!c.released_to_case);
    let sees = |v: &[simpul_core::cases::EntryView]| v.iter().any(|e| e.id == c.id);
    assert!(sees(&svc.case_timeline(tgt, case.id).await.unwrap()));
    assert!(sees(
        &svc.case_timeline(w.p("tgt2"), case.id).await.unwrap()
    ));
    for p in [req, partner] {
        assert!(!sees(&svc.case_timeline(p, case.id).await.unwrap()));
    }
    let before = svc.get_case(req, case.id).await.unwrap().entries.unwrap();
    let of_target = svc.get_case(tgt, case.id).await.unwrap().entries.unwrap();
    assert_eq!(of_target, before + 1, "the count holds the gate too");
    assert_eq!(
        svc.get_case(w.p("coord"), case.id).await.unwrap().entries,
        None
    );
    lists_agree(s, &w, &[case.id, red.id]).await;

    // Only the author releases; the owner passes on only to an allowed party.
    let consent = |allow: Vec<&str>, pass: Vec<&str>| ConsentInput {
        allow: allow.into_iter().map(String::from).collect(),
        pass_to: pass.into_iter().map(String::from).collect(),
    };
    assert!(matches!(
        svc.case_entry_consent(req, case.id, c.id, consent(vec![], vec![]))
            .await,
        Err(CoreError::NotFound(_))
    ));
    svc.case_entry_consent(tgt, case.id, c.id, consent(vec![], vec![]))
        .await
        .unwrap();
    assert!(sees(&svc.case_timeline(req, case.id).await.unwrap()));
    assert!(!sees(&svc.case_timeline(partner, case.id).await.unwrap()));
    let ps = w.partner.short_name.as_str();
    assert_eq!(
        invalid_at(
            svc.case_entry_consent(req, case.id, c.id, consent(vec![], vec![ps]))
                .await
        ),
        "/pass_to/0"
    );
    svc.case_entry_consent(tgt, case.id, c.id, consent(vec![ps], vec![]))
        .await
        .unwrap();
    let seq = last_seq(s).await;
    let passed = svc
        .case_entry_consent(req, case.id, c.id, consent(vec![], vec![ps]))
        .await
        .unwrap();
    assert_eq!(passed.passed_to, [w.partner.id]);
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CaseConsent, &case.id.to_string())]
    );
    assert!(sees(&svc.case_timeline(partner, case.id).await.unwrap()));
    lists_agree(s, &w, &[case.id, red.id]).await;

    // Attachments: the bytes and their sha256 kept; the declared size checked; the maximum.
    let att = |size: usize| {
        entry(json!({"kind": "attachment", "filename": "numbers.csv",
                     "media_type": "text/csv", "size": size}))
    };
    let a = svc
        .add_case_entry(req, case.id, att(5), Some(b"a,b\n1".to_vec()))
        .await
        .unwrap();
    // sha256 of `a,b\n1`, computed independently.
    assert_eq!(
        a.sha256.as_deref(),
        Some("08d13e84796370f80c6f3bd52710c8ac1e4ca194226ed70f422e22a3120f76e7")
    );
    let (meta, bytes) = svc.case_attachment(partner, case.id, a.id).await.unwrap();
    assert_eq!((meta.id, bytes.as_slice()), (a.id, &b"a,b\n1"[..]));
    assert_eq!(
        invalid_at(
            svc.add_case_entry(req, case.id, att(4), Some(b"a,b\n1".to_vec()))
                .await
        ),
        "/size"
    );
    assert!(matches!(
        svc.add_case_entry(req, case.id, att(17), Some(vec![b'x'; 17]))
            .await,
        Err(CoreError::TooLarge { .. })
    ));

    // Tasks: a party's own, overdue from the clock, a refused step names the allowed.
    let task = svc
        .add_case_task(
            tgt,
            case.id,
            serde_json::from_value(json!({"title": "Block the numbers",
                                          "due": at(2 * 3600).format(&Rfc3339).unwrap()}))
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(task.task.owner_org, w.target.id);
    assert!(matches!(
        svc.add_case_task(
            partner,
            case.id,
            serde_json::from_value(json!({"title": "x", "owner": w.target.short_name.as_str()}))
                .unwrap()
        )
        .await,
        Err(CoreError::Forbidden(_))
    ));
    clock.set(at(3 * 3600));
    let listed = svc.case_tasks(tgt, case.id).await.unwrap();
    assert!(
        listed
            .iter()
            .find(|t| t.task.id == task.task.id)
            .unwrap()
            .overdue
    );
    let up = |state: &str| TaskUpdate {
        state: Some(state.to_owned()),
        assignee: None,
    };
    let done = svc
        .update_case_task(tgt, case.id, task.task.id, up("done"))
        .await
        .unwrap();
    assert_eq!((done.task.state, done.overdue), (TaskState::Done, false));
    assert!(matches!(
        svc.update_case_task(tgt, case.id, task.task.id, up("in-progress"))
            .await,
        Err(CoreError::StepRefused { .. })
    ));

    // The after-action summary: the target took ten minutes to acknowledge.
    svc.step_party(tgt, case.id, &w.target.short_name, status("investigating"))
        .await
        .unwrap();
    svc.step_party(tgt, case.id, &w.target.short_name, status("resolved"))
        .await
        .unwrap();
    let sum = svc.case_summary(req, case.id).await.unwrap();
    let of = sum.parties.iter().find(|p| p.org == w.target.id).unwrap();
    assert_eq!(of.time_to_acknowledge, Some(time::Duration::seconds(600)));
    assert_eq!(of.time_to_resolve, Some(time::Duration::seconds(3 * 3600)));
    assert_eq!(sum.resolved, 1);
    assert!(matches!(
        svc.case_summary(w.p("third"), case.id).await,
        Err(CoreError::NotFound(_))
    ));
    lists_agree(s, &w, &[case.id, red.id]).await;
}
