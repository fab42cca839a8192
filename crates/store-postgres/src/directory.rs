//! The directory: organisations and sharing communities.

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::org::{OrgId, Organisation, ShortName};
use simpul_core::store::rows::{ORG_COLUMNS, OrgRow};
use simpul_core::store::{DirectoryStore, StoreError};
use simpul_core::user::{Community, CommunityId, CommunityName};
use uuid::Uuid;

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

/// A community with its members (ordered by org id), aggregated in one query.
const COMMUNITY_SELECT: &str = "SELECT c.id, c.name, c.description, c.created_at,
        COALESCE(array_agg(m.org_id ORDER BY m.org_id) FILTER (WHERE m.org_id IS NOT NULL), '{}')
            AS members
     FROM communities c
     LEFT JOIN community_members m ON m.community_id = c.id";

const ADD_MEMBERS: &str = "INSERT INTO community_members (community_id, org_id)
     SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING";

fn uuids(orgs: &[OrgId]) -> Vec<Uuid> {
    orgs.iter().map(|o| o.0).collect()
}

#[async_trait]
impl DirectoryStore for PostgresStore {
    async fn insert_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let row = OrgRow::from(org);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    &format!(
                        "INSERT INTO organisations ({ORG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    ),
                    &[
                        &row.id,
                        &row.name,
                        &row.short_name,
                        &row.kind,
                        &row.country,
                        &row.status,
                        &row.created_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn update_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let row = OrgRow::from(org);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "UPDATE organisations SET name = $2, kind = $3, country = $4, status = $5
                     WHERE id = $1",
                    &[&row.id, &row.name, &row.kind, &row.country, &row.status],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(rows::org).transpose()
    }

    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE lower(short_name) = lower($1)"),
            &[&short.as_str()],
        )
        .await?;
        row.as_ref().map(rows::org).transpose()
    }

    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let client = self.client().await?;
        // Byte order after folding case, whatever the database's collation: the same order as SQLite.
        let rows = query(
            &client,
            &format!(
                "SELECT {ORG_COLUMNS} FROM organisations ORDER BY lower(short_name) COLLATE \"C\", id"
            ),
            &[],
        )
        .await?;
        rows.iter().map(rows::org).collect()
    }

    async fn insert_community(
        &self,
        community: &Community,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (id, name, description, created_at) = (
            community.id.0,
            community.name.as_str().to_owned(),
            community.description.clone(),
            community.created_at,
        );
        let members = uuids(&community.members);
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "INSERT INTO communities (id, name, description, created_at)
                     VALUES ($1, $2, $3, $4)",
                    &[&id, &name, &description, &created_at],
                )
                .await?;
                if !members.is_empty() {
                    execute(tx, ADD_MEMBERS, &[&id, &members]).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn add_community_members(
        &self,
        id: CommunityId,
        orgs: &[OrgId],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let members = uuids(orgs);
        self.audited(audit, move |tx| {
            Box::pin(async move { execute(tx, ADD_MEMBERS, &[&id.0, &members]).await.map(drop) })
        })
        .await
    }

    async fn get_community_by_name(
        &self,
        name: &CommunityName,
    ) -> Result<Option<Community>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("{COMMUNITY_SELECT} WHERE c.name = $1 GROUP BY c.id"),
            &[&name.as_str()],
        )
        .await?;
        row.as_ref().map(rows::community).transpose()
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!("{COMMUNITY_SELECT} GROUP BY c.id ORDER BY c.name COLLATE \"C\""),
            &[],
        )
        .await?;
        rows.iter().map(rows::community).collect()
    }

    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT community_id FROM community_members WHERE org_id = $1 ORDER BY community_id",
            &[&org.0],
        )
        .await?;
        rows.iter()
            .map(|r| rows::value(r, "community_members", "community_id").map(CommunityId))
            .collect()
    }
}
