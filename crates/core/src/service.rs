//! The service layer: every edge (REST, TAXII, web, CLI) calls these functions and nothing below them.
//!
//! Each function takes the acting [`Principal`], asks [`authorize`] for a grant, does its work and, for
//! security-relevant changes, writes the audit entry in the same transaction as the change.

use std::sync::Arc;

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::access::{Action, AuthMethod, Principal, UserPrincipal, authorize};
use crate::audit::{AuditEntry, AuditEvent, ChainBreak, Verifier};
use crate::clock::SharedClock;
use crate::country::Country;
use crate::error::{CoreError, Invalid};
use crate::org::{NewOrganisation, OrgId, OrgKind, OrgStatus, Organisation, ShortName, check_name};
use crate::secret;
use crate::store::{Store, StoreError};
use crate::token::{ApiToken, Scopes, Session, TOUCH_EVERY, TokenId};
use crate::user::{Community, CommunityId, CommunityName, Email, Role, User, UserId, UserStatus};

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

/// Changes to an organisation; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub country: Option<Option<Country>>,
    pub kind: Option<OrgKind>,
    pub status: Option<OrgStatus>,
}

/// A user to create. Without a password one is generated and returned once.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub org_id: OrgId,
    pub role: Role,
    pub password: Option<String>,
}

/// Changes to a user; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// A token to create.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Scopes,
    /// Days until it expires; `None` never expires.
    pub expires_in_days: Option<u32>,
}

/// A signed-in web session: the cookie value (shown once) and who it is.
#[derive(Debug)]
pub struct LoggedIn {
    pub session_secret: String,
    pub principal: Principal,
}

/// The application: a store and a clock.
#[derive(Debug, Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: SharedClock,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        Self { store, clock }
    }

    /// The store, for operations (health, metrics, the demo seed). Handlers reach data through the
    /// service functions, never through this.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time, to the microsecond (what the stores keep).
    pub fn now(&self) -> OffsetDateTime {
        crate::clock::to_micros(self.clock.now())
    }

    fn event(
        &self,
        p: &Principal,
        action: &str,
        target: Option<String>,
        target_org: Option<OrgId>,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor: p.actor(),
            actor_org: p.org_id(),
            source: p.source(),
            action: action.to_owned(),
            target,
            target_org,
            details,
        }
    }

    /// The signed-in user behind `p` (`/me`).
    pub fn whoami<'p>(&self, p: &'p Principal) -> Result<&'p UserPrincipal, CoreError> {
        authorize(p, Action::ReadSelf)?;
        p.as_user()
            .ok_or_else(|| CoreError::NotFound("user".into()))
    }

    // ---------------------------------------------------------------- organisations

    /// Creates an organisation; a duplicate short name (any case) is a conflict.
    pub async fn create_org(
        &self,
        p: &Principal,
        new: NewOrganisation,
    ) -> Result<Organisation, CoreError> {
        authorize(p, Action::ManageOrgs)?;
        let name = check_name("name", &new.name)?;
        let org = Organisation {
            id: OrgId::new_random(),
            name,
            short_name: new.short_name,
            kind: new.kind,
            country: new.country,
            status: OrgStatus::Active,
            created_at: self.now(),
        };
        let audit = self.event(
            p,
            "org.create",
            Some(format!("org:{}", org.short_name)),
            Some(org.id),
            json!({ "id": org.id, "name": org.name, "kind": org.kind, "country": org.country }),
        );
        match self.store.insert_org(&org, &audit).await {
            Ok(()) => Ok(org),
            Err(StoreError::Duplicate(_)) => Err(CoreError::Conflict(format!(
                "an organisation with short name `{}` already exists",
                org.short_name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_orgs(&self, p: &Principal) -> Result<Vec<Organisation>, CoreError> {
        authorize(p, Action::ReadDirectory)?;
        Ok(self.store.list_orgs().await?)
    }

    pub async fn get_org(&self, p: &Principal, id: OrgId) -> Result<Organisation, CoreError> {
        authorize(p, Action::ReadDirectory)?;
        self.store
            .get_org(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {id}")))
    }

    pub async fn org_by_short_name(
        &self,
        p: &Principal,
        short: &str,
    ) -> Result<Organisation, CoreError> {
        authorize(p, Action::ReadDirectory)?;
        let short_name = ShortName::parse(short)?;
        self.store
            .get_org_by_short_name(&short_name)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation `{short}`")))
    }

    /// Changes an organisation. Name and country: site-admin, or the org's own org-admin; kind and
    /// status: site-admin only. Suspending locks out the organisation's users and tokens at once.
    pub async fn update_org(
        &self,
        p: &Principal,
        id: OrgId,
        update: OrgUpdate,
    ) -> Result<Organisation, CoreError> {
        if update.kind.is_some() || update.status.is_some() {
            authorize(p, Action::ManageOrgs)?;
        } else {
            authorize(p, Action::UpdateOrgProfile(id))?;
        }
        let mut org = self
            .store
            .get_org(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {id}")))?;
        let before = org.clone();
        if let Some(name) = &update.name {
            org.name = check_name("name", name)?;
        }
        if let Some(country) = update.country {
            org.country = country;
        }
        if let Some(kind) = update.kind {
            org.kind = kind;
        }
        if let Some(status) = update.status {
            org.status = status;
        }
        if org == before {
            return Ok(org);
        }
        let action = match (before.status, org.status) {
            (OrgStatus::Active, OrgStatus::Suspended) => "org.suspend",
            (OrgStatus::Suspended, OrgStatus::Active) => "org.reactivate",
            _ => "org.update",
        };
        let audit = self.event(
            p,
            action,
            Some(format!("org:{}", org.short_name)),
            Some(org.id),
            json!({
                "before": { "name": before.name, "country": before.country, "kind": before.kind, "status": before.status },
                "after": { "name": org.name, "country": org.country, "kind": org.kind, "status": org.status },
            }),
        );
        self.store.update_org(&org, &audit).await?;
        Ok(org)
    }

    // ---------------------------------------------------------------- communities

    pub async fn create_community(
        &self,
        p: &Principal,
        name: CommunityName,
        description: &str,
    ) -> Result<Community, CoreError> {
        authorize(p, Action::ManageCommunities)?;
        if description.chars().count() > 2000 {
            return Err(Invalid::new("description", "must have at most 2000 characters").into());
        }
        let community = Community {
            id: CommunityId(uuid::Uuid::new_v4()),
            name,
            description: description.trim().to_owned(),
            members: Vec::new(),
            created_at: self.now(),
        };
        let audit = self.event(
            p,
            "community.create",
            Some(format!("community:{}", community.name)),
            None,
            json!({ "id": community.id }),
        );
        match self.store.insert_community(&community, &audit).await {
            Ok(()) => Ok(community),
            Err(StoreError::Duplicate(_)) => Err(CoreError::Conflict(format!(
                "a community named `{}` already exists",
                community.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn community_by_name(
        &self,
        p: &Principal,
        name: &str,
    ) -> Result<Community, CoreError> {
        authorize(p, Action::ReadDirectory)?;
        let name = CommunityName::parse(name)?;
        self.store
            .get_community_by_name(&name)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("community `{name}`")))
    }

    pub async fn list_communities(&self, p: &Principal) -> Result<Vec<Community>, CoreError> {
        authorize(p, Action::ReadDirectory)?;
        Ok(self.store.list_communities().await?)
    }

    /// Adds organisations to a community.
    pub async fn add_community_members(
        &self,
        p: &Principal,
        name: &str,
        orgs: &[OrgId],
    ) -> Result<Community, CoreError> {
        authorize(p, Action::ManageCommunities)?;
        let community = self.community_by_name(p, name).await?;
        for (i, org) in orgs.iter().enumerate() {
            if self.store.get_org(*org).await?.is_none() {
                return Err(Invalid::new(
                    format!("/members/{i}"),
                    format!("no organisation with id {org}"),
                )
                .into());
            }
        }
        let audit = self.event(
            p,
            "community.add_members",
            Some(format!("community:{}", community.name)),
            None,
            json!({ "added": orgs }),
        );
        self.store
            .add_community_members(community.id, orgs, &audit)
            .await?;
        self.community_by_name(p, name).await
    }

    // ---------------------------------------------------------------- users

    /// Creates a user; returns the generated password when none was given.
    pub async fn create_user(
        &self,
        p: &Principal,
        new: NewUser,
    ) -> Result<(User, Option<String>), CoreError> {
        authorize(p, Action::ManageUsers(Some(new.org_id)))?;
        authorize(p, Action::GrantRole(new.role))?;
        let org = self.store.get_org(new.org_id).await?.ok_or_else(|| {
            CoreError::Invalid(Invalid::new(
                "org",
                format!("no organisation with id {}", new.org_id),
            ))
        })?;
        let display_name = check_name("display_name", &new.display_name)?;
        let (password, generated) = match new.password {
            Some(pw) => {
                secret::check_password(&pw)?;
                (pw, None)
            }
            None => {
                let pw = secret::generate_password();
                (pw.clone(), Some(pw))
            }
        };
        let hash = hash_password(password).await?;
        let user = User {
            id: UserId::new_random(),
            email: new.email,
            display_name,
            org_id: org.id,
            role: new.role,
            status: UserStatus::Active,
            created_at: self.now(),
        };
        let audit = self.event(
            p,
            "user.create",
            Some(format!("user:{}", user.id)),
            Some(org.id),
            json!({ "email": user.email, "role": user.role, "org": org.short_name }),
        );
        match self.store.insert_user(&user, &hash, &audit).await {
            Ok(()) => Ok((user, generated)),
            Err(StoreError::Duplicate(_)) => Err(CoreError::Conflict(format!(
                "a user with email `{}` already exists",
                user.email
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Users of `org` (all organisations when `None`: site-admin only).
    pub async fn list_users(
        &self,
        p: &Principal,
        org: Option<OrgId>,
    ) -> Result<Vec<User>, CoreError> {
        authorize(p, Action::ManageUsers(org))?;
        Ok(self.store.list_users(org).await?)
    }

    /// A user the principal may manage; another organisation's user is "not found".
    pub async fn get_user(&self, p: &Principal, id: UserId) -> Result<User, CoreError> {
        let user = self
            .store
            .get_user(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("user {id}")))?;
        authorize(p, Action::ManageUsers(Some(user.org_id)))?;
        Ok(user)
    }

    pub async fn user_by_email(&self, p: &Principal, email: &str) -> Result<User, CoreError> {
        let email = Email::parse(email)?;
        let (user, _) = self
            .store
            .get_user_by_email(&email)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("user `{email}`")))?;
        authorize(p, Action::ManageUsers(Some(user.org_id)))?;
        Ok(user)
    }

    pub async fn update_user(
        &self,
        p: &Principal,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, CoreError> {
        let mut user = self.get_user(p, id).await?;
        let before = user.clone();
        if let Some(role) = update.role {
            authorize(p, Action::GrantRole(role))?;
            // Taking site-admin away is granting power too.
            authorize(p, Action::GrantRole(before.role))?;
            user.role = role;
        }
        if let Some(name) = &update.display_name {
            user.display_name = check_name("display_name", name)?;
        }
        if let Some(status) = update.status {
            user.status = status;
        }
        if let Principal::User(me) = p
            && me.user.id == user.id
            && (user.role != before.role || user.status != before.status)
        {
            return Err(CoreError::Forbidden(
                "you may not change your own role or status".into(),
            ));
        }
        if user == before {
            return Ok(user);
        }
        let action = if user.role != before.role {
            "user.set_role"
        } else if user.status != before.status {
            if user.status == UserStatus::Disabled {
                "user.disable"
            } else {
                "user.enable"
            }
        } else {
            "user.update"
        };
        let audit = self.event(
            p,
            action,
            Some(format!("user:{}", user.id)),
            Some(user.org_id),
            json!({
                "email": user.email,
                "before": { "role": before.role, "status": before.status, "display_name": before.display_name },
                "after": { "role": user.role, "status": user.status, "display_name": user.display_name },
            }),
        );
        self.store.update_user(&user, &audit).await?;
        Ok(user)
    }

    /// Sets a new generated password (admin reset); returns it once. Ends the user's sessions.
    pub async fn reset_password(&self, p: &Principal, id: UserId) -> Result<String, CoreError> {
        let user = self.get_user(p, id).await?;
        authorize(p, Action::GrantRole(user.role))?;
        let password = secret::generate_password();
        let hash = hash_password(password.clone()).await?;
        let audit = self.event(
            p,
            "user.reset_password",
            Some(format!("user:{}", user.id)),
            Some(user.org_id),
            json!({ "email": user.email }),
        );
        self.store.set_password(user.id, &hash, &audit).await?;
        Ok(password)
    }

    /// Changes the principal's own password; needs the current one. Ends every session of the user.
    pub async fn change_own_password(
        &self,
        p: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), CoreError> {
        authorize(p, Action::ChangeOwnPassword)?;
        let me = p
            .as_user()
            .ok_or_else(|| CoreError::Forbidden("the operator has no password".into()))?;
        let (_, hash) = self
            .store
            .get_user_by_email(&me.user.email)
            .await?
            .ok_or_else(|| CoreError::NotFound("user".into()))?;
        if !verify_password(current.to_owned(), hash).await? {
            return Err(Invalid::new("current_password", "is not your current password").into());
        }
        secret::check_password(new)?;
        let new_hash = hash_password(new.to_owned()).await?;
        let audit = self.event(
            p,
            "user.change_password",
            Some(format!("user:{}", me.user.id)),
            Some(me.user.org_id),
            json!({}),
        );
        self.store
            .set_password(me.user.id, &new_hash, &audit)
            .await?;
        Ok(())
    }

    // ---------------------------------------------------------------- API tokens

    /// Creates a token for the principal itself; returns it with its secret (shown once).
    pub async fn create_own_token(
        &self,
        p: &Principal,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        authorize(p, Action::ManageOwnTokens)?;
        let me = p
            .as_user()
            .ok_or_else(|| CoreError::Forbidden("the operator has no tokens".into()))?;
        self.insert_token(p, &me.user, new).await
    }

    /// Creates a token for a user (operator or admins of the user's organisation).
    pub async fn create_token_for(
        &self,
        p: &Principal,
        email: &str,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        let user = self.user_by_email(p, email).await?;
        authorize(p, Action::GrantRole(user.role))?;
        self.insert_token(p, &user, new).await
    }

    async fn insert_token(
        &self,
        p: &Principal,
        user: &User,
        new: NewToken,
    ) -> Result<(ApiToken, String), CoreError> {
        let name = check_name("name", &new.name)?;
        if new.scopes.is_empty() {
            return Err(Invalid::new("scopes", "at least one scope is needed").into());
        }
        if user.role == Role::ReadOnly && new.scopes.iter().any(|s| s != crate::token::Scope::Read)
        {
            return Err(Invalid::new(
                "scopes",
                "a read-only user's tokens may only have the `read` scope",
            )
            .into());
        }
        let now = self.now();
        let expires_at = match new.expires_in_days {
            Some(0) => return Err(Invalid::new("expires_in_days", "must be at least 1").into()),
            Some(d) if d > 3650 => {
                return Err(Invalid::new("expires_in_days", "must be at most 3650").into());
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
            p,
            "token.create",
            Some(format!("token:{}", token.id)),
            Some(user.org_id),
            json!({ "user": user.email, "name": token.name, "scopes": token.scopes, "expires_at": expires_at.map(crate::clock::rfc3339_micros) }),
        );
        self.store.insert_token(&token, &hash, &audit).await?;
        Ok((token, secret))
    }

    /// The principal's own tokens.
    pub async fn list_own_tokens(&self, p: &Principal) -> Result<Vec<ApiToken>, CoreError> {
        authorize(p, Action::ManageOwnTokens)?;
        let me = p
            .as_user()
            .ok_or_else(|| CoreError::Forbidden("the operator has no tokens".into()))?;
        Ok(self.store.list_tokens(me.user.id).await?)
    }

    /// A user's tokens (operator or admins of the user's organisation).
    pub async fn list_tokens_of(
        &self,
        p: &Principal,
        email: &str,
    ) -> Result<Vec<ApiToken>, CoreError> {
        let user = self.user_by_email(p, email).await?;
        Ok(self.store.list_tokens(user.id).await?)
    }

    /// Revokes a token: one's own, or (operator, admins) one of a user they manage. Another
    /// organisation's token is "not found".
    pub async fn revoke_token(&self, p: &Principal, id: TokenId) -> Result<ApiToken, CoreError> {
        let token = self
            .store
            .get_token(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("token {id}")))?;
        let owner = self
            .store
            .get_user(token.user_id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("token {id}")))?;
        let own = p.as_user().is_some_and(|me| me.user.id == owner.id);
        if own {
            authorize(p, Action::ManageOwnTokens)?;
        } else {
            authorize(p, Action::ManageUsers(Some(owner.org_id)))?;
        }
        let now = self.now();
        let audit = self.event(
            p,
            "token.revoke",
            Some(format!("token:{}", token.id)),
            Some(owner.org_id),
            json!({ "user": owner.email, "name": token.name }),
        );
        self.store.revoke_token(id, now, &audit).await?;
        Ok(ApiToken {
            revoked_at: token.revoked_at.or(Some(now)),
            ..token
        })
    }

    // ---------------------------------------------------------------- authentication

    /// Loads the principal for an active user of an active organisation.
    async fn principal_for(
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
        let org = self
            .store
            .get_org(user.org_id)
            .await?
            .ok_or_else(|| CoreError::Unauthenticated("unknown organisation".into()))?;
        if org.status != OrgStatus::Active {
            return Err(CoreError::Unauthenticated(format!(
                "organisation {} is suspended",
                org.short_name
            )));
        }
        let communities = self.store.communities_of_org(org.id).await?;
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
        let token = self
            .store
            .get_token_by_hash(&secret::secret_hash(secret_value))
            .await?
            .ok_or_else(bad)?;
        let now = self.now();
        if let Some(reason) = token.unusable_reason(now) {
            return Err(CoreError::Unauthenticated(reason.into()));
        }
        let user = self.store.get_user(token.user_id).await?.ok_or_else(bad)?;
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
            self.store.touch_token(token.id, now).await?;
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
    /// past a few the next attempt must wait a growing delay (429 with the seconds to wait).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        source: Option<String>,
    ) -> Result<LoggedIn, CoreError> {
        let now = self.now();
        let account_key = format!("account:{}", email.trim().to_ascii_lowercase());
        let addr_key = source.as_ref().map(|s| format!("addr:{s}"));
        let mut keys = vec![(account_key.clone(), FREE_FAILURES_PER_ACCOUNT)];
        if let Some(k) = &addr_key {
            keys.push((k.clone(), FREE_FAILURES_PER_ADDRESS));
        }
        for (key, free) in &keys {
            if let Some(f) = self.store.login_failures(key).await? {
                if now - f.last > FAILURE_MEMORY {
                    self.store.reset_login_failures(key).await?;
                    continue;
                }
                let wait = f.last + login_delay(f.count, *free) - now;
                if wait > Duration::ZERO {
                    let secs = u64::try_from(wait.whole_seconds()).unwrap_or(0) + 1;
                    return Err(CoreError::RateLimited {
                        retry_after_secs: secs,
                    });
                }
            }
        }
        let found = match Email::parse(email) {
            Ok(e) => self.store.get_user_by_email(&e).await?,
            Err(_) => None,
        };
        let (user, hash) = match found {
            Some((u, h)) => (Some(u), h),
            None => (None, secret::dummy_hash().to_owned()),
        };
        let ok = verify_password(password.to_owned(), hash).await? && user.is_some();
        let fail_event = |reason: &str, org: Option<OrgId>| AuditEvent {
            at: now,
            actor: "anonymous".into(),
            actor_org: None,
            source: source.clone(),
            action: "login.failure".into(),
            target: Some(format!("account:{}", email.trim().to_ascii_lowercase())),
            target_org: org,
            details: json!({ "reason": reason }),
        };
        let Some(user) = user.filter(|_| ok) else {
            let keys: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
            self.store
                .record_login_failure(&keys, now, &fail_event("bad email or password", None))
                .await?;
            return Err(CoreError::Unauthenticated("wrong email or password".into()));
        };
        let (session_secret, session_hash) = secret::new_session_id();
        let session = Session {
            user_id: user.id,
            csrf_token: secret::new_csrf_token(),
            created_at: now,
            last_seen_at: now,
        };
        let principal = match self
            .principal_for(
                user.clone(),
                AuthMethod::Session {
                    csrf_token: session.csrf_token.clone(),
                },
                source.clone(),
            )
            .await
        {
            Ok(p) => p,
            Err(e) => {
                self.store
                    .append_audit(&fail_event(&e.to_string(), Some(user.org_id)))
                    .await?;
                return Err(e);
            }
        };
        self.store.reset_login_failures(&account_key).await?;
        let audit = self.event(
            &principal,
            "login.success",
            Some(format!("user:{}", user.id)),
            Some(user.org_id),
            json!({}),
        );
        self.store
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
        let hash = secret::secret_hash(cookie);
        let session = self.store.get_session(&hash).await?.ok_or_else(bad)?;
        let now = self.now();
        if !session.is_live(now) {
            self.store.delete_session(&hash, None).await?;
            return Err(bad());
        }
        let user = self
            .store
            .get_user(session.user_id)
            .await?
            .ok_or_else(bad)?;
        let p = self
            .principal_for(
                user,
                AuthMethod::Session {
                    csrf_token: session.csrf_token.clone(),
                },
                source,
            )
            .await?;
        if now - session.last_seen_at >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(p)
    }

    /// Ends a web session.
    pub async fn logout(&self, p: &Principal, cookie: &str) -> Result<(), CoreError> {
        let hash = secret::secret_hash(cookie);
        let target = p
            .as_user()
            .map(|u| (format!("user:{}", u.user.id), u.user.org_id));
        let audit = self.event(
            p,
            "logout",
            target.as_ref().map(|t| t.0.clone()),
            target.map(|t| t.1),
            json!({}),
        );
        self.store.delete_session(&hash, Some(&audit)).await?;
        Ok(())
    }

    // ---------------------------------------------------------------- audit

    /// Audit entries, newest first: all (site-admin, operator) or the principal's organisation
    /// (org-admin).
    pub async fn list_audit(
        &self,
        p: &Principal,
        org: Option<OrgId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, CoreError> {
        authorize(p, Action::ReadAudit(org))?;
        Ok(self
            .store
            .list_audit(org, before, limit.clamp(1, 1000))
            .await?)
    }

    /// Walks the whole audit chain; the number of entries, or the first that does not verify.
    pub async fn verify_audit(&self, p: &Principal) -> Result<Result<i64, ChainBreak>, CoreError> {
        authorize(p, Action::ReadAudit(None))?;
        let mut verifier = Verifier::default();
        let mut after = 0;
        loop {
            let page = self.store.audit_after(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(b) = verifier.check(e) {
                    return Ok(Err(b));
                }
            }
        }
        Ok(Ok(verifier.count()))
    }
}

/// Argon2id is deliberately slow: run it off the async threads.
async fn hash_password(password: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await
        .map_err(|e| StoreError::Backend(format!("hashing task failed: {e}")))?
        .map_err(|e| CoreError::Store(StoreError::Backend(format!("hashing failed: {e}"))))
}

async fn verify_password(password: String, hash: String) -> Result<bool, CoreError> {
    tokio::task::spawn_blocking(move || secret::verify_password(&password, &hash))
        .await
        .map_err(|e| CoreError::Store(StoreError::Backend(format!("hashing task failed: {e}"))))
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
