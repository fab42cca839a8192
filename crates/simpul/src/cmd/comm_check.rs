//! `simpul comm-check`: communication checks on the configured database, as the operator (who may
//! run them) — `start` (prints only the new check's id; its mail is queued for the server's sender,
//! the links pointing at `public_url`), `report` (a per-target table and the summary, or `--json`),
//! `list`, and recurring checks: `schedule` (prints the schedule's id; `simpul serve` starts each
//! occurrence) and `schedules`.
//!
//! Unusable input (a bad duration, kind, channel or id, an unknown organisation or contact) is
//! exit 2 with one line naming the flag.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::Subcommand;
use simpul::config::StoreArgs;
use simpul_core::comm_checks::duration::human;
use simpul_core::comm_checks::rows::parse_local;
use simpul_core::comm_checks::schedule::NewSchedule;
use simpul_core::comm_checks::service::CheckReport;
use simpul_core::comm_checks::summary::Figures;
use simpul_core::comm_checks::{Channel, CheckDuration, CheckId, Delivery, NewCheck, TargetSpec};
use simpul_core::contacts::{ContactId, ContactKind};
use simpul_core::tz::TimeZoneName;
use simpul_core::{CoreError, Invalid, OrgId, ShortName};

use super::admin::with_service;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: CheckCommand,
}

/// Whom a check asks: exactly one of these.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct Targets {
    /// Every member organisation's contacts.
    #[arg(long)]
    all_members: bool,
    /// The contacts of these organisations (short names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SHORT,…")]
    orgs: Vec<String>,
    /// These contacts (ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,…")]
    contacts: Vec<String>,
}

/// What a check asks, whether started now or scheduled.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[arg(long)]
    title: String,
    #[command(flatten)]
    targets: Targets,
    /// How long contacts have to answer: a whole number and s, m, h or d (90s, 4h, 2d).
    #[arg(long)]
    deadline: String,
    /// Only contacts of these kinds (comma-separated; default every kind).
    #[arg(long = "kind", value_delimiter = ',', value_name = "KIND,…")]
    kinds: Vec<String>,
    /// email, in-app (comma-separated).
    #[arg(
        long = "channel",
        value_delimiter = ',',
        default_value = "email",
        value_name = "CHANNEL,…"
    )]
    channels: Vec<String>,
    /// The text the contacts read.
    #[arg(long, default_value = "")]
    message: String,
}

#[derive(Debug, Subcommand)]
enum CheckCommand {
    /// Start a check; prints its id.
    Start {
        #[command(flatten)]
        check: CheckArgs,
    },
    /// A check's per-target results and summary.
    Report {
        /// The check's id.
        id: String,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the checks, newest first.
    List {
        /// Print JSON (one array) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Schedule a recurring check (started by `simpul serve`); prints the schedule's id.
    Schedule {
        #[command(flatten)]
        check: CheckArgs,
        /// Days between two occurrences (1 to 366).
        #[arg(long)]
        every_days: u32,
        /// The first occurrence, local time in --time-zone: YYYY-MM-DDTHH:MM:SS. The first run is
        /// the first occurrence at or after now.
        #[arg(long, value_name = "LOCAL")]
        start: String,
        /// An IANA time zone (Asia/Jakarta, UTC).
        #[arg(long, value_name = "ZONE")]
        time_zone: String,
    },
    /// List the schedules, soonest first.
    Schedules {
        /// Print JSON (one array) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// The flag a service error's JSON pointer stands for.
fn flag_of(path: &str) -> &'static str {
    match path {
        p if p.starts_with("/targets/orgs") => "--orgs",
        p if p.starts_with("/targets/contacts") => "--contacts",
        p if p.starts_with("/targets") => "targets",
        p if p.starts_with("/title") => "--title",
        p if p.starts_with("/message") => "--message",
        p if p.starts_with("/channels") => "--channel",
        p if p.starts_with("/kinds") => "--kind",
        p if p.starts_with("/deadline") => "--deadline",
        p if p.starts_with("/every_days") => "--every-days",
        p if p.starts_with("/start") => "--start",
        p if p.starts_with("/time_zone") => "--time-zone",
        _ => "input",
    }
}

/// Exit 2 with `flag: why`.
fn unusable(e: &Invalid) -> ExitCode {
    let flag = if e.path.starts_with("--") {
        e.path.as_str()
    } else {
        flag_of(&e.path)
    };
    super::usage(&format!("{flag}: {}", e.message))
}

fn each<T>(
    flag: &str,
    items: &[String],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, Invalid> {
    items
        .iter()
        .map(|s| parse(s.trim()).map_err(|why| Invalid::new(flag, why)))
        .collect()
}

fn read_new_check(a: CheckArgs) -> Result<NewCheck, Invalid> {
    let CheckArgs {
        title,
        targets,
        deadline,
        kinds,
        channels,
        message,
    } = a;
    let targets = if targets.all_members {
        TargetSpec::AllMembers
    } else if !targets.orgs.is_empty() {
        TargetSpec::Orgs(each("--orgs", &targets.orgs, |s| {
            ShortName::parse(s).map_err(|e| format!("`{s}`: {}", e.message))
        })?)
    } else {
        TargetSpec::Contacts(each("--contacts", &targets.contacts, |s| {
            s.parse::<ContactId>()
                .map_err(|_| format!("`{}` is not a contact id", simpul_core::error::excerpt(s)))
        })?)
    };
    Ok(NewCheck {
        title,
        message,
        channels: each("--channel", &channels, |s| {
            s.parse::<Channel>().map_err(|e| e.message)
        })?,
        kinds: each("--kind", &kinds, |s| {
            s.parse::<ContactKind>().map_err(|e| e.message)
        })?,
        targets,
        deadline: CheckDuration::parse_at("--deadline", &deadline)?,
    })
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    with_service(store, |svc, op| async move {
        match args.command {
            CheckCommand::Start { check } => {
                let new = match read_new_check(check) {
                    Ok(n) => n,
                    Err(e) => return Ok(unusable(&e)),
                };
                match svc.start_comm_check(&op, new).await {
                    Ok((check, _tokens)) => println!("{}", check.id),
                    Err(CoreError::Invalid(e)) => return Ok(unusable(&e)),
                    Err(e) => return Err(e.into()),
                }
            }
            CheckCommand::Report { id, json } => {
                let Ok(uuid) = uuid::Uuid::parse_str(id.trim()) else {
                    return Ok(super::usage(&format!(
                        "`{}` is not a check id",
                        simpul_core::error::excerpt(&id)
                    )));
                };
                let report = svc.check_report(&op, CheckId(uuid)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    let orgs: HashMap<OrgId, String> = svc
                        .list_orgs(&op)
                        .await?
                        .into_iter()
                        .map(|o| (o.id, o.short_name.as_str().to_owned()))
                        .collect();
                    print!("{}", report_text(&report, &orgs));
                }
            }
            CheckCommand::Schedule {
                check,
                every_days,
                start,
                time_zone,
            } => {
                let new = read_new_check(check).and_then(|check| {
                    let start_local = parse_local(start.trim()).map_err(|_| {
                        Invalid::new(
                            "--start",
                            format!(
                                "`{}` is not a local date and time (YYYY-MM-DDTHH:MM:SS)",
                                simpul_core::error::excerpt(&start)
                            ),
                        )
                    })?;
                    Ok(NewSchedule {
                        check,
                        every_days,
                        start_local,
                        time_zone: TimeZoneName::parse_at("--time-zone", time_zone.trim())?,
                    })
                });
                let new = match new {
                    Ok(n) => n,
                    Err(e) => return Ok(unusable(&e)),
                };
                match svc.create_schedule(&op, new).await {
                    Ok(s) => println!("{}", s.id),
                    Err(CoreError::Invalid(e)) => return Ok(unusable(&e)),
                    Err(e) => return Err(e.into()),
                }
            }
            CheckCommand::Schedules { json } => {
                let schedules = svc.list_schedules(&op).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&schedules)?);
                } else {
                    println!(
                        "{:<36}  {:<20} {:<6} TITLE",
                        "ID", "NEXT RUN (UTC)", "EVERY"
                    );
                    for s in schedules {
                        println!(
                            "{}  {:<20} {:<6} {}",
                            s.id,
                            utc(s.next_run_at),
                            format!("{}d", s.every_days),
                            s.title
                        );
                    }
                }
            }
            CheckCommand::List { json } => {
                let checks = svc.list_checks(&op).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&checks)?);
                } else {
                    println!(
                        "{:<36}  {:<20} {:<20} TITLE",
                        "ID", "STARTED (UTC)", "DEADLINE (UTC)"
                    );
                    for c in checks {
                        println!(
                            "{}  {:<20} {:<20} {}",
                            c.id,
                            utc(c.started_at),
                            utc(c.deadline_at),
                            c.title
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn utc(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

fn secs(s: Option<f64>) -> String {
    match s {
        // Under a minute with a tenth; longer as `2 min 5 s`.
        Some(s) if s < 60.0 => format!("{s:.1} s"),
        Some(s) => human(time::Duration::seconds_f64(s)),
        None => "-".into(),
    }
}

fn figures_line(f: &Figures) -> String {
    format!(
        "{} of {} acknowledged ({:.0}%), late {}, no answer {}, undeliverable {}, pending {}; \
         response median {}, p90 {}",
        f.states.acknowledged,
        f.targets,
        f.share_acknowledged * 100.0,
        f.states.late,
        f.states.no_answer,
        f.states.undeliverable,
        f.states.pending,
        secs(f.median_response_secs),
        secs(f.p90_response_secs),
    )
}

/// The report as `simpul comm-check report` prints it: the check, one line per target, the
/// summary and one line per organisation.
fn report_text(r: &CheckReport, orgs: &HashMap<OrgId, String>) -> String {
    let short = |id: &OrgId| orgs.get(id).map_or("-", String::as_str).to_owned();
    let c = &r.check;
    let mut out = format!(
        "check {}: {}\nstarted {} UTC by {}, deadline {} UTC\n\n",
        c.id,
        c.title,
        utc(c.started_at),
        c.started_by,
        utc(c.deadline_at)
    );
    out.push_str(&format!(
        "{:<14} {:<13} {:<10} {:<14} {:<32} NAME\n",
        "ORG", "STATE", "RESPONSE", "DELIVERY", "E-MAIL"
    ));
    for t in &r.results {
        let delivery = match &t.delivery {
            Delivery::Queued => "queued",
            Delivery::Sent { .. } => "sent",
            Delivery::Undeliverable { .. } => "undeliverable",
        };
        let email = if t.contact.email.is_empty() {
            "-"
        } else {
            t.contact.email.as_str()
        };
        out.push_str(&format!(
            "{:<14} {:<13} {:<10} {:<14} {:<32} {}\n",
            short(&t.contact.org_id),
            t.state.as_str(),
            secs(t.response_secs),
            delivery,
            email,
            t.contact.name
        ));
    }
    out.push_str(&format!("\nsummary: {}\n", figures_line(&r.summary.total)));
    let mut per: Vec<(String, &Figures)> = r
        .summary
        .per_org
        .iter()
        .map(|(id, f)| (short(id), f))
        .collect();
    per.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, f) in per {
        out.push_str(&format!("  {name:<14} {}\n", figures_line(f)));
    }
    out
}
