//! The service layer: every edge (REST, TAXII, web, CLI) calls these functions and nothing below them.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::error::CoreError;
use crate::org::{NewOrganisation, OrgId, OrgStatus, Organisation, ShortName};
use crate::store::{Store, StoreError};

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

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time, to the microsecond (what the stores keep).
    pub fn now(&self) -> time::OffsetDateTime {
        crate::clock::to_micros(self.clock.now())
    }

    /// Creates an organisation; a duplicate short name (any case) is a conflict.
    pub async fn create_org(&self, new: NewOrganisation) -> Result<Organisation, CoreError> {
        let name = crate::org::check_name("name", &new.name)?;
        let org = Organisation {
            id: OrgId::new_random(),
            name,
            short_name: new.short_name,
            kind: new.kind,
            country: new.country,
            status: OrgStatus::Active,
            created_at: self.now(),
        };
        match self.store.insert_org(&org).await {
            Ok(()) => Ok(org),
            Err(StoreError::Duplicate(_)) => Err(CoreError::Conflict(format!(
                "an organisation with short name `{}` already exists",
                org.short_name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn org_by_short_name(&self, short: &ShortName) -> Result<Organisation, CoreError> {
        self.store
            .get_org_by_short_name(short)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation `{short}`")))
    }

    pub async fn list_orgs(&self) -> Result<Vec<Organisation>, CoreError> {
        Ok(self.store.list_orgs().await?)
    }
}
