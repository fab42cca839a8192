//! Action requests' notifications in PostgreSQL: a change's [`Notices`] written in its
//! transaction (webhook deliveries through `webhooks.rs`, outbox mail through `mail.rs`), and the
//! deadline notices' columns of `action_requests` (migration 0018: `warn_at`,
//! `due_soon_noticed_at`, `overdue_noticed_at`) that make each notice go once: the mark is a
//! compare-and-set `UPDATE`, so of two app nodes sweeping at once one writes the notices.

use deadpool_postgres::Transaction;
use simpul_core::requests::RequestId;
use simpul_core::requests::notify::{Deadline, Notices};
use simpul_core::requests::rows::OPEN_STATES;
use simpul_core::requests::store::Request;
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use crate::PostgresStore;
use crate::error::map_err;
use crate::tx::{execute, query};

/// Writes `notices` inside `tx`.
pub(crate) async fn insert_notices(
    tx: &Transaction<'_>,
    notices: &Notices,
) -> Result<(), StoreError> {
    for e in &notices.events {
        crate::webhooks::insert_webhook_deliveries(tx, e).await?;
    }
    for m in &notices.mails {
        crate::mail::insert_outbox(tx, m).await?;
    }
    Ok(())
}

/// Sets a new request's due-soon time inside `tx`.
pub(crate) async fn set_warn_at(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let warn =
        simpul_core::clock::to_micros(simpul_core::requests::state::warn_at(r.created_at, r.due));
    execute(
        tx,
        "UPDATE action_requests SET warn_at = $2 WHERE id = $1",
        &[&r.id.0, &warn],
    )
    .await
    .map(drop)
}

impl PostgresStore {
    pub(crate) async fn due_notice(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT id FROM action_requests
             WHERE state IN ({OPEN_STATES})
               AND ((overdue_noticed_at IS NULL AND due_at < $1)
                 OR (due_soon_noticed_at IS NULL AND overdue_noticed_at IS NULL AND warn_at <= $1))
             ORDER BY due_at, id LIMIT $2"
        );
        let rows = query(&client, &sql, &[&now, &i64::from(limit)]).await?;
        rows.iter()
            .map(|r| crate::rows::value(r, "action_requests", "id").map(RequestId))
            .collect()
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
                "UPDATE action_requests SET due_soon_noticed_at = $2
                 WHERE id = $1 AND state IN ({OPEN_STATES})
                   AND due_soon_noticed_at IS NULL AND overdue_noticed_at IS NULL"
            ),
            Deadline::Overdue => format!(
                "UPDATE action_requests SET overdue_noticed_at = $2,
                        due_soon_noticed_at = COALESCE(due_soon_noticed_at, $2)
                 WHERE id = $1 AND state IN ({OPEN_STATES}) AND overdue_noticed_at IS NULL"
            ),
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if execute(&tx, &sql, &[&id.0, &at]).await? == 0 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        insert_notices(&tx, notices).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}
