//! Collections: their row, and the sets of their audience and read-only organisations in side
//! tables (each id once, read back ordered by id).

use deadpool_postgres::GenericClient;
use simpul_core::audit::AuditEvent;
use simpul_core::intel::{Collection, CollectionId};
use simpul_core::store::StoreError;
use simpul_core::store::rows::CollectionRow;
use uuid::Uuid;

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

/// A collection with its lists, aggregated in one query (`rows::collection` reads it).
const SELECT: &str = "SELECT c.id, c.title, c.alias, c.description, c.audience, c.community_id,
        c.default_tlp, c.created_at,
        ARRAY(SELECT x.org_id FROM collection_orgs x WHERE x.collection_id = c.id ORDER BY x.org_id)
            AS orgs,
        ARRAY(SELECT x.user_id FROM collection_users x WHERE x.collection_id = c.id ORDER BY x.user_id)
            AS users,
        ARRAY(SELECT x.org_id FROM collection_read_only_orgs x WHERE x.collection_id = c.id
              ORDER BY x.org_id) AS read_only_orgs
     FROM collections c";

/// The side tables, each filled from one array in its order.
const LISTS: [(&str, &str); 3] = [
    ("collection_orgs", "org_id"),
    ("collection_users", "user_id"),
    ("collection_read_only_orgs", "org_id"),
];

/// The side-table sets of `row`, in the order of `LISTS`.
fn lists(row: &CollectionRow) -> [&Vec<Uuid>; 3] {
    [&row.audience_orgs, &row.audience_users, &row.read_only_orgs]
}

/// Fills the side tables of collection `row.id` (emptied first by `update`).
async fn write_lists(tx: &impl GenericClient, row: &CollectionRow) -> Result<(), StoreError> {
    for ((table, column), ids) in LISTS.iter().zip(lists(row)) {
        if ids.is_empty() {
            continue;
        }
        execute(
            tx,
            &format!("INSERT INTO {table} (collection_id, {column}) SELECT $1, unnest($2::uuid[])"),
            &[&row.id, ids],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn insert(
    store: &PostgresStore,
    collection: &Collection,
    audit: &AuditEvent,
) -> Result<(), StoreError> {
    let row = CollectionRow::from(collection);
    store
        .audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "INSERT INTO collections (id, title, alias, description, audience, community_id,
                         default_tlp, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &row.id,
                        &row.title,
                        &row.alias,
                        &row.description,
                        &row.audience_kind,
                        &row.community_id,
                        &row.default_tlp,
                        &row.created_at,
                    ],
                )
                .await?;
                write_lists(tx, &row).await
            })
        })
        .await
}

pub(super) async fn update(
    store: &PostgresStore,
    collection: &Collection,
    reset_push_cursors: bool,
    audit: &AuditEvent,
) -> Result<u64, StoreError> {
    let row = CollectionRow::from(collection);
    // An update of no collection changes nothing: it is rolled back and leaves no audit entry.
    store
        .audited(audit, move |tx| {
            Box::pin(async move {
                let changed = execute(
                    tx,
                    "UPDATE collections SET title = $2, alias = $3, description = $4, audience = $5,
                         community_id = $6, default_tlp = $7
                     WHERE id = $1",
                    &[
                        &row.id,
                        &row.title,
                        &row.alias,
                        &row.description,
                        &row.audience_kind,
                        &row.community_id,
                        &row.default_tlp,
                    ],
                )
                .await?;
                if changed == 0 {
                    return Ok(None);
                }
                for (table, _) in LISTS {
                    execute(
                        tx,
                        &format!("DELETE FROM {table} WHERE collection_id = $1"),
                        &[&row.id],
                    )
                    .await?;
                }
                write_lists(tx, &row).await?;
                if !reset_push_cursors {
                    return Ok(Some(0));
                }
                // Who may receive the objects changed: every peer rescans the collection.
                execute(
                    tx,
                    "DELETE FROM peer_cursors WHERE kind = 'push' AND collection = $1",
                    &[&row.id.to_string()],
                )
                .await
                .map(Some)
            })
        })
        .await
        .map(Option::unwrap_or_default)
}

pub(super) async fn get(
    store: &PostgresStore,
    id: CollectionId,
) -> Result<Option<Collection>, StoreError> {
    let client = store.client().await?;
    let row = query_opt(&client, &format!("{SELECT} WHERE c.id = $1"), &[&id.0]).await?;
    row.as_ref().map(rows::collection).transpose()
}

pub(super) async fn list(store: &PostgresStore) -> Result<Vec<Collection>, StoreError> {
    let client = store.client().await?;
    // Byte order, whatever the database's collation: the same order as SQLite.
    let rows = query(
        &client,
        &format!("{SELECT} ORDER BY c.title COLLATE \"C\", c.id"),
        &[],
    )
    .await?;
    rows.iter().map(rows::collection).collect()
}
