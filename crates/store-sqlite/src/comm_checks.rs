//! Communication checks' tables: `comm_checks`, `comm_check_targets` (unique index on the token
//! hash) and `comm_check_schedules`.

use async_trait::async_trait;
use rusqlite::{Transaction, params};
use simpul_core::audit::AuditEvent;
use simpul_core::comm_checks::rows::{
    CHECK_COLUMNS, CheckRow, SCHEDULE_COLUMNS, ScheduleRow, TARGET_COLUMNS, TargetRow,
};
use simpul_core::comm_checks::schedule::Schedule;
use simpul_core::comm_checks::store::CommCheckStore;
use simpul_core::comm_checks::{AckVia, Check, CheckId, ScheduleId, Target, TargetId};
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::error::Error;
use crate::mail::insert_outbox;
use crate::rows::{Cols, opt_ts, opt_uuid_text, ts};
use crate::tx::{query_all, query_opt};
use simpul_core::mail::OutboxEntry;

fn check(r: &rusqlite::Row<'_>) -> Result<CheckRow, Error> {
    let c = Cols::new(r, "comm_checks");
    Ok(CheckRow {
        id: c.uuid(0)?,
        title: c.get(1)?,
        message: c.get(2)?,
        channels: c.get(3)?,
        kinds: c.get(4)?,
        targets: c.get(5)?,
        started_at: c.ts(6)?,
        started_by: c.get(7)?,
        deadline_at: c.ts(8)?,
        schedule_id: c.opt_uuid(9)?,
    })
}

/// A target's columns starting at `at`.
fn target_at(r: &rusqlite::Row<'_>, at: usize) -> Result<TargetRow, Error> {
    let c = Cols::new(r, "comm_check_targets");
    Ok(TargetRow {
        id: c.uuid(at)?,
        check_id: c.uuid(at + 1)?,
        contact_id: c.uuid(at + 2)?,
        org_id: c.uuid(at + 3)?,
        contact_name: c.get(at + 4)?,
        contact_email: c.get(at + 5)?,
        token_hash: c.get(at + 6)?,
        sent_at: c.opt_ts(at + 7)?,
        delivery: c.get(at + 8)?,
        delivery_detail: c.get(at + 9)?,
        acknowledged_at: c.opt_ts(at + 10)?,
        via: c.get(at + 11)?,
    })
}

fn schedule(r: &rusqlite::Row<'_>) -> Result<ScheduleRow, Error> {
    let c = Cols::new(r, "comm_check_schedules");
    Ok(ScheduleRow {
        id: c.uuid(0)?,
        title: c.get(1)?,
        message: c.get(2)?,
        channels: c.get(3)?,
        kinds: c.get(4)?,
        targets: c.get(5)?,
        deadline: c.get(6)?,
        every_days: c.get(7)?,
        start_local: c.get(8)?,
        time_zone: c.get(9)?,
        next_run_at: c.ts(10)?,
        created_by: c.get(11)?,
        created_at: c.ts(12)?,
    })
}

/// The rows of a check, its targets and their queued messages, inside `tx`: a check and its
/// mail commit together.
fn insert_check_rows(
    tx: &Transaction<'_>,
    c: &CheckRow,
    ts_rows: &[TargetRow],
    mail: &[OutboxEntry],
) -> Result<(), Error> {
    tx.prepare_cached(&format!(
        "INSERT INTO comm_checks ({CHECK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))?
    .execute(params![
        c.id.to_string(),
        c.title,
        c.message,
        c.channels,
        c.kinds,
        c.targets,
        ts(c.started_at),
        c.started_by,
        ts(c.deadline_at),
        opt_uuid_text(c.schedule_id),
    ])?;
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO comm_check_targets ({TARGET_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?;
    for t in ts_rows {
        stmt.execute(params![
            t.id.to_string(),
            t.check_id.to_string(),
            t.contact_id.to_string(),
            t.org_id.to_string(),
            t.contact_name,
            t.contact_email,
            t.token_hash,
            opt_ts(t.sent_at),
            t.delivery,
            t.delivery_detail,
            opt_ts(t.acknowledged_at),
            t.via,
        ])?;
    }
    for m in mail {
        insert_outbox(tx, m)?;
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
impl CommCheckStore for SqliteStore {
    async fn insert_check(
        &self,
        check: &Check,
        targets: &[Target],
        mail: &[OutboxEntry],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (c, t) = rows_of(check, targets);
        let mail = mail.to_vec();
        self.audited(audit, move |tx| insert_check_rows(tx, &c, &t, &mail))
            .await
    }

    async fn list_checks(&self, org: Option<OrgId>) -> Result<Vec<Check>, StoreError> {
        let org = org.map(|o| o.0.to_string());
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {CHECK_COLUMNS} FROM comm_checks c
                         WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM comm_check_targets t
                                                     WHERE t.check_id = c.id AND t.org_id = ?1)
                         ORDER BY started_at DESC, id"
                    ),
                    params![org],
                    check,
                )
            })
            .await?;
        rows.into_iter().map(CheckRow::decode).collect()
    }

    async fn get_check(&self, id: CheckId) -> Result<Option<Check>, StoreError> {
        let row = self
            .read(move |c| {
                query_opt(
                    c,
                    &format!("SELECT {CHECK_COLUMNS} FROM comm_checks WHERE id = ?1"),
                    params![id.0.to_string()],
                    check,
                )
            })
            .await?;
        row.map(CheckRow::decode).transpose()
    }

    async fn check_targets(&self, id: CheckId) -> Result<Vec<Target>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {TARGET_COLUMNS} FROM comm_check_targets WHERE check_id = ?1
                         ORDER BY org_id, contact_name, id"
                    ),
                    params![id.0.to_string()],
                    |r| target_at(r, 0),
                )
            })
            .await?;
        rows.into_iter().map(TargetRow::decode).collect()
    }

    async fn target_by_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(Check, Target)>, StoreError> {
        let hash = hash.to_vec();
        let t_cols = TARGET_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let c_cols = CHECK_COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = self
            .read(move |c| {
                query_opt(
                    c,
                    &format!(
                        "SELECT {c_cols}, {t_cols} FROM comm_check_targets t
                         JOIN comm_checks c ON c.id = t.check_id WHERE t.token_hash = ?1"
                    ),
                    params![hash],
                    |r| Ok((check(r)?, target_at(r, 10)?)),
                )
            })
            .await?;
        row.map(|(c, t)| Ok((c.decode()?, t.decode()?))).transpose()
    }

    async fn acknowledge_target(
        &self,
        target: TargetId,
        at: OffsetDateTime,
        via: AckVia,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE comm_check_targets SET acknowledged_at = ?2, via = ?3
                     WHERE id = ?1 AND acknowledged_at IS NULL",
                )?
                .execute(params![target.0.to_string(), ts(at), via.as_str()])?;
            Ok(n > 0)
        })
        .await
    }

    async fn insert_schedule(&self, s: &Schedule, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = ScheduleRow::from(s);
        self.audited(audit, move |tx| {
            tx.prepare_cached(&format!(
                "INSERT INTO comm_check_schedules ({SCHEDULE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?
            .execute(params![
                r.id.to_string(),
                r.title,
                r.message,
                r.channels,
                r.kinds,
                r.targets,
                r.deadline,
                r.every_days,
                r.start_local,
                r.time_zone,
                ts(r.next_run_at),
                r.created_by,
                ts(r.created_at),
            ])?;
            Ok(())
        })
        .await
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        let rows = self
            .read(|c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {SCHEDULE_COLUMNS} FROM comm_check_schedules ORDER BY next_run_at, id"
                    ),
                    [],
                    schedule,
                )
            })
            .await?;
        rows.into_iter().map(ScheduleRow::decode).collect()
    }

    async fn delete_schedule(
        &self,
        id: ScheduleId,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            let n = tx
                .prepare_cached("DELETE FROM comm_check_schedules WHERE id = ?1")?
                .execute(params![id.0.to_string()])?;
            Ok(n > 0)
        })
        .await
    }

    async fn due_schedules(&self, now: OffsetDateTime) -> Result<Vec<Schedule>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {SCHEDULE_COLUMNS} FROM comm_check_schedules
                         WHERE next_run_at <= ?1 ORDER BY next_run_at, id"
                    ),
                    params![ts(now)],
                    schedule,
                )
            })
            .await?;
        rows.into_iter().map(ScheduleRow::decode).collect()
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
            let claimed = tx
                .prepare_cached(
                    "UPDATE comm_check_schedules SET next_run_at = ?3
                     WHERE id = ?1 AND next_run_at = ?2",
                )?
                .execute(params![schedule.0.to_string(), ts(expected), ts(next)])?;
            if claimed == 0 {
                return Ok(false);
            }
            insert_check_rows(tx, &c, &t, &mail)?;
            Ok(true)
        })
        .await
    }
}
