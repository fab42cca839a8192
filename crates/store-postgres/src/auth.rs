//! Authentication: API tokens, web sessions and failed-login counters. Secrets are stored only as
//! their hashes, and no read returns a hash.

use async_trait::async_trait;
use simpul_core::audit::AuditEvent;
use simpul_core::store::rows::{
    MAX_FAILURE_COUNT, SESSION_COLUMNS, SessionRow, TOKEN_COLUMNS, TokenRow,
};
use simpul_core::store::{AuthStore, LoginFailures, StoreError};
use simpul_core::token::{ApiToken, Session, TokenId};
use simpul_core::user::UserId;
use time::OffsetDateTime;

use crate::tx::{execute, query, query_opt};
use crate::{PostgresStore, rows};

const DELETE_SESSION: &str = "DELETE FROM sessions WHERE hash = $1";

#[async_trait]
impl AuthStore for PostgresStore {
    async fn insert_token(
        &self,
        token: &ApiToken,
        hash: &[u8; 32],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let row = TokenRow::from(token);
        let scopes = rows::scopes_column(&row)?;
        let hash = *hash;
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    "INSERT INTO api_tokens
                        (id, user_id, name, hash, scopes, created_at, expires_at, last_used_at, revoked_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &row.id,
                        &row.user_id,
                        &row.name,
                        &&hash[..],
                        &scopes,
                        &row.created_at,
                        &row.expires_at,
                        &row.last_used_at,
                        &row.revoked_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn get_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiToken>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1"),
            &[&&hash[..]],
        )
        .await?;
        row.as_ref().map(rows::token).transpose()
    }

    async fn get_token(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
            &[&id.0],
        )
        .await?;
        row.as_ref().map(rows::token).transpose()
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id"
            ),
            &[&user.0],
        )
        .await?;
        rows.iter().map(rows::token).collect()
    }

    async fn revoke_token(
        &self,
        id: TokenId,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        // Already revoked: nothing changes, so `audited` rolls back and appends nothing.
        self.audited(audit, move |tx| {
            Box::pin(async move {
                let changed = execute(
                    tx,
                    "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    &[&id.0, &at],
                )
                .await?;
                Ok(changed > 0)
            })
        })
        .await
    }

    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id.0, &at],
        )
        .await?;
        Ok(())
    }

    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let row = SessionRow::from(session);
        let hash = *hash;
        self.audited(audit, move |tx| {
            Box::pin(async move {
                execute(
                    tx,
                    &format!(
                        "INSERT INTO sessions (hash, {SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
                    ),
                    &[
                        &&hash[..],
                        &row.user_id,
                        &row.csrf_token,
                        &row.created_at,
                        &row.last_seen_at,
                    ],
                )
                .await
                .map(drop)
            })
        })
        .await
    }

    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE hash = $1"),
            &[&&hash[..]],
        )
        .await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE sessions SET last_seen_at = $2 WHERE hash = $1",
            &[&&hash[..], &at],
        )
        .await?;
        Ok(())
    }

    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let hash = *hash;
        match audit {
            // A person signed out (or was signed out): audited.
            Some(audit) => {
                self.audited(audit, move |tx| {
                    Box::pin(
                        async move { execute(tx, DELETE_SESSION, &[&&hash[..]]).await.map(drop) },
                    )
                })
                .await
            }
            // The session expired: housekeeping, not an event.
            None => {
                let client = self.client().await?;
                execute(&client, DELETE_SESSION, &[&&hash[..]]).await?;
                Ok(())
            }
        }
    }

    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT count, last_at FROM login_failures WHERE key = $1",
            &[&key],
        )
        .await?;
        row.as_ref().map(rows::login_failures).transpose()
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.audited(audit, move |tx| {
            Box::pin(async move {
                for key in &keys {
                    // Saturating: a counter at (or, edited by hand, past) the cap is set to the cap.
                    execute(
                        tx,
                        "INSERT INTO login_failures (key, count, last_at) VALUES ($1, 1, $2)
                         ON CONFLICT (key) DO UPDATE
                         SET count = CASE WHEN login_failures.count >= $3 THEN $3
                                          ELSE login_failures.count + 1 END,
                             last_at = excluded.last_at",
                        &[key, &at, &MAX_FAILURE_COUNT],
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM login_failures WHERE key = $1",
            &[&key],
        )
        .await?;
        Ok(())
    }
}
