//! Aggregates over what a viewer sees: each one statement whose `WHERE` is
//! [`super::objects::conditions`] (or, for given versions, the sharing filter alone), so nothing
//! unseen is counted or named.
//!
//! Sighting totals read `count` and the false-positive property from the stored JSON, parsed as
//! `json`. PostgreSQL cannot hold a NUL in text, so its JSON operators refuse a `\u0000` escape
//! anywhere in the document: each is first rewritten `\ufffd`, which changes only the text of
//! strings (an escaped backslash before `u0000` stays valid JSON too), never a number or a
//! boolean. Every stored object passed validation, so `count`, when present, is an integer of 0 to
//! 999,999,999.

use async_trait::async_trait;
use simpul_core::access::Visibility;
use simpul_core::access::sharing::{SharingFilter, UserFilter};
use simpul_core::intel::aggregate::{
    AggregateStore, FALSE_POSITIVE_PROPERTY, RefSightings, SightingTotals, VersionKey, seen_text,
};
use simpul_core::intel::store::ObjectQuery;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::objects::{Sql, conditions, without_nul};
use super::sharing;
use crate::tx::{query, query_opt};
use crate::{PostgresStore, rows};

fn viewer(v: &Visibility) -> Option<UserFilter> {
    match SharingFilter::of(v) {
        SharingFilter::Nothing => None,
        SharingFilter::User(f) => Some(f),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl AggregateStore for PostgresStore {
    async fn sighting_totals(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<SightingTotals, StoreError> {
        let Some(f) = viewer(v) else {
            return Ok(SightingTotals::default());
        };
        let mut sql = Sql::default();
        let w = conditions(&mut sql, &f, q, false);
        let fp = FALSE_POSITIVE_PROPERTY;
        let text = format!(
            "SELECT count(*) AS n,
                 coalesce(sum(CASE WHEN json_typeof(s.j -> 'count') = 'number'
                     THEN (s.j ->> 'count')::numeric ELSE 1 END), 0)::bigint AS total,
                 count(*) FILTER (WHERE json_typeof(s.j -> '{fp}') = 'boolean'
                     AND s.j ->> '{fp}' = 'true') AS fp
             FROM (SELECT replace(o.json, E'\\\\u0000', E'\\\\ufffd')::json AS j
                   FROM objects o WHERE {w}) s"
        );
        let client = self.client().await?;
        let Some(row) = query_opt(&client, &text, &sql.params()).await? else {
            return Ok(SightingTotals::default());
        };
        let get = |c: &str| rows::value::<i64>(&row, "objects", c).map(count);
        Ok(SightingTotals {
            sightings: get("n")?,
            count: get("total")?,
            false_positives: get("fp")?,
        })
    }

    async fn sightings_by_ref(
        &self,
        v: &Visibility,
        refs: &[String],
    ) -> Result<Vec<RefSightings>, StoreError> {
        let Some(f) = viewer(v) else {
            return Ok(Vec::new());
        };
        let q = ObjectQuery {
            types: vec!["sighting".into()],
            refs: refs.to_vec(),
            latest_only: true,
            revoked: Some(false),
            ..ObjectQuery::default()
        };
        let mut sql = Sql::default();
        let w = conditions(&mut sql, &f, &q, false);
        let wanted = if refs.is_empty() {
            "true".to_owned()
        } else {
            format!("x.ref_id = ANY({}::text[])", sql.bind(without_nul(refs)))
        };
        let fp = FALSE_POSITIVE_PROPERTY;
        // Text order "C", whatever the database's collation: the same as SQLite's max().
        let text = format!(
            "SELECT x.ref_id,
                 count(*) FILTER (WHERE NOT s.fp) AS sightings,
                 count(*) FILTER (WHERE s.fp) AS false_positives,
                 max(s.seen COLLATE \"C\") FILTER (WHERE NOT s.fp) AS last_seen,
                 max(s.seen COLLATE \"C\") FILTER (WHERE s.fp) AS last_fp
             FROM (SELECT t.seq, coalesce(json_typeof(t.j -> '{fp}') = 'boolean'
                              AND t.j ->> '{fp}' = 'true', false) AS fp,
                          coalesce(t.j ->> 'last_seen', t.j ->> 'first_seen', t.j ->> 'created') AS seen
                   FROM (SELECT o.seq, replace(o.json, E'\\\\u0000', E'\\\\ufffd')::json AS j
                         FROM objects o WHERE {w}) t) s
             JOIN object_refs x ON x.object_seq = s.seq
             WHERE {wanted}
             GROUP BY x.ref_id"
        );
        let client = self.client().await?;
        query(&client, &text, &sql.params())
            .await?
            .iter()
            .map(|r| {
                let at = |c: &str| -> Result<_, StoreError> {
                    Ok(rows::value::<Option<String>>(r, "objects", c)?
                        .as_deref()
                        .and_then(seen_text))
                };
                Ok(RefSightings {
                    ref_id: rows::value(r, "objects", "ref_id")?,
                    sightings: count(rows::value(r, "objects", "sightings")?),
                    false_positives: count(rows::value(r, "objects", "false_positives")?),
                    last_seen: at("last_seen")?,
                    last_false_positive: at("last_fp")?,
                })
            })
            .collect()
    }

    async fn producers(&self, v: &Visibility, q: &ObjectQuery) -> Result<Vec<OrgId>, StoreError> {
        let Some(f) = viewer(v) else {
            return Ok(Vec::new());
        };
        let mut sql = Sql::default();
        let w = conditions(&mut sql, &f, q, false);
        let text = format!(
            "SELECT DISTINCT o.producer_org FROM objects o WHERE {w} ORDER BY o.producer_org"
        );
        let client = self.client().await?;
        query(&client, &text, &sql.params())
            .await?
            .iter()
            .map(|r| rows::value(r, "objects", "producer_org").map(OrgId))
            .collect()
    }

    async fn observable_keys(
        &self,
        v: &Visibility,
        versions: &[VersionKey],
    ) -> Result<Vec<Vec<String>>, StoreError> {
        let mut out = vec![Vec::new(); versions.len()];
        let Some(f) = viewer(v) else {
            return Ok(out);
        };
        if versions.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::default();
        let admits = sharing::Viewer::bind(&mut sql, &f).admits("o");
        // An id holding a NUL is stored nowhere (nor can PostgreSQL bind it): its keys stay empty.
        let mut n: Vec<i64> = Vec::new();
        let (mut c, mut i, mut p, mut at): (
            Vec<Uuid>,
            Vec<String>,
            Vec<Uuid>,
            Vec<OffsetDateTime>,
        ) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (index, k) in versions.iter().enumerate() {
            if let (false, Ok(index)) = (k.stix_id.contains('\0'), i64::try_from(index)) {
                n.push(index);
                c.push(k.collection.0);
                i.push(k.stix_id.clone());
                p.push(k.producer_org.0);
                at.push(k.version);
            }
        }
        let (n, c, i, p, at) = (
            sql.bind(n),
            sql.bind(c),
            sql.bind(i),
            sql.bind(p),
            sql.bind(at),
        );
        // Byte order, whatever the database's collation: the same order as SQLite.
        let text = format!(
            "SELECT t.n, ARRAY(SELECT x.key FROM object_observables x
                               WHERE x.object_seq = o.seq ORDER BY x.key COLLATE \"C\") AS keys
             FROM unnest({n}::bigint[], {c}::uuid[], {i}::text[], {p}::uuid[], {at}::timestamptz[])
                 AS t (n, c, i, p, v)
             JOIN objects o ON o.collection_id = t.c AND o.stix_id = t.i AND o.producer_org = t.p
                 AND o.version = t.v
             WHERE {admits}"
        );
        let client = self.client().await?;
        for r in query(&client, &text, &sql.params()).await? {
            let n: i64 = rows::value(&r, "objects", "n")?;
            let keys: Vec<String> = rows::value(&r, "objects", "keys")?;
            if let Some(slot) = usize::try_from(n).ok().and_then(|n| out.get_mut(n)) {
                *slot = keys;
            }
        }
        Ok(out)
    }
}
