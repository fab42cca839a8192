//! Aggregates over what a viewer sees: each one statement over [`filter::from_where`], the same
//! sharing filter and query conditions as every listing, so nothing unseen is counted or named.
//!
//! Sighting totals read `count` and the false-positive property from the stored JSON with SQLite's
//! JSON functions (every stored object passed validation: `count` is an integer of 0 to
//! 999,999,999 when present).

use async_trait::async_trait;
use simpul_core::access::Visibility;
use simpul_core::intel::aggregate::{
    AggregateStore, FALSE_POSITIVE_PROPERTY, RefSightings, SightingTotals, VersionKey, seen_text,
};
use simpul_core::intel::store::ObjectQuery;
use simpul_core::org::OrgId;
use simpul_core::store::StoreError;

use super::filter::{self, Sql};
use crate::SqliteStore;
use crate::rows::{Cols, ts};
use crate::tx::{query_all, query_opt};

/// Versions per statement of `observable_keys` (five parameters each, well under SQLite's limit).
const KEYS_BATCH: usize = 500;

/// `SELECT {select} FROM … WHERE …` for what `v` sees of `q` (no cursor, order or limit); `None`
/// when `v` sees nothing.
fn select(v: &Visibility, q: &ObjectQuery, select: &str) -> Option<Sql> {
    let f = filter::user_filter(v)?;
    let mut sql = Sql::default();
    let from = filter::from_where(&mut sql, &f, q, false);
    sql.text = format!("SELECT {select} {from}");
    Some(sql)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl AggregateStore for SqliteStore {
    async fn sighting_totals(
        &self,
        v: &Visibility,
        q: &ObjectQuery,
    ) -> Result<SightingTotals, StoreError> {
        let columns = format!(
            "count(*),
             coalesce(sum(CASE json_type(o.json, '$.count')
                 WHEN 'integer' THEN json_extract(o.json, '$.count') ELSE 1 END), 0),
             coalesce(sum(json_type(o.json, '$.{FALSE_POSITIVE_PROPERTY}') = 'true'), 0)"
        );
        let Some(sql) = select(v, q, &columns) else {
            return Ok(SightingTotals::default());
        };
        self.read(move |c| {
            let row = query_opt(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            Ok(
                row.map_or_else(SightingTotals::default, |(n, total, fp)| SightingTotals {
                    sightings: count(n),
                    count: count(total),
                    false_positives: count(fp),
                }),
            )
        })
        .await
    }

    async fn sightings_by_ref(
        &self,
        v: &Visibility,
        refs: &[String],
    ) -> Result<Vec<RefSightings>, StoreError> {
        let Some(f) = filter::user_filter(v) else {
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
        let from = filter::from_where(&mut sql, &f, &q, false);
        let wanted = if refs.is_empty() {
            "1".to_owned()
        } else {
            filter::any_of(&mut sql, "rf.ref_id", refs)
        };
        sql.text = format!(
            "SELECT rf.ref_id, sum(s.fp = 0), sum(s.fp = 1),
                 max(CASE WHEN s.fp = 0 THEN s.seen END), max(CASE WHEN s.fp = 1 THEN s.seen END)
             FROM (SELECT o.seq,
                       coalesce(json_type(o.json, '$.{FALSE_POSITIVE_PROPERTY}') = 'true', 0) AS fp,
                       coalesce(json_extract(o.json, '$.last_seen'),
                                json_extract(o.json, '$.first_seen'),
                                json_extract(o.json, '$.created')) AS seen
                   {from}) s
             JOIN object_refs rf ON rf.object = s.seq
             WHERE {wanted}
             GROUP BY rf.ref_id"
        );
        self.read(move |c| {
            query_all(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
                let at = |i| -> rusqlite::Result<_> {
                    Ok(r.get::<_, Option<String>>(i)?
                        .as_deref()
                        .and_then(seen_text))
                };
                Ok(RefSightings {
                    ref_id: r.get(0)?,
                    sightings: count(r.get(1)?),
                    false_positives: count(r.get(2)?),
                    last_seen: at(3)?,
                    last_false_positive: at(4)?,
                })
            })
        })
        .await
    }

    async fn producers(&self, v: &Visibility, q: &ObjectQuery) -> Result<Vec<OrgId>, StoreError> {
        let Some(mut sql) = select(v, q, "DISTINCT o.producer_org") else {
            return Ok(Vec::new());
        };
        sql.text.push_str(" ORDER BY o.producer_org");
        self.read(move |c| {
            query_all(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
                Ok(OrgId(Cols::new(r, "objects").uuid(0)?))
            })
        })
        .await
    }

    async fn observable_keys(
        &self,
        v: &Visibility,
        versions: &[VersionKey],
    ) -> Result<Vec<Vec<String>>, StoreError> {
        let Some(f) = filter::user_filter(v) else {
            return Ok(vec![Vec::new(); versions.len()]);
        };
        // One statement per batch of versions: the versions as a table, each joined to its row
        // and its keys, a row only if the viewer may see it (the filter, correlated on `seq`).
        let mut statements = Vec::new();
        for batch in versions.chunks(KEYS_BATCH) {
            let mut sql = Sql::default();
            let from = filter::from_where(&mut sql, &f, &ObjectQuery::default(), false);
            let rows: Vec<String> = batch
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    format!(
                        "({}, {}, {}, {}, {})",
                        sql.bind(i64::try_from(i).unwrap_or(i64::MAX)),
                        sql.bind(k.collection.0.to_string()),
                        sql.bind(k.stix_id.clone()),
                        sql.bind(k.producer_org.0.to_string()),
                        sql.bind(ts(k.version)),
                    )
                })
                .collect();
            sql.text = format!(
                "WITH want(i, collection_id, stix_id, producer_org, version) AS (VALUES {})
                 SELECT want.i, ob.key FROM want
                 JOIN objects w ON w.collection_id = want.collection_id
                   AND w.stix_id = want.stix_id AND w.producer_org = want.producer_org
                   AND w.version = want.version
                 JOIN object_observables ob ON ob.object = w.seq
                 WHERE EXISTS (SELECT 1 {from} AND o.seq = w.seq)
                 ORDER BY want.i, ob.key",
                rows.join(", ")
            );
            statements.push((batch.len(), sql));
        }
        self.read(move |c| {
            let mut out = Vec::new();
            for (len, sql) in &statements {
                let mut keys = vec![Vec::new(); *len];
                let found =
                    query_all(c, &sql.text, rusqlite::params_from_iter(&sql.params), |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                    })?;
                for (i, key) in found {
                    if let Some(slot) = usize::try_from(i).ok().and_then(|i| keys.get_mut(i)) {
                        slot.push(key);
                    }
                }
                out.extend(keys);
            }
            Ok(out)
        })
        .await
    }
}
