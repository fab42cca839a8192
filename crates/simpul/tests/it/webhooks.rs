//! Webhooks against a real HTTP receiver on loopback: an axum server on a random port inside the
//! test records every request and answers from a script per path (a 500 first, a 429 with
//! `Retry-After`, a 410), and two of the server's senders (`simpul::webhooks::keep_delivering`,
//! as two nodes would run them) deliver over a SQLite store whose clock the test moves, so
//! backoffs pass without sleeping. The receiver checks each signature itself with HMAC-SHA256.
//! The REST side is in `webhooks_rest.rs`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use simpul::webhooks::WebhookSettings;
use simpul_core::access::{Action, authorize};
use simpul_core::org::OrgKind;
use simpul_core::webhooks::{Delivery, DeliveryId, DeliveryStatus, EventType, NewWebhook};
use simpul_core::{Principal, Service};

use crate::helpers::{TestClock, TestDb};
use crate::world::org;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Receipt {
    path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// What it answered.
    answered: u16,
}

/// An answer: a status and an optional `Retry-After`.
type Answer = (u16, Option<&'static str>);

/// The receiver's record and its script: per path, the answers to give in turn (then 200).
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Receipt>>>,
    script: Arc<Mutex<HashMap<String, VecDeque<Answer>>>>,
}

impl Receiver {
    pub(crate) fn on(&self, path: &str, answers: &[Answer]) {
        self.script
            .lock()
            .unwrap()
            .insert(path.to_owned(), answers.iter().copied().collect());
    }

    pub(crate) fn receipts(&self, path: &str) -> Vec<Receipt> {
        let got = self.got.lock().unwrap();
        got.iter().filter(|r| r.path == path).cloned().collect()
    }
}

async fn receive(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let (status, retry_after) = r
        .script
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .unwrap_or((200, None));
    r.got.lock().unwrap().push(Receipt {
        path,
        headers,
        body,
        answered: status,
    });
    let mut res = (StatusCode::from_u16(status).unwrap(), "thanks").into_response();
    if let Some(a) = retry_after {
        res.headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static(a));
    }
    res
}

pub(crate) async fn start_receiver() -> (Receiver, u16) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, port)
}

/// The HMAC-SHA256 of `body` under `secret`, as the header carries it.
pub(crate) fn expected_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn header<'h>(h: &'h HeaderMap, name: &str) -> &'h str {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

struct Setup {
    db: TestDb,
    svc: Service,
    clock: TestClock,
    org: simpul_core::OrgId,
    senders: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        for s in &self.senders {
            s.abort();
        }
    }
}

async fn setup() -> Setup {
    let db = TestDb::sqlite();
    let clock = TestClock::new();
    // The receiver is on loopback: private targets allowed, at creation and when sending.
    let svc = Service::new(db.open().await, Arc::new(clock.clone()))
        .with_federation_key(simpul_core::federation::FederationKey::generate())
        .with_webhook_private_targets(true);
    let o = org(&svc, "SingCERT", OrgKind::NationalCert).await;
    let settings = WebhookSettings {
        poll: Duration::from_millis(50),
        batch: 8,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        allow_private_targets: true,
    };
    // Two senders, as two app nodes run them: each claim is one node's.
    let senders = (0..2)
        .map(|_| tokio::spawn(simpul::webhooks::keep_delivering(svc.clone(), settings)))
        .collect();
    Setup {
        db,
        svc,
        clock,
        org: o.id,
        senders,
    }
}

impl Setup {
    async fn hook(&self, url: String, events: &[&str], active: bool) -> String {
        let op = Principal::operator("test");
        let new = NewWebhook {
            url,
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            description: None,
            active: Some(active),
        };
        let c = self.svc.create_webhook(&op, self.org, new).await.unwrap();
        c.secret.expose().to_owned()
    }

    async fn log(&self) -> Vec<Delivery> {
        self.svc
            .list_deliveries(&Principal::operator("test"), self.org, 1000)
            .await
            .unwrap()
    }

    async fn delivery(&self, id: DeliveryId) -> Delivery {
        self.log().await.into_iter().find(|d| d.id == id).unwrap()
    }

    /// Waits (ten seconds at most) until every delivery of `ids` satisfies `done`.
    async fn until(&self, ids: &[DeliveryId], done: impl Fn(&Delivery) -> bool) {
        for _ in 0..200 {
            let log = self.log().await;
            if ids
                .iter()
                .all(|id| log.iter().any(|d| d.id == *id && done(d)))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("deliveries never got there: {:#?}", self.log().await);
    }

    /// The stored body column of a delivery (NULL once delivered or given up).
    fn body_column(&self, id: DeliveryId) -> Option<String> {
        let path = self
            .db
            .url
            .expose()
            .trim_start_matches("sqlite://")
            .to_owned();
        let c = rusqlite::Connection::open(path).unwrap();
        c.query_row(
            "SELECT body FROM webhook_deliveries WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap()
    }
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_deliveries_retry_after_a_500_fail_on_a_410_and_never_come_twice() {
    let (rx, port) = start_receiver().await;
    let s = setup().await;
    let base = format!("http://127.0.0.1:{port}");
    rx.on("/flaky", &[(500, None)]);
    rx.on("/busy", &[(429, Some("120"))]);
    rx.on("/gone", &[(410, None)]);
    let flaky_secret = s.hook(format!("{base}/flaky"), &["request.*"], true).await;
    let busy_secret = s
        .hook(format!("{base}/busy"), &["request.created"], true)
        .await;
    s.hook(format!("{base}/gone"), &["*"], true).await;
    s.hook(
        format!("http://127.0.0.1:{}/down", closed_port()),
        &["*"],
        true,
    )
    .await;
    s.hook(format!("{base}/off"), &["*"], false).await;
    s.hook(format!("{base}/cases"), &["case.*"], true).await;

    let op = Principal::operator("test");
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    let payload = serde_json::json!({"request": "r-1", "kind": "freeze", "note": "ünïcode"});
    let ids = s
        .svc
        .queue_event(
            &grant,
            s.org,
            EventType::parse("request.created").unwrap(),
            &payload,
        )
        .await
        .unwrap();
    assert_eq!(
        ids.len(),
        4,
        "flaky, busy, gone, down: not the inactive or the case hook"
    );
    // Which delivery is which: the receiver saw their ids; the one it never saw is `down`'s.
    s.until(&ids, |d| d.attempts >= 1).await;
    let log = s.log().await;
    let first_flaky = &rx.receipts("/flaky")[0];
    let flaky_id = DeliveryId(
        header(&first_flaky.headers, "x-simpul-delivery")
            .parse()
            .unwrap(),
    );
    let busy_id = DeliveryId(
        header(&rx.receipts("/busy")[0].headers, "x-simpul-delivery")
            .parse()
            .unwrap(),
    );
    let gone_id = DeliveryId(
        header(&rx.receipts("/gone")[0].headers, "x-simpul-delivery")
            .parse()
            .unwrap(),
    );
    let down = log
        .iter()
        .find(|d| ![flaky_id, busy_id, gone_id].contains(&d.id))
        .unwrap()
        .clone();
    let at = |id: DeliveryId| log.iter().find(|d| d.id == id).unwrap().clone();

    // What was sent: the JSON envelope, its headers, a signature the receiver can verify.
    for (r, secret) in [
        (first_flaky, &flaky_secret),
        (&rx.receipts("/busy")[0], &busy_secret),
    ] {
        assert_eq!(header(&r.headers, "content-type"), "application/json");
        assert_eq!(header(&r.headers, "x-simpul-event"), "request.created");
        assert_eq!(
            header(&r.headers, "x-simpul-signature"),
            expected_signature(secret, &r.body),
            "the signature verifies with the webhook's secret"
        );
        assert_ne!(
            header(&r.headers, "x-simpul-signature"),
            expected_signature("whsec_wrong", &r.body)
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["type"], "request.created");
        assert_eq!(v["organisation"], s.org.to_string());
        assert_eq!(v["data"], payload);
    }
    let body_of = |r: &Receipt| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap();
    assert_eq!(
        body_of(first_flaky)["id"],
        body_of(&rx.receipts("/busy")[0])["id"],
        "one event, one id in every webhook's delivery"
    );

    // The 500 is retried after the backoff; the 429 after its Retry-After exactly; the 410 is
    // given up at once; no connection is retried.
    let now = s.svc.now();
    let f = at(flaky_id);
    assert_eq!(
        (f.status, f.attempts, f.last_status_code),
        (DeliveryStatus::Queued, 1, Some(500))
    );
    assert!(f.next_attempt_at >= now + time::Duration::seconds(30));
    let b = at(busy_id);
    assert_eq!(
        (b.status, b.last_status_code, b.next_attempt_at),
        (
            DeliveryStatus::Queued,
            Some(429),
            now + time::Duration::seconds(120)
        )
    );
    let g = at(gone_id);
    assert_eq!(
        (g.status, g.attempts, g.last_status_code, g.delivered_at),
        (DeliveryStatus::Failed, 1, Some(410), None)
    );
    assert_eq!(s.body_column(gone_id), None, "a given-up body is erased");
    assert_eq!(
        (down.status, down.last_status_code),
        (DeliveryStatus::Queued, None)
    );
    assert!(
        down.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("connect"),
        "{down:?}"
    );
    assert!(
        s.body_column(flaky_id).is_some(),
        "kept while it is retried"
    );

    // Not before its time: the flaky receiver got one request only.
    assert_eq!(rx.receipts("/flaky").len(), 1);
    s.clock.advance(time::Duration::seconds(60));
    s.until(&[flaky_id], |d| d.status == DeliveryStatus::Delivered)
        .await;
    assert_eq!(
        at(busy_id).status,
        DeliveryStatus::Queued,
        "still waiting out 120 s"
    );
    s.clock.advance(time::Duration::seconds(61));
    s.until(&[busy_id], |d| d.status == DeliveryStatus::Delivered)
        .await;

    let flaky = rx.receipts("/flaky");
    assert_eq!(
        flaky.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 200]
    );
    assert_eq!(flaky[0].body, flaky[1].body, "a retry sends the same bytes");
    assert_eq!(
        header(&flaky[1].headers, "x-simpul-delivery"),
        flaky_id.to_string(),
        "and the same delivery id"
    );
    assert_eq!(
        header(&flaky[1].headers, "x-simpul-signature"),
        expected_signature(&flaky_secret, &flaky[1].body)
    );
    let d = s.delivery(flaky_id).await;
    assert_eq!(
        (d.attempts, d.last_status_code, d.delivered_at, d.last_error),
        (
            2,
            Some(200),
            Some(s.svc.now() - time::Duration::seconds(61)),
            None
        )
    );
    assert_eq!(s.body_column(flaky_id), None, "a delivered body is erased");

    // The senders keep running for hours of the clock: nothing is delivered twice, the 410 is
    // not retried, and only the unreachable one is tried again.
    for _ in 0..10 {
        s.clock.advance(time::Duration::hours(1));
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    let all = rx.got.lock().unwrap().clone();
    let mut delivered: HashMap<String, usize> = HashMap::new();
    for r in all.iter().filter(|r| r.answered < 300) {
        *delivered
            .entry(header(&r.headers, "x-simpul-delivery").to_owned())
            .or_default() += 1;
    }
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    assert!(delivered.values().all(|n| *n == 1), "{delivered:?}");
    assert_eq!(rx.receipts("/flaky").len(), 2);
    assert_eq!(rx.receipts("/busy").len(), 2);
    assert_eq!(rx.receipts("/gone").len(), 1);
    assert!(rx.receipts("/off").is_empty() && rx.receipts("/cases").is_empty());
    let down = s.delivery(down.id).await;
    assert!(
        down.attempts > 1 && down.status != DeliveryStatus::Delivered,
        "{down:?}"
    );
}

/// A secret sealed under another federation key does not open: the delivery is given up at once
/// with the reason, never sent unsigned, never claimed again.
#[tokio::test]
async fn a_changed_federation_key_gives_the_delivery_up() {
    let db = TestDb::sqlite();
    let clock = TestClock::new();
    let svc = Service::new(db.open().await, Arc::new(clock.clone()))
        .with_federation_key(simpul_core::federation::FederationKey::generate());
    let o = org(&svc, "SingCERT", OrgKind::NationalCert).await;
    let op = Principal::operator("test");
    let new = NewWebhook {
        url: "https://hooks.example/x".into(),
        events: vec!["*".into()],
        ..Default::default()
    };
    svc.create_webhook(&op, o.id, new).await.unwrap();
    let grant = authorize(&op, Action::DeliverWebhooks).unwrap();
    let ids = svc
        .queue_event(
            &grant,
            o.id,
            EventType::parse("request.created").unwrap(),
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    let other = Service::new(db.open().await, Arc::new(clock.clone()))
        .with_federation_key(simpul_core::federation::FederationKey::generate());
    let holder = uuid::Uuid::new_v4();
    let lease = Duration::from_secs(30);
    assert!(
        other
            .claim_due_deliveries(&op, holder, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let d = &svc.list_deliveries(&op, o.id, 10).await.unwrap()[0];
    assert_eq!(
        (d.id, d.status, d.attempts),
        (ids[0], DeliveryStatus::Failed, 1)
    );
    assert!(
        d.last_error.as_deref().unwrap().contains("does not open"),
        "{d:?}"
    );
    clock.advance(time::Duration::days(1));
    assert!(
        svc.claim_due_deliveries(&op, holder, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Without any key, nothing is claimed at all.
    let keyless = Service::new(db.open().await, Arc::new(clock.clone()));
    assert!(
        keyless
            .claim_due_deliveries(&op, holder, lease, 10)
            .await
            .is_err()
    );
}
