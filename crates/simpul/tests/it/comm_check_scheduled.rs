//! A scheduled communication check started by the servers themselves, exactly once: a schedule
//! made with `simpul comm-check schedule`, due a few seconds later, and two `simpul serve` nodes
//! over one database, each looking for due schedules every second
//! (`[directory] check_interval_secs = 1`) and sending mail to the SMTP sink. Exactly one check
//! starts, one node logs it, and each target gets one message; the schedule moves to its next
//! occurrence. Over one SQLite file (an `smtp_` test, run by `.ci/legs/74-mail.sh`) and over one
//! PostgreSQL (run by the PostgreSQL leg of `.ci/run`, which also provides aiosmtpd).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::comm_check_cli::two_contacts;
use crate::comm_check_e2e::{Server, cli, mail, recipient};
use crate::helpers::TestDb;
use crate::mail::{Sink, free_port};

const STARTED: &str = "communication check started by its schedule";

async fn started_once_by_one_of_two_nodes(db: Option<&TestDb>) {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = free_port();
    let sink = Sink::start(smtp, &[]);
    let database = db.map(|d| d.url.expose().to_owned());
    // Over SQLite both nodes share the data directory (and so the file); over PostgreSQL each
    // has its own.
    let data = |n: &str| match &database {
        Some(_) => tmp.path().join(n),
        None => tmp.path().join("data"),
    };
    let configs: Vec<_> = ["a", "b"]
        .iter()
        .map(|n| Server::configure(tmp.path(), n, &data(n), database.as_deref(), smtp))
        .collect();
    let run = |args: &[&str]| cli(&configs[0], args);
    two_contacts(&run, "ana@singcert.example", "budi@mycert.example");
    let mut nodes = Vec::new();
    for c in &configs {
        nodes.push(Server::start(c).await);
    }

    // Due in three seconds (the first run is the first occurrence at or after now), by the wall
    // clock the servers run on.
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let now = simpul_core::Clock::now(&simpul_core::SystemClock);
    let start = (now + time::Duration::seconds(3)).format(f).unwrap();
    let schedule = run(&[
        "comm-check",
        "schedule",
        "--title",
        "Quarterly ping",
        "--orgs",
        "SingCERT,MyCERT",
        "--deadline",
        "1h",
        "--every-days",
        "90",
        "--start",
        &start,
        "--time-zone",
        "UTC",
    ]);
    let schedule = schedule.trim_end();
    uuid::Uuid::parse_str(schedule).expect("only the id is printed");

    let got = mail(&sink, 2, 30).await;
    // Several more looks of both nodes after the run: nothing more starts or is sent.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let got_later = sink.received();
    assert_eq!(
        got_later.len(),
        2,
        "one message per target, once: {got_later:?}"
    );
    let to: BTreeSet<String> = got.iter().map(|m| recipient(m)).collect();
    assert_eq!(
        to.into_iter().collect::<Vec<_>>(),
        ["ana@singcert.example", "budi@mycert.example"]
    );
    for m in &got {
        assert!(
            m.contains("Subject: Communication check: Quarterly ping"),
            "{m}"
        );
    }

    let checks: Value = serde_json::from_str(&run(&["comm-check", "list", "--json"])).unwrap();
    let checks = checks.as_array().unwrap();
    assert_eq!(checks.len(), 1, "exactly one check: {checks:?}");
    assert_eq!(checks[0]["schedule"], schedule);
    assert_eq!(checks[0]["started_by"], format!("schedule:{schedule}"));
    let logged: usize = nodes.iter().map(|n| n.log().matches(STARTED).count()).sum();
    assert_eq!(logged, 1, "one node started it and logged it");

    let schedules: Value =
        serde_json::from_str(&run(&["comm-check", "schedules", "--json"])).unwrap();
    let next = schedules[0]["next_run_at"].as_str().unwrap();
    let next =
        time::OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339).unwrap();
    let first = time::PrimitiveDateTime::parse(&start, f)
        .unwrap()
        .assume_utc();
    assert_eq!(
        next,
        first + time::Duration::days(90),
        "moved to the next occurrence"
    );
    drop(nodes);
    drop(sink);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs aiosmtpd: run by .ci/legs/74-mail.sh"]
async fn smtp_a_schedule_is_started_once_by_two_nodes_over_one_sqlite_file() {
    started_once_by_one_of_two_nodes(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (SIMPUL_TEST_POSTGRES) and aiosmtpd: run by the PostgreSQL leg of .ci/run"]
async fn a_schedule_is_started_once_by_two_nodes_over_one_postgres() {
    let db = TestDb::postgres().await;
    started_once_by_one_of_two_nodes(Some(&db)).await;
}
