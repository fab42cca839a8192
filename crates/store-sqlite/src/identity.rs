//! Identity's table: `users`. Only [`IdentityStore::credentials`] reads `password_hash`.

use async_trait::async_trait;
use rusqlite::params;
use simpul_core::audit::AuditEvent;
use simpul_core::org::{OrgId, OrgStatus};
use simpul_core::store::rows::{USER_COLUMNS, UserRow};
use simpul_core::store::{IdentityStore, StoreError};
use simpul_core::user::{Email, Role, User, UserId, UserStatus};

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{self, Cols, ts};
use crate::tx::{query_all, query_opt};

fn user(row: &rusqlite::Row<'_>) -> Result<User, Error> {
    Ok(rows::user(row)?.decode()?)
}

/// Ends every session of `id` (disabled, or their password changed).
fn end_sessions(tx: &rusqlite::Connection, id: UserId) -> Result<(), rusqlite::Error> {
    tx.execute(
        "DELETE FROM sessions WHERE user_id = ?1",
        [id.0.to_string()],
    )?;
    Ok(())
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (r, hash) = (UserRow::from(user), password_hash.to_owned());
        self.audited(audit, move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLUMNS}, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    r.id.to_string(),
                    r.email,
                    r.display_name,
                    r.org_id.to_string(),
                    r.role,
                    r.status,
                    ts(r.created_at),
                    hash,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> Result<(), StoreError> {
        let (id, disabled, r) = (
            user.id,
            user.status == UserStatus::Disabled,
            UserRow::from(user),
        );
        self.audited(audit, move |tx| {
            tx.execute(
                "UPDATE users SET display_name = ?2, role = ?3, status = ?4 WHERE id = ?1",
                params![r.id.to_string(), r.display_name, r.role, r.status],
            )?;
            if disabled {
                end_sessions(tx, id)?;
            }
            Ok(())
        })
        .await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let hash = password_hash.to_owned();
        self.audited(audit, move |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                [id.0.to_string(), hash],
            )?;
            end_sessions(tx, id)?;
            Ok(())
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id.0.to_string()],
                user,
            )
        })
        .await
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let email = email.as_str().to_owned();
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
                [email],
                user,
            )
        })
        .await
    }

    async fn credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let email = email.as_str().to_owned();
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1"),
                [email],
                |row| Ok((user(row)?, Cols::new(row, "users").get(7)?)),
            )
        })
        .await
    }

    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE ?1 IS NULL OR org_id = ?1 ORDER BY email"
                ),
                [org.map(|o| o.0.to_string())],
                user,
            )
        })
        .await
    }

    async fn site_admin_orgs(&self) -> Result<Vec<OrgId>, StoreError> {
        self.read(|c| {
            query_all(
                c,
                "SELECT DISTINCT u.org_id FROM users u JOIN organisations o ON o.id = u.org_id
                 WHERE u.role = ?1 AND u.status = ?2 AND o.status = ?3 ORDER BY u.org_id",
                [
                    Role::SiteAdmin.as_str(),
                    UserStatus::Active.as_str(),
                    OrgStatus::Active.as_str(),
                ],
                |r| Ok(OrgId(Cols::new(r, "users").uuid(0)?)),
            )
        })
        .await
    }
}
