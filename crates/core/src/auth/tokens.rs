//! API tokens: creating, listing and revoking them.

use serde_json::json;
use time::Duration;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::org::check_name;
use crate::secret;
use crate::service::signed_in;
use crate::token::{ApiToken, MAX_EXPIRES_IN_DAYS, Scope, Scopes, TokenId};
use crate::user::{Role, User};

/// A token to create.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Scopes,
    /// Days until it expires (1 to [`MAX_EXPIRES_IN_DAYS`]); `None` never expires.
    pub expires_in_days: Option<u32>,
}

impl Service {
    /// Creates a token for the principal itself; returns it with its secret (shown once).
    pub async fn create_own_token(
        &self,
        p: &Principal,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        let grant = authorize(p, Action::ManageOwnTokens)?;
        let me = signed_in(p, "tokens")?;
        self.insert_token(&grant, &me.user, new).await
    }

    /// Creates a token for a user (operator or admins of the user's organisation).
    pub async fn create_token_for(
        &self,
        p: &Principal,
        email: &str,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        let user = self.user_by_email(p, email).await?;
        let grant = authorize(p, Action::GrantRole(user.role))?;
        self.insert_token(&grant, &user, new).await
    }

    async fn insert_token(
        &self,
        grant: &Grant<'_>,
        user: &User,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        let name = check_name("name", &new.name)?;
        if new.scopes.is_empty() {
            return Err(Invalid::new("scopes", "at least one scope is needed").into());
        }
        if user.role == Role::ReadOnly && new.scopes.iter().any(|s| s != Scope::Read) {
            return Err(Invalid::new(
                "scopes",
                "a read-only user's tokens may only have the `read` scope",
            )
            .into());
        }
        let now = self.now();
        let expires_at = match new.expires_in_days {
            Some(0) => return Err(Invalid::new("expires_in_days", "must be at least 1").into()),
            Some(d) if d > MAX_EXPIRES_IN_DAYS => {
                return Err(Invalid::new(
                    "expires_in_days",
                    format!("must be at most {MAX_EXPIRES_IN_DAYS}"),
                )
                .into());
            }
            Some(d) => Some(now + Duration::days(i64::from(d))),
            None => None,
        };
        let (secret, hash) = secret::new_token();
        let token = ApiToken {
            id: TokenId(uuid::Uuid::new_v4()),
            user_id: user.id,
            name,
            scopes: new.scopes,
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        let audit = self.event(
            grant.principal(),
            AuditAction::TokenCreate,
            Some(format!("token:{}", token.id)),
            Some(user.org_id),
            json!({ "user": user.email, "name": token.name, "scopes": token.scopes, "expires_at": expires_at.map(crate::clock::rfc3339_micros) }),
        );
        self.store(grant)
            .insert_token(&token, &hash, &audit)
            .await?;
        Ok((token, secret))
    }

    /// The principal's own tokens.
    pub async fn list_own_tokens(&self, p: &Principal) -> Result<Vec<ApiToken>, CoreError> {
        let grant = authorize(p, Action::ManageOwnTokens)?;
        let me = signed_in(p, "tokens")?;
        Ok(self.store(&grant).list_tokens(me.user.id).await?)
    }

    /// A user's tokens (operator or admins of the user's organisation).
    pub async fn list_tokens_of(
        &self,
        p: &Principal,
        email: &str,
    ) -> Result<Vec<ApiToken>, CoreError> {
        let user = self.user_by_email(p, email).await?;
        let grant = authorize(p, Action::ManageUsers(Some(user.org_id)))?;
        Ok(self.store(&grant).list_tokens(user.id).await?)
    }

    /// Revokes a token: one's own, or (operator, admins) one of a user they manage. Another
    /// organisation's token is "not found".
    pub async fn revoke_token(&self, p: &Principal, id: TokenId) -> Result<ApiToken, CoreError> {
        // Everyone may manage their own tokens: enough to look the token up and see whose it is.
        let lookup = authorize(p, Action::ManageOwnTokens)?;
        let store = self.store(&lookup);
        let not_found = || CoreError::NotFound(format!("token {id}"));
        let token = store.get_token(id).await?.ok_or_else(not_found)?;
        let owner = store.get_user(token.user_id).await?.ok_or_else(not_found)?;
        let own = p.as_user().is_some_and(|me| me.user.id == owner.id);
        let grant = if own {
            lookup
        } else {
            authorize(p, Action::ManageUsers(Some(owner.org_id)))?
        };
        let now = self.now();
        let audit = self.event(
            p,
            AuditAction::TokenRevoke,
            Some(format!("token:{}", token.id)),
            Some(owner.org_id),
            json!({ "user": owner.email, "name": token.name }),
        );
        self.store(&grant).revoke_token(id, now, &audit).await?;
        Ok(ApiToken {
            revoked_at: token.revoked_at.or(Some(now)),
            ..token
        })
    }
}
