//! The match index's feed: every version of a type added after a cursor, whoever may see it,
//! oldest added first (`objects_type_added` serves it). The only unfiltered read of `objects`; it
//! takes core's `Unfiltered` proof, which only the match index holds.

use simpul_core::intel::store::StoredObject;
use simpul_core::store::StoreError;
use time::OffsetDateTime;

use super::objects::COLUMNS;
use crate::tx::query;
use crate::{PostgresStore, rows};

pub(super) async fn added_after(
    store: &PostgresStore,
    stix_type: &str,
    after: Option<OffsetDateTime>,
    limit: u32,
) -> Result<Vec<StoredObject>, StoreError> {
    let limit = i64::from(limit.max(1));
    let client = store.client().await?;
    // Two statements rather than `$2 IS NULL OR …`, so the planner keeps to the index.
    let page = |cond: &str| {
        format!(
            "SELECT p.*, ARRAY(SELECT r.user_id FROM object_recipients r
                               WHERE r.object_seq = p.seq ORDER BY r.user_id) AS recipients
             FROM (SELECT {COLUMNS} FROM objects o
                   WHERE o.stix_type = $1 {cond}
                   ORDER BY o.date_added ASC LIMIT $2) p
             ORDER BY p.date_added ASC"
        )
    };
    let rows = match after {
        Some(t) => {
            query(
                &client,
                &page("AND o.date_added > $3"),
                &[&stix_type, &limit, &t],
            )
            .await?
        }
        None => query(&client, &page(""), &[&stix_type, &limit]).await?,
    };
    rows.iter().map(rows::object).collect()
}

/// The newest version of the lineage of `stix_id` in `collection` by `producer`, whoever may see
/// it (the deletion feed's `remaining`).
pub(super) async fn newest_version(
    client: &impl deadpool_postgres::GenericClient,
    collection: simpul_core::intel::CollectionId,
    stix_id: &str,
    producer: simpul_core::org::OrgId,
) -> Result<Option<StoredObject>, StoreError> {
    let found = query(
        client,
        &format!(
            "SELECT p.*, ARRAY(SELECT r.user_id FROM object_recipients r
                               WHERE r.object_seq = p.seq ORDER BY r.user_id) AS recipients
             FROM (SELECT {COLUMNS} FROM objects o
                   WHERE o.collection_id = $1 AND o.stix_id = $2 AND o.producer_org = $3
                   ORDER BY o.version DESC LIMIT 1) p"
        ),
        &[&collection.0, &stix_id, &producer.0],
    )
    .await?;
    found.first().map(rows::object).transpose()
}
