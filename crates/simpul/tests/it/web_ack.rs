//! The acknowledgement link of a communication check, as a mail client opens it: a GET shows the
//! confirmation page and records nothing; the POST records once; a reused, expired or invalid
//! link gets its page and status; the answers are not cached nor referred; tokens are 43
//! base64url characters (256 bits); the request log names the route, not the token.

use simpul_core::comm_checks::{Channel, NewCheck, TargetContact, TargetSpec};
use simpul_core::contacts::ContactId;

use crate::helpers::no_redirects;
use crate::world::{World, operator, world};

async fn started(w: &World, name: &str) -> (simpul_core::comm_checks::CheckId, String) {
    let new = NewCheck {
        title: "Quarterly POC check".into(),
        message: "Please confirm this address reaches your team.".into(),
        channels: vec![Channel::Email],
        kinds: vec![],
        targets: TargetSpec::AllMembers,
        deadline: "90s".parse().unwrap(),
    };
    let contact = TargetContact {
        contact_id: ContactId::new_random(),
        org_id: w.own.id,
        name: name.into(),
        email: "duty@own.example".into(),
    };
    let s = w
        .service
        .start_check(&operator(), new, vec![contact])
        .await
        .unwrap();
    (s.check.id, s.tokens[0].token.clone())
}

async fn send(
    w: &World,
    method: reqwest::Method,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let res = no_redirects()
        .request(method, w.app.url(path))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

async fn acknowledged(
    w: &World,
    id: simpul_core::comm_checks::CheckId,
) -> Option<time::OffsetDateTime> {
    let r = w.service.check_report(&operator(), id).await.unwrap();
    r.results[0].acknowledged_at
}

#[tokio::test]
async fn a_get_records_nothing_and_the_post_records_once() {
    let w = world().await;
    let (id, token) = started(&w, "Siti Rahman").await;
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let path = format!("/ack/{token}");

    let (status, headers, html) = send(&w, reqwest::Method::GET, &path).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(html.contains("Quarterly POC check"));
    assert!(html.contains("Siti Rahman"));
    assert!(html.contains("SingCERT team"));
    assert!(html.contains(&format!("<form method=\"post\" action=\"/ack/{token}\">")));
    // Twice, as a mail scanner and then the person: nothing recorded.
    send(&w, reqwest::Method::GET, &path).await;
    assert_eq!(acknowledged(&w, id).await, None);

    w.clock.advance(time::Duration::seconds(42));
    let (status, headers, html) = send(&w, reqwest::Method::POST, &path).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(html.contains("acknowledged at"), "{html}");
    assert!(html.contains("(response time 42 s)"), "{html}");
    assert!(acknowledged(&w, id).await.is_some());
    let report = w.service.check_report(&operator(), id).await.unwrap();
    assert_eq!(report.results[0].response_secs, Some(42.0));

    // Reused: 410 on both methods, and the time stays the first.
    let first = acknowledged(&w, id).await;
    w.clock.advance(time::Duration::seconds(5));
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let (status, _, html) = send(&w, method, &path).await;
        assert_eq!(status, 410);
        assert!(html.contains("already acknowledged at"), "{html}");
    }
    assert_eq!(acknowledged(&w, id).await, first);
}

#[tokio::test]
async fn expired_and_invalid_links_get_their_pages() {
    let w = world().await;
    let (id, token) = started(&w, "Arif").await;
    w.clock.advance(time::Duration::seconds(91));
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let (status, headers, html) = send(&w, method, &format!("/ack/{token}")).await;
        assert_eq!(status, 410);
        assert_eq!(headers["cache-control"], "no-store");
        assert!(html.contains("this link expired at"), "{html}");
    }
    assert_eq!(acknowledged(&w, id).await, None);
    let forged = format!("{}A", &token[..42]);
    let forged = if forged == token {
        "B".repeat(43)
    } else {
        forged
    };
    for bad in [forged.as_str(), "short", "not*a*token"] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let (status, headers, html) = send(&w, method, &format!("/ack/{bad}")).await;
            assert_eq!(status, 404, "{bad}");
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
            assert!(html.contains("this link is not valid"), "{html}");
        }
    }
}

#[test]
fn the_request_log_names_the_route_not_the_token() {
    assert_eq!(
        simpul_server::log_path("/ack/0123456789abcdefghijABCDEFGHIJ-_012345678"),
        "/ack/{token}"
    );
    assert_eq!(simpul_server::log_path("/objects"), "/objects");
    assert!(simpul_server::web::is_web_path("/ack/x"));
}
