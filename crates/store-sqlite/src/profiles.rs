//! The team profiles' table: `team_profiles`, one row per organisation.

use async_trait::async_trait;
use rusqlite::params;
use simpul_core::audit::AuditEvent;
use simpul_core::directory::profile_store::ProfileRow;
use simpul_core::org::OrgId;
use simpul_core::store::{ProfileStore, StoreError};
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::rows::{Cols, ts};
use crate::tx::{query_all, query_opt};

const COLUMNS: &str = "org_id, document, publish, updated_at, updated_by";

#[async_trait]
impl ProfileStore for SqliteStore {
    async fn put_profile(&self, row: &ProfileRow, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = row.clone();
        self.audited(audit, move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO team_profiles ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (org_id) DO UPDATE SET document = excluded.document,
                         publish = excluded.publish, updated_at = excluded.updated_at,
                         updated_by = excluded.updated_by"
                ),
                params![
                    r.org_id.0.to_string(),
                    r.document,
                    r.publish,
                    ts(r.updated_at),
                    r.updated_by
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_profile(&self, org: OrgId) -> Result<Option<ProfileRow>, StoreError> {
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {COLUMNS} FROM team_profiles WHERE org_id = ?1"),
                [org.0.to_string()],
                |row| {
                    let c = Cols::new(row, "team_profiles");
                    Ok(ProfileRow {
                        org_id: OrgId(c.uuid(0)?),
                        document: c.get(1)?,
                        publish: c.get(2)?,
                        updated_at: c.ts(3)?,
                        updated_by: c.get(4)?,
                    })
                },
            )
        })
        .await
    }

    async fn profiles_updated_before(
        &self,
        t: OffsetDateTime,
    ) -> Result<Vec<(OrgId, OffsetDateTime)>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                "SELECT org_id, updated_at FROM team_profiles WHERE updated_at < ?1
                 ORDER BY updated_at, org_id",
                [ts(t)],
                |row| {
                    let c = Cols::new(row, "team_profiles");
                    Ok((OrgId(c.uuid(0)?), c.ts(1)?))
                },
            )
        })
        .await
    }
}
