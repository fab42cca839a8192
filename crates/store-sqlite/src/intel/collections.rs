//! `collections`, `collection_orgs`, `collection_users` and `collection_read_only_orgs`.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use simpul_core::intel::{Collection, CollectionId};
use simpul_core::store::rows::CollectionRow;
use uuid::Uuid;

use crate::error::Error;
use crate::rows::{self, Cols, opt_uuid_text, ts};
use crate::tx::query_all;

/// The side tables of a collection and their member column: each a set of ids, written and read
/// the same way, in the order of [`sides`].
const SIDES: [(&str, &str); 3] = [
    ("collection_orgs", "org_id"),
    ("collection_users", "user_id"),
    ("collection_read_only_orgs", "org_id"),
];

fn sides(r: &CollectionRow) -> [&[Uuid]; 3] {
    [&r.audience_orgs, &r.audience_users, &r.read_only_orgs]
}

fn write_sides(tx: &Connection, r: &CollectionRow) -> Result<(), Error> {
    let id = r.id.to_string();
    for ((table, member), ids) in SIDES.iter().zip(sides(r)) {
        let mut stmt = tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO {table} (collection_id, {member}) VALUES (?1, ?2)"
        ))?;
        for member in ids {
            stmt.execute([&id, &member.to_string()])?;
        }
    }
    Ok(())
}

pub(super) fn insert(tx: &Connection, r: &CollectionRow) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO collections (id, title, alias, description, audience_kind, community_id, default_tlp, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.id.to_string(),
            r.title,
            r.alias,
            r.description,
            r.audience_kind,
            opt_uuid_text(r.community_id),
            r.default_tlp,
            ts(r.created_at),
        ],
    )?;
    write_sides(tx, r)
}

/// Writes everything but the id and creation time; whether the collection exists (a missing one is
/// left missing, and no audit entry is written).
pub(super) fn update(tx: &Connection, r: &CollectionRow) -> Result<bool, Error> {
    let changed = tx.execute(
        "UPDATE collections SET title = ?2, alias = ?3, description = ?4, audience_kind = ?5,
             community_id = ?6, default_tlp = ?7
         WHERE id = ?1",
        params![
            r.id.to_string(),
            r.title,
            r.alias,
            r.description,
            r.audience_kind,
            opt_uuid_text(r.community_id),
            r.default_tlp,
        ],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    for (table, _) in SIDES {
        tx.execute(
            &format!("DELETE FROM {table} WHERE collection_id = ?1"),
            [r.id.to_string()],
        )?;
    }
    write_sides(tx, r)?;
    Ok(true)
}

/// The collection `id`, or all of them, ordered by title then id, each with its side tables (three
/// queries for all collections, not three per collection).
pub(super) fn load(c: &Connection, id: Option<CollectionId>) -> Result<Vec<Collection>, Error> {
    let (filter, side_filter, params) = match id {
        Some(id) => (
            "WHERE id = ?1",
            "WHERE collection_id = ?1",
            vec![id.0.to_string()],
        ),
        None => ("", "", Vec::new()),
    };
    let mut found = query_all(
        c,
        &format!(
            "SELECT id, title, alias, description, audience_kind, community_id, default_tlp, created_at
             FROM collections {filter} ORDER BY title, id"
        ),
        rusqlite::params_from_iter(&params),
        rows::collection,
    )?;
    let mut members: [HashMap<Uuid, Vec<Uuid>>; 3] = Default::default();
    for ((table, member), into) in SIDES.iter().zip(members.iter_mut()) {
        let pairs = query_all(
            c,
            &format!(
                "SELECT collection_id, {member} FROM {table} {side_filter}
                 ORDER BY collection_id, {member}"
            ),
            rusqlite::params_from_iter(&params),
            |r| {
                let cols = Cols::new(r, table);
                Ok((cols.uuid(0)?, cols.uuid(1)?))
            },
        )?;
        for (collection, member) in pairs {
            into.entry(collection).or_default().push(member);
        }
    }
    let [mut orgs, mut users, mut read_only] = members;
    for r in &mut found {
        r.audience_orgs = orgs.remove(&r.id).unwrap_or_default();
        r.audience_users = users.remove(&r.id).unwrap_or_default();
        r.read_only_orgs = read_only.remove(&r.id).unwrap_or_default();
    }
    Ok(found
        .into_iter()
        .map(CollectionRow::decode)
        .collect::<Result<_, _>>()?)
}
