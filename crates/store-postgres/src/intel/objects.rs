//! Object versions: the serialised insert that assigns `date_added`, and the reads, whose every
//! filter (the sharing policy's first: [`super::sharing`]) is SQL, so pages and counts are the
//! database's.

use std::collections::HashSet;

use simpul_core::access::Visibility;
use simpul_core::access::sharing::SharingFilter;
use simpul_core::clock::to_micros;
use simpul_core::intel::store::{
    Inserted, MAX_PAGE, NewObject, ObjectQuery, Order, StoredObject, VersionMatch,
};
use simpul_core::store::StoreError;
use simpul_core::store::rows::ids_once;
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::sharing;
use crate::error::map_err;
use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

/// The columns of a listed object version (`rows::object` reads them with `recipients`).
pub(super) const COLUMNS: &str =
    "seq, collection_id, stix_id, stix_type, version, date_added, spec_version,
    producer_org, producer_user, tlp, pap, revoked, json";

/// Stores the versions not held yet, in one transaction that first locks the one row of
/// `intel_clock`. Every insert of objects, on every app node, queues on that row lock until the
/// holder commits or rolls back, so batches are written one at a time: each reads the `last_added`
/// its predecessor committed, gives its versions `max(now, last + 1µs)` and then 1µs apart, and
/// commits before the next one can start. A later commit therefore never carries an earlier
/// `date_added`, and a reader paging by `date_added` never has a row appear behind its cursor.
/// Under the same lock nobody else can store the same version, so what the first query finds held
/// is exactly what is skipped. A version is its producer's (collection, id, producing
/// organisation, version): another organisation's row at the same id and version is another
/// lineage, never a reason to skip.
///
/// Lock order: the clock row, then the rows written. An audited change that also stores objects
/// (marking changes, revocations, later) takes the audit lock first, then this row; nothing takes
/// them the other way round.
///
/// Bulk import goes through here too ([`insert_in`], from `imports.rs`). After a large import (into
/// a new or small table above all) the importer runs `ANALYZE objects, object_observables,
/// object_recipients` (`analyze_intel`) so that the planner sees the new sizes: autovacuum may be
/// off.
pub(super) async fn insert(
    store: &PostgresStore,
    objects: &[NewObject],
    now: OffsetDateTime,
) -> Result<Vec<Inserted>, StoreError> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(map_err)?;
    let answers = insert_in(&tx, objects, now).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(answers)
}

/// [`insert`] inside the caller's transaction `tx` (which then holds the `intel_clock` lock until
/// it ends): an import stores a batch and its job's progress in one transaction.
pub(super) async fn insert_in(
    tx: &deadpool_postgres::Transaction<'_>,
    objects: &[NewObject],
    now: OffsetDateTime,
) -> Result<Vec<Inserted>, StoreError> {
    let now = to_micros(now);
    let last: Option<OffsetDateTime> = query_opt(
        tx,
        "SELECT last_added FROM intel_clock WHERE id = 1 FOR UPDATE",
        &[],
    )
    .await?
    .map(|r| rows::value(&r, "intel_clock", "last_added"))
    .transpose()?
    .flatten();

    let key = |o: &NewObject| {
        (
            o.collection.0,
            o.stix_id.clone(),
            o.producer_org.0,
            to_micros(o.version),
        )
    };
    let mut held: HashSet<(Uuid, String, Uuid, OffsetDateTime)> = {
        let mut c = Vec::with_capacity(objects.len());
        let mut i = Vec::with_capacity(objects.len());
        let mut p = Vec::with_capacity(objects.len());
        let mut v = Vec::with_capacity(objects.len());
        for o in objects {
            c.push(o.collection.0);
            i.push(o.stix_id.as_str());
            p.push(o.producer_org.0);
            v.push(to_micros(o.version));
        }
        query(
            tx,
            "SELECT o.collection_id, o.stix_id, o.producer_org, o.version
             FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[]) AS t (c, i, p, v)
             JOIN objects o ON o.collection_id = t.c AND o.stix_id = t.i
                           AND o.producer_org = t.p AND o.version = t.v",
            &[&c, &i, &p, &v],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                rows::value(r, "objects", "collection_id")?,
                rows::value(r, "objects", "stix_id")?,
                rows::value(r, "objects", "producer_org")?,
                rows::value(r, "objects", "version")?,
            ))
        })
        .collect::<Result<_, StoreError>>()?
    };

    // Which versions are new (a repeat within the batch is held by its first), and their times.
    let mut answers = Vec::with_capacity(objects.len());
    let mut new: Vec<(&NewObject, OffsetDateTime)> = Vec::new();
    let mut prev = last;
    for o in objects {
        if !held.insert(key(o)) {
            answers.push(Inserted::AlreadyStored);
            continue;
        }
        let at = match prev {
            Some(p) if p >= now => p + time::Duration::microseconds(1),
            _ => now,
        };
        prev = Some(at);
        answers.push(Inserted::Stored(at));
        new.push((o, at));
    }
    if new.is_empty() {
        return Ok(answers);
    }

    let count = i64::try_from(new.len())
        .map_err(|_| StoreError::Backend("too many objects in one batch".into()))?;
    let mut seqs: Vec<i64> = query(
        tx,
        "SELECT nextval(pg_get_serial_sequence('objects', 'seq')) AS seq
         FROM generate_series(1, $1::bigint)",
        &[&count],
    )
    .await?
    .iter()
    .map(|r| rows::value(r, "objects", "seq"))
    .collect::<Result<_, _>>()?;
    seqs.sort_unstable();
    write_versions(tx, &seqs, &new).await?;
    super::refs::insert(tx, &seqs, &new).await?;
    execute(
        tx,
        "UPDATE intel_clock SET last_added = $1 WHERE id = 1",
        &[&prev],
    )
    .await?;
    Ok(answers)
}

/// Inserts the new versions with their recipients and observable keys, one statement per table.
async fn write_versions(
    tx: &deadpool_postgres::Transaction<'_>,
    seqs: &[i64],
    new: &[(&NewObject, OffsetDateTime)],
) -> Result<(), StoreError> {
    let mut cols = Versions::default();
    let (mut r_seq, mut r_user) = (Vec::new(), Vec::new());
    let (mut k_seq, mut k_key) = (Vec::new(), Vec::new());
    for (&seq, (o, at)) in seqs.iter().zip(new) {
        cols.push(seq, o, *at);
        let named = ids_once(o.recipients.iter().map(|u| u.0));
        r_seq.extend(std::iter::repeat_n(seq, named.len()));
        r_user.extend(named);
        let mut keys = HashSet::new();
        // A key PostgreSQL cannot hold (text never contains NUL) cannot be looked up either.
        for k in o.observables.iter().filter(|k| !k.contains('\0')) {
            if keys.insert(k.as_str()) {
                k_seq.push(seq);
                k_key.push(k.as_str());
            }
        }
    }
    execute(
        tx,
        "INSERT INTO objects (seq, collection_id, stix_id, stix_type, version, date_added,
             spec_version, producer_org, producer_user, tlp, pap, revoked, has_recipients, json,
             search)
         SELECT seq, c, i, ty, v, d, sv, po, pu, tlp, pap, rev, hr, body,
             intel_search_document(txt)
         FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[],
             $6::timestamptz[], $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::text[],
             $12::boolean[], $13::boolean[], $14::text[], $15::text[])
             AS t (seq, c, i, ty, v, d, sv, po, pu, tlp, pap, rev, hr, body, txt)",
        &[
            &cols.seq,
            &cols.collection,
            &cols.stix_id,
            &cols.stix_type,
            &cols.version,
            &cols.date_added,
            &cols.spec_version,
            &cols.producer_org,
            &cols.producer_user,
            &cols.tlp,
            &cols.pap,
            &cols.revoked,
            &cols.has_recipients,
            &cols.json,
            &cols.text,
        ],
    )
    .await?;
    if !r_seq.is_empty() {
        execute(
            tx,
            "INSERT INTO object_recipients (object_seq, user_id)
             SELECT * FROM unnest($1::bigint[], $2::uuid[])",
            &[&r_seq, &r_user],
        )
        .await?;
    }
    if !k_seq.is_empty() {
        execute(
            tx,
            "INSERT INTO object_observables (object_seq, key)
             SELECT * FROM unnest($1::bigint[], $2::text[])",
            &[&k_seq, &k_key],
        )
        .await?;
    }
    Ok(())
}

/// The new versions as one array per column, for `unnest`.
#[derive(Default)]
struct Versions<'a> {
    seq: Vec<i64>,
    collection: Vec<Uuid>,
    stix_id: Vec<&'a str>,
    stix_type: Vec<&'a str>,
    version: Vec<OffsetDateTime>,
    date_added: Vec<OffsetDateTime>,
    spec_version: Vec<&'a str>,
    producer_org: Vec<Uuid>,
    producer_user: Vec<Uuid>,
    tlp: Vec<&'static str>,
    pap: Vec<Option<&'static str>>,
    revoked: Vec<bool>,
    has_recipients: Vec<bool>,
    json: Vec<&'a str>,
    /// The search text, without NUL (which PostgreSQL text cannot hold; a space instead).
    text: Vec<String>,
}

impl<'a> Versions<'a> {
    fn push(&mut self, seq: i64, o: &'a NewObject, at: OffsetDateTime) {
        self.seq.push(seq);
        self.collection.push(o.collection.0);
        self.stix_id.push(&o.stix_id);
        self.stix_type.push(&o.stix_type);
        self.version.push(to_micros(o.version));
        self.date_added.push(at);
        self.spec_version.push(&o.spec_version);
        self.producer_org.push(o.producer_org.0);
        self.producer_user.push(o.producer_user.0);
        self.tlp.push(o.tlp.label());
        self.pap.push(o.pap.map(|p| p.as_str()));
        self.revoked.push(o.revoked);
        self.has_recipients.push(!o.recipients.is_empty());
        self.json.push(&o.json);
        self.text.push(o.text.replace('\0', " "));
    }
}

/// A statement being built: its text and its parameters, numbered as they are bound.
#[derive(Default)]
pub(super) struct Sql {
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Sql {
    /// Binds `value` and answers its placeholder (`$3`).
    pub(super) fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    pub(super) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// The conditions of `q` on `objects o` as seen through `f`: the sharing filter first, then every
/// filter of the query; the cursor too when `with_cursor`.
pub(super) fn conditions(
    sql: &mut Sql,
    f: &simpul_core::access::sharing::UserFilter,
    q: &ObjectQuery,
    with_cursor: bool,
) -> String {
    let viewer = sharing::Viewer::bind(sql, f);
    let mut w = vec![viewer.admits("o")];
    if let Some(c) = q.collection {
        w.push(format!("o.collection_id = {}", sql.bind(c.0)));
    }
    if !q.types.is_empty() {
        w.push(format!(
            "o.stix_type = ANY({}::text[])",
            sql.bind(without_nul(&q.types))
        ));
    }
    if !q.ids.is_empty() {
        w.push(format!(
            "o.stix_id = ANY({}::text[])",
            sql.bind(without_nul(&q.ids))
        ));
    }
    if !q.exclude_ids.is_empty() {
        w.push(format!(
            "NOT (o.stix_id = ANY({}::text[]))",
            sql.bind(without_nul(&q.exclude_ids))
        ));
    }
    if q.latest_only {
        // The newest version of its lineage, whoever may see it: a stricter new version hides the
        // object from those it no longer admits; another organisation's versions never do.
        w.push(format!(
            "NOT EXISTS (SELECT 1 FROM objects n WHERE {SAME_LINEAGE} AND n.version > o.version)"
        ));
    }
    if let Some(t) = q.added_after {
        w.push(format!("o.date_added > {}", sql.bind(t)));
    }
    if let Some(t) = q.tlp {
        w.push(format!("o.tlp = {}", sql.bind(t.label())));
    }
    if let Some(org) = q.producer_org {
        w.push(format!("o.producer_org = {}", sql.bind(org.0)));
    }
    if let Some(r) = q.revoked {
        w.push(format!("o.revoked = {}", sql.bind(r)));
    }
    // No stored key or ref holds a NUL (PostgreSQL text cannot): such a value matches nothing.
    if !q.observables.is_empty() {
        w.push(format!(
            "o.seq IN (SELECT x.object_seq FROM object_observables x WHERE x.key = ANY({}::text[]))",
            sql.bind(without_nul(&q.observables))
        ));
    }
    if !q.refs.is_empty() {
        w.push(format!(
            "o.seq IN (SELECT x.object_seq FROM object_refs x WHERE x.ref_id = ANY({}::text[]))",
            sql.bind(without_nul(&q.refs))
        ));
    }
    // Blank text (white space and control characters only) does not filter.
    if let Some(t) = q
        .text
        .as_deref()
        .filter(|t| !t.chars().all(|c| c.is_whitespace() || c.is_control()))
    {
        w.push(format!(
            "o.search @@ intel_search_query({})",
            sql.bind(search_words(t))
        ));
    }
    if !q.spec_versions.is_empty() {
        w.push(format!(
            "o.spec_version = ANY({}::text[])",
            sql.bind(without_nul(&q.spec_versions))
        ));
    }
    if let Some(m) = &q.versions {
        w.push(version_match(sql, m, &viewer.admits("n")));
    }
    if let (true, Some(c)) = (with_cursor, q.after_cursor) {
        let op = match q.order {
            Order::NewestFirst => "<",
            Order::OldestFirst => ">",
        };
        w.push(format!("o.date_added {op} {}", sql.bind(c)));
    }
    w.join("\n  AND ")
}

/// Row `n` is of row `o`'s lineage: the same id in the same collection by the same producing
/// organisation (the unique index `objects_version` serves it).
const SAME_LINEAGE: &str = "n.collection_id = o.collection_id AND n.stix_id = o.stix_id
      AND n.producer_org = o.producer_org";

/// TAXII `match[version]`, within each lineage: its newest version (whoever may see it: a stricter
/// new version hides the object), the oldest the viewer may see (`admits_n`: the viewer's condition
/// over row `n`; an older one they may not see must not hide it), or one at an instant named; any
/// of those asked for.
fn version_match(sql: &mut Sql, m: &VersionMatch, admits_n: &str) -> String {
    let mut any = Vec::new();
    for (wanted, op, also) in [
        (m.last, ">", String::new()),
        (m.first, "<", format!(" AND {admits_n}")),
    ] {
        if wanted {
            any.push(format!(
                "NOT EXISTS (SELECT 1 FROM objects n
                    WHERE {SAME_LINEAGE} AND n.version {op} o.version{also})"
            ));
        }
    }
    if !m.at.is_empty() {
        let at: Vec<OffsetDateTime> = m.at.iter().map(|t| to_micros(*t)).collect();
        any.push(format!("o.version = ANY({}::timestamptz[])", sql.bind(at)));
    }
    if any.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("({})", any.join(" OR "))
    }
}

/// `values` without those holding a NUL, which no stored text can equal (nor can PostgreSQL bind).
pub(super) fn without_nul(values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter(|v| !v.contains('\0'))
        .cloned()
        .collect()
}

/// The most characters of a text search that are searched for.
const MAX_SEARCH_CHARS: usize = 4096;

/// What of `text` is searched for: its first [`MAX_SEARCH_CHARS`] characters, cut at a space when
/// longer, without NUL. A query of tens of thousands of words would exceed PostgreSQL's stack while
/// it builds the tsquery, and nobody searches by a page of text; all words kept must still occur.
fn search_words(text: &str) -> String {
    let text = text.replace('\0', " ");
    match text.char_indices().nth(MAX_SEARCH_CHARS) {
        None => text,
        Some((end, _)) => {
            let head = &text[..end];
            head[..head.rfind(char::is_whitespace).unwrap_or(end)].to_owned()
        }
    }
}

pub(super) async fn list(
    store: &PostgresStore,
    v: &Visibility,
    q: &ObjectQuery,
) -> Result<Vec<StoredObject>, StoreError> {
    let SharingFilter::User(f) = SharingFilter::of(v) else {
        return Ok(Vec::new());
    };
    let limit = q.limit.min(MAX_PAGE);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let conditions = conditions(&mut sql, &f, q, true);
    let dir = match q.order {
        Order::NewestFirst => "DESC",
        Order::OldestFirst => "ASC",
    };
    let limit = sql.bind(i64::from(limit));
    // The page is chosen (and limited) first; recipients are read for its rows only.
    let text = format!(
        "SELECT p.*, ARRAY(SELECT r.user_id FROM object_recipients r
                           WHERE r.object_seq = p.seq ORDER BY r.user_id) AS recipients
         FROM (SELECT {COLUMNS} FROM objects o
               WHERE {conditions}
               ORDER BY o.date_added {dir} LIMIT {limit}) p
         ORDER BY p.date_added {dir}"
    );
    let client = store.client().await?;
    let rows = query(&client, &text, &sql.params()).await?;
    rows.iter().map(rows::object).collect()
}

pub(super) async fn count(
    store: &PostgresStore,
    v: &Visibility,
    q: &ObjectQuery,
) -> Result<u64, StoreError> {
    let SharingFilter::User(f) = SharingFilter::of(v) else {
        return Ok(0);
    };
    let mut sql = Sql::default();
    let conditions = conditions(&mut sql, &f, q, false);
    let text = match q.count_limit {
        Some(n) => format!(
            "SELECT count(*) AS n FROM (SELECT 1 FROM objects o WHERE {conditions} LIMIT {n}) AS l"
        ),
        None => format!("SELECT count(*) AS n FROM objects o WHERE {conditions}"),
    };
    let client = store.client().await?;
    let row = query_opt(&client, &text, &sql.params()).await?;
    let n: i64 = row
        .as_ref()
        .map(|r| rows::value(r, "objects", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
