//! Identity: users and their password hashes. The hash is read only by
//! [`IdentityStore::credentials`].

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::org::OrgId;
use simpul_core::store::rows::{USER_COLUMNS, UserRow};
use simpul_core::store::{IdentityStore, StoreError};
use simpul_core::user::{Email, User, UserId, UserStatus};

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

const END_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";

#[async_trait]
impl IdentityStore for PostgresStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let row = UserRow::from(user);
        let password_hash = password_hash.to_owned();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "INSERT INTO users
                        (id, email, display_name, org_id, role, status, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &row.id,
                        &row.email,
                        &row.display_name,
                        &row.org_id,
                        &row.role,
                        &row.status,
                        &password_hash,
                        &row.created_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> Result<(), StoreError> {
        let row = UserRow::from(user);
        let disabled = user.status == UserStatus::Disabled;
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "UPDATE users SET display_name = $2, role = $3, status = $4 WHERE id = $1",
                    &[&row.id, &row.display_name, &row.role, &row.status],
                )
                .await?;
                if disabled {
                    execute(tx, END_SESSIONS, &[&row.id]).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let password_hash = password_hash.to_owned();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "UPDATE users SET password_hash = $2 WHERE id = $1",
                    &[&id.0, &password_hash],
                )
                .await?;
                execute(tx, END_SESSIONS, &[&id.0]).await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn get_user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"),
            &[&email.as_str()],
        )
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"),
            &[&email.as_str()],
        )
        .await?;
        row.as_ref().map(rows::credentials).transpose()
    }

    async fn list_users(&self, org: Option<OrgId>) -> Result<Vec<User>, StoreError> {
        let client = self.client().await?;
        let rows = match org {
            Some(org) => {
                query(
                    &client,
                    &format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email COLLATE \"C\""
                    ),
                    &[&org.0],
                )
                .await?
            }
            None => {
                query(
                    &client,
                    &format!("SELECT {USER_COLUMNS} FROM users ORDER BY email COLLATE \"C\""),
                    &[],
                )
                .await?
            }
        };
        rows.iter().map(rows::user).collect()
    }
}
