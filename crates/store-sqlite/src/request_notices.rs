//! Action requests' notifications in SQLite: a change's [`Notices`] written in its transaction
//! (webhook deliveries through `webhooks.rs`, outbox mail through `mail.rs`), and the deadline
//! notices' columns of `action_requests` (migration 0017: `warn_at`, `due_soon_noticed_at`,
//! `overdue_noticed_at`) that make each notice go once.

use rusqlite::{Transaction, params};
use simpul_core::requests::RequestId;
use simpul_core::requests::notify::{Deadline, Notices};
use simpul_core::requests::rows::OPEN_STATES;
use simpul_core::requests::store::Request;
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, ts};
use crate::tx::query_all;

/// Writes `notices` inside `tx`.
pub(crate) fn insert_notices(tx: &Transaction<'_>, notices: &Notices) -> Result<(), Error> {
    for e in &notices.events {
        crate::webhooks::insert_webhook_deliveries(tx, e)?;
    }
    for m in &notices.mails {
        crate::mail::insert_outbox(tx, m)?;
    }
    Ok(())
}

/// Sets a new request's due-soon time inside `tx`.
pub(crate) fn set_warn_at(tx: &Transaction<'_>, r: &Request) -> Result<(), Error> {
    let warn = simpul_core::requests::state::warn_at(r.created_at, r.due);
    tx.prepare_cached("UPDATE action_requests SET warn_at = ?2 WHERE id = ?1")?
        .execute(params![r.id.0.to_string(), ts(warn)])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn due_notice(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        let sql = format!(
            "SELECT id FROM action_requests
             WHERE state IN ({OPEN_STATES})
               AND ((overdue_noticed_at IS NULL AND due_at < ?1)
                 OR (due_soon_noticed_at IS NULL AND overdue_noticed_at IS NULL AND warn_at <= ?1))
             ORDER BY due_at, id LIMIT ?2"
        );
        self.read(move |c| {
            query_all(c, &sql, params![ts(now), i64::from(limit)], |r| {
                Ok(RequestId(Cols::new(r, "action_requests").uuid(0)?))
            })
        })
        .await
    }

    pub(crate) async fn record_notice(
        &self,
        id: RequestId,
        d: Deadline,
        at: OffsetDateTime,
        notices: &Notices,
    ) -> Result<bool, StoreError> {
        let sql = match d {
            Deadline::DueSoon => format!(
                "UPDATE action_requests SET due_soon_noticed_at = ?2
                 WHERE id = ?1 AND state IN ({OPEN_STATES})
                   AND due_soon_noticed_at IS NULL AND overdue_noticed_at IS NULL"
            ),
            Deadline::Overdue => format!(
                "UPDATE action_requests SET overdue_noticed_at = ?2,
                        due_soon_noticed_at = COALESCE(due_soon_noticed_at, ?2)
                 WHERE id = ?1 AND state IN ({OPEN_STATES}) AND overdue_noticed_at IS NULL"
            ),
        };
        let notices = notices.clone();
        self.transaction(move |tx| {
            let n = tx
                .prepare_cached(&sql)?
                .execute(params![id.0.to_string(), ts(at)])?;
            if n == 0 {
                return Ok(false);
            }
            insert_notices(tx, &notices)?;
            Ok(true)
        })
        .await
    }
}
