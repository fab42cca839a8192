//! Communication checks' tables: `comm_checks`, `comm_check_targets` (unique index on the token
//! hash) and `comm_check_schedules`.

use async_trait::async_trait;
use deadpool_postgres::Transaction;
use simpul_core::audit::AuditEvent;
use simpul_core::comm_checks::rows::{
    CHECK_COLUMNS, CheckRow, SCHEDULE_COLUMNS, ScheduleRow, TARGET_COLUMNS, TargetRow,
};
use simpul_core::comm_checks::schedule::Schedule;
use simpul_core::comm_checks::store::CommCheckStore;
use simpul_core::comm_checks::{AckVia, Check, CheckId, ScheduleId, Target, TargetId};
use simpul_core::mail::OutboxEntry;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::mail::insert_outbox;
use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

fn check(r: &Row) -> Result<Check, StoreError> {
    let t = "comm_checks";
    CheckRow {
        id: rows::value(r, t, "id")?,
        title: rows::value(r, t, "title")?,
        message: rows::value(r, t, "message")?,
        channels: rows::value(r, t, "channels")?,
        kinds: rows::value(r, t, "kinds")?,
        targets: rows::value(r, t, "targets")?,
        started_at: rows::value(r, t, "started_at")?,
        started_by: rows::value(r, t, "started_by")?,
        deadline_at: rows::value(r, t, "deadline_at")?,
        schedule_id: rows::value(r, t, "schedule_id")?,
    }
    .decode()
}

fn target(r: &Row) -> Result<Target, StoreError> {
    let t = "comm_check_targets";
    TargetRow {
        id: rows::value(r, t, "id")?,
        check_id: rows::value(r, t, "check_id")?,
        contact_id: rows::value(r, t, "contact_id")?,
        org_id: rows::value(r, t, "org_id")?,
        contact_name: rows::value(r, t, "contact_name")?,
        contact_email: rows::value(r, t, "contact_email")?,
        token_hash: rows::value(r, t, "token_hash")?,
        sent_at: rows::value(r, t, "sent_at")?,
        delivery: rows::value(r, t, "delivery")?,
        delivery_detail: rows::value(r, t, "delivery_detail")?,
        acknowledged_at: rows::value(r, t, "acknowledged_at")?,
        via: rows::value(r, t, "via")?,
    }
    .decode()
}

fn schedule(r: &Row) -> Result<Schedule, StoreError> {
    let t = "comm_check_schedules";
    ScheduleRow {
        id: rows::value(r, t, "id")?,
        title: rows::value(r, t, "title")?,
        message: rows::value(r, t, "message")?,
        channels: rows::value(r, t, "channels")?,
        kinds: rows::value(r, t, "kinds")?,
        targets: rows::value(r, t, "targets")?,
        deadline: rows::value(r, t, "deadline")?,
        every_days: rows::value(r, t, "every_days")?,
        start_local: rows::value(r, t, "start_local")?,
        time_zone: rows::value(r, t, "time_zone")?,
        next_run_at: rows::value(r, t, "next_run_at")?,
        created_by: rows::value(r, t, "created_by")?,
        created_at: rows::value(r, t, "created_at")?,
    }
    .decode()
}

/// The rows of a check, its targets and their queued messages, inside `tx`: a check and its
/// mail commit together.
async fn insert_check_rows(
    tx: &Transaction<'_>,
    c: &CheckRow,
    targets: &[TargetRow],
    mail: &[OutboxEntry],
) -> Result<(), StoreError> {
    execute(
        tx,
        &format!(
            "INSERT INTO comm_checks ({CHECK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ),
        &[
            &c.id,
            &c.title,
            &c.message,
            &c.channels,
            &c.kinds,
            &c.targets,
            &c.started_at,
            &c.started_by,
            &c.deadline_at,
            &c.schedule_id,
        ],
    )
    .await?;
    let sql = format!(
        "INSERT INTO comm_check_targets ({TARGET_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    for t in targets {
        execute(
            tx,
            &sql,
            &[
                &t.id,
                &t.check_id,
                &t.contact_id,
                &t.org_id,
                &t.contact_name,
                &t.contact_email,
                &t.token_hash,
                &t.sent_at,
                &t.delivery,
                &t.delivery_detail,
                &t.acknowledged_at,
                &t.via,
            ],
        )
        .await?;
    }
    for m in mail {
        insert_outbox(tx, m).await?;
    }
    Ok(())
}

fn rows_of(check: &Check, targets: &[Target]) -> (CheckRow, Vec<TargetRow>) {
    (
        CheckRow::from(check),
        targets.iter().map(TargetRow::from).collect(),
    )
}

#[async_trait]
impl CommCheckStore for PostgresStore {
    async fn insert_check(
        &self,
        check: &Check,
        targets: &[Target],
        mail: &[OutboxEntry],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (c, t) = rows_of(check, targets);
        let mail = mail.to_vec();
        self.audited(audit, move |tx| {
            Box::pin(async move { insert_check_rows(tx, &c, &t, &mail).await })
        })
        .await
    }

    async fn list_checks(&self, org: Option<OrgId>) -> Result<Vec<Check>, StoreError> {
        let client = self.client().await?;
        let org: Option<Uuid> = org.map(|o| o.0);
        query(
            &client,
            &format!(
                "SELECT {CHECK_COLUMNS} FROM comm_checks c
                 WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM comm_check_targets t
                                                   WHERE t.check_id = c.id AND t.org_id = $1)
                 ORDER BY started_at DESC, id"
            ),
            &[&org],
        )
        .await?
        .iter()
        .map(check)
        .collect()
    }

    async fn get_check(&self, id: CheckId) -> Result<Option<Check>, StoreError> {
        let client = self.client().await?;
        query_opt(
            &client,
            &format!("SELECT {CHECK_COLUMNS} FROM comm_checks WHERE id = $1"),
            &[&id.0],
        )
        .await?
        .as_ref()
        .map(check)
        .transpose()
    }

    async fn check_targets(&self, id: CheckId) -> Result<Vec<Target>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {TARGET_COLUMNS} FROM comm_check_targets WHERE check_id = $1
                 ORDER BY org_id, contact_name, id"
            ),
            &[&id.0],
        )
        .await?
        .iter()
        .map(target)
        .collect()
    }

    async fn target_by_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(Check, Target)>, StoreError> {
        let client = self.client().await?;
        let hash: &[u8] = hash;
        let Some(t) = query_opt(
            &client,
            &format!("SELECT {TARGET_COLUMNS} FROM comm_check_targets WHERE token_hash = $1"),
            &[&hash],
        )
        .await?
        .as_ref()
        .map(target)
        .transpose()?
        else {
            return Ok(None);
        };
        let c = query_opt(
            &client,
            &format!("SELECT {CHECK_COLUMNS} FROM comm_checks WHERE id = $1"),
            &[&t.check.0],
        )
        .await?
        .as_ref()
        .map(check)
        .transpose()?;
        Ok(c.map(|c| (c, t)))
    }

    async fn acknowledge_target(
        &self,
        target: TargetId,
        at: OffsetDateTime,
        via: AckVia,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let n = execute(
                    tx,
                    "UPDATE comm_check_targets SET acknowledged_at = $2, via = $3
                     WHERE id = $1 AND acknowledged_at IS NULL",
                    &[&target.0, &at, &via.as_str()],
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }

    async fn insert_schedule(&self, s: &Schedule, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ScheduleRow::from(s);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    &format!(
                        "INSERT INTO comm_check_schedules ({SCHEDULE_COLUMNS})
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    ),
                    &[
                        &r.id,
                        &r.title,
                        &r.message,
                        &r.channels,
                        &r.kinds,
                        &r.targets,
                        &r.deadline,
                        &r.every_days,
                        &r.start_local,
                        &r.time_zone,
                        &r.next_run_at,
                        &r.created_by,
                        &r.created_at,
                    ],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {SCHEDULE_COLUMNS} FROM comm_check_schedules ORDER BY next_run_at, id"
            ),
            &[],
        )
        .await?
        .iter()
        .map(schedule)
        .collect()
    }

    async fn delete_schedule(
        &self,
        id: ScheduleId,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let n = execute(
                    tx,
                    "DELETE FROM comm_check_schedules WHERE id = $1",
                    &[&id.0],
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }

    async fn due_schedules(&self, now: OffsetDateTime) -> Result<Vec<Schedule>, StoreError> {
        let client = self.client().await?;
        query(
            &client,
            &format!(
                "SELECT {SCHEDULE_COLUMNS} FROM comm_check_schedules
                 WHERE next_run_at <= $1 ORDER BY next_run_at, id"
            ),
            &[&now],
        )
        .await?
        .iter()
        .map(schedule)
        .collect()
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the claim and the check it starts are one call: one transaction"
    )]
    async fn start_scheduled(
        &self,
        schedule: ScheduleId,
        expected: OffsetDateTime,
        next: OffsetDateTime,
        check: &Check,
        targets: &[Target],
        mail: &[OutboxEntry],
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let (c, t) = rows_of(check, targets);
        let mail = mail.to_vec();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                // The claim: of nodes racing, the first to move next_run_at wins; the others
                // (blocked on the row, then seeing it moved) change nothing and roll back.
                let claimed = execute(
                    tx,
                    "UPDATE comm_check_schedules SET next_run_at = $3
                     WHERE id = $1 AND next_run_at = $2",
                    &[&schedule.0, &expected, &next],
                )
                .await?;
                if claimed == 0 {
                    return Ok(false);
                }
                insert_check_rows(tx, &c, &t, &mail).await?;
                Ok(true)
            })
        })
        .await
    }
}
