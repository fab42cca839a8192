//! The sender of the outbox: the network side of outgoing mail (the outbox itself is core's
//! `mail/`). `simpul serve` runs [`keep_sending`]: every `poll` it claims due messages for this
//! node ([`Service::claim_due`], a claim that expires if the node dies), sends each through the
//! configured relay with lettre and records the relay's answer ([`Service::record_attempt`]).
//! Without a relay nothing is sent and the log says how much waits.

pub mod settings;

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use simpul_core::mail::{Answer, Attempt, ClaimedMail};
use simpul_core::{Principal, Service};
use uuid::Uuid;

use settings::{MailSettings, SmtpSettings, SmtpTls};

/// The principal the sender acts as.
pub fn sender_principal() -> Principal {
    Principal::operator("system:mail")
}

/// A connection pool to the relay, and the sender address.
#[derive(Clone)]
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("from", &self.from).finish()
    }
}

impl Sender {
    pub fn new(s: &SmtpSettings) -> anyhow::Result<Self> {
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::StartTls | SmtpTls::Implicit => {
                let params = TlsParameters::new(s.host.clone())?;
                let tls = if s.tls == SmtpTls::Implicit {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                };
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host).tls(tls)
            }
        };
        let mut builder = builder.port(s.port).timeout(Some(s.timeout));
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        let from: Mailbox = s.from.as_str().parse()?;
        let domain = s
            .from
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or("simpul")
            .to_owned();
        Ok(Self {
            transport: builder.build(),
            from,
            domain,
        })
    }

    /// The message as sent: `From`, `To`, `Subject` (one line, validated), `Date` (the service's
    /// clock), a `Message-ID` made of the outbox id (the same on every retry), plain text.
    fn message(&self, m: &ClaimedMail, now: time::OffsetDateTime) -> anyhow::Result<Message> {
        Ok(Message::builder()
            .from(self.from.clone())
            .to(m.to.as_str().parse()?)
            .subject(m.subject.as_str())
            .date(now.into())
            .message_id(Some(format!("<{}@{}>", m.id, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.as_str().to_owned())?)
    }

    /// Sends one message: what the relay answered.
    pub async fn send(&self, m: &ClaimedMail, now: time::OffsetDateTime) -> Attempt {
        let msg = match self.message(m, now) {
            Ok(msg) => msg,
            Err(e) => {
                return Attempt::Permanent(Answer::new(
                    None,
                    &format!("cannot build the message: {e}"),
                ));
            }
        };
        match self.transport.send(msg).await {
            Ok(r) => {
                let text: Vec<&str> = r.message().collect();
                Attempt::Sent(Answer::new(Some(u16::from(r.code())), &text.join(" ")))
            }
            Err(e) => {
                let code = e.status().map(u16::from);
                let answer = Answer::new(code, &error_text(&e));
                if e.is_permanent() {
                    Attempt::Permanent(answer)
                } else {
                    Attempt::Transient(answer)
                }
            }
        }
    }
}

/// An error with its causes, one line.
fn error_text(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// A number in `[0, 1)` from the OS's random source (through a v4 uuid), for the backoff's jitter.
pub(crate) fn jitter() -> f64 {
    let (hi, _) = Uuid::new_v4().as_u64_pair();
    #[allow(clippy::cast_precision_loss)]
    let j = (hi >> 11) as f64 / (1u64 << 53) as f64;
    j
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// One pass: claims at most `batch` due messages for `holder` and sends them at once.
pub async fn deliver_due(
    svc: &Service,
    sender: &Sender,
    holder: Uuid,
    batch: u32,
    timeout: Duration,
) -> anyhow::Result<Pass> {
    let op = sender_principal();
    // The claim outlasts a pass whose every message runs into the timeouts (connect, then replies).
    let lease = timeout.saturating_mul(4).max(Duration::from_secs(30));
    let claimed = svc.claim_due(&op, holder, lease, batch).await?;
    let mut pass = Pass {
        claimed: claimed.len(),
        ..Pass::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for m in claimed {
        let (svc, sender, op) = (svc.clone(), sender.clone(), op.clone());
        tasks.spawn(async move {
            let outcome = sender.send(&m, svc.now()).await;
            let kind = match &outcome {
                Attempt::Sent(_) => 0,
                Attempt::Transient(a) | Attempt::Permanent(a) => {
                    tracing::info!(mail = %m.id, code = ?a.code, answer = %a.text, "mail not delivered");
                    if matches!(outcome, Attempt::Transient(_)) { 1 } else { 2 }
                }
            };
            let given_up = kind == 1 && m.attempts + 1 >= simpul_core::mail::MAX_ATTEMPTS;
            svc.record_attempt(&op, &m, holder, outcome, jitter()).await.map(|_| if given_up { 2 } else { kind })
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done?? {
            0 => pass.sent += 1,
            1 => pass.retrying += 1,
            _ => pass.failed += 1,
        }
    }
    Ok(pass)
}

/// Runs until the task is dropped: the server's sender, or — without a relay — a warning every
/// ten minutes while mail waits.
pub async fn keep_sending(svc: Service, settings: MailSettings) {
    let Some(smtp) = settings.smtp.clone() else {
        return warn_unconfigured(svc).await;
    };
    let sender = match Sender::new(&smtp) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, relay = %smtp.url(), "mail: cannot set up the relay; mail stays queued");
            return warn_unconfigured(svc).await;
        }
    };
    tracing::info!(relay = %smtp.url(), tls = smtp.tls.as_str(), from = %smtp.from, "mail: sending through the relay");
    let holder = Uuid::new_v4();
    let mut tick = tokio::time::interval(settings.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Keep passing while full batches come back: a backlog drains without waiting a tick each.
        loop {
            match deliver_due(&svc, &sender, holder, settings.batch, smtp.timeout).await {
                Ok(p) if p.claimed > 0 => {
                    tracing::debug!(
                        sent = p.sent,
                        retrying = p.retrying,
                        failed = p.failed,
                        "mail pass"
                    );
                    if p.claimed < settings.batch as usize {
                        break;
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %crate::federation::one_line(&e), "mail: a pass failed");
                    break;
                }
            }
        }
    }
}

async fn warn_unconfigured(svc: Service) {
    let op = sender_principal();
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match svc.mail_backlog(&op).await {
            Ok(0) => tracing::info!(
                "mail: no [mail] relay configured (smtp_url); outgoing mail stays queued"
            ),
            Ok(n) => tracing::warn!(
                queued = n,
                "mail: no [mail] relay configured (smtp_url); outgoing mail stays queued"
            ),
            Err(e) => tracing::warn!(error = %e, "mail: cannot count queued mail"),
        }
    }
}
