//! The directory's tables: `organisations`, `communities` and `community_members`.

use async_trait::async_trait;
use rusqlite::{Connection, Params, params};
use simpul_core::audit::AuditEvent;
use simpul_core::org::{OrgId, Organisation, ShortName};
use simpul_core::store::rows::{CommunityRow, ORG_COLUMNS, OrgRow};
use simpul_core::store::{DirectoryStore, StoreError};
use simpul_core::user::{Community, CommunityId, CommunityName};

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{self, Cols, ts};
use crate::tx::{query_all, query_opt};

fn org(row: &rusqlite::Row<'_>) -> Result<Organisation, Error> {
    Ok(rows::org(row)?.decode()?)
}

/// Communities with their members in one query: each community joined to its members (none: one
/// row with a NULL member), ordered so that a community's rows are adjacent, members by org id.
fn communities(c: &Connection, filter: &str, params: impl Params) -> Result<Vec<Community>, Error> {
    let sql = format!(
        "SELECT c.id, c.name, c.description, c.created_at, m.org_id
         FROM communities c LEFT JOIN community_members m ON m.community_id = c.id
         {filter} ORDER BY c.name, c.id, m.org_id"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut found = stmt.query(params)?;
    let mut out: Vec<CommunityRow> = Vec::new();
    while let Some(row) = found.next()? {
        let (community, member) = rows::community(row)?;
        if out.last().is_none_or(|last| last.id != community.id) {
            out.push(community);
        }
        if let (Some(member), Some(last)) = (member, out.last_mut()) {
            last.members.push(member);
        }
    }
    Ok(out
        .into_iter()
        .map(CommunityRow::decode)
        .collect::<Result<_, _>>()?)
}

fn add_members(
    tx: &Connection,
    community: CommunityId,
    orgs: &[OrgId],
) -> Result<(), rusqlite::Error> {
    for org in orgs {
        tx.execute(
            "INSERT OR IGNORE INTO community_members (community_id, org_id) VALUES (?1, ?2)",
            [community.0.to_string(), org.0.to_string()],
        )?;
    }
    Ok(())
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn insert_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = OrgRow::from(org);
        self.audited(audit, move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO organisations ({ORG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ),
                params![
                    r.id.to_string(),
                    r.name,
                    r.short_name,
                    r.kind,
                    r.country,
                    r.status,
                    ts(r.created_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn update_org(&self, org: &Organisation, audit: &AuditEvent) -> Result<(), StoreError> {
        let r = OrgRow::from(org);
        self.audited(audit, move |tx| {
            tx.execute(
                "UPDATE organisations SET name = ?2, kind = ?3, country = ?4, status = ?5 WHERE id = ?1",
                params![r.id.to_string(), r.name, r.kind, r.country, r.status],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = ?1"),
                [id.0.to_string()],
                org,
            )
        })
        .await
    }

    async fn get_org_by_short_name(
        &self,
        short: &ShortName,
    ) -> Result<Option<Organisation>, StoreError> {
        let short = short.as_str().to_owned();
        self.read(move |c| {
            query_opt(
                c,
                &format!(
                    "SELECT {ORG_COLUMNS} FROM organisations WHERE short_name = ?1 COLLATE NOCASE"
                ),
                [short],
                org,
            )
        })
        .await
    }

    async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        self.read(|c| {
            query_all(
                c,
                &format!(
                    "SELECT {ORG_COLUMNS} FROM organisations ORDER BY short_name COLLATE NOCASE"
                ),
                [],
                org,
            )
        })
        .await
    }

    async fn insert_community(
        &self,
        community: &Community,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let community = community.clone();
        self.audited(audit, move |tx| {
            tx.execute(
                "INSERT INTO communities (id, name, description, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    community.id.0.to_string(),
                    community.name.as_str(),
                    community.description,
                    ts(community.created_at)
                ],
            )?;
            add_members(tx, community.id, &community.members)?;
            Ok(())
        })
        .await
    }

    async fn add_community_members(
        &self,
        id: CommunityId,
        orgs: &[OrgId],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let orgs = orgs.to_vec();
        self.audited(audit, move |tx| Ok(add_members(tx, id, &orgs)?))
            .await
    }

    async fn get_community_by_name(
        &self,
        name: &CommunityName,
    ) -> Result<Option<Community>, StoreError> {
        let name = name.as_str().to_owned();
        self.read(move |c| {
            Ok(communities(c, "WHERE c.name = ?1", [name])?
                .into_iter()
                .next())
        })
        .await
    }

    async fn list_communities(&self) -> Result<Vec<Community>, StoreError> {
        self.read(|c| communities(c, "", [])).await
    }

    async fn communities_of_org(&self, org: OrgId) -> Result<Vec<CommunityId>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                "SELECT community_id FROM community_members WHERE org_id = ?1 ORDER BY community_id",
                [org.0.to_string()],
                |r| Ok(CommunityId(Cols::new(r, "community_members").uuid(0)?)),
            )
        })
        .await
    }
}
