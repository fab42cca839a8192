//! The storage limit of an import on SQLite (bench/import.sh): the rows `simpul import` stored in
//! SOURCE (objects, their observable keys and search text) inserted again, without simpul, into
//! TARGET (a copy of the same database taken before the import: same schema, indexes and
//! settings), in transactions of 2,000 objects with prepared statements, durably (WAL,
//! `synchronous = FULL`), with the connection settings simpul's store uses. Prints
//! `{"rows": N, "seconds": S, "per_s": R}`.
//!
//! Usage: `bareinsert SOURCE.db TARGET.db [--default-cache]` (the last: SQLite's default 2 MiB
//! page cache instead of the store's, to show what the cache is worth).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::{Connection, params};

struct Row {
    cols: [String; 10],
    revoked: i64,
    has_recipients: i64,
    keys: Vec<String>,
    text: String,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (source, target) = (&args[1], &args[2]);
    let src = Connection::open(source).unwrap();
    let mut keys: HashMap<i64, Vec<String>> = HashMap::new();
    {
        let mut s = src
            .prepare("SELECT object, key FROM object_observables")
            .unwrap();
        let mut r = s.query([]).unwrap();
        while let Some(row) = r.next().unwrap() {
            keys.entry(row.get(0).unwrap())
                .or_default()
                .push(row.get(1).unwrap());
        }
    }
    let mut rows = Vec::new();
    {
        let mut s = src
            .prepare(
                "SELECT seq, collection_id, stix_id, stix_type, version, date_added, spec_version,
                     producer_org, producer_user, tlp, COALESCE(pap, ''), revoked, has_recipients, json
                 FROM objects ORDER BY seq",
            )
            .unwrap();
        let mut r = s.query([]).unwrap();
        while let Some(row) = r.next().unwrap() {
            let seq: i64 = row.get(0).unwrap();
            let json: String = row.get(13).unwrap();
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let text = ["name", "description", "pattern", "value"]
                .iter()
                .filter_map(|k| v.get(*k).and_then(|x| x.as_str()))
                .collect::<Vec<_>>()
                .join("\n");
            let g = |i| row.get::<_, String>(i).unwrap();
            rows.push(Row {
                cols: [g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9), json],
                revoked: row.get(11).unwrap(),
                has_recipients: row.get(12).unwrap(),
                keys: keys.remove(&seq).unwrap_or_default(),
                text,
            });
            let _ = g(10);
        }
    }
    let mut dst = Connection::open(target).unwrap();
    dst.execute_batch(simpul_store_sqlite::CONNECTION_PRAGMAS)
        .unwrap();
    if args.get(3).map(String::as_str) == Some("--default-cache") {
        dst.execute_batch("PRAGMA cache_size = -2000;").unwrap();
    }
    let start = Instant::now();
    for chunk in rows.chunks(2000) {
        let tx = dst
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        {
            let mut obj = tx
                .prepare_cached(
                    "INSERT INTO objects (collection_id, stix_id, stix_type, version, date_added,
                         spec_version, producer_org, producer_user, tlp, pap, revoked, json,
                         has_recipients)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11, ?12)",
                )
                .unwrap();
            let mut key = tx
                .prepare_cached("INSERT INTO object_observables (object, key) VALUES (?1, ?2)")
                .unwrap();
            let mut text = tx
                .prepare_cached("INSERT INTO object_text (rowid, text) VALUES (?1, ?2)")
                .unwrap();
            for r in chunk {
                let c = &r.cols;
                obj.execute(params![
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    c[4],
                    c[5],
                    c[6],
                    c[7],
                    c[8],
                    r.revoked,
                    c[9],
                    r.has_recipients
                ])
                .unwrap();
                let seq = tx.last_insert_rowid();
                for k in &r.keys {
                    key.execute(params![seq, k]).unwrap();
                }
                if !r.text.is_empty() {
                    text.execute(params![seq, r.text]).unwrap();
                }
            }
        }
        tx.commit().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {}, \"seconds\": {secs:.3}, \"per_s\": {:.0}}}",
        rows.len(),
        rows.len() as f64 / secs
    );
}
