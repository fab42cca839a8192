//! The outbox of outgoing e-mail: `mail_outbox`. Claims take due rows with
//! `FOR UPDATE SKIP LOCKED`, so app nodes over one database never claim the same message.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use simpul_core::audit::AuditEvent;
use simpul_core::clock::to_micros;
use simpul_core::mail::store::MailStore;
use simpul_core::mail::{
    AttemptUpdate, ClaimedMail, MAIL_COLUMNS, MailFilter, MailId, MailRecord, MailRow, OutboxEntry,
    decode_claimed,
};
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::tx::{execute, query};
use crate::{PostgresStore, rows};

/// Queues `e` inside `tx`: for another domain's store method that sends mail as part of its own
/// change (one transaction: the change and its messages are durable together, or neither).
pub(crate) async fn insert_outbox(tx: &Transaction<'_>, e: &OutboxEntry) -> Result<(), StoreError> {
    insert(tx, e).await
}

async fn insert(c: &impl GenericClient, e: &OutboxEntry) -> Result<(), StoreError> {
    execute(
        c,
        "INSERT INTO mail_outbox (id, to_addr, subject, body, purpose, ref_id, created_at,
             next_attempt_at, attempts, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0, 'queued')",
        &[
            &e.id.0,
            &e.mail.to.as_str(),
            &e.mail.subject.as_str(),
            &e.mail.body.as_str(),
            &e.mail.purpose.as_str(),
            &e.mail.ref_id,
            &to_micros(e.created_at),
        ],
    )
    .await
    .map(drop)
}

fn record(r: &Row) -> Result<MailRecord, StoreError> {
    let t = "mail_outbox";
    MailRow {
        id: rows::value(r, t, "id")?,
        to: rows::value(r, t, "to_addr")?,
        subject: rows::value(r, t, "subject")?,
        purpose: rows::value(r, t, "purpose")?,
        ref_id: rows::value(r, t, "ref_id")?,
        created_at: rows::value(r, t, "created_at")?,
        next_attempt_at: rows::value(r, t, "next_attempt_at")?,
        attempts: rows::value(r, t, "attempts")?,
        status: rows::value(r, t, "status")?,
        last_code: rows::value(r, t, "last_code")?,
        last_text: rows::value(r, t, "last_text")?,
        sent_at: rows::value(r, t, "sent_at")?,
    }
    .decode()
}

#[async_trait]
impl MailStore for PostgresStore {
    async fn queue_mail(&self, e: &OutboxEntry, audit: &AuditEvent) -> Result<(), StoreError> {
        let e = e.clone();
        self.audited(audit, move |tx| {
            Box::pin(async move { insert_outbox(tx, &e).await })
        })
        .await
    }

    async fn list_mail(&self, f: MailFilter) -> Result<Vec<MailRecord>, StoreError> {
        let client = self.client().await?;
        let status = f.status.map(|s| s.as_str());
        query(
            &client,
            &format!(
                "SELECT {MAIL_COLUMNS} FROM mail_outbox
                 WHERE ($1::text IS NULL OR status = $1)
                 ORDER BY created_at DESC, id LIMIT $2"
            ),
            &[&status, &i64::from(f.limit)],
        )
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn mail_of_refs(&self, ref_ids: &[Uuid]) -> Result<Vec<MailRecord>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!("SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE ref_id = ANY($1)"),
            &[&ref_ids],
        )
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn claim_mail(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "WITH due AS (
                 SELECT id FROM mail_outbox
                 WHERE (status = 'queued' AND next_attempt_at <= $1)
                    OR (status = 'sending' AND claimed_until < $1)
                 ORDER BY next_attempt_at, id LIMIT $4
                 FOR UPDATE SKIP LOCKED)
             UPDATE mail_outbox m SET status = 'sending', claimed_by = $2, claimed_until = $3
             FROM due WHERE m.id = due.id
             RETURNING m.id, m.to_addr, m.subject, m.body, m.attempts, m.created_at",
            &[&to_micros(now), &holder, &to_micros(until), &i64::from(n)],
        )
        .await?;
        let t = "mail_outbox";
        let mut out = rows
            .iter()
            .map(|r| {
                let body: Option<String> = rows::value(r, t, "body")?;
                decode_claimed(
                    rows::value(r, t, "id")?,
                    &rows::value::<String>(r, t, "to_addr")?,
                    &rows::value::<String>(r, t, "subject")?,
                    body.as_deref(),
                    rows::value(r, t, "attempts")?,
                    rows::value(r, t, "created_at")?,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|m| (m.created_at, m.id.0));
        Ok(out)
    }

    async fn record_mail_attempt(
        &self,
        id: MailId,
        holder: Uuid,
        u: &AttemptUpdate,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(execute(
            &client,
            "UPDATE mail_outbox SET status = $3, attempts = $4, next_attempt_at = $5,
                 last_code = $6, last_text = $7, sent_at = $8,
                 body = CASE WHEN $9 THEN NULL ELSE body END,
                 claimed_by = NULL, claimed_until = NULL
             WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
            &[
                &id.0,
                &holder,
                &u.status.as_str(),
                &i64::from(u.attempts),
                &to_micros(u.next_attempt_at),
                &u.answer.code.map(i64::from),
                &u.answer.text,
                &u.sent_at.map(to_micros),
                &u.erases_body(),
            ],
        )
        .await?
            > 0)
    }

    async fn mail_backlog(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE status IN ('queued', 'sending')",
            &[],
        )
        .await?;
        let n: i64 = match rows.first() {
            Some(r) => rows::value(r, "mail_outbox", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
