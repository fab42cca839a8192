//! What the directory keeps of team profiles: one row per organisation, the validated document as
//! JSON beside the columns queries need (`publish`, `updated_at`, `updated_by`).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::profile::TeamProfile;
use crate::audit::AuditEvent;
use crate::org::OrgId;
use crate::store::StoreError;

/// A profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub org_id: OrgId,
    /// The validated [`TeamProfile`] as JSON.
    pub document: String,
    pub publish: bool,
    pub updated_at: OffsetDateTime,
    /// The actor who saved it (`user:…`, `cli:…`).
    pub updated_by: String,
}

/// A saved profile, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    pub org_id: OrgId,
    pub profile: TeamProfile,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

impl ProfileRow {
    /// The one decoding of a stored profile; `document.last_updated` and `document.publish` are the
    /// columns'.
    pub fn decode(self) -> Result<StoredProfile, StoreError> {
        let mut profile: TeamProfile = serde_json::from_str(&self.document).map_err(|e| {
            StoreError::Corrupt(format!("team_profiles.document of {}: {e}", self.org_id))
        })?;
        profile.document.last_updated = Some(self.updated_at);
        profile.document.publish = self.publish;
        Ok(StoredProfile {
            org_id: self.org_id,
            profile,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Writes (inserts or replaces) the organisation's profile with its audit entry.
    async fn put_profile(&self, row: &ProfileRow, audit: &AuditEvent) -> Result<(), StoreError>;
    async fn get_profile(&self, org: OrgId) -> Result<Option<ProfileRow>, StoreError>;
    /// Profiles last saved before `t`, oldest first.
    async fn profiles_updated_before(
        &self,
        t: OffsetDateTime,
    ) -> Result<Vec<(OrgId, OffsetDateTime)>, StoreError>;
}
