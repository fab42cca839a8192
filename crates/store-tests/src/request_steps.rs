//! Action requests' state machine through the store: a full path to `actioned` with its outcome
//! read back, refused steps (with the allowed next states), declining without a reason, steps by
//! readers who may not act, a withdrawal, comments, the history each reader sees, `overdue` over a
//! controlled clock, and the compare-and-set on the state — two steps at once, one wins.

use std::sync::Arc;

use serde_json::{Value, json};
use simpul_core::access::Principal;
use simpul_core::audit::AuditAction;
use simpul_core::requests::reads::{RequestListFilter, RequestView};
use simpul_core::requests::state::TransitionInput;
use simpul_core::requests::store::Transition;
use simpul_core::requests::{OutcomeResult, Party, RequestId, RequestState};
use simpul_core::{CoreError, Service, Store};
use time::Duration;

use crate::comm_checks::Manual;
use crate::requests::{World, body, invalid_at};
use crate::support::{at, last_seq, tag, written_after, wrote};

fn step(v: Value) -> TransitionInput {
    serde_json::from_value(v).unwrap()
}

/// The refused step's `from` and allowed next states.
fn refused<T: std::fmt::Debug>(r: Result<T, CoreError>) -> (RequestState, Vec<RequestState>) {
    match r {
        Err(CoreError::Refused(e)) => (e.from, e.allowed),
        other => panic!("expected a refused step, got {other:?}"),
    }
}

/// The request-steps story (see the module docs).
pub async fn request_steps(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let w = World::insert(s, &t).await;
    let start = at(0);
    let clock = Manual::new(start);
    let svc = Service::new(Arc::clone(&store), clock.clone());
    let (req, tgt) = (w.p("req"), w.p("tgt"));
    let to_target = json!({"org": w.target.short_name.as_str()});
    let new = |extra: Value| body(to_target.clone(), extra);
    let a = svc
        .create_request(req, new(json!({})))
        .await
        .unwrap()
        .request;
    let id = a.id;

    // The full path, each step audited; the outcome is read back as reported.
    let seq = last_seq(s).await;
    clock.set(start + Duration::minutes(10));
    let v = svc
        .transition_request(tgt, id, step(json!({"to": "acknowledged"})))
        .await
        .unwrap();
    assert_eq!(v.request.state, RequestState::Acknowledged);
    assert_eq!(v.party, Some(Party::Target));
    svc.transition_request(tgt, id, step(json!({"to": "in-progress"})))
        .await
        .unwrap();
    // The requester may not report; nor may the target skip back or decline without a reason.
    let (from, allowed) = refused(
        svc.transition_request(req, id, step(json!({"to": "acknowledged"})))
            .await,
    );
    assert_eq!(
        (from, allowed),
        (RequestState::InProgress, vec![RequestState::Withdrawn])
    );
    let (_, allowed) = refused(
        svc.transition_request(tgt, id, step(json!({"to": "acknowledged"})))
            .await,
    );
    assert_eq!(
        allowed,
        vec![RequestState::Actioned, RequestState::Declined]
    );
    assert_eq!(
        invalid_at(
            svc.transition_request(tgt, id, step(json!({"to": "declined"})))
                .await
        ),
        "/reason"
    );
    assert_eq!(
        invalid_at(
            svc.transition_request(tgt, id, step(json!({"to": "actioned"})))
                .await
        ),
        "/outcome"
    );
    // Readers who may not act: the coordinator and a read-only user are refused, the third
    // member does not find it.
    for p in [w.p("coord"), w.p("req_ro")] {
        assert!(matches!(
            svc.transition_request(p, id, step(json!({"to": "withdrawn"})))
                .await,
            Err(CoreError::Forbidden(_))
        ));
    }
    assert!(matches!(
        svc.transition_request(w.p("third"), id, step(json!({"to": "withdrawn"})))
            .await,
        Err(CoreError::NotFound(_))
    ));
    clock.set(start + Duration::hours(2));
    let done = svc
        .transition_request(
            tgt,
            id,
            step(json!({"to": "actioned", "outcome": {
                "result": "partial",
                "details": "Frozen what was left.",
                "reference": "BNM-2026-77",
                "amount": {"value": "1500.50", "currency": "myr"}
            }})),
        )
        .await
        .unwrap();
    let outcome = done.request.outcome.clone().unwrap();
    assert_eq!(outcome.result, OutcomeResult::Partial);
    assert_eq!(outcome.amount.unwrap().value(), "1500.5");
    let d = svc.get_request(req, id).await.unwrap();
    assert_eq!(d.view.request.state, RequestState::Actioned);
    assert_eq!(d.view.request.outcome, Some(outcome));
    assert_eq!(d.view.request.updated_at, start + Duration::hours(2));
    assert!(d.allowed.is_empty(), "nothing follows an outcome");
    let path: Vec<(RequestState, RequestState, Party)> = d
        .transitions
        .iter()
        .map(|t| (t.from, t.to, t.party))
        .collect();
    use RequestState as S;
    assert_eq!(
        path,
        vec![
            (S::Submitted, S::Acknowledged, Party::Target),
            (S::Acknowledged, S::InProgress, Party::Target),
            (S::InProgress, S::Actioned, Party::Target),
        ]
    );
    assert_eq!(d.transitions[0].at, start + Duration::minutes(10));
    let id_text = id.to_string();
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::RequestTransition, &id_text); 3],
        "each step audited, nothing for the refused ones"
    );
    let (from, allowed) = refused(
        svc.transition_request(req, id, step(json!({"to": "withdrawn"})))
            .await,
    );
    assert_eq!((from, allowed.len()), (S::Actioned, 0));

    // Comments: the parties' users who act; the coordinator sees neither comments nor reasons.
    let seq = last_seq(s).await;
    let c = svc
        .comment_request(tgt, id, " Account frozen at 10:05. ")
        .await
        .unwrap();
    assert_eq!(c.text, "Account frozen at 10:05.");
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::RequestComment, &id_text)]
    );
    assert_eq!(
        invalid_at(svc.comment_request(tgt, id, "  ").await),
        "/text"
    );
    assert!(matches!(
        svc.comment_request(w.p("coord"), id, "hello").await,
        Err(CoreError::Forbidden(_))
    ));
    assert_eq!(svc.get_request(req, id).await.unwrap().comments, vec![c]);

    // Withdrawn by the requester, with a reason only the parties read.
    let b = svc
        .create_request(req, new(json!({})))
        .await
        .unwrap()
        .request;
    let v = svc
        .transition_request(
            req,
            b.id,
            step(json!({"to": "withdrawn", "reason": "Paid back by the bank."})),
        )
        .await
        .unwrap();
    assert_eq!(
        (v.request.state, v.party),
        (S::Withdrawn, Some(Party::Requester))
    );
    let reason = |d: simpul_core::requests::reads::RequestDetail| d.transitions[0].reason.clone();
    assert_eq!(
        reason(svc.get_request(tgt, b.id).await.unwrap()).as_deref(),
        Some("Paid back by the bank.")
    );
    let seen = svc.get_request(w.p("coord"), b.id).await.unwrap();
    assert!(seen.comments.is_empty() && seen.allowed.is_empty());
    assert_eq!(reason(seen), None);
    assert!(!v.overdue, "a withdrawn request is never overdue");

    // Overdue over the clock: open after its due time, the request stays open.
    clock.set(start + Duration::hours(3));
    let o = svc
        .create_request(req, new(json!({"urgency": "high"})))
        .await
        .unwrap()
        .request;
    assert_eq!(o.due, start + Duration::hours(27));
    let overdue = |flag: bool| RequestListFilter {
        overdue: Some(flag),
        ..RequestListFilter::default()
    };
    let listed = |f: RequestListFilter| ids(&svc, w.p("coord"), f);
    assert!(!listed(overdue(true)).await.contains(&o.id));
    assert!(listed(overdue(false)).await.contains(&o.id));
    clock.set(start + Duration::hours(27) + Duration::seconds(1));
    assert!(listed(overdue(true)).await.contains(&o.id));
    assert!(!listed(overdue(false)).await.contains(&o.id));
    for closed in [id, b.id] {
        assert!(listed(overdue(false)).await.contains(&closed));
    }
    let d = svc.get_request(w.p("coord"), o.id).await.unwrap();
    assert!(d.view.overdue);
    assert_eq!(d.view.request.state, S::Submitted);
    let v = svc
        .transition_request(tgt, o.id, step(json!({"to": "acknowledged"})))
        .await
        .unwrap();
    assert!(v.overdue, "acknowledged late: still open, still overdue");

    // Compare-and-set in the store: a stale state changes nothing and writes no entry.
    let seq = last_seq(s).await;
    let stale = Transition {
        id: uuid::Uuid::new_v4(),
        request: o.id,
        at: svc.now(),
        actor: "cli:story".into(),
        actor_org: None,
        party: Party::Target,
        from: S::Submitted,
        to: S::Acknowledged,
        reason: None,
    };
    let e = crate::support::event(AuditAction::RequestTransition, &o.id.to_string(), None);
    assert!(
        !s.transition_request(&stale, None, &e, &Default::default())
            .await
            .unwrap()
    );
    assert!(written_after(s, seq).await.is_empty());
    assert_eq!(s.request_history(o.id).await.unwrap().0.len(), 1);

    // Two users of the target acknowledge at once: one wins, the other is refused from the new
    // state; the history holds one step.
    let r = svc
        .create_request(req, new(json!({})))
        .await
        .unwrap()
        .request;
    let race = |p: Principal, to: &'static str| spawn_step(&svc, p, r.id, to);
    let one = race(tgt.clone(), "acknowledged");
    let two = race(w.p("tgt2").clone(), "acknowledged");
    let results = [one.await.unwrap(), two.await.unwrap()];
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    let lost = results.into_iter().find(|r| r.is_err()).unwrap();
    assert_eq!(
        refused(lost),
        (S::Acknowledged, vec![S::InProgress, S::Declined])
    );
    assert_eq!(s.request_history(r.id).await.unwrap().0.len(), 1);

    // The target acknowledges while the requester withdraws: the withdrawal always lands (it is
    // allowed from either state); the acknowledgement only if it came first.
    let q = svc
        .create_request(req, new(json!({})))
        .await
        .unwrap()
        .request;
    let race = |p: Principal, to: &'static str| spawn_step(&svc, p, q.id, to);
    let ack = race(tgt.clone(), "acknowledged");
    let withdraw = race(req.clone(), "withdrawn");
    let (ack, withdraw) = (ack.await.unwrap(), withdraw.await.unwrap());
    assert_eq!(withdraw.unwrap().request.state, S::Withdrawn);
    let history = s.request_history(q.id).await.unwrap().0;
    match ack {
        Ok(_) => assert_eq!(history.len(), 2),
        Err(e) => {
            assert_eq!(refused::<()>(Err(e)), (S::Withdrawn, vec![]));
            assert_eq!(history.len(), 1);
        }
    }
    assert_eq!(history.last().unwrap().to, S::Withdrawn);
    assert_eq!(
        s.get_request(q.id).await.unwrap().unwrap().state,
        S::Withdrawn
    );
    crate::support::assert_chain_verifies(s).await;
}

/// The ids `p` lists with `f`.
async fn ids(svc: &Service, p: &Principal, f: RequestListFilter) -> Vec<RequestId> {
    svc.list_requests(p, &f)
        .await
        .unwrap()
        .iter()
        .map(|v| v.request.id)
        .collect()
}

/// `p`'s step of `id` to `to`, on a task of its own.
fn spawn_step(
    svc: &Service,
    p: Principal,
    id: RequestId,
    to: &'static str,
) -> tokio::task::JoinHandle<Result<RequestView, CoreError>> {
    let svc = svc.clone();
    tokio::spawn(async move {
        svc.transition_request(&p, id, step(json!({"to": to})))
            .await
    })
}
