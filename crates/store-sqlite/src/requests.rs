//! Action requests' tables: `action_requests`, `request_observables` (indexed by canonical key),
//! `request_named`, `request_personal_data`, `request_transitions` and `request_comments`; and
//! the reader's [`RequestFilter`] compiled into SQLite's SQL.

use async_trait::async_trait;
use rusqlite::{Connection, Transaction, params};
use simpul_core::access::requests::RequestFilter;
use simpul_core::audit::AuditEvent;
use simpul_core::requests::new::PersonalData;
use simpul_core::requests::notify::{Deadline, Notices};
use simpul_core::requests::rows::{
    COMMENT_COLUMNS, CommentRow, OBSERVABLE_COLUMNS, OPEN_STATES, ObservableRow, PERSONAL_COLUMNS,
    PersonalRow, RED, REQUEST_COLUMNS, RequestRow, TRANSITION_COLUMNS, TransitionRow, assemble,
    observable_rows, outcome_text, personal_rows,
};
use simpul_core::requests::stats_read::{StatsSource, stats_sources};
use simpul_core::requests::store::{Comment, Request, RequestQuery, RequestStore, Transition};
use simpul_core::requests::{Outcome, RequestId};
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::Error;
use crate::request_notices::{insert_notices, set_warn_at};
use crate::rows::{Cols, opt_uuid_text, ts};
use crate::tx::query_all;

fn request(r: &rusqlite::Row<'_>) -> Result<RequestRow, Error> {
    let c = Cols::new(r, "action_requests");
    Ok(RequestRow {
        id: c.uuid(0)?,
        kind: c.get(1)?,
        requester_org: c.uuid(2)?,
        target_org: c.uuid(3)?,
        to_country: c.get(4)?,
        summary: c.get(5)?,
        details: c.get(6)?,
        legal_basis: c.get(7)?,
        urgency: c.get(8)?,
        tlp: c.get(9)?,
        case_id: c.opt_uuid(10)?,
        state: c.get(11)?,
        due_at: c.ts(12)?,
        created_at: c.ts(13)?,
        created_by: c.get(14)?,
        updated_at: c.ts(15)?,
        outcome: c.get(16)?,
    })
}

fn observable(r: &rusqlite::Row<'_>) -> Result<ObservableRow, Error> {
    let c = Cols::new(r, "request_observables");
    Ok(ObservableRow {
        request_id: c.uuid(0)?,
        position: c.get(1)?,
        ty: c.get(2)?,
        value: c.get(3)?,
        key: c.get(4)?,
        personal: c.get(5)?,
    })
}

fn named(r: &rusqlite::Row<'_>) -> Result<(Uuid, Uuid), Error> {
    let c = Cols::new(r, "request_named");
    Ok((c.uuid(0)?, c.uuid(1)?))
}

/// The reader's filter and the list filters over `action_requests r`, with the parameters
/// `?1` … `?10` of [`list_params`].
const VISIBLE: &str = "
    ((r.requester_org = ?1 OR r.target_org = ?1)
      AND (r.tlp <> ?10 OR EXISTS (SELECT 1 FROM request_named n
                                   WHERE n.request_id = r.id AND n.user_id = ?2))
     OR (?3 = 1 AND r.tlp <> ?10))
    AND (?4 IS NULL OR r.state = ?4)
    AND (?5 IS NULL OR r.kind = ?5)
    AND (?6 IS NULL OR r.target_org = ?6)
    AND (?7 IS NULL OR r.requester_org = ?7)
    AND (?8 IS NULL OR ?8 = (r.state IN (OPEN) AND r.due_at < ?9))";

/// The next number of a request's transition or comment in `table` (the request is `?2`): audited
/// writes are serialised, so two never take the same.
fn next_seq(table: &str) -> String {
    format!("(SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE request_id = ?2)")
}

fn visible() -> String {
    VISIBLE.replace("OPEN", OPEN_STATES)
}

type ListParams = (
    Option<String>,
    Option<String>,
    bool,
    Option<&'static str>,
    Option<&'static str>,
    Option<String>,
    Option<String>,
    Option<bool>,
    String,
    &'static str,
);

fn list_params(f: &RequestFilter, q: &RequestQuery) -> ListParams {
    (
        f.party.map(|(o, _)| o.0.to_string()),
        f.party.map(|(_, u)| u.0.to_string()),
        f.all_but_red,
        q.state.map(|s| s.as_str()),
        q.kind.map(|k| k.as_str()),
        q.to.map(|o| o.0.to_string()),
        q.from.map(|o| o.0.to_string()),
        q.overdue,
        ts(q.now),
        RED,
    )
}

/// Requests' rows, their observables' and their named users (`(request, user)`).
type Loaded = (Vec<RequestRow>, Vec<ObservableRow>, Vec<(Uuid, Uuid)>);

/// The order of every list: newest first, by the keyset `(created_at, id)`.
const ORDER: &str = "ORDER BY r.created_at DESC, r.id DESC";

/// The keyset condition after a cursor (`?11` created, `?12` id; both NULL for none).
const AFTER: &str = "(?11 IS NULL OR r.created_at < ?11 OR (r.created_at = ?11 AND r.id < ?12))";

/// The requests whose rows `where_` (over `action_requests r`, with `p`) selects, at most
/// `limit`, with their observables and named users, assembled.
fn load<P: rusqlite::Params>(
    c: &Connection,
    where_: &str,
    limit: Option<u32>,
    p: P,
) -> Result<Loaded, Error> {
    let cols = REQUEST_COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let reqs = query_all(
        c,
        &format!("SELECT {cols} FROM action_requests r WHERE {where_} {ORDER}{limit}"),
        p,
        request,
    )?;
    if reqs.is_empty() {
        return Ok((reqs, Vec::new(), Vec::new()));
    }
    let ids: Vec<String> = reqs.iter().map(|r| r.id.to_string()).collect();
    let ids = serde_json::Value::from(ids).to_string();
    let ocols = OBSERVABLE_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let obs = query_all(
        c,
        &format!(
            "SELECT {ocols} FROM request_observables o
             WHERE o.request_id IN (SELECT value FROM json_each(?1))"
        ),
        params![ids],
        observable,
    )?;
    let names = query_all(
        c,
        "SELECT m.request_id, m.user_id FROM request_named m
         WHERE m.request_id IN (SELECT value FROM json_each(?1))",
        params![ids],
        named,
    )?;
    Ok((reqs, obs, names))
}

fn insert_rows(
    tx: &Transaction<'_>,
    r: &RequestRow,
    obs: &[ObservableRow],
    named: &[Uuid],
    personal: &[PersonalRow],
) -> Result<(), Error> {
    tx.prepare_cached(&format!(
        "INSERT INTO action_requests ({REQUEST_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))?
    .execute(params![
        r.id.to_string(),
        r.kind,
        r.requester_org.to_string(),
        r.target_org.to_string(),
        r.to_country,
        r.summary,
        r.details,
        r.legal_basis,
        r.urgency,
        r.tlp,
        opt_uuid_text(r.case_id),
        r.state,
        ts(r.due_at),
        ts(r.created_at),
        r.created_by,
        ts(r.updated_at),
        r.outcome,
    ])?;
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO request_observables ({OBSERVABLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))?;
    for o in obs {
        stmt.execute(params![
            o.request_id.to_string(),
            o.position,
            o.ty,
            o.value,
            o.key,
            o.personal
        ])?;
    }
    let mut stmt =
        tx.prepare_cached("INSERT INTO request_named (request_id, user_id) VALUES (?1, ?2)")?;
    for u in named {
        stmt.execute(params![r.id.to_string(), u.to_string()])?;
    }
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO request_personal_data ({PERSONAL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
    ))?;
    for d in personal {
        stmt.execute(params![
            d.request_id.to_string(),
            d.position,
            d.role,
            d.name,
            d.identifier
        ])?;
    }
    Ok(())
}

#[async_trait]
impl RequestStore for SqliteStore {
    async fn insert_request(
        &self,
        request: &Request,
        personal: &[PersonalData],
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<(), StoreError> {
        let r = RequestRow::from(request);
        let obs = observable_rows(request);
        let named: Vec<Uuid> = request.named.iter().map(|u| u.0).collect();
        let personal = personal_rows(request.id, personal);
        let (request, notices) = (request.clone(), notices.clone());
        self.audited(audit, move |tx| {
            insert_rows(tx, &r, &obs, &named, &personal)?;
            set_warn_at(tx, &request)?;
            insert_notices(tx, &notices)
        })
        .await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        q: &RequestQuery,
    ) -> Result<Vec<Request>, StoreError> {
        let p = list_params(filter, q);
        let after = q.after.map(|a| (ts(a.created_at), a.id.0.to_string()));
        let (p11, p12) = after.unzip();
        let limit = q.limit;
        let (reqs, obs, names) = self
            .read(move |c| {
                let (p1, p2, p3, p4, p5, p6, p7, p8, p9, p10) = p;
                load(
                    c,
                    &format!("{} AND {AFTER}", visible()),
                    limit,
                    params![p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12],
                )
            })
            .await?;
        assemble(reqs, obs, names)
    }

    async fn request_stats_sources(
        &self,
        filter: &RequestFilter,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StatsSource>, StoreError> {
        let p = list_params(filter, &RequestQuery::all(to));
        let (from, to) = (ts(from), ts(to));
        let (loaded, steps) = self
            .read(move |c| {
                let (p1, p2, p3, p4, p5, p6, p7, p8, p9, p10) = p;
                let where_ = format!(
                    "{} AND r.created_at >= ?11 AND r.created_at < ?12",
                    visible()
                );
                let ps = params![p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, from, to];
                let loaded = load(c, &where_, None, ps)?;
                let steps = query_all(
                    c,
                    &format!(
                        "SELECT t.request_id, t.to_state, t.at FROM request_transitions t
                         JOIN action_requests r ON r.id = t.request_id WHERE {where_}
                         ORDER BY t.request_id, t.seq"
                    ),
                    ps,
                    |r| {
                        let c = Cols::new(r, "request_transitions");
                        Ok((c.uuid(0)?, c.get::<String>(1)?, c.ts(2)?))
                    },
                )?;
                Ok((loaded, steps))
            })
            .await?;
        let (reqs, obs, names) = loaded;
        stats_sources(assemble(reqs, obs, names)?, steps)
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let (reqs, obs, names) = self
            .read(move |c| load(c, "r.id = ?1", None, params![id.0.to_string()]))
            .await?;
        Ok(assemble(reqs, obs, names)?.into_iter().next())
    }

    async fn request_personal_data(&self, id: RequestId) -> Result<Vec<PersonalData>, StoreError> {
        let rows = self
            .read(move |c| {
                query_all(
                    c,
                    &format!(
                        "SELECT {PERSONAL_COLUMNS} FROM request_personal_data
                         WHERE request_id = ?1 ORDER BY position"
                    ),
                    params![id.0.to_string()],
                    |r| {
                        let c = Cols::new(r, "request_personal_data");
                        Ok(PersonalRow {
                            request_id: c.uuid(0)?,
                            position: c.get(1)?,
                            role: c.get(2)?,
                            name: c.get(3)?,
                            identifier: c.get(4)?,
                        })
                    },
                )
            })
            .await?;
        rows.into_iter().map(PersonalRow::decode).collect()
    }

    async fn request_history(
        &self,
        id: RequestId,
    ) -> Result<(Vec<Transition>, Vec<Comment>), StoreError> {
        let (ts_rows, cs) = self
            .read(move |c| {
                let id = id.0.to_string();
                let ts_rows = query_all(
                    c,
                    &format!(
                        "SELECT {TRANSITION_COLUMNS} FROM request_transitions
                         WHERE request_id = ?1 ORDER BY seq"
                    ),
                    params![id],
                    |r| {
                        let c = Cols::new(r, "request_transitions");
                        Ok(TransitionRow {
                            id: c.uuid(0)?,
                            request_id: c.uuid(1)?,
                            at: c.ts(2)?,
                            actor: c.get(3)?,
                            actor_org: c.opt_uuid(4)?,
                            party: c.get(5)?,
                            from_state: c.get(6)?,
                            to_state: c.get(7)?,
                            reason: c.get(8)?,
                        })
                    },
                )?;
                let cs = query_all(
                    c,
                    &format!(
                        "SELECT {COMMENT_COLUMNS} FROM request_comments
                         WHERE request_id = ?1 ORDER BY seq"
                    ),
                    params![id],
                    |r| {
                        let c = Cols::new(r, "request_comments");
                        Ok(CommentRow {
                            id: c.uuid(0)?,
                            request_id: c.uuid(1)?,
                            at: c.ts(2)?,
                            actor: c.get(3)?,
                            actor_org: c.opt_uuid(4)?,
                            body: c.get(5)?,
                        })
                    },
                )?;
                Ok((ts_rows, cs))
            })
            .await?;
        let ts_rows = ts_rows
            .into_iter()
            .map(TransitionRow::decode)
            .collect::<Result<_, _>>()?;
        Ok((ts_rows, cs.into_iter().map(CommentRow::decode).collect()))
    }

    async fn transition_request(
        &self,
        t: &Transition,
        outcome: Option<&Outcome>,
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<bool, StoreError> {
        let row = TransitionRow::from(t);
        let outcome = outcome.map(outcome_text);
        let notices = notices.clone();
        self.audited(audit, move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE action_requests SET state = ?3, updated_at = ?4,
                            outcome = COALESCE(?5, outcome)
                     WHERE id = ?1 AND state = ?2",
                )?
                .execute(params![
                    row.request_id.to_string(),
                    row.from_state,
                    row.to_state,
                    ts(row.at),
                    outcome,
                ])?;
            if n == 0 {
                return Ok(false);
            }
            tx.prepare_cached(&format!(
                "INSERT INTO request_transitions ({TRANSITION_COLUMNS}, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, {NEXT_SEQ})",
                NEXT_SEQ = next_seq("request_transitions")
            ))?
            .execute(params![
                row.id.to_string(),
                row.request_id.to_string(),
                ts(row.at),
                row.actor,
                opt_uuid_text(row.actor_org),
                row.party,
                row.from_state,
                row.to_state,
                row.reason,
            ])?;
            insert_notices(tx, &notices)?;
            Ok(true)
        })
        .await
    }

    async fn insert_request_comment(
        &self,
        c: &Comment,
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<(), StoreError> {
        let r = CommentRow::from(c);
        let notices = notices.clone();
        self.audited(audit, move |tx| {
            tx.prepare_cached(&format!(
                "INSERT INTO request_comments ({COMMENT_COLUMNS}, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NEXT_SEQ})",
                NEXT_SEQ = next_seq("request_comments")
            ))?
            .execute(params![
                r.id.to_string(),
                r.request_id.to_string(),
                ts(r.at),
                r.actor,
                opt_uuid_text(r.actor_org),
                r.body,
            ])?;
            insert_notices(tx, &notices)
        })
        .await
    }

    async fn requests_due_notice(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        self.due_notice(now, limit).await
    }

    async fn record_request_notice(
        &self,
        id: RequestId,
        d: Deadline,
        at: OffsetDateTime,
        notices: &Notices,
    ) -> Result<bool, StoreError> {
        self.record_notice(id, d, at, notices).await
    }
}
