//! The directory's service functions: organisations and sharing communities.

use serde_json::json;

use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::audit::AuditAction;
use crate::country::Country;
use crate::error::{CoreError, Invalid};
use crate::org::{NewOrganisation, OrgId, OrgKind, OrgStatus, Organisation, ShortName, check_name};
use crate::service::or_conflict;
use crate::user::{Community, CommunityId, CommunityName};

/// Changes to an organisation; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub country: Option<Option<Country>>,
    pub kind: Option<OrgKind>,
    pub status: Option<OrgStatus>,
}

impl Service {
    /// Creates an organisation; a duplicate short name (any case) is a conflict.
    pub async fn create_org(
        &self,
        p: &Principal,
        new: NewOrganisation,
    ) -> Result<Organisation, CoreError> {
        let grant = authorize(p, Action::ManageOrgs)?;
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
            AuditAction::OrgCreate,
            Some(format!("org:{}", org.short_name)),
            Some(org.id),
            json!({ "id": org.id, "name": org.name, "kind": org.kind, "country": org.country }),
        );
        or_conflict(self.store(&grant).insert_org(&org, &audit).await, || {
            format!("an organisation with short name `{}`", org.short_name)
        })?;
        Ok(org)
    }

    pub async fn list_orgs(&self, p: &Principal) -> Result<Vec<Organisation>, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        Ok(self.store(&grant).list_orgs().await?)
    }

    pub async fn get_org(&self, p: &Principal, id: OrgId) -> Result<Organisation, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        self.store(&grant)
            .get_org(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {id}")))
    }

    pub async fn org_by_short_name(
        &self,
        p: &Principal,
        short: &str,
    ) -> Result<Organisation, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        let short_name = ShortName::parse(short)?;
        self.store(&grant)
            .get_org_by_short_name(&short_name)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation `{short_name}`")))
    }

    /// Changes an organisation. Name and country: site-admin, or the org's own org-admin; kind and
    /// status: site-admin only. Suspending locks out the organisation's users and tokens at once, so
    /// a user may not suspend their own organisation.
    pub async fn update_org(
        &self,
        p: &Principal,
        id: OrgId,
        update: OrgUpdate,
    ) -> Result<Organisation, CoreError> {
        let grant = if update.kind.is_some() || update.status.is_some() {
            authorize(p, Action::ManageOrgs)?
        } else {
            authorize(p, Action::UpdateOrgProfile(id))?
        };
        let store = self.store(&grant);
        let mut org = store
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
            (OrgStatus::Active, OrgStatus::Suspended) => {
                self.refuse_lockout(p, &org)?;
                AuditAction::OrgSuspend
            }
            (OrgStatus::Suspended, OrgStatus::Active) => AuditAction::OrgReactivate,
            _ => AuditAction::OrgUpdate,
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
        store.update_org(&org, &audit).await?;
        Ok(org)
    }

    /// Refuses a suspension that would lock out the one suspending. (Only site-admins suspend, and
    /// a site-admin's own organisation always holds one, so this also keeps the last organisation
    /// with an active site-admin active.)
    fn refuse_lockout(&self, p: &Principal, org: &Organisation) -> Result<(), CoreError> {
        match p.as_user() {
            Some(me) if me.org.id == org.id => Err(CoreError::Conflict(
                "you may not suspend your own organisation".into(),
            )),
            // The operator holds the database and can reactivate (`simpul org activate`).
            _ => Ok(()),
        }
    }

    pub async fn create_community(
        &self,
        p: &Principal,
        name: CommunityName,
        description: &str,
    ) -> Result<Community, CoreError> {
        let grant = authorize(p, Action::ManageCommunities)?;
        if description.chars().count() > CommunityName::DESCRIPTION_MAX_CHARS {
            return Err(Invalid::new(
                "description",
                format!(
                    "must have at most {} characters",
                    CommunityName::DESCRIPTION_MAX_CHARS
                ),
            )
            .into());
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
            AuditAction::CommunityCreate,
            Some(format!("community:{}", community.name)),
            None,
            json!({ "id": community.id }),
        );
        or_conflict(
            self.store(&grant)
                .insert_community(&community, &audit)
                .await,
            || format!("a community named `{}`", community.name),
        )?;
        Ok(community)
    }

    pub async fn community_by_name(
        &self,
        p: &Principal,
        name: &str,
    ) -> Result<Community, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        let name = CommunityName::parse(name)?;
        self.store(&grant)
            .get_community_by_name(&name)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("community `{name}`")))
    }

    pub async fn list_communities(&self, p: &Principal) -> Result<Vec<Community>, CoreError> {
        let grant = authorize(p, Action::ReadDirectory)?;
        Ok(self.store(&grant).list_communities().await?)
    }

    /// Adds organisations to a community.
    pub async fn add_community_members(
        &self,
        p: &Principal,
        name: &str,
        orgs: &[OrgId],
    ) -> Result<Community, CoreError> {
        let grant = authorize(p, Action::ManageCommunities)?;
        let store = self.store(&grant);
        let community = self.community_by_name(p, name).await?;
        for (i, org) in orgs.iter().enumerate() {
            if store.get_org(*org).await?.is_none() {
                return Err(Invalid::new(
                    format!("/members/{i}"),
                    format!("no organisation with id {org}"),
                )
                .into());
            }
        }
        let audit = self.event(
            p,
            AuditAction::CommunityAddMembers,
            Some(format!("community:{}", community.name)),
            None,
            json!({ "added": orgs }),
        );
        store
            .add_community_members(community.id, orgs, &audit)
            .await?;
        self.community_by_name(p, name).await
    }
}
