//! The team profiles' service functions: read (signed-in users any organisation's; nobody signed
//! in a published member's, [`may_read_profile`]), save (the organisation's org-admin or a
//! site-admin), the RFC 2350 text, and the profiles' ages for the freshness report.

use serde_json::json;

use super::profile::TeamProfile;
use super::profile_store::{ProfileRow, StoredProfile};
use crate::Service;
use crate::access::directory::{
    DirectoryView, PublicRead, Reader, is_member_kind, may_read_profile,
};
use crate::access::{Action, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::org::{OrgId, OrgStatus, Organisation};

/// An organisation's profile as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    pub org: Organisation,
    /// The saved profile, or a skeleton naming the team when none was saved.
    pub profile: TeamProfile,
    /// Whether a profile was saved.
    pub saved: bool,
}

impl Service {
    /// `org`'s profile for `reader`. An organisation without a saved profile answers a skeleton
    /// (its name and country) to signed-in readers; nobody signed in reads only a published
    /// member's profile, and every other case is "not found" to them.
    pub async fn profile(&self, reader: Reader<'_>, org: OrgId) -> Result<ProfileView, CoreError> {
        let not_found = || CoreError::NotFound(format!("profile of organisation {org}"));
        let (org, stored, view) = match reader {
            Reader::Signed(p) => {
                let grant = authorize(p, Action::ReadDirectory)?;
                let store = self.store(&grant);
                let o = store.get_org(org).await?.ok_or_else(not_found)?;
                let stored = store.get_profile(org).await?;
                (o, stored, DirectoryView::of(&grant))
            }
            Reader::Anonymous => {
                let proof = PublicRead::decided();
                let store = self.store(&proof);
                let o = store.get_org(org).await?.ok_or_else(not_found)?;
                if o.status != OrgStatus::Active {
                    return Err(not_found());
                }
                let stored = store.get_profile(org).await?;
                (o, stored, DirectoryView::anonymous(&proof))
            }
        };
        let stored = stored.map(ProfileRow::decode).transpose()?;
        let published = stored.as_ref().is_some_and(|s| s.profile.document.publish);
        if !may_read_profile(&view, org.kind, published) {
            return Err(not_found());
        }
        Ok(match stored {
            Some(StoredProfile { profile, .. }) => ProfileView {
                org,
                profile,
                saved: true,
            },
            None => ProfileView {
                profile: TeamProfile::skeleton(&org.name, org.country),
                org,
                saved: false,
            },
        })
    }

    /// The RFC 2350 text of `org`'s profile for `reader` (who may read it as [`Service::profile`]).
    pub async fn rfc2350(&self, reader: Reader<'_>, org: OrgId) -> Result<String, CoreError> {
        let v = self.profile(reader, org).await?;
        Ok(super::rfc2350::render(&v.org, &v.profile))
    }

    /// Validates and saves `org`'s profile (its org-admin, or a site-admin), audited as
    /// `org.profile_update`. Only a member organisation may publish its profile.
    pub async fn put_profile(
        &self,
        p: &Principal,
        org: OrgId,
        doc: TeamProfile,
    ) -> Result<ProfileView, CoreError> {
        let grant = authorize(p, Action::UpdateOrgProfile(org))?;
        let store = self.store(&grant);
        let o = store
            .get_org(org)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {org}")))?;
        let mut profile = doc.validate()?;
        if profile.document.publish && !is_member_kind(o.kind) {
            return Err(Invalid::new(
                "/document/publish",
                format!(
                    "only member organisations (regional, national or sector CERTs, government) publish their profile; {} is of kind `{}`",
                    o.short_name, o.kind
                ),
            )
            .into());
        }
        let now = self.now();
        profile.document.last_updated = None;
        let document = serde_json::to_string(&profile)
            .map_err(|e| CoreError::Store(crate::store::StoreError::Backend(e.to_string())))?;
        let row = ProfileRow {
            org_id: org,
            document,
            publish: profile.document.publish,
            updated_at: now,
            updated_by: p.actor(),
        };
        let audit = self.event(
            p,
            AuditAction::OrgProfileUpdate,
            Some(format!("org:{}", o.short_name)),
            Some(org),
            json!({ "publish": row.publish, "services": profile.services.offered.len() }),
        );
        store.put_profile(&row, &audit).await?;
        profile.document.last_updated = Some(now);
        Ok(ProfileView {
            org: o,
            profile,
            saved: true,
        })
    }
}
