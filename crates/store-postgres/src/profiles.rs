//! The team profiles' table: `team_profiles`, one row per organisation (the document as JSONB).

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::directory::profile_store::ProfileRow;
use simpul_core::org::OrgId;
use simpul_core::store::{ProfileStore, StoreError};
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::PostgresStore;
use crate::rows::value;
use crate::tx::{execute, query, query_opt};

fn profile(row: &Row) -> Result<ProfileRow, StoreError> {
    let t = "team_profiles";
    Ok(ProfileRow {
        org_id: OrgId(value::<Uuid>(row, t, "org_id")?),
        document: value(row, t, "document")?,
        publish: value(row, t, "publish")?,
        updated_at: value(row, t, "updated_at")?,
        updated_by: value(row, t, "updated_by")?,
    })
}

#[async_trait]
impl ProfileStore for PostgresStore {
    async fn put_profile(&self, row: &ProfileRow, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = row.clone();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "INSERT INTO team_profiles (org_id, document, publish, updated_at, updated_by)
                     VALUES ($1, $2::text::jsonb, $3, $4, $5)
                     ON CONFLICT (org_id) DO UPDATE SET document = EXCLUDED.document,
                         publish = EXCLUDED.publish, updated_at = EXCLUDED.updated_at,
                         updated_by = EXCLUDED.updated_by",
                    &[
                        &r.org_id.0,
                        &r.document,
                        &r.publish,
                        &r.updated_at,
                        &r.updated_by,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn get_profile(&self, org: OrgId) -> Result<Option<ProfileRow>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT org_id, document::text AS document, publish, updated_at, updated_by
             FROM team_profiles WHERE org_id = $1",
            &[&org.0],
        )
        .await?;
        row.as_ref().map(profile).transpose()
    }

    async fn profiles_updated_before(
        &self,
        t: OffsetDateTime,
    ) -> Result<Vec<(OrgId, OffsetDateTime)>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT org_id, updated_at FROM team_profiles WHERE updated_at < $1
             ORDER BY updated_at, org_id",
            &[&t],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    OrgId(value::<Uuid>(r, "team_profiles", "org_id")?),
                    value(r, "team_profiles", "updated_at")?,
                ))
            })
            .collect()
    }
}
