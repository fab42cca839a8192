//! The outbox of outgoing e-mail: `mail_outbox`. SQLite's one writer makes a claim exclusive.

use async_trait::async_trait;
use rusqlite::{Transaction, params};
use simpul_core::audit::AuditEvent;
use simpul_core::mail::store::MailStore;
use simpul_core::mail::{
    AttemptUpdate, ClaimedMail, MAIL_COLUMNS, MailFilter, MailId, MailRecord, MailRow, MailStatus,
    OutboxEntry, decode_claimed,
};
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, opt_ts, ts};
use crate::tx::query_all;

/// Queues `e` inside `tx`: for another domain's store method that sends mail as part of its own
/// change (one transaction: the change and its messages are durable together, or neither).
pub(crate) fn insert_outbox(tx: &Transaction<'_>, e: &OutboxEntry) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO mail_outbox (id, to_addr, subject, body, purpose, ref_id, created_at,
             next_attempt_at, attempts, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, 'queued')",
    )?
    .execute(params![
        e.id.0.to_string(),
        e.mail.to.as_str(),
        e.mail.subject.as_str(),
        e.mail.body.as_str(),
        e.mail.purpose.as_str(),
        e.mail.ref_id.map(|u| u.to_string()),
        ts(e.created_at),
    ])?;
    Ok(())
}

fn record(r: &rusqlite::Row<'_>) -> Result<MailRow, Error> {
    let c = Cols::new(r, "mail_outbox");
    Ok(MailRow {
        id: c.uuid(0)?,
        to: c.get(1)?,
        subject: c.get(2)?,
        purpose: c.get(3)?,
        ref_id: c.opt_uuid(4)?,
        created_at: c.ts(5)?,
        next_attempt_at: c.ts(6)?,
        attempts: c.get(7)?,
        status: c.get(8)?,
        last_code: c.get(9)?,
        last_text: c.get(10)?,
        sent_at: c.opt_ts(11)?,
    })
}

fn decode(rows: Vec<MailRow>) -> Result<Vec<MailRecord>, StoreError> {
    rows.into_iter().map(MailRow::decode).collect()
}

#[async_trait]
impl MailStore for SqliteStore {
    async fn queue_mail(&self, e: &OutboxEntry, audit: &AuditEvent) -> Result<(), StoreError> {
        let e = e.clone();
        self.audited(audit, move |tx| insert_outbox(tx, &e)).await
    }

    async fn list_mail(&self, f: MailFilter) -> Result<Vec<MailRecord>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {MAIL_COLUMNS} FROM mail_outbox
                         WHERE (?1 IS NULL OR status = ?1)
                         ORDER BY created_at DESC, id LIMIT ?2"
                    ),
                    params![f.status.map(|s| s.as_str()), f.limit],
                    record,
                )
            })
            .await?;
        decode(rows)
    }

    async fn mail_of_refs(&self, ref_ids: &[Uuid]) -> Result<Vec<MailRecord>, StoreError> {
        let ids: Vec<String> = ref_ids.iter().map(Uuid::to_string).collect();
        let rows = self
            .read(move |c| {
                let mut out = Vec::new();
                for chunk in ids.chunks(500) {
                    let marks = vec!["?"; chunk.len()].join(", ");
                    out.extend(query_all(
                        c,
                        &format!(
                            "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE ref_id IN ({marks})"
                        ),
                        rusqlite::params_from_iter(chunk),
                        record,
                    )?);
                }
                Ok(out)
            })
            .await?;
        decode(rows)
    }

    async fn claim_mail(
        &self,
        now: OffsetDateTime,
        holder: Uuid,
        until: OffsetDateTime,
        n: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        let rows = self
            .transaction(move |tx| {
                query_all(
                    tx,
                    "UPDATE mail_outbox SET status = 'sending', claimed_by = ?2, claimed_until = ?3
                     WHERE id IN (
                         SELECT id FROM mail_outbox
                         WHERE (status = 'queued' AND next_attempt_at <= ?1)
                            OR (status = 'sending' AND claimed_until < ?1)
                         ORDER BY next_attempt_at, id LIMIT ?4)
                     RETURNING id, to_addr, subject, body, attempts, created_at",
                    params![ts(now), holder.to_string(), ts(until), n],
                    |r| {
                        let c = Cols::new(r, "mail_outbox");
                        Ok((
                            c.uuid(0)?,
                            c.get::<String>(1)?,
                            c.get::<String>(2)?,
                            c.get::<Option<String>>(3)?,
                            c.get::<i64>(4)?,
                            c.ts(5)?,
                        ))
                    },
                )
            })
            .await?;
        let mut out = rows
            .into_iter()
            .map(|(id, to, s, b, a, at)| decode_claimed(id, &to, &s, b.as_deref(), a, at))
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
        let u = u.clone();
        self.transaction(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE mail_outbox SET status = ?3, attempts = ?4, next_attempt_at = ?5,
                         last_code = ?6, last_text = ?7, sent_at = ?8,
                         body = CASE WHEN ?9 THEN NULL ELSE body END,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = ?1 AND status = 'sending' AND claimed_by = ?2",
                )?
                .execute(params![
                    id.0.to_string(),
                    holder.to_string(),
                    u.status.as_str(),
                    u.attempts,
                    ts(u.next_attempt_at),
                    u.answer.code,
                    u.answer.text,
                    opt_ts(u.sent_at),
                    u.erases_body(),
                ])?;
            Ok::<_, Error>(n > 0)
        })
        .await
    }

    async fn mail_backlog(&self) -> Result<u64, StoreError> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM mail_outbox WHERE status IN (?1, ?2)",
                params![MailStatus::Queued.as_str(), MailStatus::Sending.as_str()],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }
}
