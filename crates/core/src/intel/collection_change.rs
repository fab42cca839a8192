//! Changing a collection (site-admin): its title, alias, description, default TLP, audience and
//! read-only organisations, audited with what it was and what it became.
//!
//! What a change means for the objects already in the collection follows from the sharing policy,
//! which reads the collection's audience at every read: a new audience sees (and a removed one stops
//! seeing) the objects shared to the audience at the next read; named recipients stay the whole
//! audience of the objects that have them. A new default TLP applies to objects shared from then on
//! (each stored version keeps the level it was given). Read-only organisations may read but not
//! write ([`may_write_collection`](crate::access::sharing::may_write_collection)).

use serde_json::json;

use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::intel::service::{AudienceNames, MAX_DESCRIPTION_CHARS, check_alias, once_each};
use crate::intel::{Collection, CollectionId, Tlp};
use crate::org::{ShortName, check_name};
use crate::service::or_conflict;

/// What to change in a collection; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionPatch {
    pub title: Option<String>,
    /// `Some(None)` removes the alias.
    pub alias: Option<Option<String>>,
    pub description: Option<String>,
    pub default_tlp: Option<Tlp>,
    /// The whole new audience, by names.
    pub audience: Option<AudienceNames>,
    /// The whole new list of read-only organisations, by short name (empty: none).
    pub read_only_orgs: Option<Vec<String>>,
}

impl Service {
    /// Changes a collection (site-admin). A change to nothing new writes nothing.
    pub async fn update_collection(
        &self,
        p: &Principal,
        id: CollectionId,
        patch: CollectionPatch,
    ) -> Result<Collection, CoreError> {
        let grant = authorize(p, Action::ManageCollections)?;
        let store = self.store(&grant);
        let mut c = store
            .get_collection(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("collection {id}")))?;
        let before = c.clone();
        if let Some(title) = &patch.title {
            c.title = check_name("title", title)?;
        }
        if let Some(alias) = &patch.alias {
            c.alias = alias.as_deref().map(check_alias).transpose()?;
        }
        if let Some(d) = &patch.description {
            if d.chars().count() > MAX_DESCRIPTION_CHARS {
                return Err(Invalid::new(
                    "description",
                    format!("must have at most {MAX_DESCRIPTION_CHARS} characters"),
                )
                .into());
            }
            c.description = d.trim().to_owned();
        }
        if let Some(t) = patch.default_tlp {
            c.default_tlp = t;
        }
        if let Some(names) = &patch.audience {
            let mut audience = self.resolve_audience(p, names).await?;
            once_each(&mut audience);
            self.check_audience(&grant, &audience).await?;
            c.audience = audience;
        }
        if let Some(shorts) = &patch.read_only_orgs {
            let mut orgs = Vec::with_capacity(shorts.len());
            for (i, s) in shorts.iter().enumerate() {
                let path = format!("/read_only_orgs/{i}");
                let short = ShortName::parse(s).map_err(|e| Invalid::new(&path, e.message))?;
                let o = store
                    .get_org_by_short_name(&short)
                    .await?
                    .ok_or_else(|| Invalid::new(&path, "no such organisation"))?;
                orgs.push(o.id);
            }
            orgs.sort();
            orgs.dedup();
            c.read_only_orgs = orgs;
        }
        if c == before {
            return Ok(c);
        }
        let audit = self.event(
            p,
            AuditAction::CollectionUpdate,
            Some(format!("collection:{id}")),
            None,
            json!({ "before": summary(&before), "after": summary(&c) }),
        );
        // Who may receive the collection's objects changed: every peer pushing it rescans it from
        // the start at its next round, and the forwarding rules decide again (a peer answers what
        // it holds already idempotently). The reset is part of the audited update's transaction.
        let reset = c.audience != before.audience || c.read_only_orgs != before.read_only_orgs;
        let n = or_conflict(store.update_collection(&c, reset, &audit).await, || {
            format!(
                "a collection with alias `{}`",
                c.alias.as_deref().unwrap_or("")
            )
        })?;
        if n > 0 {
            tracing::info!(collection = %id, peers = n, "federation: push cursors reset, the audience changed");
        }
        Ok(c)
    }
}

/// What the audit entry records of a collection.
fn summary(c: &Collection) -> serde_json::Value {
    json!({
        "title": c.title,
        "alias": c.alias,
        "description": c.description,
        "default_tlp": c.default_tlp.label(),
        "audience": c.audience,
        "read_only_orgs": c.read_only_orgs,
    })
}
