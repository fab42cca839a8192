//! Identity's service functions: users, their roles and passwords.

use serde_json::json;

use crate::Service;
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::org::{OrgId, check_name};
use crate::secret;
use crate::service::{hash_password, or_conflict, signed_in, verify_password};
use crate::user::{Email, Role, User, UserId, UserStatus};

/// A user to create. Without a password one is generated and returned once.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    /// The user's organisation; `None` is the creator's own (the operator must name one).
    pub org_id: Option<OrgId>,
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

/// The organisation a listing is about: the one asked for, else every organisation for a
/// site-admin and the operator, else the principal's own.
pub fn org_scope(p: &Principal, asked: Option<OrgId>) -> Option<OrgId> {
    match (asked, p.as_user()) {
        (Some(o), _) => Some(o),
        (None, Some(u)) if u.user.role != Role::SiteAdmin => Some(u.org.id),
        _ => None,
    }
}

impl Service {
    /// A grant to look a user up before the decision that depends on whose user it is: only those
    /// who manage users at all (of their own organisation at least) get one.
    fn user_lookup<'p>(&self, p: &'p Principal) -> Result<Grant<'p>, CoreError> {
        Ok(authorize(p, Action::ManageUsers(p.org_id()))?)
    }

    /// Creates a user; returns the generated password when none was given.
    pub async fn create_user(
        &self,
        p: &Principal,
        new: NewUser,
    ) -> Result<(User, Option<String>), CoreError> {
        let org_id = new
            .org_id
            .or_else(|| p.org_id())
            .ok_or_else(|| Invalid::new("org_id", "is required"))?;
        let grant = authorize(p, Action::ManageUsers(Some(org_id)))?;
        authorize(p, Action::GrantRole(new.role))?;
        let store = self.store(&grant);
        let org = store
            .get_org(org_id)
            .await?
            .ok_or_else(|| Invalid::new("org_id", format!("no organisation with id {org_id}")))?;
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
            AuditAction::UserCreate,
            Some(format!("user:{}", user.id)),
            Some(org.id),
            json!({ "email": user.email, "role": user.role, "org": org.short_name }),
        );
        or_conflict(store.insert_user(&user, &hash, &audit).await, || {
            format!("a user with email `{}`", user.email)
        })?;
        Ok((user, generated))
    }

    /// Users of `asked`, or of the principal's default scope ([`org_scope`]): every organisation
    /// for a site-admin and the operator, their own for an org-admin.
    pub async fn list_users(
        &self,
        p: &Principal,
        asked: Option<OrgId>,
    ) -> Result<Vec<User>, CoreError> {
        let org = org_scope(p, asked);
        let grant = authorize(p, Action::ManageUsers(org))?;
        Ok(self.store(&grant).list_users(org).await?)
    }

    /// A user the principal may manage; another organisation's user is "not found".
    pub async fn get_user(&self, p: &Principal, id: UserId) -> Result<User, CoreError> {
        let lookup = self.user_lookup(p)?;
        let user = self
            .store(&lookup)
            .get_user(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("user {id}")))?;
        authorize(p, Action::ManageUsers(Some(user.org_id)))?;
        Ok(user)
    }

    pub async fn user_by_email(&self, p: &Principal, email: &str) -> Result<User, CoreError> {
        let email = Email::parse(email)?;
        let lookup = self.user_lookup(p)?;
        let user = self
            .store(&lookup)
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
        let grant = authorize(p, Action::ManageUsers(Some(user.org_id)))?;
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
            AuditAction::UserSetRole
        } else if user.status != before.status {
            if user.status == UserStatus::Disabled {
                AuditAction::UserDisable
            } else {
                AuditAction::UserEnable
            }
        } else {
            AuditAction::UserUpdate
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
        self.store(&grant).update_user(&user, &audit).await?;
        Ok(user)
    }

    /// Sets a new generated password (admin reset); returns it once. Ends the user's sessions.
    pub async fn reset_password(&self, p: &Principal, id: UserId) -> Result<String, CoreError> {
        let user = self.get_user(p, id).await?;
        let grant = authorize(p, Action::GrantRole(user.role))?;
        let password = secret::generate_password();
        let hash = hash_password(password.clone()).await?;
        let audit = self.event(
            p,
            AuditAction::UserResetPassword,
            Some(format!("user:{}", user.id)),
            Some(user.org_id),
            json!({ "email": user.email }),
        );
        self.store(&grant)
            .set_password(user.id, &hash, &audit)
            .await?;
        Ok(password)
    }

    /// Changes the principal's own password; needs the current one. Ends every session of the user.
    pub async fn change_own_password(
        &self,
        p: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), CoreError> {
        let grant = authorize(p, Action::ChangeOwnPassword)?;
        let me = signed_in(p, "password")?;
        let store = self.store(&grant);
        let (_, hash) = store
            .credentials(&me.user.email)
            .await?
            .ok_or_else(|| CoreError::NotFound("user".into()))?;
        if !verify_password(current.to_owned(), hash).await? {
            return Err(Invalid::new("current_password", "is not your current password").into());
        }
        secret::check_password(new)?;
        let new_hash = hash_password(new.to_owned()).await?;
        let audit = self.event(
            p,
            AuditAction::UserChangePassword,
            Some(format!("user:{}", me.user.id)),
            Some(me.user.org_id),
            json!({}),
        );
        store.set_password(me.user.id, &new_hash, &audit).await?;
        Ok(())
    }
}
