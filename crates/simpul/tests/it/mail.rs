//! Outgoing mail against a real SMTP server on loopback: `.ci/smtp_sink.py` (aiosmtpd), started
//! by each test on a free port (python from `SIMPUL_TEST_PYTHON`, default `python3`). The
//! server's sender loop (`simpul::mail::keep_sending`) runs for real over a SQLite store whose
//! clock the test moves, so backoffs pass without sleeping. Run by `.ci/legs/74-mail.sh`.
//! The CLI test needs no SMTP server.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use simpul::mail::settings::{MailSettings, SmtpSettings, SmtpTls};
use simpul_core::access::{Action, authorize};
use simpul_core::mail::{MailBody, MailRecord, MailStatus, NewMail, Purpose, Subject};
use simpul_core::{Email, Principal, Service};

use crate::helpers::{TestClock, TestDb, simpul_cmd};

pub(crate) const NEEDS: &str = "needs aiosmtpd: run by .ci/legs/74-mail.sh";

/// The sink, killed when dropped.
pub(crate) struct Sink {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    pub(crate) fn start(port: u16, refuse: &[&str]) -> Sink {
        let python = std::env::var("SIMPUL_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/smtp_sink.py");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(python);
        cmd.arg(script).arg(port.to_string()).arg(dir.path());
        for r in refuse {
            cmd.arg("--refuse").arg(r);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect(NEEDS);
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start ({NEEDS})"
        );
        Sink { child, dir }
    }

    /// The messages received, in order.
    pub(crate) fn received(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort_by_key(|p| p.file_stem().and_then(|s| s.to_str()?.parse::<u32>().ok()));
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn settings(port: u16) -> MailSettings {
    MailSettings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            from: Email::parse("poc@asean-cert.example").unwrap(),
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
        }),
        poll: Duration::from_millis(100),
        batch: 16,
    }
}

struct Outbox {
    db: TestDb,
    svc: Service,
    clock: TestClock,
    op: Principal,
    sender: tokio::task::JoinHandle<()>,
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.sender.abort();
    }
}

async fn outbox(port: u16) -> Outbox {
    let db = TestDb::sqlite();
    let clock = TestClock::new();
    let svc = Service::new(db.open().await, Arc::new(clock.clone()));
    let sender = tokio::spawn(simpul::mail::keep_sending(svc.clone(), settings(port)));
    Outbox {
        db,
        svc,
        clock,
        op: Principal::operator("test"),
        sender,
    }
}

impl Outbox {
    async fn queue(&self, to: &str, subject: &str, body: &str) -> simpul_core::mail::MailId {
        let grant = authorize(&self.op, Action::SendMail).unwrap();
        let mail = NewMail {
            to: Email::parse(to).unwrap(),
            subject: Subject::parse(subject).unwrap(),
            body: MailBody::parse(body).unwrap(),
            purpose: Purpose::parse("comm-check-target").unwrap(),
            ref_id: Some(uuid::Uuid::new_v4()),
        };
        self.svc.queue_mail(&grant, mail).await.unwrap()
    }

    async fn record(&self, id: simpul_core::mail::MailId) -> MailRecord {
        let all = self
            .svc
            .list_mail(
                &self.op,
                simpul_core::mail::MailFilter {
                    status: None,
                    limit: 1000,
                },
            )
            .await
            .unwrap();
        all.into_iter().find(|m| m.id == id).unwrap()
    }

    /// Waits (a few seconds at most) until the message's record satisfies `done`.
    async fn until(
        &self,
        id: simpul_core::mail::MailId,
        done: impl Fn(&MailRecord) -> bool,
    ) -> MailRecord {
        for _ in 0..100 {
            let r = self.record(id).await;
            if done(&r) {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mail {id} never got there: {:?}", self.record(id).await);
    }

    /// The stored body column (NULL once sent or given up), read from the database file.
    fn body_column(&self, id: simpul_core::mail::MailId) -> Option<String> {
        let path = self
            .db
            .url
            .expose()
            .trim_start_matches("sqlite://")
            .to_owned();
        let c = rusqlite::Connection::open(path).unwrap();
        c.query_row(
            "SELECT body FROM mail_outbox WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_delivers_a_message_with_its_headers_and_erases_the_body() {
    let port = free_port();
    let sink = Sink::start(port, &[]);
    let o = outbox(port).await;
    let link = "https://simpul.example/ack/0123456789abcdef";
    let id = o
        .queue(
            "Duty@SingCERT.example",
            "Communication check: please acknowledge",
            &format!("Open {link}\r\nThanks.\r\n"),
        )
        .await;
    assert_eq!(
        o.body_column(id).as_deref(),
        Some(format!("Open {link}\r\nThanks.\r\n").as_str())
    );
    let r = o.until(id, |r| r.status == MailStatus::Sent).await;
    assert_eq!((r.attempts, r.sent_at), (1, Some(o.svc.now())));
    let answer = r.last_answer.unwrap();
    assert_eq!(answer.code, Some(250));
    assert!(answer.text.contains("queued as sink-1"), "{answer:?}");
    assert_eq!(o.body_column(id), None, "the body is erased once sent");

    let got = sink.received();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.contains("X-Sink-To: duty@singcert.example"), "{m}");
    assert!(m.contains("X-Sink-From: poc@asean-cert.example"), "{m}");
    assert!(
        m.contains("Subject: Communication check: please acknowledge\r\n"),
        "{m}"
    );
    assert!(m.contains("From: poc@asean-cert.example\r\n"), "{m}");
    assert!(m.contains("To: duty@singcert.example\r\n"), "{m}");
    assert!(
        m.contains(&format!("Message-ID: <{id}@asean-cert.example>\r\n")),
        "{m}"
    );
    assert!(
        m.contains("Date: Sat, 28 Nov 2026 08:00:00 +0000\r\n"),
        "{m}"
    );
    assert!(m.contains("Content-Type: text/plain; charset=utf-8"), "{m}");
    assert!(m.contains(link), "{m}");
    drop(sink);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_relay_unreachable_keeps_mail_queued_and_delivers_when_it_is_back() {
    let port = free_port();
    let o = outbox(port).await;
    let id = o.queue("noc@mycert.example", "Check", "body\r\n").await;
    let start = o.svc.now();
    let r = o.until(id, |r| r.attempts >= 1).await;
    assert_eq!(r.status, MailStatus::Queued, "{r:?}");
    let answer = r.last_answer.clone().unwrap();
    assert_eq!(answer.code, None, "no server answered: {answer:?}");
    assert!(!answer.text.is_empty());
    let wait = r.next_attempt_at - start;
    assert!(
        wait >= time::Duration::seconds(30) && wait <= time::Duration::seconds(38),
        "{wait}"
    );
    assert!(o.body_column(id).is_some(), "kept for the retry");
    // Nothing more while the backoff lasts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(o.record(id).await.attempts, 1);

    // The relay comes back; after the backoff the message goes out.
    let sink = Sink::start(port, &[]);
    o.clock.advance(time::Duration::seconds(40));
    let r = o.until(id, |r| r.status == MailStatus::Sent).await;
    assert_eq!(r.attempts, 2);
    assert_eq!(sink.received().len(), 1);
    assert_eq!(o.body_column(id), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_refused_recipients_fail_for_good_or_wait() {
    let port = free_port();
    let sink = Sink::start(
        port,
        &["gone@mycert.example=550", "full@mycert.example=452"],
    );
    let o = outbox(port).await;
    let gone = o.queue("gone@mycert.example", "Check", "secret\r\n").await;
    let full = o.queue("full@mycert.example", "Check", "secret\r\n").await;
    let ok = o.queue("ok@mycert.example", "Check", "secret\r\n").await;
    let r = o.until(gone, |r| r.status == MailStatus::Failed).await;
    assert_eq!(r.attempts, 1, "a 5xx is not retried");
    let a = r.last_answer.unwrap();
    assert_eq!(a.code, Some(550));
    assert!(a.text.contains("no such user"), "{a:?}");
    assert_eq!(o.body_column(gone), None, "erased once given up");
    let r = o.until(full, |r| r.attempts == 1).await;
    assert_eq!(
        (r.status, r.last_answer.and_then(|a| a.code)),
        (MailStatus::Queued, Some(452))
    );
    assert!(o.body_column(full).is_some());
    o.until(ok, |r| r.status == MailStatus::Sent).await;
    assert_eq!(sink.received().len(), 1);
}

#[test]
fn cli_queues_a_test_mail_and_lists_the_outbox() {
    let data = tempfile::tempdir().unwrap();
    let out = simpul_cmd()
        .arg("--data")
        .arg(data.path())
        .args(["mail", "test", "--to", "Noc@Example.org"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let out = simpul_cmd()
        .arg("--data")
        .arg(data.path())
        .args(["mail", "list", "--status", "queued"])
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    let line = list
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        line.contains("\tqueued\t0\t") && line.contains("noc@example.org\tsimpul test message"),
        "{line}"
    );
    let out = simpul_cmd()
        .arg("--data")
        .arg(data.path())
        .args(["mail", "list", "--status", "sent"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().is_empty());
    let bad = simpul_cmd()
        .arg("--data")
        .arg(data.path())
        .args(["mail", "test", "--to", "not an address"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid email address"));
    let bad = simpul_cmd()
        .arg("--data")
        .arg(data.path())
        .args(["mail", "list", "--status", "lost"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// The send rate to the local sink: 1,000 queued messages through the server's sender loop.
/// `SIMPUL_TEST_PYTHON=… cargo test -p simpul --test it -- --ignored mail_send_rate --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark (needs aiosmtpd): run by hand, see BENCHMARKS.md"]
async fn mail_send_rate_1000() {
    let port = free_port();
    let sink = Sink::start(port, &[]);
    let o = outbox(port).await;
    let queued = std::time::Instant::now();
    let mut last = None;
    for n in 0..1000 {
        last = Some(
            o.queue(&format!("poc{n}@member.example"), "Check", "body\r\n")
                .await,
        );
    }
    let queue_secs = queued.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let last = last.unwrap();
    for _ in 0..1200 {
        let sent = o
            .svc
            .list_mail(
                &o.op,
                simpul_core::mail::MailFilter {
                    status: Some(MailStatus::Sent),
                    limit: 1000,
                },
            )
            .await
            .unwrap()
            .len();
        if sent == 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(o.record(last).await.status, MailStatus::Sent);
    assert_eq!(sink.received().len(), 1000);
    println!(
        "queued 1000 in {queue_secs:.2} s; sent 1000 in {secs:.2} s: {:.0} messages/s",
        1000.0 / secs
    );
}
