//! What outgoing mail needs of a store: a durable outbox whose claims are exclusive (also when
//! claimed at once), expire, come back after a backoff, and whose bodies are erased once sent or
//! given up.

use std::collections::HashSet;
use std::sync::Arc;

use simpul_core::Store;
use simpul_core::audit::AuditAction;
use simpul_core::mail::{
    Answer, Attempt, MailBody, MailFilter, MailStatus, NewMail, OutboxEntry, Purpose, Subject,
    next_state,
};
use time::Duration;
use uuid::Uuid;

use crate::support::{at, email, entries_after, event, last_seq, tag};

fn entry(n: u32, t: &str, created: i64, ref_id: Option<Uuid>) -> OutboxEntry {
    let mut e = OutboxEntry::new(
        NewMail {
            to: email(&format!("poc{n}@{t}.example")),
            subject: Subject::parse(&format!("Check {n}")).unwrap(),
            body: MailBody::parse(&format!("secret link {n}\r\n")).unwrap(),
            purpose: Purpose::parse("comm-check-target").unwrap(),
            ref_id,
        },
        at(created),
    );
    e.created_at = at(created);
    e
}

pub async fn mail(store: Arc<dyn Store>) {
    let t = tag();
    let seq = last_seq(&*store).await;
    let refs: Vec<Uuid> = (0..6).map(|_| Uuid::new_v4()).collect();
    for (n, r) in refs.iter().enumerate() {
        let n = u32::try_from(n).unwrap();
        let e = entry(n, &t, 100 + i64::from(n), Some(*r));
        store
            .queue_mail(&e, &event(AuditAction::MailQueue, &e.id.to_string(), None))
            .await
            .unwrap();
    }
    assert_eq!(
        entries_after(&*store, seq).await.len(),
        6,
        "each queued message is audited"
    );
    assert!(store.mail_backlog().await.unwrap() >= 6);

    // Not yet due: nothing is claimed before its time.
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    assert!(
        store
            .claim_mail(at(50), a, at(110), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Two senders claiming at once never get the same message.
    let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
    let (ca, cb) = tokio::join!(
        async move { s1.claim_mail(at(200), a, at(260), 4).await.unwrap() },
        async move { s2.claim_mail(at(200), b, at(260), 4).await.unwrap() },
    );
    let ids_a: HashSet<_> = ca.iter().map(|m| m.id).collect();
    let ids_b: HashSet<_> = cb.iter().map(|m| m.id).collect();
    assert!(ids_a.is_disjoint(&ids_b), "a message claimed twice");
    let mine: Vec<_> = ca
        .iter()
        .chain(&cb)
        .filter(|m| m.to.as_str().ends_with(&format!("@{t}.example")))
        .collect();
    assert_eq!(mine.len(), 6, "every due message is claimed by one sender");
    assert!(
        mine.iter()
            .all(|m| m.body.as_str().starts_with("secret link"))
    );
    // While the claims last, nobody else gets them.
    let c = Uuid::new_v4();
    let again = store.claim_mail(at(230), c, at(300), 100).await.unwrap();
    assert!(
        again
            .iter()
            .all(|m| !ids_a.contains(&m.id) && !ids_b.contains(&m.id))
    );

    let by_holder = |m: &simpul_core::mail::ClaimedMail| if ids_a.contains(&m.id) { a } else { b };
    let (sent, rest) = mine.split_at(1);
    let (refused, rest) = rest.split_at(1);
    let (busy, crashed) = rest.split_at(1);

    // Sent: the body is erased, the answer and time kept.
    let s = sent[0];
    let ok = next_state(
        s.attempts,
        Attempt::Sent(Answer::new(Some(250), "2.0.0 Ok: queued")),
        at(201),
        0.0,
    );
    assert!(
        !store.record_mail_attempt(s.id, c, &ok).await.unwrap(),
        "another holder's claim"
    );
    assert!(
        store
            .record_mail_attempt(s.id, by_holder(s), &ok)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_mail_attempt(s.id, by_holder(s), &ok)
            .await
            .unwrap(),
        "recorded once"
    );

    // Refused for good: failed at once, body erased.
    let r = refused[0];
    let no = next_state(
        r.attempts,
        Attempt::Permanent(Answer::new(Some(550), "5.1.1 no such user")),
        at(202),
        0.0,
    );
    assert!(
        store
            .record_mail_attempt(r.id, by_holder(r), &no)
            .await
            .unwrap()
    );

    // Busy relay: queued again after the backoff, body kept.
    let q = busy[0];
    let later = next_state(
        q.attempts,
        Attempt::Transient(Answer::new(None, "connection refused")),
        at(203),
        0.0,
    );
    assert_eq!(later.next_attempt_at, at(233));
    assert!(
        store
            .record_mail_attempt(q.id, by_holder(q), &later)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_mail(at(232), c, at(400), 100)
            .await
            .unwrap()
            .iter()
            .all(|m| m.id != q.id),
        "claimed before its backoff"
    );
    let back = store.claim_mail(at(240), c, at(400), 100).await.unwrap();
    let q2 = back
        .iter()
        .find(|m| m.id == q.id)
        .expect("due again after its backoff");
    assert_eq!((q2.attempts, q2.body.as_str()), (1, q.body.as_str()));

    // The crashed senders' claims (until 260) expire, and their mail is claimed again.
    let d = Uuid::new_v4();
    let retaken = store.claim_mail(at(261), d, at(400), 100).await.unwrap();
    for m in crashed {
        assert!(
            retaken.iter().any(|x| x.id == m.id),
            "an expired claim was not retried"
        );
        assert!(
            !store
                .record_mail_attempt(m.id, by_holder(m), &ok)
                .await
                .unwrap(),
            "the old holder lost it"
        );
    }
    assert!(
        retaken.iter().all(|x| x.id != q.id),
        "c's claim of the retried one still holds"
    );

    // The record: statuses, answers, never a body; delivery by ref.
    let got = store.mail_of_refs(&refs).await.unwrap();
    assert_eq!(got.len(), 6);
    let of = |id| got.iter().find(|m| m.id == id).unwrap();
    let rs = of(s.id);
    assert_eq!(
        (rs.status, rs.attempts, rs.sent_at),
        (MailStatus::Sent, 1, Some(at(201)))
    );
    assert_eq!(
        rs.last_answer,
        Some(Answer::new(Some(250), "2.0.0 Ok: queued"))
    );
    let rr = of(r.id);
    assert_eq!(
        (rr.status, rr.last_answer.as_ref().and_then(|a| a.code)),
        (MailStatus::Failed, Some(550))
    );
    assert_eq!(of(q.id).status, MailStatus::Sending);
    let failed = store
        .list_mail(MailFilter {
            status: Some(MailStatus::Failed),
            limit: 1000,
        })
        .await
        .unwrap();
    assert!(
        failed.iter().any(|m| m.id == r.id)
            && failed.iter().all(|m| m.status == MailStatus::Failed)
    );
    let newest = store
        .list_mail(MailFilter {
            status: None,
            limit: 2,
        })
        .await
        .unwrap();
    assert_eq!(newest.len(), 2);
    assert!(newest[0].created_at >= newest[1].created_at);

    // Ten transient failures give up, and erase the body.
    let mut attempts = q2.attempts;
    let mut now = at(300);
    loop {
        let u = next_state(
            attempts,
            Attempt::Transient(Answer::new(Some(421), "try later")),
            now,
            0.5,
        );
        let holder = Uuid::new_v4();
        let claimed = store
            .claim_mail(now, holder, now + Duration::seconds(10), 100)
            .await
            .unwrap();
        let m = claimed.iter().find(|m| m.id == q.id);
        let Some(m) = m else {
            // Still the previous holder's (c, until 400): wait for it to expire.
            now = at(401);
            continue;
        };
        assert_eq!(m.attempts, attempts);
        assert!(store.record_mail_attempt(q.id, holder, &u).await.unwrap());
        attempts = u.attempts;
        now = u.next_attempt_at;
        if u.status == MailStatus::Failed {
            break;
        }
    }
    assert_eq!(attempts, simpul_core::mail::MAX_ATTEMPTS);
    // (Which message is `q` depends on how the two senders split the claims: find it by id.)
    let rq = store
        .mail_of_refs(&refs)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == q.id)
        .unwrap();
    assert_eq!((rq.status, rq.attempts), (MailStatus::Failed, 10));
    // Given up and sent mail is never claimed again, and its body is gone.
    let late = store
        .claim_mail(at(1_000_000), Uuid::new_v4(), at(1_000_100), 1000)
        .await
        .unwrap();
    for id in [s.id, r.id, q.id] {
        assert!(late.iter().all(|m| m.id != id));
    }
    // (That the body column is NULL is read from the database file by the binary's SMTP tests.)
}
