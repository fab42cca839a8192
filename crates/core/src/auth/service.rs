//! Authentication's service functions: tokens, Basic, sessions, sign-in and sign-out.

use serde_json::json;
use time::Duration;

use super::Authenticating;
use crate::Service;
use crate::access::{Action, AuthMethod, Principal, UserPrincipal, authorize};
use crate::audit::{AuditAction, AuditEvent};
use crate::error::CoreError;
use crate::org::{OrgId, OrgStatus};
use crate::secret;
use crate::service::verify_password;
use crate::token::{Scopes, Session, TOUCH_EVERY};
use crate::user::{Email, User, UserStatus};

pub use super::tokens::NewToken;

/// Failed logins allowed per account before delays start.
pub const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed logins allowed per source address before delays start (addresses may be shared by NAT).
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest delay a failing account or address is made to wait.
pub const MAX_LOGIN_DELAY: Duration = Duration::minutes(15);
/// Failures older than this are forgotten.
pub const FAILURE_MEMORY: Duration = Duration::hours(1);

/// The delay before the next attempt after `count` failures with `free` allowed: 1 s, 2 s, 4 s, … up
/// to [`MAX_LOGIN_DELAY`].
pub fn login_delay(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let exp = (count - free).min(20);
    Duration::seconds(1i64 << exp).min(MAX_LOGIN_DELAY)
}

/// A signed-in web session: the cookie value (shown once) and who it is.
#[derive(Debug)]
pub struct LoggedIn {
    pub session_secret: String,
    pub principal: Principal,
}

/// Who the signed-in user is, and what their credentials let them do.
#[derive(Debug)]
pub struct Whoami<'p> {
    pub principal: &'p UserPrincipal,
    /// What this request's credentials may do: a token's scopes within what the role allows, a
    /// session's the role's own.
    pub scopes: Scopes,
}

impl Service {
    fn auth_store(&self) -> &dyn crate::store::Store {
        self.store(&Authenticating::PROOF)
    }

    /// The signed-in user behind `p` (`/me`).
    pub fn whoami<'p>(&self, p: &'p Principal) -> Result<Whoami<'p>, CoreError> {
        authorize(p, Action::ReadSelf)?;
        let principal = p
            .as_user()
            .ok_or_else(|| CoreError::NotFound("user".into()))?;
        Ok(Whoami {
            principal,
            scopes: principal.effective_scopes(),
        })
    }

    /// Loads the principal for an active user of an active organisation.
    pub(crate) async fn principal_for(
        &self,
        user: User,
        method: AuthMethod,
        source: Option<String>,
    ) -> Result<Principal, CoreError> {
        if user.status != UserStatus::Active {
            return Err(CoreError::Unauthenticated(
                "this account is disabled".into(),
            ));
        }
        let store = self.auth_store();
        let org = store
            .get_org(user.org_id)
            .await?
            .ok_or_else(|| CoreError::Unauthenticated("unknown organisation".into()))?;
        if org.status != OrgStatus::Active {
            return Err(CoreError::Unauthenticated(format!(
                "organisation {} is suspended",
                org.short_name
            )));
        }
        let communities = store.communities_of_org(org.id).await?;
        Ok(Principal::User(Box::new(UserPrincipal {
            user,
            org,
            communities,
            method,
            source,
        })))
    }

    /// Authenticates an API token secret (`Authorization: Bearer …`).
    pub async fn authenticate_token(
        &self,
        secret_value: &str,
        source: Option<String>,
    ) -> Result<Principal, CoreError> {
        let bad = || CoreError::Unauthenticated("invalid API token".into());
        if !secret_value.starts_with(secret::TOKEN_PREFIX) || secret_value.len() > 128 {
            return Err(bad());
        }
        let store = self.auth_store();
        let token = store
            .get_token_by_hash(&secret::secret_hash(secret_value))
            .await?
            .ok_or_else(bad)?;
        let now = self.now();
        if let Some(reason) = token.unusable_reason(now) {
            return Err(CoreError::Unauthenticated(reason.into()));
        }
        let user = store.get_user(token.user_id).await?.ok_or_else(bad)?;
        let principal = self
            .principal_for(
                user,
                AuthMethod::Token {
                    id: token.id,
                    scopes: token.scopes,
                },
                source,
            )
            .await?;
        if token.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
            store.touch_token(token.id, now).await?;
        }
        Ok(principal)
    }

    /// Authenticates HTTP Basic with the user's email and one of their tokens as the password (what
    /// TAXII clients send).
    pub async fn authenticate_basic(
        &self,
        email: &str,
        token: &str,
        source: Option<String>,
    ) -> Result<Principal, CoreError> {
        let p = self.authenticate_token(token, source).await?;
        let matches = p
            .as_user()
            .is_some_and(|u| u.user.email.as_str().eq_ignore_ascii_case(email.trim()));
        if matches {
            Ok(p)
        } else {
            Err(CoreError::Unauthenticated(
                "the token does not belong to that user".into(),
            ))
        }
    }

    /// Signs in with email and password. Failures are counted per account and per source address, and
    /// past a few the next attempt must wait a growing delay (429 with the seconds to wait). Every
    /// failure and every refused (throttled) attempt is in the audit log.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        source: Option<String>,
    ) -> Result<LoggedIn, CoreError> {
        let store = self.auth_store();
        let now = self.now();
        let account = format!("account:{}", email.trim().to_ascii_lowercase());
        let refused = |action: AuditAction, org: Option<OrgId>, details| AuditEvent {
            at: now,
            actor: "anonymous".into(),
            actor_org: None,
            source: source.clone(),
            action,
            target: Some(account.clone()),
            target_org: org,
            details,
        };
        let mut keys = vec![(account.clone(), FREE_FAILURES_PER_ACCOUNT)];
        if let Some(s) = &source {
            keys.push((format!("addr:{s}"), FREE_FAILURES_PER_ADDRESS));
        }
        for (key, free) in &keys {
            let Some(f) = store.login_failures(key).await? else {
                continue;
            };
            if now - f.last > FAILURE_MEMORY {
                store.reset_login_failures(key).await?;
                continue;
            }
            let wait = f.last + login_delay(f.count, *free) - now;
            if wait > Duration::ZERO {
                let secs = u64::try_from(wait.whole_seconds()).unwrap_or(0) + 1;
                let event = refused(
                    AuditAction::LoginThrottled,
                    None,
                    json!({ "throttled_by": key.split(':').next(), "retry_after_secs": secs }),
                );
                store.append_audit(&event).await?;
                return Err(CoreError::RateLimited {
                    retry_after_secs: secs,
                });
            }
        }
        let found = match Email::parse(email) {
            Ok(e) => store.credentials(&e).await?,
            Err(_) => None,
        };
        let (user, hash) = match found {
            Some((u, h)) => (Some(u), h),
            None => (None, secret::dummy_hash().to_owned()),
        };
        let ok = verify_password(password.to_owned(), hash).await? && user.is_some();
        let Some(user) = user.filter(|_| ok) else {
            let keys: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
            let event = refused(
                AuditAction::LoginFailure,
                None,
                json!({ "reason": "bad email or password" }),
            );
            store.record_login_failure(&keys, now, &event).await?;
            return Err(CoreError::Unauthenticated("wrong email or password".into()));
        };
        let (session_secret, session_hash) = secret::new_session_id();
        let session = Session {
            user_id: user.id,
            csrf_token: secret::new_csrf_token(),
            created_at: now,
            last_seen_at: now,
        };
        let method = AuthMethod::Session {
            csrf_token: session.csrf_token.clone(),
        };
        let principal = match self
            .principal_for(user.clone(), method, source.clone())
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let event = refused(
                    AuditAction::LoginFailure,
                    Some(user.org_id),
                    json!({ "reason": e.to_string() }),
                );
                store.append_audit(&event).await?;
                return Err(e);
            }
        };
        store.reset_login_failures(&account).await?;
        let audit = self.event(
            &principal,
            AuditAction::LoginSuccess,
            Some(format!("user:{}", user.id)),
            Some(user.org_id),
            json!({}),
        );
        store
            .insert_session(&session_hash, &session, &audit)
            .await?;
        Ok(LoggedIn {
            session_secret,
            principal,
        })
    }

    /// Authenticates a session cookie.
    pub async fn authenticate_session(
        &self,
        cookie: &str,
        source: Option<String>,
    ) -> Result<Principal, CoreError> {
        let bad = || CoreError::Unauthenticated("your session has ended; sign in again".into());
        if cookie.len() != 43 {
            return Err(bad());
        }
        let store = self.auth_store();
        let hash = secret::secret_hash(cookie);
        let session = store.get_session(&hash).await?.ok_or_else(bad)?;
        let now = self.now();
        if !session.is_live(now) {
            store.delete_session(&hash, None).await?;
            return Err(bad());
        }
        let user = store.get_user(session.user_id).await?.ok_or_else(bad)?;
        let method = AuthMethod::Session {
            csrf_token: session.csrf_token.clone(),
        };
        let p = self.principal_for(user, method, source).await?;
        if now - session.last_seen_at >= TOUCH_EVERY {
            store.touch_session(&hash, now).await?;
        }
        Ok(p)
    }

    /// Ends a web session.
    pub async fn logout(&self, p: &Principal, cookie: &str) -> Result<(), CoreError> {
        let grant = authorize(p, Action::ReadSelf)?;
        let hash = secret::secret_hash(cookie);
        let target = p
            .as_user()
            .map(|u| (format!("user:{}", u.user.id), u.user.org_id));
        let audit = self.event(
            p,
            AuditAction::Logout,
            target.as_ref().map(|t| t.0.clone()),
            target.map(|t| t.1),
            json!({}),
        );
        self.store(&grant)
            .delete_session(&hash, Some(&audit))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        assert_eq!(login_delay(4, 5), Duration::ZERO);
        assert_eq!(login_delay(5, 5), Duration::seconds(1));
        assert_eq!(login_delay(6, 5), Duration::seconds(2));
        assert_eq!(login_delay(9, 5), Duration::seconds(16));
        assert_eq!(login_delay(40, 5), MAX_LOGIN_DELAY);
        assert_eq!(login_delay(u32::MAX, 5), MAX_LOGIN_DELAY);
    }
}
