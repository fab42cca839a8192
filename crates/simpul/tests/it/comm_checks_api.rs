//! Communication checks over REST: a coordinator starts one (`POST /api/v1/comm-checks`), others
//! are refused; bad input is refused with the JSON pointer (a snapshotted problem body); the
//! contact — a user whose e-mail is a contact's — sees it in `GET /comm-checks/pending` and
//! acknowledges it (`POST /comm-checks/{id}/acknowledge`, once: then 409); the report shows the
//! acknowledgement with its response time, and the contact is verified at that time.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use simpul_core::Role;
use simpul_core::contacts::{ContactKind, NewContact};

use crate::helpers::call;
use crate::world::{operator, token, user, world};

fn body(targets: Value, deadline: &str) -> Value {
    json!({
        "title": "Quarterly POC check",
        "targets": targets,
        "kinds": ["technical-poc"],
        "channels": ["email", "in-app"],
        "deadline": deadline,
        "message": "Please confirm this address reaches your team."
    })
}

#[tokio::test]
async fn a_coordinator_starts_a_check_and_the_contact_acknowledges_it_in_the_app() {
    let w = world().await;
    // The regional CERT's site-admin is one of its coordinators (by organisation, not role).
    let coord = &w.tokens[0].1;
    let analyst = &w.tokens[2].1; // an@own.example, a national CERT's analyst
    user(&w.service, &w.spare, "an@spare.example", Role::Analyst).await;
    let partner = token(&w.service, "an@spare.example", "read,write", None).await;
    let other = token(&w.service, "an@other.example", "read,write", None).await;
    let contact = |name: &str, email: &str, kind| NewContact {
        name: name.into(),
        kinds: vec![kind],
        emails: vec![email.into()],
        ..Default::default()
    };
    let siti = w
        .service
        .add_contact(
            &operator(),
            w.own.id,
            contact("Siti Rahman", "AN@own.example", ContactKind::TechnicalPoc),
        )
        .await
        .unwrap();
    w.service
        .add_contact(
            &operator(),
            w.own.id,
            contact("Duty desk", "duty@own.example", ContactKind::Duty24x7),
        )
        .await
        .unwrap();
    let start = |t: &str, b: Value| {
        let (app, t) = (&w.app, t.to_owned());
        async move {
            let res = call(app, Method::POST, "/api/v1/comm-checks", Some(&t), Some(&b)).await;
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let good = body(json!({"orgs": ["SingCERT"]}), "4h");

    // Only coordinators start checks: a national CERT's analyst and a partner are refused.
    for t in [analyst, &partner] {
        let (status, problem) = start(t, good.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }

    // Bad input names the field.
    let pointer = |p: &Value| p["errors"][0]["pointer"].as_str().unwrap_or("").to_owned();
    for (b, at) in [
        (body(json!({"orgs": ["SingCERT"]}), "soon"), "/deadline"),
        (body(json!({"orgs": ["MyCERT"]}), "4h"), "/targets"),
        (body(json!({"everyone": true}), "4h"), "/targets/everyone"),
        (
            {
                let mut b = good.clone();
                b["channels"] = json!(["email", "fax"]);
                b
            },
            "/channels/1",
        ),
    ] {
        let (status, problem) = start(coord, b).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(pointer(&problem), at, "{problem}");
    }
    let (status, mut problem) = start(
        coord,
        body(json!({"orgs": ["SingCERT", "NoSuchCERT"]}), "4h"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    problem["request_id"] = json!("[request_id]");
    insta::assert_json_snapshot!("comm_check_unknown_org", problem);
    let mut extra = good.clone();
    extra["colour"] = json!("red");
    let (status, problem) = start(coord, extra).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{problem}"
    );
    assert!(
        w.service.list_checks(&operator()).await.unwrap().is_empty(),
        "nothing refused was started"
    );

    // Started: one target (the duty desk is of another kind).
    let (status, started) = start(coord, good.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let id = started["check"]["id"].as_str().unwrap().to_owned();
    insta::assert_json_snapshot!("comm_check_started", started, {
        ".check.id" => "[id]", ".check.started_by" => "[actor]"
    });

    // The contact sees it pending; someone not asked does not.
    let pending = |t: String| {
        let app = &w.app;
        async move {
            let res = call(
                app,
                Method::GET,
                "/api/v1/comm-checks/pending",
                Some(&t),
                None,
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        }
    };
    let mine = pending(analyst.clone()).await;
    assert_eq!(mine["checks"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["checks"][0]["check"]["id"], json!(id));
    assert_eq!(mine["checks"][0]["open_targets"], json!(1));
    assert_eq!(pending(other.clone()).await["checks"], json!([]));

    // Acknowledged in the app 42 s later; once.
    w.clock.advance(time::Duration::seconds(42));
    let ack = format!("/api/v1/comm-checks/{id}/acknowledge");
    let res = call(&w.app, Method::POST, &ack, Some(&other), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not asked");
    let nowhere = format!("/api/v1/comm-checks/{}/acknowledge", uuid::Uuid::new_v4());
    let res = call(&w.app, Method::POST, &nowhere, Some(analyst), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no such check");
    let res = call(&w.app, Method::POST, &ack, Some(analyst), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["check_id"], json!(id));
    assert_eq!(done["acknowledged"].as_array().unwrap().len(), 1, "{done}");
    let res = call(&w.app, Method::POST, &ack, Some(analyst), None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(pending(analyst.clone()).await["checks"], json!([]));

    // The report: acknowledged in the app after 42 s (the mail is still queued: from the start).
    for t in [coord, analyst] {
        let res = call(
            &w.app,
            Method::GET,
            &format!("/api/v1/comm-checks/{id}"),
            Some(t),
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let report: Value = res.json().await.unwrap();
        let r = &report["results"][0];
        assert_eq!(report["results"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(r["contact_id"], json!(siti.id));
        assert_eq!(r["state"], "acknowledged", "{report}");
        assert_eq!(r["via"], "in-app");
        assert_eq!(r["response_secs"], json!(42.0));
        assert_eq!(r["delivery"], "queued");
        assert_eq!(r["sent_at"], Value::Null);
        assert_eq!(r["acknowledged_at"], "2026-11-28T08:00:42Z");
        assert_eq!(report["summary"]["total"]["share_acknowledged"], json!(1.0));
    }
    let res = call(
        &w.app,
        Method::GET,
        &format!("/api/v1/comm-checks/{id}"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another organisation's targets only"
    );

    // The answer verified the contact.
    let res = call(
        &w.app,
        Method::GET,
        &format!("/api/v1/contacts/{}", siti.id),
        Some(coord),
        None,
    )
    .await;
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["last_verified"], "2026-11-28T08:00:42Z", "{c}");
    w.app.shutdown().await;
}

/// Polls `GET path` as `t` until `done` holds (a few seconds at most).
async fn until(
    w: &crate::world::World,
    t: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let v: Value = call(&w.app, Method::GET, path, Some(t), None)
            .await
            .json()
            .await
            .unwrap();
        if done(&v) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} never got there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_a_check_started_over_rest_reports_the_relays_answer_and_times_from_sending() {
    let w = world().await;
    let coord = w.tokens[0].1.clone();
    let siti = w
        .service
        .add_contact(
            &operator(),
            w.own.id,
            NewContact {
                name: "Siti Rahman".into(),
                kinds: vec![ContactKind::TechnicalPoc],
                emails: vec!["duty@own.example".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut b = body(json!({"orgs": ["SingCERT"]}), "1h");
    b["channels"] = json!(["email"]);
    let res = call(
        &w.app,
        Method::POST,
        "/api/v1/comm-checks",
        Some(&coord),
        Some(&b),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["check"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = format!("/api/v1/comm-checks/{id}");
    let queued = until(&w, &coord, &report, |_| true).await;
    assert_eq!(queued["results"][0]["delivery"], "queued");

    // The relay takes the message 10 s after the start.
    w.clock.advance(time::Duration::seconds(10));
    let port = crate::mail::free_port();
    let sink = crate::mail::Sink::start(port, &[]);
    let sender = tokio::spawn(simpul::mail::keep_sending(
        w.service.clone(),
        crate::mail::settings(port),
    ));
    let sent = until(&w, &coord, &report, |v| {
        v["results"][0]["delivery"] == "sent"
    })
    .await;
    let r = &sent["results"][0];
    assert_eq!(r["sent_at"], "2026-11-28T08:00:10Z");
    let answer = r["delivery_detail"].as_str().unwrap();
    assert!(answer.starts_with("250"), "the relay's answer: {answer}");
    let mail = sink.received().pop().unwrap();
    let at = mail.find("/ack/").unwrap() + "/ack/".len();
    let token = &mail[at..at + 43];

    // Confirmed 20 s after sending: 20 s of response time, and the contact verified then.
    w.clock.advance(time::Duration::seconds(20));
    let res = crate::helpers::no_redirects()
        .post(w.app.url(&format!("/ack/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done = until(&w, &coord, &report, |_| true).await;
    let r = &done["results"][0];
    assert_eq!(r["state"], "acknowledged", "{done}");
    assert_eq!(r["via"], "link");
    assert_eq!(r["response_secs"], json!(20.0));
    assert_eq!(
        done["summary"]["total"]["median_response_secs"],
        json!(20.0)
    );
    let c = until(&w, &coord, &format!("/api/v1/contacts/{}", siti.id), |_| {
        true
    })
    .await;
    assert_eq!(c["last_verified"], "2026-11-28T08:00:30Z", "{c}");
    sender.abort();
    w.app.shutdown().await;
}
