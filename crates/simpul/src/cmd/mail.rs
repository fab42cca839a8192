//! `simpul mail`: the outbox on the configured database, as the operator — `list` (the sent-mail
//! record, never a body) and `test --to ADDRESS` (queues a test message for the server's sender;
//! prints its id).

use std::process::ExitCode;

use clap::Subcommand;
use simpul::config::StoreArgs;
use simpul_core::Email;
use simpul_core::mail::{MailFilter, MailStatus};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: MailCommand,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// The outgoing-mail record, newest first: id, status, attempts, created, sent, to, subject,
    /// last answer.
    List {
        /// Only messages in this state: queued, sending, sent, failed (given up).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Queue a test message to ADDRESS (sent by `simpul serve`'s sender); prints its id.
    Test {
        #[arg(long, value_name = "ADDRESS")]
        to: String,
    },
}

pub fn run(store: &StoreArgs, args: Args) -> ExitCode {
    // Input mistakes are exit 2, before anything is opened.
    let status = match &args.command {
        MailCommand::List {
            status: Some(s), ..
        } => match s.parse::<MailStatus>() {
            Ok(s) => Some(s),
            Err(e) => return super::usage(&format!("--status: {}", e.message)),
        },
        _ => None,
    };
    let to = match &args.command {
        MailCommand::Test { to } => match Email::parse(to) {
            Ok(e) => Some(e),
            Err(e) => return super::usage(&format!("--to: {}", e.message)),
        },
        MailCommand::List { .. } => None,
    };
    super::admin::with_service(store, |svc, op| async move {
        match (args.command, to) {
            (MailCommand::Test { .. }, Some(to)) => {
                let id = svc.queue_test_mail(&op, to).await?;
                println!("{id}");
            }
            (MailCommand::List { limit, .. }, _) => {
                let limit = limit.clamp(1, MailFilter::MAX_LIMIT);
                for m in svc.list_mail(&op, MailFilter { status, limit }).await? {
                    let ts = |t: time::OffsetDateTime| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default()
                    };
                    let answer = m
                        .last_answer
                        .map(|a| match a.code {
                            Some(c) => format!("{c} {}", a.text),
                            None => a.text,
                        })
                        .unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        m.id,
                        m.status,
                        m.attempts,
                        ts(m.created_at),
                        m.sent_at.map(ts).unwrap_or_else(|| "-".into()),
                        m.to,
                        m.subject.as_str(),
                        answer
                    );
                }
            }
            (MailCommand::Test { .. }, None) => anyhow::bail!("--to is needed"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
