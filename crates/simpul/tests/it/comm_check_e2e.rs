//! A communication check end to end, every part real: the SMTP sink (`.ci/smtp_sink.py`,
//! aiosmtpd) on loopback, the `simpul serve` binary on a random port with its mail sender pointed
//! at the sink, and the check started with `simpul comm-check start`. The test reads the captured
//! mail, parses each `/ack/<token>` link (the links point at `public_url`, here derived from the
//! configured `listen`), opens one (a GET records nothing), confirms it (the POST records the
//! acknowledgement and its response time), and watches the silent contact end `no-answer` after
//! the seconds-long deadline. `smtp_` tests, run by `.ci/legs/74-mail.sh`; ignored (reported
//! skipped) without it.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::comm_check_cli::{ok, two_contacts};
use crate::durability::ready;
use crate::helpers::simpul_cmd;
use crate::mail::{Sink, free_port};

/// A `simpul serve` process, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    /// Its configuration file (shared with the commands run against it).
    pub(crate) config: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Writes `dir/NAME.toml` — `listen` on a free port, `data`, `database` (default: the data
    /// directory's SQLite), the relay at `smtp_port`, mail polled and schedules looked for every
    /// second — for [`Server::start`] and the commands run against it.
    pub(crate) fn configure(
        dir: &Path,
        name: &str,
        data: &Path,
        database: Option<&str>,
        smtp_port: u16,
    ) -> PathBuf {
        let port = free_port();
        let config = dir.join(format!("{name}.toml"));
        let database = database
            .map(|d| format!("database = \"{d}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\ndata = \"{}\"\n{database}\
                 [mail]\nsmtp_url = \"smtp://127.0.0.1:{smtp_port}\"\n\
                 from = \"poc@asean-cert.example\"\npoll_secs = 1\n\
                 [directory]\ncheck_interval_secs = 1\n",
                data.display()
            ),
        )
        .unwrap();
        config
    }

    /// Starts `simpul serve --config CONFIG` (its log beside the file, `.log` for `.toml`) and
    /// waits until it is ready.
    pub(crate) async fn start(config: &Path) -> Server {
        let text = std::fs::read_to_string(config).unwrap();
        let listen = text
            .lines()
            .find_map(|l| l.strip_prefix("listen = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap()
            .to_owned();
        let log = std::fs::File::create(config.with_extension("log")).unwrap();
        let child = simpul_cmd()
            .arg("serve")
            .arg("--config")
            .arg(config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://{listen}"),
            config: config.to_path_buf(),
        };
        ready(&reqwest::Client::new(), &server.base).await;
        server
    }

    /// Its log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.config.with_extension("log")).unwrap_or_default()
    }

    /// `simpul --config CONFIG ARGS`: its stdout, asserting success.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        cli(&self.config, args)
    }

    pub(crate) fn report(&self, id: &str) -> Value {
        serde_json::from_str(&self.cli(&["comm-check", "report", id, "--json"])).unwrap()
    }
}

/// `simpul --config CONFIG ARGS`: its stdout, asserting success.
pub(crate) fn cli(config: &Path, args: &[&str]) -> String {
    {
        let out = simpul_cmd()
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// The text of a captured message with quoted-printable soft breaks and `=3D` undone.
fn unfolded(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=3D", "=")
}

/// The acknowledgement link in a captured message.
pub(crate) fn ack_link(raw: &str) -> String {
    let text = unfolded(raw);
    let at = text
        .find("/ack/")
        .unwrap_or_else(|| panic!("no link in {raw}"));
    let start = text[..at]
        .rfind(|c: char| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let end = at
        + 5
        + text[at + 5..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(text.len() - at - 5);
    text[start..end].to_owned()
}

/// The recipient of a captured message (the sink's envelope header).
pub(crate) fn recipient(raw: &str) -> String {
    raw.lines()
        .find_map(|l| l.strip_prefix("X-Sink-To: "))
        .unwrap_or_else(|| panic!("no envelope in {raw}"))
        .trim()
        .to_owned()
}

/// Waits (up to `secs` seconds) until the sink holds `n` messages; returns them.
pub(crate) async fn mail(sink: &Sink, n: usize, secs: u64) -> Vec<String> {
    for _ in 0..secs * 10 {
        let got = sink.received();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sink got {} of {n} messages", sink.received().len());
}

fn target<'a>(report: &'a Value, email: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("no target {email} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_a_check_is_mailed_confirmed_by_link_and_the_silent_contact_ends_no_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (ana, budi) = two_contacts(
        &|args: &[&str]| ok(&data, args),
        "ana@singcert.example",
        "budi@mycert.example",
    );
    let smtp = free_port();
    let sink = Sink::start(smtp, &[]);
    let config = Server::configure(tmp.path(), "serve", &data, None, smtp);
    let server = Server::start(&config).await;

    let id = server.cli(&[
        "comm-check",
        "start",
        "--title",
        "Drill",
        "--contacts",
        &format!("{ana},{budi}"),
        "--deadline",
        "10s",
        "--message",
        "Please confirm you read this.",
    ]);
    let id = id.trim_end();

    let got = mail(&sink, 2, 20).await;
    assert_eq!(got.len(), 2, "one message per target");
    let link_of = |to: &str| {
        let m = got
            .iter()
            .find(|m| recipient(m) == to)
            .unwrap_or_else(|| panic!("no mail to {to}"));
        assert!(m.contains("Subject: Communication check: Drill"), "{m}");
        ack_link(m)
    };
    let (link_ana, link_budi) = (
        link_of("ana@singcert.example"),
        link_of("budi@mycert.example"),
    );
    assert!(
        link_ana.starts_with(&format!("{}/ack/", server.base)),
        "the link points at public_url, from listen: {link_ana}"
    );
    assert_ne!(link_ana, link_budi);

    let client = reqwest::Client::new();
    // Opening the link shows the confirmation and records nothing.
    let res = client.get(&link_ana).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let path = link_ana.trim_start_matches(&server.base);
    assert!(
        html.contains(&format!("<form method=\"post\" action=\"{path}\">"))
            && html.contains("Acknowledge")
            && html.contains("Please confirm you read this."),
        "{html}"
    );
    let r = server.report(id);
    let a = target(&r, "ana@singcert.example");
    assert_eq!(a["state"], "pending", "a GET records nothing: {r}");
    assert_eq!(a["acknowledged_at"], Value::Null);
    // The report carries each message's delivery: the relay's answer and when it took it. (The
    // sink stores a message before it answers; the answer is recorded right after.)
    let sent = |r: &Value| {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["delivery"]["status"] == "sent")
    };
    let mut r = server.report(id);
    for _ in 0..100 {
        if sent(&r) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        r = server.report(id);
    }
    for to in ["ana@singcert.example", "budi@mycert.example"] {
        let t = target(&r, to);
        assert_eq!(t["delivery"]["status"], "sent", "{r}");
        let answer = t["delivery"]["answer"].as_str().unwrap();
        assert!(
            answer.contains("queued as sink-"),
            "the relay's answer: {r}"
        );
        assert!(t["sent_at"].is_string(), "{r}");
        assert_eq!(t["state"], "pending", "{r}");
    }

    // Confirming records it, with its response time.
    let res = client.post(&link_ana).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Drill"), "{html}");
    let r = server.report(id);
    let a = target(&r, "ana@singcert.example");
    assert_eq!(a["state"], "acknowledged", "{r}");
    assert_eq!(a["via"], "link");
    let secs = a["response_secs"].as_f64().unwrap();
    assert!(secs >= 0.0, "{r}");
    // From the relay's acceptance to the confirmation.
    let at = |k: &str| {
        time::OffsetDateTime::parse(
            a[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        (at("acknowledged_at") - at("sent_at")).as_seconds_f64(),
        secs,
        "{r}"
    );
    assert_eq!(target(&r, "budi@mycert.example")["state"], "pending");

    // The used link is refused, by POST and by GET, with a page saying so.
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let res = client
            .request(method.clone(), &link_ana)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 410, "{method}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Already acknowledged"), "{method}: {html}");
    }

    // After the deadline the silent contact is `no-answer`, and its link has expired.
    let mut r = server.report(id);
    for _ in 0..200 {
        if target(&r, "budi@mycert.example")["state"] != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        r = server.report(id);
    }
    let b = target(&r, "budi@mycert.example");
    assert_eq!(b["state"], "no-answer", "{r}");
    assert_eq!(b["response_secs"], Value::Null);
    assert_eq!(target(&r, "ana@singcert.example")["state"], "acknowledged");
    let s = &r["summary"];
    assert_eq!(
        (s["targets"].as_u64(), s["share_acknowledged"].as_f64()),
        (Some(2), Some(0.5))
    );
    assert_eq!(s["states"]["no_answer"], 1);
    assert_eq!(s["median_response_secs"].as_f64(), Some(secs));
    let res = client.post(&link_budi).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("Link expired"));
    let r = server.report(id);
    assert_eq!(target(&r, "budi@mycert.example")["state"], "no-answer");

    let table = server.cli(&["comm-check", "report", id]);
    assert!(
        table.contains("summary: 1 of 2 acknowledged (50%), late 0, no answer 1"),
        "{table}"
    );
    assert_eq!(sink.received().len(), 2, "nothing sent twice");
    drop(server);
    drop(sink);
}
