//! Authentication's tables: `api_tokens`, `sessions` and `login_failures`.

use async_trait::async_trait;
use rusqlite::params;
use simpul_core::audit::AuditEvent;
use simpul_core::store::rows::{
    MAX_FAILURE_COUNT, SESSION_COLUMNS, SessionRow, TOKEN_COLUMNS, TokenRow,
};
use simpul_core::store::{AuthStore, LoginFailures, StoreError};
use simpul_core::token::{ApiToken, Session, TokenId};
use simpul_core::user::UserId;
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::error::Error;
use crate::rows::{self, opt_ts, ts};
use crate::tx::{query_all, query_opt};

fn token(row: &rusqlite::Row<'_>) -> Result<ApiToken, Error> {
    Ok(rows::token(row)?.decode()?)
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn insert_token(
        &self,
        token: &ApiToken,
        hash: &[u8; 32],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (r, hash) = (TokenRow::from(token), *hash);
        self.audited(audit, move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO api_tokens ({TOKEN_COLUMNS}, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![
                    r.id.to_string(),
                    r.user_id.to_string(),
                    r.name,
                    r.scopes,
                    ts(r.created_at),
                    opt_ts(r.expires_at),
                    opt_ts(r.last_used_at),
                    opt_ts(r.revoked_at),
                    hash.as_slice(),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiToken>, StoreError> {
        let hash = *hash;
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = ?1"),
                [hash.as_slice()],
                token,
            )
        })
        .await
    }

    async fn get_token(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError> {
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"),
                [id.0.to_string()],
                token,
            )
        })
        .await
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        self.read(move |c| {
            query_all(
                c,
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 ORDER BY created_at, id"
                ),
                [user.0.to_string()],
                token,
            )
        })
        .await
    }

    async fn revoke_token(
        &self,
        id: TokenId,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        self.audited(audit, move |tx| {
            let n = tx.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                [id.0.to_string(), ts(at)],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(move |c| {
            c.execute(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                [id.0.to_string(), ts(at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn insert_session(
        &self,
        hash: &[u8; 32],
        session: &Session,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (hash, r) = (*hash, SessionRow::from(session));
        self.audited(audit, move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO sessions (hash, {SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                params![
                    hash.as_slice(),
                    r.user_id.to_string(),
                    r.csrf_token,
                    ts(r.created_at),
                    ts(r.last_seen_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let hash = *hash;
        self.read(move |c| {
            query_opt(
                c,
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE hash = ?1"),
                [hash.as_slice()],
                |row| Ok(rows::session(row)?.decode()),
            )
        })
        .await
    }

    async fn touch_session(&self, hash: &[u8; 32], at: OffsetDateTime) -> Result<(), StoreError> {
        let hash = *hash;
        self.write(move |c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE hash = ?1",
                params![hash.as_slice(), ts(at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_session(
        &self,
        hash: &[u8; 32],
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let hash = *hash;
        let delete = move |c: &rusqlite::Connection| -> Result<(), Error> {
            c.execute("DELETE FROM sessions WHERE hash = ?1", [hash.as_slice()])?;
            Ok(())
        };
        match audit {
            // A person ended it (sign-out): audited.
            Some(audit) => self.audited(audit, move |tx| delete(tx)).await,
            // It expired: bookkeeping.
            None => self.write(delete).await,
        }
    }

    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            query_opt(
                c,
                "SELECT count, last_at FROM login_failures WHERE key = ?1",
                [key],
                |row| Ok(rows::login_failures(row)?.decode()),
            )
        })
        .await
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.audited(audit, move |tx| {
            for key in &keys {
                tx.execute(
                    "INSERT INTO login_failures (key, count, last_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO UPDATE
                     SET count = MIN(count + 1, ?3), last_at = excluded.last_at",
                    params![key, ts(at), MAX_FAILURE_COUNT],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn reset_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |c| {
            c.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }
}
