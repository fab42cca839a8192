//! The match index's feed: every version of a type added after a cursor, whoever may see it,
//! oldest added first (`objects_type_added` serves it). The only unfiltered read of `objects`; it
//! takes core's `Unfiltered` proof, which only the match index holds.

use rusqlite::types::Value;
use simpul_core::store::rows::OBJECT_COLUMNS;
use time::OffsetDateTime;

use super::filter::Sql;
use crate::rows::ts;

/// The statement for at most `limit` versions of `stix_type` added after `after`.
pub(super) fn added_after(stix_type: &str, after: Option<OffsetDateTime>, limit: u32) -> Sql {
    let mut params: Vec<Value> = vec![stix_type.to_owned().into()];
    let after_cond = match after {
        Some(t) => {
            params.push(ts(t).into());
            format!("AND o.date_added > ?{}", params.len())
        }
        None => String::new(),
    };
    params.push(i64::from(limit.max(1)).into());
    let columns: Vec<String> = OBJECT_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect();
    Sql {
        text: format!(
            "SELECT {}, (SELECT group_concat(r.user_id, ',' ORDER BY r.user_id)
                        FROM object_recipients r WHERE r.object = o.seq)
             FROM objects o
             WHERE o.stix_type = ?1 {after_cond}
             ORDER BY o.date_added ASC LIMIT ?{}",
            columns.join(", "),
            params.len()
        ),
        params,
    }
}

/// The statement for the newest version of the lineage of `stix_id` in `collection` by `producer`,
/// whoever may see it (the deletion feed's `remaining`).
pub(super) fn newest_version(collection: &str, stix_id: &str, producer: &str) -> Sql {
    let columns: Vec<String> = OBJECT_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect();
    Sql {
        text: format!(
            "SELECT {}, (SELECT group_concat(r.user_id, ',' ORDER BY r.user_id)
                        FROM object_recipients r WHERE r.object = o.seq)
             FROM objects o
             WHERE o.collection_id = ?1 AND o.stix_id = ?2 AND o.producer_org = ?3
             ORDER BY o.version DESC LIMIT 1",
            columns.join(", ")
        ),
        params: vec![
            collection.to_owned().into(),
            stix_id.to_owned().into(),
            producer.to_owned().into(),
        ],
    }
}
