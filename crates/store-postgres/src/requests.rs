//! Action requests' tables: `action_requests`, `request_observables` (indexed by canonical key),
//! `request_named`, `request_personal_data`, `request_transitions` and `request_comments`; and
//! the reader's [`RequestFilter`] compiled into PostgreSQL's SQL.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
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
use tokio_postgres::Row;
use uuid::Uuid;

use crate::request_notices::{insert_notices, set_warn_at};
use crate::tx::{Params, execute, query};
use crate::{PostgresStore, rows};

fn request(r: &Row) -> Result<RequestRow, StoreError> {
    let t = "action_requests";
    Ok(RequestRow {
        id: rows::value(r, t, "id")?,
        kind: rows::value(r, t, "kind")?,
        requester_org: rows::value(r, t, "requester_org")?,
        target_org: rows::value(r, t, "target_org")?,
        to_country: rows::value(r, t, "to_country")?,
        summary: rows::value(r, t, "summary")?,
        details: rows::value(r, t, "details")?,
        legal_basis: rows::value(r, t, "legal_basis")?,
        urgency: rows::value(r, t, "urgency")?,
        tlp: rows::value(r, t, "tlp")?,
        case_id: rows::value(r, t, "case_id")?,
        state: rows::value(r, t, "state")?,
        due_at: rows::value(r, t, "due_at")?,
        created_at: rows::value(r, t, "created_at")?,
        created_by: rows::value(r, t, "created_by")?,
        updated_at: rows::value(r, t, "updated_at")?,
        outcome: rows::value(r, t, "outcome")?,
    })
}

fn observable(r: &Row) -> Result<ObservableRow, StoreError> {
    let t = "request_observables";
    Ok(ObservableRow {
        request_id: rows::value(r, t, "request_id")?,
        position: rows::value(r, t, "position")?,
        ty: rows::value(r, t, "type")?,
        value: rows::value(r, t, "value")?,
        key: rows::value(r, t, "key")?,
        personal: rows::value(r, t, "personal")?,
    })
}

fn named(r: &Row) -> Result<(Uuid, Uuid), StoreError> {
    let t = "request_named";
    Ok((
        rows::value(r, t, "request_id")?,
        rows::value(r, t, "user_id")?,
    ))
}

/// The reader's filter and the list filters over `action_requests r`, with the parameters
/// `$1` … `$10` of `list_requests`.
const VISIBLE: &str = "
    ((r.requester_org = $1::uuid OR r.target_org = $1::uuid)
      AND (r.tlp <> $10::text OR EXISTS (SELECT 1 FROM request_named n
                                         WHERE n.request_id = r.id AND n.user_id = $2::uuid))
     OR ($3::bool AND r.tlp <> $10::text))
    AND ($4::text IS NULL OR r.state = $4::text)
    AND ($5::text IS NULL OR r.kind = $5::text)
    AND ($6::uuid IS NULL OR r.target_org = $6::uuid)
    AND ($7::uuid IS NULL OR r.requester_org = $7::uuid)
    AND ($8::bool IS NULL OR $8::bool = (r.state IN (OPEN) AND r.due_at < $9::timestamptz))";

/// The next number of a request's transition or comment in `table` (the request is `$2`): audited
/// writes are serialised by the audit lock, so two never take the same.
fn next_seq(table: &str) -> String {
    format!("(SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE request_id = $2)")
}

/// The order of every list: newest first, by the keyset `(created_at, id)`.
const ORDER: &str = "ORDER BY r.created_at DESC, r.id DESC";

/// The keyset condition after a cursor (`$11` created, `$12` id; both NULL for none).
const AFTER: &str = "($11::timestamptz IS NULL OR r.created_at < $11::timestamptz
     OR (r.created_at = $11::timestamptz AND r.id < $12::uuid))";

/// The requests whose rows `where_` (over `action_requests r`, with `p`) selects, at most
/// `limit`, with their observables and named users, assembled.
async fn load(
    c: &impl GenericClient,
    where_: &str,
    limit: Option<u32>,
    p: Params<'_>,
) -> Result<Vec<Request>, StoreError> {
    let cols = REQUEST_COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let reqs = query(
        c,
        &format!("SELECT {cols} FROM action_requests r WHERE {where_} {ORDER}{limit}"),
        p,
    )
    .await?
    .iter()
    .map(request)
    .collect::<Result<Vec<_>, _>>()?;
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = reqs.iter().map(|r| r.id).collect();
    let ocols = OBSERVABLE_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let obs = query(
        c,
        &format!("SELECT {ocols} FROM request_observables o WHERE o.request_id = ANY($1::uuid[])"),
        &[&ids],
    )
    .await?
    .iter()
    .map(observable)
    .collect::<Result<Vec<_>, _>>()?;
    let names = query(
        c,
        "SELECT m.request_id, m.user_id FROM request_named m WHERE m.request_id = ANY($1::uuid[])",
        &[&ids],
    )
    .await?
    .iter()
    .map(named)
    .collect::<Result<Vec<_>, _>>()?;
    assemble(reqs, obs, names)
}

async fn insert_rows(
    tx: &Transaction<'_>,
    r: &RequestRow,
    obs: &[ObservableRow],
    named: &[Uuid],
    personal: &[PersonalRow],
) -> Result<(), StoreError> {
    execute(
        tx,
        &format!(
            "INSERT INTO action_requests ({REQUEST_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ),
        &[
            &r.id,
            &r.kind,
            &r.requester_org,
            &r.target_org,
            &r.to_country,
            &r.summary,
            &r.details,
            &r.legal_basis,
            &r.urgency,
            &r.tlp,
            &r.case_id,
            &r.state,
            &r.due_at,
            &r.created_at,
            &r.created_by,
            &r.updated_at,
            &r.outcome,
        ],
    )
    .await?;
    let sql = format!(
        "INSERT INTO request_observables ({OBSERVABLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    );
    for o in obs {
        execute(
            tx,
            &sql,
            &[
                &o.request_id,
                &o.position,
                &o.ty,
                &o.value,
                &o.key,
                &o.personal,
            ],
        )
        .await?;
    }
    for u in named {
        execute(
            tx,
            "INSERT INTO request_named (request_id, user_id) VALUES ($1, $2)",
            &[&r.id, u],
        )
        .await?;
    }
    let sql = format!(
        "INSERT INTO request_personal_data ({PERSONAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
    );
    for d in personal {
        execute(
            tx,
            &sql,
            &[&d.request_id, &d.position, &d.role, &d.name, &d.identifier],
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl RequestStore for PostgresStore {
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
            Box::pin(async move {
                insert_rows(tx, &r, &obs, &named, &personal).await?;
                set_warn_at(tx, &request).await?;
                insert_notices(tx, &notices).await
            })
        })
        .await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        q: &RequestQuery,
    ) -> Result<Vec<Request>, StoreError> {
        let client = self.client().await?;
        let org: Option<Uuid> = filter.party.map(|(o, _)| o.0);
        let user: Option<Uuid> = filter.party.map(|(_, u)| u.0);
        let state: Option<&str> = q.state.map(|s| s.as_str());
        let kind: Option<&str> = q.kind.map(|k| k.as_str());
        let to: Option<Uuid> = q.to.map(|o| o.0);
        let from: Option<Uuid> = q.from.map(|o| o.0);
        let visible = format!("{} AND {AFTER}", VISIBLE.replace("OPEN", OPEN_STATES));
        let after_at: Option<OffsetDateTime> = q.after.map(|a| a.created_at);
        let after_id: Option<Uuid> = q.after.map(|a| a.id.0);
        load(
            &client,
            &visible,
            q.limit,
            &[
                &org,
                &user,
                &filter.all_but_red,
                &state,
                &kind,
                &to,
                &from,
                &q.overdue,
                &q.now,
                &RED,
                &after_at,
                &after_id,
            ],
        )
        .await
    }

    async fn request_stats_sources(
        &self,
        filter: &RequestFilter,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StatsSource>, StoreError> {
        let client = self.client().await?;
        let org: Option<Uuid> = filter.party.map(|(o, _)| o.0);
        let user: Option<Uuid> = filter.party.map(|(_, u)| u.0);
        let none_text: Option<&str> = None;
        let none_uuid: Option<Uuid> = None;
        let none_bool: Option<bool> = None;
        let where_ = format!(
            "{} AND r.created_at >= $11::timestamptz AND r.created_at < $12::timestamptz",
            VISIBLE.replace("OPEN", OPEN_STATES)
        );
        let p: Params<'_> = &[
            &org,
            &user,
            &filter.all_but_red,
            &none_text,
            &none_text,
            &none_uuid,
            &none_uuid,
            &none_bool,
            &to,
            &RED,
            &from,
            &to,
        ];
        let requests = load(&client, &where_, None, p).await?;
        let steps = query(
            &client,
            &format!(
                "SELECT t.request_id, t.to_state, t.at FROM request_transitions t
                 JOIN action_requests r ON r.id = t.request_id WHERE {where_}
                 ORDER BY t.request_id, t.seq"
            ),
            p,
        )
        .await?
        .iter()
        .map(|r| {
            let t = "request_transitions";
            Ok((
                rows::value(r, t, "request_id")?,
                rows::value(r, t, "to_state")?,
                rows::value(r, t, "at")?,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        stats_sources(requests, steps)
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let client = self.client().await?;
        Ok(load(&client, "r.id = $1", None, &[&id.0])
            .await?
            .into_iter()
            .next())
    }

    async fn request_personal_data(&self, id: RequestId) -> Result<Vec<PersonalData>, StoreError> {
        let client = self.client().await?;
        let t = "request_personal_data";
        query(
            &client,
            &format!(
                "SELECT {PERSONAL_COLUMNS} FROM request_personal_data
                 WHERE request_id = $1 ORDER BY position"
            ),
            &[&id.0],
        )
        .await?
        .iter()
        .map(|r| {
            PersonalRow {
                request_id: rows::value(r, t, "request_id")?,
                position: rows::value(r, t, "position")?,
                role: rows::value(r, t, "role")?,
                name: rows::value(r, t, "name")?,
                identifier: rows::value(r, t, "identifier")?,
            }
            .decode()
        })
        .collect()
    }

    async fn request_history(
        &self,
        id: RequestId,
    ) -> Result<(Vec<Transition>, Vec<Comment>), StoreError> {
        let client = self.client().await?;
        let t = "request_transitions";
        let transitions = query(
            &client,
            &format!(
                "SELECT {TRANSITION_COLUMNS} FROM request_transitions
                 WHERE request_id = $1 ORDER BY seq"
            ),
            &[&id.0],
        )
        .await?
        .iter()
        .map(|r| {
            TransitionRow {
                id: rows::value(r, t, "id")?,
                request_id: rows::value(r, t, "request_id")?,
                at: rows::value(r, t, "at")?,
                actor: rows::value(r, t, "actor")?,
                actor_org: rows::value(r, t, "actor_org")?,
                party: rows::value(r, t, "party")?,
                from_state: rows::value(r, t, "from_state")?,
                to_state: rows::value(r, t, "to_state")?,
                reason: rows::value(r, t, "reason")?,
            }
            .decode()
        })
        .collect::<Result<Vec<_>, _>>()?;
        let t = "request_comments";
        let comments = query(
            &client,
            &format!(
                "SELECT {COMMENT_COLUMNS} FROM request_comments
                 WHERE request_id = $1 ORDER BY seq"
            ),
            &[&id.0],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(CommentRow {
                id: rows::value(r, t, "id")?,
                request_id: rows::value(r, t, "request_id")?,
                at: rows::value(r, t, "at")?,
                actor: rows::value(r, t, "actor")?,
                actor_org: rows::value(r, t, "actor_org")?,
                body: rows::value(r, t, "body")?,
            }
            .decode())
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((transitions, comments))
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
            Box::pin(async move {
                let n = execute(
                    tx,
                    "UPDATE action_requests SET state = $3, updated_at = $4,
                            outcome = COALESCE($5, outcome)
                     WHERE id = $1 AND state = $2",
                    &[
                        &row.request_id,
                        &row.from_state,
                        &row.to_state,
                        &row.at,
                        &outcome,
                    ],
                )
                .await?;
                if n == 0 {
                    return Ok(false);
                }
                execute(
                    tx,
                    &format!(
                        "INSERT INTO request_transitions ({TRANSITION_COLUMNS}, seq)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {NEXT_SEQ})",
                        NEXT_SEQ = next_seq("request_transitions")
                    ),
                    &[
                        &row.id,
                        &row.request_id,
                        &row.at,
                        &row.actor,
                        &row.actor_org,
                        &row.party,
                        &row.from_state,
                        &row.to_state,
                        &row.reason,
                    ],
                )
                .await?;
                insert_notices(tx, &notices).await?;
                Ok(true)
            })
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
            Box::pin(async move {
                execute(
                    tx,
                    &format!(
                        "INSERT INTO request_comments ({COMMENT_COLUMNS}, seq)
                         VALUES ($1, $2, $3, $4, $5, $6, {NEXT_SEQ})",
                        NEXT_SEQ = next_seq("request_comments")
                    ),
                    &[&r.id, &r.request_id, &r.at, &r.actor, &r.actor_org, &r.body],
                )
                .await?;
                insert_notices(tx, &notices).await
            })
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
