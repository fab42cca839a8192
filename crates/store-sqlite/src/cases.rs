//! Incident cases' tables (`cases`, `case_parties`, `case_named`, `case_party_steps`,
//! `case_entries`, `case_entry_orgs`, `case_entry_named`, `case_tasks`) and the reader's
//! [`CaseFilter`] / [`EntryFilter`] compiled into SQLite's SQL.

use async_trait::async_trait;
use rusqlite::{Connection, Transaction, params};
use simpul_core::access::cases::{CaseFilter, EntryFilter};
use simpul_core::audit::AuditEvent;
use simpul_core::cases::manage::CaseCursor;
use simpul_core::cases::rows::{
    CASE_COLUMNS, CaseRow, ENTRY_COLUMNS, EntryRow, PartyRow, STEP_COLUMNS, StepRow, TASK_COLUMNS,
    TaskRow, assemble_cases, assemble_entries, entry_rows, sha256_hex,
};
use simpul_core::cases::store::{Case, CaseParty, CaseStore, Entry, PartyStep, Task};
use simpul_core::cases::{CaseId, TaskState};
use simpul_core::requests::rows::RED;
use simpul_core::store::StoreError;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{Cols, opt_ts, opt_uuid_text, ts};
use crate::tx::{query_all, query_opt};

/// The reader's case filter over `cases c`: `?1` org, `?2` user, `?3` all-but-red, `?4` RED.
const VISIBLE_CASES: &str = "
    ((c.owner_org = ?1 OR EXISTS (SELECT 1 FROM case_parties p
                                  WHERE p.case_id = c.id AND p.org_id = ?1))
      AND (c.tlp <> ?4 OR EXISTS (SELECT 1 FROM case_named n
                                  WHERE n.case_id = c.id AND n.user_id = ?2))
     OR (?3 = 1 AND c.tlp <> ?4))";

/// The reader's entry filter over `case_entries e`: `?1` case, `?2` org, `?3` user, `?4` the
/// case's owner, `?5` RED.
const VISIBLE_ENTRIES: &str = "
    e.case_id = ?1
    AND (e.tlp <> ?5 OR e.author = ?3
         OR EXISTS (SELECT 1 FROM case_entry_named n WHERE n.entry_id = e.id AND n.user_id = ?3))
    AND (e.author_org = ?2
         OR (e.released = 1
             AND (e.audience_case = 1 OR ?2 = ?4
                  OR EXISTS (SELECT 1 FROM case_entry_orgs a
                             WHERE a.entry_id = e.id AND a.role = 'audience' AND a.org_id = ?2)
                  OR (EXISTS (SELECT 1 FROM case_entry_orgs a
                              WHERE a.entry_id = e.id AND a.role = 'passed' AND a.org_id = ?2)
                      AND EXISTS (SELECT 1 FROM case_entry_orgs a
                                  WHERE a.entry_id = e.id AND a.role = 'allowed' AND a.org_id = ?2)))))";

type EntryParams = (String, String, String, String, &'static str);

fn entry_params(case: CaseId, f: &EntryFilter) -> EntryParams {
    (
        case.0.to_string(),
        f.org.0.to_string(),
        f.user.0.to_string(),
        f.owner_org.0.to_string(),
        RED,
    )
}

fn prefixed(cols: &str, p: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{p}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cases' rows, their parties' and their named users (`(case, user)`).
type LoadedCases = (Vec<CaseRow>, Vec<PartyRow>, Vec<(Uuid, Uuid)>);

fn load_cases<P: rusqlite::Params + Clone>(
    c: &Connection,
    where_: &str,
    p: P,
) -> Result<LoadedCases, Error> {
    let cases = query_all(
        c,
        &format!(
            "SELECT {} FROM cases c WHERE {where_} ORDER BY c.created_at DESC, c.id",
            prefixed(CASE_COLUMNS, "c")
        ),
        p.clone(),
        |r| {
            let c = Cols::new(r, "cases");
            Ok(CaseRow {
                id: c.uuid(0)?,
                owner_org: c.uuid(1)?,
                title: c.get(2)?,
                summary: c.get(3)?,
                severity: c.get(4)?,
                tlp: c.get(5)?,
                pap: c.get(6)?,
                category: c.get(7)?,
                template: c.get(8)?,
                created_at: c.ts(9)?,
                created_by: c.get(10)?,
                updated_at: c.ts(11)?,
                closed_at: c.opt_ts(12)?,
            })
        },
    )?;
    if cases.is_empty() {
        return Ok((cases, Vec::new(), Vec::new()));
    }
    let parties = query_all(
        c,
        &format!(
            "SELECT p.case_id, p.org_id, p.status, p.invited_at FROM case_parties p
             JOIN cases c ON c.id = p.case_id WHERE {where_} ORDER BY p.case_id, p.position"
        ),
        p.clone(),
        |r| {
            let c = Cols::new(r, "case_parties");
            Ok((c.uuid(0)?, c.uuid(1)?, c.get(2)?, c.ts(3)?))
        },
    )?;
    let named = query_all(
        c,
        &format!(
            "SELECT m.case_id, m.user_id FROM case_named m
             JOIN cases c ON c.id = m.case_id WHERE {where_}"
        ),
        p,
        |r| {
            let c = Cols::new(r, "case_named");
            Ok((c.uuid(0)?, c.uuid(1)?))
        },
    )?;
    Ok((cases, parties, named))
}

type LoadedEntries = (Vec<EntryRow>, Vec<(Uuid, Uuid, String)>, Vec<(Uuid, Uuid)>);

fn load_entries<P: rusqlite::Params + Clone>(
    c: &Connection,
    where_: &str,
    p: P,
) -> Result<LoadedEntries, Error> {
    let entries = query_all(
        c,
        &format!(
            "SELECT {} FROM case_entries e WHERE {where_} ORDER BY e.seq",
            prefixed(ENTRY_COLUMNS, "e")
        ),
        p.clone(),
        |r| {
            let c = Cols::new(r, "case_entries");
            Ok(EntryRow {
                id: c.uuid(0)?,
                case_id: c.uuid(1)?,
                author_org: c.uuid(2)?,
                author: c.uuid(3)?,
                at: c.ts(4)?,
                body: c.get(5)?,
                tlp: c.get(6)?,
                audience_case: c.get(7)?,
                released: c.get(8)?,
                sha256: c.get(9)?,
            })
        },
    )?;
    if entries.is_empty() {
        return Ok((entries, Vec::new(), Vec::new()));
    }
    let orgs = query_all(
        c,
        &format!(
            "SELECT o.entry_id, o.org_id, o.role FROM case_entry_orgs o
             JOIN case_entries e ON e.id = o.entry_id WHERE {where_} ORDER BY o.position"
        ),
        p.clone(),
        |r| {
            let c = Cols::new(r, "case_entry_orgs");
            Ok((c.uuid(0)?, c.uuid(1)?, c.get(2)?))
        },
    )?;
    let named = query_all(
        c,
        &format!(
            "SELECT m.entry_id, m.user_id FROM case_entry_named m
             JOIN case_entries e ON e.id = m.entry_id WHERE {where_}"
        ),
        p,
        |r| {
            let c = Cols::new(r, "case_entry_named");
            Ok((c.uuid(0)?, c.uuid(1)?))
        },
    )?;
    Ok((entries, orgs, named))
}

fn insert_entry_rows(tx: &Transaction<'_>, e: &Entry, bytes: Option<&[u8]>) -> Result<(), Error> {
    let (r, orgs, named) = entry_rows(e)?;
    let kind = e.body.kind().as_str();
    let sha = bytes.map(sha256_hex).or(r.sha256.clone());
    tx.prepare_cached(&format!(
        "INSERT INTO case_entries ({ENTRY_COLUMNS}, kind, attachment, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_entries WHERE case_id = ?2))"
    ))?
    .execute(params![
        r.id.to_string(),
        r.case_id.to_string(),
        r.author_org.to_string(),
        r.author.to_string(),
        ts(r.at),
        r.body,
        r.tlp,
        r.audience_case,
        r.released,
        sha,
        kind,
        bytes,
    ])?;
    write_entry_orgs(tx, e.id, &orgs)?;
    let mut stmt =
        tx.prepare_cached("INSERT INTO case_entry_named (entry_id, user_id) VALUES (?1, ?2)")?;
    for u in named {
        stmt.execute(params![e.id.to_string(), u.to_string()])?;
    }
    Ok(())
}

fn write_entry_orgs(
    tx: &Transaction<'_>,
    id: Uuid,
    orgs: &[(Uuid, Uuid, &'static str)],
) -> Result<(), Error> {
    tx.prepare_cached("DELETE FROM case_entry_orgs WHERE entry_id = ?1")?
        .execute(params![id.to_string()])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO case_entry_orgs (entry_id, org_id, role, position) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, (e, o, role)) in orgs.iter().enumerate() {
        stmt.execute(params![e.to_string(), o.to_string(), role, i as i64])?;
    }
    Ok(())
}

fn insert_task_row(tx: &Transaction<'_>, t: &Task) -> Result<(), Error> {
    let r = TaskRow::from(t);
    tx.prepare_cached(&format!(
        "INSERT INTO case_tasks ({TASK_COLUMNS}, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_tasks WHERE case_id = ?2))"
    ))?
    .execute(params![
        r.id.to_string(),
        r.case_id.to_string(),
        r.title,
        r.details,
        r.owner_org.to_string(),
        opt_uuid_text(r.assignee),
        opt_ts(r.due_at),
        r.state,
        ts(r.created_at),
        ts(r.updated_at),
    ])?;
    Ok(())
}

fn task(r: &rusqlite::Row<'_>) -> Result<TaskRow, Error> {
    let c = Cols::new(r, "case_tasks");
    Ok(TaskRow {
        id: c.uuid(0)?,
        case_id: c.uuid(1)?,
        title: c.get(2)?,
        details: c.get(3)?,
        owner_org: c.uuid(4)?,
        assignee: c.opt_uuid(5)?,
        due_at: c.opt_ts(6)?,
        state: c.get(7)?,
        created_at: c.ts(8)?,
        updated_at: c.ts(9)?,
    })
}

#[async_trait]
impl CaseStore for SqliteStore {
    async fn insert_case(
        &self,
        case: &Case,
        entries: &[Entry],
        tasks: &[Task],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (case, entries, tasks) = (case.clone(), entries.to_vec(), tasks.to_vec());
        self.audited(audit, move |tx| {
            let r = CaseRow::from(&case);
            tx.prepare_cached(&format!(
                "INSERT INTO cases ({CASE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?
            .execute(params![
                r.id.to_string(),
                r.owner_org.to_string(),
                r.title,
                r.summary,
                r.severity,
                r.tlp,
                r.pap,
                r.category,
                r.template,
                ts(r.created_at),
                r.created_by,
                ts(r.updated_at),
                opt_ts(r.closed_at),
            ])?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO case_parties (case_id, org_id, position, status, invited_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, p) in case.parties.iter().enumerate() {
                stmt.execute(params![
                    r.id.to_string(),
                    p.org.0.to_string(),
                    i as i64,
                    p.status.as_str(),
                    ts(p.invited_at),
                ])?;
            }
            let mut stmt =
                tx.prepare_cached("INSERT INTO case_named (case_id, user_id) VALUES (?1, ?2)")?;
            for u in &case.named {
                stmt.execute(params![r.id.to_string(), u.0.to_string()])?;
            }
            for e in &entries {
                insert_entry_rows(tx, e, None)?;
            }
            for t in &tasks {
                insert_task_row(tx, t)?;
            }
            Ok(())
        })
        .await
    }

    async fn list_cases(
        &self,
        filter: &CaseFilter,
        after: Option<&CaseCursor>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError> {
        let org = filter.member.map(|(o, _)| o.0.to_string());
        let user = filter.member.map(|(_, u)| u.0.to_string());
        let all = filter.all_but_red;
        let at = after.map(|a| ts(a.created_at));
        let id = after.map(|a| a.id.0.to_string());
        // The page's ids first (keyset, newest first), then those cases with their parties.
        let where_ = format!(
            "c.id IN (SELECT c.id FROM cases c WHERE {VISIBLE_CASES}
                        AND (?5 IS NULL OR c.created_at < ?5 OR (c.created_at = ?5 AND c.id > ?6))
                      ORDER BY c.created_at DESC, c.id LIMIT {limit})"
        );
        let (c, p, n) = self
            .read(move |c| load_cases(c, &where_, params![org, user, all, RED, at, id]))
            .await?;
        assemble_cases(c, p, n)
    }

    async fn update_case(
        &self,
        case: &Case,
        new_parties: &[CaseParty],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let r = CaseRow::from(case);
        let new_parties = new_parties.to_vec();
        self.audited(audit, move |tx| {
            tx.prepare_cached(
                "UPDATE cases SET title = ?2, summary = ?3, severity = ?4, tlp = ?5, pap = ?6,
                                  updated_at = ?7, closed_at = ?8 WHERE id = ?1",
            )?
            .execute(params![
                r.id.to_string(),
                r.title,
                r.summary,
                r.severity,
                r.tlp,
                r.pap,
                ts(r.updated_at),
                opt_ts(r.closed_at),
            ])?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO case_parties (case_id, org_id, position, status, invited_at)
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(position), -1) + 1 FROM case_parties
                                  WHERE case_id = ?1), ?3, ?4)",
            )?;
            for p in &new_parties {
                stmt.execute(params![
                    r.id.to_string(),
                    p.org.0.to_string(),
                    p.status.as_str(),
                    ts(p.invited_at),
                ])?;
            }
            Ok(())
        })
        .await
    }

    async fn get_case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        let (c, p, n) = self
            .read(move |c| load_cases(c, "c.id = ?1", params![id.0.to_string()]))
            .await?;
        Ok(assemble_cases(c, p, n)?.into_iter().next())
    }

    async fn party_steps(&self, id: CaseId) -> Result<Vec<PartyStep>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {STEP_COLUMNS} FROM case_party_steps WHERE case_id = ?1 ORDER BY seq"
                    ),
                    params![id.0.to_string()],
                    |r| {
                        let c = Cols::new(r, "case_party_steps");
                        Ok(StepRow {
                            id: c.uuid(0)?,
                            case_id: c.uuid(1)?,
                            org_id: c.uuid(2)?,
                            at: c.ts(3)?,
                            actor: c.get(4)?,
                            from_status: c.get(5)?,
                            to_status: c.get(6)?,
                            reason: c.get(7)?,
                        })
                    },
                )
            })
            .await?;
        rows.into_iter().map(StepRow::decode).collect()
    }

    async fn step_party(
        &self,
        step: &PartyStep,
        entry: &Entry,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let (s, entry) = (StepRow::from(step), entry.clone());
        self.audited(audit, move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE case_parties SET status = ?4 WHERE case_id = ?1 AND org_id = ?2 AND status = ?3",
                )?
                .execute(params![
                    s.case_id.to_string(),
                    s.org_id.to_string(),
                    s.from_status,
                    s.to_status
                ])?;
            if n == 0 {
                return Ok(false);
            }
            tx.prepare_cached(
                "UPDATE cases SET updated_at = ?2 WHERE id = ?1",
            )?
            .execute(params![s.case_id.to_string(), ts(s.at)])?;
            tx.prepare_cached(&format!(
                "INSERT INTO case_party_steps ({STEP_COLUMNS}, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_party_steps WHERE case_id = ?2))"
            ))?
            .execute(params![
                s.id.to_string(),
                s.case_id.to_string(),
                s.org_id.to_string(),
                ts(s.at),
                s.actor,
                s.from_status,
                s.to_status,
                s.reason,
            ])?;
            insert_entry_rows(tx, &entry, None)?;
            Ok(true)
        })
        .await
    }

    async fn insert_entry(
        &self,
        entry: &Entry,
        bytes: Option<&[u8]>,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (entry, bytes) = (entry.clone(), bytes.map(<[u8]>::to_vec));
        self.audited(audit, move |tx| {
            insert_entry_rows(tx, &entry, bytes.as_deref())
        })
        .await
    }

    async fn list_entries(
        &self,
        case: CaseId,
        filter: &EntryFilter,
    ) -> Result<Vec<Entry>, StoreError> {
        let (a, b, c3, d, e) = entry_params(case, filter);
        let (en, o, n) = self
            .read(move |c| load_entries(c, VISIBLE_ENTRIES, params![a, b, c3, d, e]))
            .await?;
        assemble_entries(en, o, n)
    }

    async fn count_entries(&self, case: CaseId, filter: &EntryFilter) -> Result<u64, StoreError> {
        let (a, b, c3, d, e) = entry_params(case, filter);
        self.read(move |c| {
            let n: i64 = c
                .prepare_cached(&format!(
                    "SELECT COUNT(*) FROM case_entries e WHERE {VISIBLE_ENTRIES}"
                ))?
                .query_row(params![a, b, c3, d, e], |r| r.get(0))?;
            Ok(n as u64)
        })
        .await
    }

    async fn get_entry(&self, id: Uuid) -> Result<Option<Entry>, StoreError> {
        let (en, o, n) = self
            .read(move |c| load_entries(c, "e.id = ?1", params![id.to_string()]))
            .await?;
        Ok(assemble_entries(en, o, n)?.into_iter().next())
    }

    async fn entry_bytes(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(move |c| {
            Ok(query_opt(
                c,
                "SELECT attachment FROM case_entries WHERE id = ?1",
                params![id.to_string()],
                |r| Ok(r.get::<_, Option<Vec<u8>>>(0)?),
            )?
            .flatten())
        })
        .await
    }

    async fn update_consent(&self, entry: &Entry, audit: &AuditEvent) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.audited(audit, move |tx| {
            let (r, orgs, _) = entry_rows(&entry)?;
            tx.prepare_cached("UPDATE case_entries SET released = ?2 WHERE id = ?1")?
                .execute(params![r.id.to_string(), r.released])?;
            write_entry_orgs(tx, r.id, &orgs)
        })
        .await
    }

    async fn insert_task(&self, task: &Task, audit: &AuditEvent) -> Result<(), StoreError> {
        let task = task.clone();
        self.audited(audit, move |tx| insert_task_row(tx, &task))
            .await
    }

    async fn list_tasks(&self, case: CaseId) -> Result<Vec<Task>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {TASK_COLUMNS} FROM case_tasks WHERE case_id = ?1 ORDER BY seq"
                    ),
                    params![case.0.to_string()],
                    task,
                )
            })
            .await?;
        rows.into_iter().map(TaskRow::decode).collect()
    }

    async fn update_task(
        &self,
        task: &Task,
        from: TaskState,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let r = TaskRow::from(task);
        self.audited(audit, move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE case_tasks SET state = ?3, assignee = ?4, updated_at = ?5
                     WHERE id = ?1 AND state = ?2",
                )?
                .execute(params![
                    r.id.to_string(),
                    from.as_str(),
                    r.state,
                    opt_uuid_text(r.assignee),
                    ts(r.updated_at),
                ])?;
            Ok(n > 0)
        })
        .await
    }
}
