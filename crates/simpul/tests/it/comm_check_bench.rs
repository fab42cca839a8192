//! The issue's benchmark of a communication check to 1,000 contacts (BENCHMARKS.md, "Communication
//! checks"): the time to start the check — resolve the targets, snapshot them and queue one message
//! each in the check's transaction —, the send rate of the server's sender loop to a local aiosmtpd
//! sink, and the latency of `GET /api/v1/comm-checks/{id}` with 1,000 targets.
//! `SIMPUL_TEST_PYTHON=… cargo test -p simpul --test it -- --ignored comm_check_1000 --nocapture`

use std::time::{Duration, Instant};

use simpul_core::comm_checks::start::NewCommCheckRequest;
use simpul_core::comm_checks::{Channel, TargetSpec};
use simpul_core::contacts::{ContactKind, NewContact};
use simpul_core::mail::{MailFilter, MailStatus};

use crate::mail::{Sink, free_port, settings};
use crate::world::{operator, world};

const CONTACTS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark (needs aiosmtpd): run by hand, see BENCHMARKS.md"]
async fn comm_check_1000_contacts() {
    let port = free_port();
    let sink = Sink::start(port, &[]);
    let w = world().await;
    let op = operator();
    for n in 0..CONTACTS {
        let org = if n % 2 == 0 { &w.own } else { &w.other };
        let new = NewContact {
            name: format!("Contact {n}"),
            kinds: vec![ContactKind::TechnicalPoc],
            emails: vec![format!("poc{n}@member{}.example", n % 2)],
            ..Default::default()
        };
        w.service.add_contact(&op, org.id, new).await.unwrap();
    }

    let started = Instant::now();
    let (check, tokens) = w
        .service
        .start_comm_check(
            &op,
            NewCommCheckRequest {
                title: "Quarterly ping".into(),
                message: "Please confirm that this address reaches you.".into(),
                channels: vec![Channel::Email],
                kinds: vec![],
                targets: TargetSpec::AllMembers,
                deadline: "4h".parse().unwrap(),
            },
        )
        .await
        .unwrap();
    let queue_secs = started.elapsed().as_secs_f64();
    assert_eq!(tokens.len(), CONTACTS);

    let sending = Instant::now();
    let sender = tokio::spawn(simpul::mail::keep_sending(
        w.service.clone(),
        settings(port),
    ));
    let mut sent = 0;
    for _ in 0..2400 {
        sent = w
            .service
            .list_mail(
                &op,
                MailFilter {
                    status: Some(MailStatus::Sent),
                    limit: CONTACTS as u32,
                },
            )
            .await
            .unwrap()
            .len();
        if sent == CONTACTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let send_secs = sending.elapsed().as_secs_f64();
    sender.abort();
    assert_eq!(sent, CONTACTS);
    assert_eq!(sink.received().len(), CONTACTS);

    // The report as a coordinator reads it over REST, 1,000 targets with their delivery.
    let token = &w.tokens.iter().find(|(l, _)| *l == "site-admin").unwrap().1;
    let url = w.app.url(&format!("/api/v1/comm-checks/{}", check.id.0));
    let mut times = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let r = w
            .app
            .client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(body["results"].as_array().unwrap().len(), CONTACTS);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "check to {CONTACTS} contacts: started and queued in {queue_secs:.2} s; sent in {send_secs:.2} s \
         ({:.0} messages/s); report GET median {:.1} ms, max {:.1} ms",
        CONTACTS as f64 / send_secs,
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
