//! Incident cases' tables (`cases`, `case_parties`, `case_named`, `case_party_steps`,
//! `case_entries`, `case_entry_orgs`, `case_entry_named`, `case_tasks`) and the reader's
//! [`CaseFilter`] / [`EntryFilter`] compiled into PostgreSQL's SQL.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
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
use tokio_postgres::Row;
use uuid::Uuid;

use crate::PostgresStore;
use crate::rows;
use crate::tx::{Params, execute, query, query_opt};

/// The reader's case filter over `cases c`: `$1` org, `$2` user, `$3` all-but-red, `$4` RED.
const VISIBLE_CASES: &str = "
    ((c.owner_org = $1::uuid OR EXISTS (SELECT 1 FROM case_parties p
                                        WHERE p.case_id = c.id AND p.org_id = $1::uuid))
      AND (c.tlp <> $4::text OR EXISTS (SELECT 1 FROM case_named n
                                        WHERE n.case_id = c.id AND n.user_id = $2::uuid))
     OR ($3::bool AND c.tlp <> $4::text))";

/// The reader's entry filter over `case_entries e`: `$1` case, `$2` org, `$3` user, `$4` the
/// case's owner, `$5` RED.
const VISIBLE_ENTRIES: &str = "
    e.case_id = $1::uuid
    AND (e.tlp <> $5::text OR e.author = $3::uuid
         OR EXISTS (SELECT 1 FROM case_entry_named n WHERE n.entry_id = e.id AND n.user_id = $3::uuid))
    AND (e.author_org = $2::uuid
         OR (e.released
             AND (e.audience_case OR $2::uuid = $4::uuid
                  OR EXISTS (SELECT 1 FROM case_entry_orgs a
                             WHERE a.entry_id = e.id AND a.role = 'audience' AND a.org_id = $2::uuid)
                  OR (EXISTS (SELECT 1 FROM case_entry_orgs a
                              WHERE a.entry_id = e.id AND a.role = 'passed' AND a.org_id = $2::uuid)
                      AND EXISTS (SELECT 1 FROM case_entry_orgs a
                                  WHERE a.entry_id = e.id AND a.role = 'allowed' AND a.org_id = $2::uuid)))))";

fn prefixed(cols: &str, p: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{p}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn case_row(r: &Row) -> Result<CaseRow, StoreError> {
    let t = "cases";
    Ok(CaseRow {
        id: rows::value(r, t, "id")?,
        owner_org: rows::value(r, t, "owner_org")?,
        title: rows::value(r, t, "title")?,
        summary: rows::value(r, t, "summary")?,
        severity: rows::value(r, t, "severity")?,
        tlp: rows::value(r, t, "tlp")?,
        pap: rows::value(r, t, "pap")?,
        category: rows::value(r, t, "category")?,
        template: rows::value(r, t, "template")?,
        created_at: rows::value(r, t, "created_at")?,
        created_by: rows::value(r, t, "created_by")?,
        updated_at: rows::value(r, t, "updated_at")?,
        closed_at: rows::value(r, t, "closed_at")?,
    })
}

async fn load_cases(
    c: &impl GenericClient,
    where_: &str,
    p: Params<'_>,
) -> Result<Vec<Case>, StoreError> {
    let cases = query(
        c,
        &format!(
            "SELECT {} FROM cases c WHERE {where_} ORDER BY c.created_at DESC, c.id",
            prefixed(CASE_COLUMNS, "c")
        ),
        p,
    )
    .await?
    .iter()
    .map(case_row)
    .collect::<Result<Vec<_>, _>>()?;
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let t = "case_parties";
    let parties = query(
        c,
        &format!(
            "SELECT p.case_id, p.org_id, p.status, p.invited_at FROM case_parties p
             JOIN cases c ON c.id = p.case_id WHERE {where_} ORDER BY p.case_id, p.position"
        ),
        p,
    )
    .await?
    .iter()
    .map(|r| -> Result<PartyRow, StoreError> {
        Ok((
            rows::value(r, t, "case_id")?,
            rows::value(r, t, "org_id")?,
            rows::value(r, t, "status")?,
            rows::value(r, t, "invited_at")?,
        ))
    })
    .collect::<Result<Vec<_>, _>>()?;
    let t = "case_named";
    let named = query(
        c,
        &format!(
            "SELECT m.case_id, m.user_id FROM case_named m
             JOIN cases c ON c.id = m.case_id WHERE {where_}"
        ),
        p,
    )
    .await?
    .iter()
    .map(|r| Ok((rows::value(r, t, "case_id")?, rows::value(r, t, "user_id")?)))
    .collect::<Result<Vec<_>, StoreError>>()?;
    assemble_cases(cases, parties, named)
}

async fn load_entries(
    c: &impl GenericClient,
    where_: &str,
    p: Params<'_>,
) -> Result<Vec<Entry>, StoreError> {
    let t = "case_entries";
    let entries = query(
        c,
        &format!(
            "SELECT {} FROM case_entries e WHERE {where_} ORDER BY e.seq",
            prefixed(ENTRY_COLUMNS, "e")
        ),
        p,
    )
    .await?
    .iter()
    .map(|r| {
        Ok(EntryRow {
            id: rows::value(r, t, "id")?,
            case_id: rows::value(r, t, "case_id")?,
            author_org: rows::value(r, t, "author_org")?,
            author: rows::value(r, t, "author")?,
            at: rows::value(r, t, "at")?,
            body: rows::value(r, t, "body")?,
            tlp: rows::value(r, t, "tlp")?,
            audience_case: rows::value(r, t, "audience_case")?,
            released: rows::value(r, t, "released")?,
            sha256: rows::value(r, t, "sha256")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let t = "case_entry_orgs";
    let orgs = query(
        c,
        &format!(
            "SELECT o.entry_id, o.org_id, o.role FROM case_entry_orgs o
             JOIN case_entries e ON e.id = o.entry_id WHERE {where_} ORDER BY o.position"
        ),
        p,
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            rows::value(r, t, "entry_id")?,
            rows::value(r, t, "org_id")?,
            rows::value(r, t, "role")?,
        ))
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let t = "case_entry_named";
    let named = query(
        c,
        &format!(
            "SELECT m.entry_id, m.user_id FROM case_entry_named m
             JOIN case_entries e ON e.id = m.entry_id WHERE {where_}"
        ),
        p,
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            rows::value(r, t, "entry_id")?,
            rows::value(r, t, "user_id")?,
        ))
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    assemble_entries(entries, orgs, named)
}

async fn write_entry_orgs(
    tx: &Transaction<'_>,
    id: Uuid,
    orgs: &[(Uuid, Uuid, &'static str)],
) -> Result<(), StoreError> {
    execute(
        tx,
        "DELETE FROM case_entry_orgs WHERE entry_id = $1",
        &[&id],
    )
    .await?;
    for (i, (e, o, role)) in orgs.iter().enumerate() {
        execute(
            tx,
            "INSERT INTO case_entry_orgs (entry_id, org_id, role, position) VALUES ($1, $2, $3, $4)",
            &[e, o, role, &(i as i64)],
        )
        .await?;
    }
    Ok(())
}

async fn insert_entry_rows(
    tx: &Transaction<'_>,
    e: &Entry,
    bytes: Option<&[u8]>,
) -> Result<(), StoreError> {
    let (r, orgs, named) = entry_rows(e)?;
    let kind = e.body.kind().as_str();
    let sha = bytes.map(sha256_hex).or(r.sha256.clone());
    execute(
        tx,
        &format!(
            "INSERT INTO case_entries ({ENTRY_COLUMNS}, kind, attachment, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_entries WHERE case_id = $2))"
        ),
        &[
            &r.id,
            &r.case_id,
            &r.author_org,
            &r.author,
            &r.at,
            &r.body,
            &r.tlp,
            &r.audience_case,
            &r.released,
            &sha,
            &kind,
            &bytes,
        ],
    )
    .await?;
    write_entry_orgs(tx, e.id, &orgs).await?;
    for u in &named {
        execute(
            tx,
            "INSERT INTO case_entry_named (entry_id, user_id) VALUES ($1, $2)",
            &[&e.id, u],
        )
        .await?;
    }
    Ok(())
}

async fn insert_task_row(tx: &Transaction<'_>, t: &Task) -> Result<(), StoreError> {
    let r = TaskRow::from(t);
    execute(
        tx,
        &format!(
            "INSERT INTO case_tasks ({TASK_COLUMNS}, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_tasks WHERE case_id = $2))"
        ),
        &[
            &r.id,
            &r.case_id,
            &r.title,
            &r.details,
            &r.owner_org,
            &r.assignee,
            &r.due_at,
            &r.state,
            &r.created_at,
            &r.updated_at,
        ],
    )
    .await?;
    Ok(())
}

async fn insert_case_rows(
    tx: &Transaction<'_>,
    case: &Case,
    entries: &[Entry],
    tasks: &[Task],
) -> Result<(), StoreError> {
    let r = CaseRow::from(case);
    execute(
        tx,
        &format!(
            "INSERT INTO cases ({CASE_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        &[
            &r.id,
            &r.owner_org,
            &r.title,
            &r.summary,
            &r.severity,
            &r.tlp,
            &r.pap,
            &r.category,
            &r.template,
            &r.created_at,
            &r.created_by,
            &r.updated_at,
            &r.closed_at,
        ],
    )
    .await?;
    for (i, p) in case.parties.iter().enumerate() {
        execute(
            tx,
            "INSERT INTO case_parties (case_id, org_id, position, status, invited_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &r.id,
                &p.org.0,
                &(i as i64),
                &p.status.as_str(),
                &p.invited_at,
            ],
        )
        .await?;
    }
    for u in &case.named {
        execute(
            tx,
            "INSERT INTO case_named (case_id, user_id) VALUES ($1, $2)",
            &[&r.id, &u.0],
        )
        .await?;
    }
    for e in entries {
        insert_entry_rows(tx, e, None).await?;
    }
    for t in tasks {
        insert_task_row(tx, t).await?;
    }
    Ok(())
}

#[async_trait]
impl CaseStore for PostgresStore {
    async fn insert_case(
        &self,
        case: &Case,
        entries: &[Entry],
        tasks: &[Task],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (case, entries, tasks) = (case.clone(), entries.to_vec(), tasks.to_vec());
        self.audited(audit, move |tx| {
            Box::pin(async move { insert_case_rows(tx, &case, &entries, &tasks).await })
        })
        .await
    }

    async fn list_cases(
        &self,
        filter: &CaseFilter,
        after: Option<&CaseCursor>,
        limit: u32,
    ) -> Result<Vec<Case>, StoreError> {
        let client = self.client().await?;
        let org: Option<Uuid> = filter.member.map(|(o, _)| o.0);
        let user: Option<Uuid> = filter.member.map(|(_, u)| u.0);
        let at: Option<time::OffsetDateTime> = after.map(|a| a.created_at);
        let id: Option<Uuid> = after.map(|a| a.id.0);
        // The page's ids first (keyset, newest first), then those cases with their parties.
        let where_ = format!(
            "c.id IN (SELECT c.id FROM cases c WHERE {VISIBLE_CASES}
                        AND ($5::timestamptz IS NULL OR c.created_at < $5::timestamptz
                             OR (c.created_at = $5::timestamptz AND c.id > $6::uuid))
                      ORDER BY c.created_at DESC, c.id LIMIT {limit})"
        );
        load_cases(
            &client,
            &where_,
            &[&org, &user, &filter.all_but_red, &RED, &at, &id],
        )
        .await
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
            Box::pin(async move {
                execute(
                    tx,
                    "UPDATE cases SET title = $2, summary = $3, severity = $4, tlp = $5, pap = $6,
                                      updated_at = $7, closed_at = $8 WHERE id = $1",
                    &[
                        &r.id,
                        &r.title,
                        &r.summary,
                        &r.severity,
                        &r.tlp,
                        &r.pap,
                        &r.updated_at,
                        &r.closed_at,
                    ],
                )
                .await?;
                for p in &new_parties {
                    execute(
                        tx,
                        "INSERT INTO case_parties (case_id, org_id, position, status, invited_at)
                         VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM case_parties
                                          WHERE case_id = $1), $3, $4)",
                        &[&r.id, &p.org.0, &p.status.as_str(), &p.invited_at],
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn get_case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        let client = self.client().await?;
        Ok(load_cases(&client, "c.id = $1", &[&id.0])
            .await?
            .into_iter()
            .next())
    }

    async fn party_steps(&self, id: CaseId) -> Result<Vec<PartyStep>, StoreError> {
        let client = self.client().await?;
        let t = "case_party_steps";
        query(
            &client,
            &format!("SELECT {STEP_COLUMNS} FROM case_party_steps WHERE case_id = $1 ORDER BY seq"),
            &[&id.0],
        )
        .await?
        .iter()
        .map(|r| {
            StepRow {
                id: rows::value(r, t, "id")?,
                case_id: rows::value(r, t, "case_id")?,
                org_id: rows::value(r, t, "org_id")?,
                at: rows::value(r, t, "at")?,
                actor: rows::value(r, t, "actor")?,
                from_status: rows::value(r, t, "from_status")?,
                to_status: rows::value(r, t, "to_status")?,
                reason: rows::value(r, t, "reason")?,
            }
            .decode()
        })
        .collect()
    }

    async fn step_party(
        &self,
        step: &PartyStep,
        entry: &Entry,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let (s, entry) = (StepRow::from(step), entry.clone());
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let n = execute(
                    tx,
                    "UPDATE case_parties SET status = $4
                     WHERE case_id = $1 AND org_id = $2 AND status = $3",
                    &[&s.case_id, &s.org_id, &s.from_status, &s.to_status],
                )
                .await?;
                if n == 0 {
                    return Ok(false);
                }
                execute(
                    tx,
                    "UPDATE cases SET updated_at = $2 WHERE id = $1",
                    &[&s.case_id, &s.at],
                )
                .await?;
                execute(
                    tx,
                    &format!(
                        "INSERT INTO case_party_steps ({STEP_COLUMNS}, seq)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_party_steps
                                  WHERE case_id = $2))"
                    ),
                    &[
                        &s.id,
                        &s.case_id,
                        &s.org_id,
                        &s.at,
                        &s.actor,
                        &s.from_status,
                        &s.to_status,
                        &s.reason,
                    ],
                )
                .await?;
                insert_entry_rows(tx, &entry, None).await?;
                Ok(true)
            })
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
            Box::pin(async move { insert_entry_rows(tx, &entry, bytes.as_deref()).await })
        })
        .await
    }

    async fn list_entries(
        &self,
        case: CaseId,
        filter: &EntryFilter,
    ) -> Result<Vec<Entry>, StoreError> {
        let client = self.client().await?;
        load_entries(
            &client,
            VISIBLE_ENTRIES,
            &[
                &case.0,
                &filter.org.0,
                &filter.user.0,
                &filter.owner_org.0,
                &RED,
            ],
        )
        .await
    }

    async fn count_entries(&self, case: CaseId, filter: &EntryFilter) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT COUNT(*) AS n FROM case_entries e WHERE {VISIBLE_ENTRIES}"),
            &[
                &case.0,
                &filter.org.0,
                &filter.user.0,
                &filter.owner_org.0,
                &RED,
            ],
        )
        .await?;
        let n: i64 = match row {
            Some(r) => rows::value(&r, "case_entries", "n")?,
            None => 0,
        };
        Ok(n as u64)
    }

    async fn get_entry(&self, id: Uuid) -> Result<Option<Entry>, StoreError> {
        let client = self.client().await?;
        Ok(load_entries(&client, "e.id = $1", &[&id])
            .await?
            .into_iter()
            .next())
    }

    async fn entry_bytes(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        match query_opt(
            &client,
            "SELECT attachment FROM case_entries WHERE id = $1",
            &[&id],
        )
        .await?
        {
            Some(r) => rows::value(&r, "case_entries", "attachment"),
            None => Ok(None),
        }
    }

    async fn update_consent(&self, entry: &Entry, audit: &AuditEvent) -> Result<(), StoreError> {
        let (r, orgs, _) = entry_rows(entry)?;
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "UPDATE case_entries SET released = $2 WHERE id = $1",
                    &[&r.id, &r.released],
                )
                .await?;
                write_entry_orgs(tx, r.id, &orgs).await
            })
        })
        .await
    }

    async fn insert_task(&self, task: &Task, audit: &AuditEvent) -> Result<(), StoreError> {
        let task = task.clone();
        self.audited(audit, move |tx| {
            Box::pin(async move { insert_task_row(tx, &task).await })
        })
        .await
    }

    async fn list_tasks(&self, case: CaseId) -> Result<Vec<Task>, StoreError> {
        let client = self.client().await?;
        let t = "case_tasks";
        query(
            &client,
            &format!("SELECT {TASK_COLUMNS} FROM case_tasks WHERE case_id = $1 ORDER BY seq"),
            &[&case.0],
        )
        .await?
        .iter()
        .map(|r| {
            TaskRow {
                id: rows::value(r, t, "id")?,
                case_id: rows::value(r, t, "case_id")?,
                title: rows::value(r, t, "title")?,
                details: rows::value(r, t, "details")?,
                owner_org: rows::value(r, t, "owner_org")?,
                assignee: rows::value(r, t, "assignee")?,
                due_at: rows::value(r, t, "due_at")?,
                state: rows::value(r, t, "state")?,
                created_at: rows::value(r, t, "created_at")?,
                updated_at: rows::value(r, t, "updated_at")?,
            }
            .decode()
        })
        .collect()
    }

    async fn update_task(
        &self,
        task: &Task,
        from: TaskState,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let r = TaskRow::from(task);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let n = execute(
                    tx,
                    "UPDATE case_tasks SET state = $3, assignee = $4, updated_at = $5
                     WHERE id = $1 AND state = $2",
                    &[&r.id, &from.as_str(), &r.state, &r.assignee, &r.updated_at],
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }
}
