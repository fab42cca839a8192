//! TAXII 2.1 over the exchange: the service functions the TAXII edge (`simpul_server::taxii`)
//! calls. Collections are the exchange's collections; what a caller sees of a collection's objects
//! is the sharing policy's ([`crate::access::sharing`]) — the store applies its filter in SQL, so a
//! page is never short. Posting runs the one share pipeline (`ingest.rs`); its report becomes a
//! status resource kept for a while, readable by the poster's organisation only.
//!
//! A collection is a TAXII collection for the users in its audience. Anyone else — a site-admin
//! outside the audience included — is answered "not found", exactly as for a collection that does
//! not exist: administering collections is no reason to see their contents.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::sharing::{in_audience, may_write_collection};
use crate::access::{Action, Principal, Visibility, authorize};
use crate::audit::AuditAction;
use crate::clock::rfc3339_micros;
use crate::error::{CoreError, Invalid};
use crate::intel::ingest::ShareOptions;
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject, VersionMatch};
use crate::intel::taxii_store::StatusRecord;
use crate::intel::{Collection, CollectionId};
use crate::org::OrgId;
use crate::store::StoreError;

pub use super::taxii_envelope::{EnvelopeError, check_envelope};
use super::taxii_envelope::{into_bundle, object_versions};

/// A collection as one caller sees it over TAXII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiCollection {
    pub collection: Collection,
    /// The caller may read its objects (what they then see is the sharing policy's).
    pub can_read: bool,
    /// The caller may post objects to it.
    pub can_write: bool,
}

/// The filters of a TAXII listing (objects, manifest, versions, one object). Within one filter
/// the values are ORed; the filters are ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxiiQuery {
    pub added_after: Option<OffsetDateTime>,
    /// `match[id]`
    pub ids: Vec<String>,
    /// `match[type]`
    pub types: Vec<String>,
    /// `match[version]`: `None` is every version (`all`).
    pub versions: Option<VersionMatch>,
    /// `match[spec_version]`
    pub spec_versions: Vec<String>,
    /// At most this many (1 to [`MAX_PAGE`]).
    pub limit: u32,
    /// Continue after the version added at this instant (the `next` of the previous page).
    pub next: Option<OffsetDateTime>,
    /// Only the versions this organisation produced (its lineages): what a deletion acts on.
    pub producer_org: Option<OrgId>,
}

/// One page of a TAXII listing, oldest added first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiPage {
    pub objects: Vec<StoredObject>,
    /// More versions match after this page: continue from the last one's `date_added`.
    pub more: bool,
}

impl TaxiiPage {
    /// Where the next page starts, when there is one.
    pub fn next(&self) -> Option<OffsetDateTime> {
        self.more
            .then(|| self.objects.last().map(|o| o.date_added))
            .flatten()
    }
}

/// One entry of a status resource's `successes`, `failures` or `pendings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    /// The object's id; empty when the object had none (or was no object).
    pub id: String,
    /// Its version (`modified`, else `created`), when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A TAXII status resource. Posts are stored before they are answered, so a status is always
/// `complete` and `pendings` empty. An empty list is omitted (TAXII §2: lists are never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxiiStatus {
    pub id: String,
    pub status: String,
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<StatusDetail>,
    pub failure_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusDetail>,
    pub pending_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pendings: Vec<StatusDetail>,
}

/// The longest time a status resource may be kept for.
pub const MAX_STATUS_RETENTION: time::Duration = time::Duration::days(366);

impl Service {
    /// The collections `p` sees over TAXII: those whose audience they are in.
    pub async fn taxii_collections(
        &self,
        p: &Principal,
    ) -> Result<Vec<TaxiiCollection>, CoreError> {
        let p = &taxii_principal(p);
        let grant = any_grant(p)?;
        let all = self.store(&grant).list_collections().await?;
        Ok(all.into_iter().filter_map(|c| taxii_view(p, c)).collect())
    }

    /// One collection `p` sees over TAXII; any other is "not found".
    pub async fn taxii_collection(
        &self,
        p: &Principal,
        id: CollectionId,
    ) -> Result<TaxiiCollection, CoreError> {
        let p = &taxii_principal(p);
        let grant = any_grant(p)?;
        self.store(&grant)
            .get_collection(id)
            .await?
            .and_then(|c| taxii_view(p, c))
            .ok_or_else(|| CoreError::NotFound(format!("collection {id}")))
    }

    /// A page of the versions in `collection` that `p` may see and `q` matches, oldest added
    /// first. `more` is exact: it is decided by looking past the page.
    pub async fn taxii_objects(
        &self,
        p: &Principal,
        collection: CollectionId,
        q: &TaxiiQuery,
    ) -> Result<TaxiiPage, CoreError> {
        let p = &taxii_principal(p);
        self.readable(p, collection).await?;
        if !(1..=MAX_PAGE).contains(&q.limit) {
            return Err(Invalid::new("limit", format!("must be between 1 and {MAX_PAGE}")).into());
        }
        let grant = authorize(p, Action::ReadIntel)?;
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        let mut oq = ObjectQuery {
            collection: Some(collection),
            types: q.types.clone(),
            ids: q.ids.clone(),
            versions: q.versions.clone(),
            spec_versions: q.spec_versions.clone(),
            added_after: q.added_after,
            order: Order::OldestFirst,
            after_cursor: q.next,
            limit: q.limit,
            producer_org: q.producer_org,
            ..ObjectQuery::default()
        };
        let objects = store.list_objects(&v, &oq).await?;
        let more = match objects.last() {
            Some(last) if objects.len() == q.limit as usize => {
                oq.after_cursor = Some(last.date_added);
                oq.limit = 1;
                !store.list_objects(&v, &oq).await?.is_empty()
            }
            _ => false,
        };
        Ok(TaxiiPage { objects, more })
    }

    /// Whether `p` sees any version of `stix_id` in `collection` (the object endpoints' "not
    /// found" is for an object of which nothing is visible).
    pub async fn taxii_object_exists(
        &self,
        p: &Principal,
        collection: CollectionId,
        stix_id: &str,
    ) -> Result<bool, CoreError> {
        let p = &taxii_principal(p);
        let q = TaxiiQuery {
            ids: vec![stix_id.to_owned()],
            limit: 1,
            ..TaxiiQuery::default()
        };
        Ok(!self
            .taxii_objects(p, collection, &q)
            .await?
            .objects
            .is_empty())
    }

    /// Posts a TAXII envelope (checked by [`check_envelope`]) to `collection` through the one
    /// share pipeline, keeps its status resource, and answers it. Each object is a success
    /// (stored, or that id and version already held), or a failure with the validator's path and
    /// message, the sharing rules' refusal, or "duplicate" (the same id and version earlier in
    /// the envelope).
    pub async fn taxii_add_objects(
        &self,
        p: &Principal,
        collection: CollectionId,
        envelope: &[u8],
        retention: time::Duration,
    ) -> Result<TaxiiStatus, CoreError> {
        let p = &taxii_principal(p);
        let c = self.taxii_collection(p, collection).await?;
        let grant = authorize(p, Action::ShareIntel)?;
        if !c.can_write {
            return Err(CoreError::Forbidden(format!(
                "you may not add objects to collection {collection}"
            )));
        }
        // Skimmed off the async threads: a body may be tens of megabytes.
        let envelope = envelope.to_vec();
        let (bundle, posted) = tokio::task::spawn_blocking(move || {
            let versions = object_versions(&envelope);
            (into_bundle(envelope), versions)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("envelope reader stopped: {e}")))?;
        let posted = posted.map_err(|e| match e {
            EnvelopeError::Syntax(i) | EnvelopeError::Shape(i) => CoreError::Invalid(i),
        })?;
        let request_timestamp = self.now();
        let (report, outcomes) = self
            .share_outcomes(p, collection, &bundle, &ShareOptions::default())
            .await?;
        let mut entries: Vec<(usize, bool, StatusDetail)> = Vec::new();
        let mut stored = std::collections::HashSet::new();
        for o in outcomes {
            let version = Some(rfc3339_micros(o.version));
            let key = (o.stix_id.clone(), o.version);
            let warning = report
                .warnings
                .iter()
                .find(|w| w.index == o.index)
                .map(|w| format!("{}: {}", w.path, w.message));
            let (ok, message) = match o.inserted {
                crate::intel::store::Inserted::Stored(_) => {
                    stored.insert(key);
                    (true, warning)
                }
                crate::intel::store::Inserted::AlreadyStored if stored.contains(&key) => (
                    false,
                    Some("duplicate: the same id and version is earlier in this envelope".into()),
                ),
                // Another organisation's version (its warning says so), or the caller's own again.
                crate::intel::store::Inserted::AlreadyStored => (
                    true,
                    warning.or_else(|| {
                        Some("already stored: your organisation holds this id and version".into())
                    }),
                ),
            };
            entries.push((
                o.index,
                ok,
                StatusDetail {
                    id: o.stix_id,
                    version,
                    message,
                },
            ));
        }
        for f in report.failed {
            entries.push((
                f.index,
                false,
                StatusDetail {
                    id: f.id.unwrap_or_default(),
                    version: posted.get(f.index).cloned().flatten(),
                    message: Some(format!("{}: {}", f.path, f.message)),
                },
            ));
        }
        entries.sort_by_key(|e| e.0);
        let (successes, failures): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.1);
        let successes: Vec<StatusDetail> = successes.into_iter().map(|e| e.2).collect();
        let failures: Vec<StatusDetail> = failures.into_iter().map(|e| e.2).collect();
        let id = Uuid::new_v4();
        let status = TaxiiStatus {
            id: id.to_string(),
            status: "complete".into(),
            request_timestamp: rfc3339_micros(request_timestamp),
            total_count: (successes.len() + failures.len()) as u64,
            success_count: successes.len() as u64,
            failure_count: failures.len() as u64,
            successes,
            failures,
            pending_count: 0,
            pendings: Vec::new(),
        };
        let org = p
            .org_id()
            .ok_or_else(|| CoreError::Forbidden("only a user of an organisation posts".into()))?;
        let body = serde_json::to_string(&status)
            .map_err(|e| StoreError::Backend(format!("status not serialisable: {e}")))?;
        let store = self.store(&grant);
        store
            .purge_taxii_statuses(self.now() - retention.min(MAX_STATUS_RETENTION))
            .await?;
        store
            .insert_taxii_status(&StatusRecord {
                id,
                org,
                collection,
                created_at: request_timestamp,
                body,
            })
            .await?;
        Ok(status)
    }

    /// The status resource `id`, if it was posted by `p`'s organisation within `retention`;
    /// any other is "not found".
    pub async fn taxii_status(
        &self,
        p: &Principal,
        id: &str,
        retention: time::Duration,
    ) -> Result<TaxiiStatus, CoreError> {
        let p = &taxii_principal(p);
        let grant = any_grant(p)?;
        let not_found = || CoreError::NotFound(format!("status {}", crate::error::excerpt(id)));
        let id = Uuid::parse_str(id).map_err(|_| not_found())?;
        let since = self.now() - retention.min(MAX_STATUS_RETENTION);
        let record = self
            .store(&grant)
            .get_taxii_status(id, since)
            .await?
            .filter(|r| Some(r.org) == p.org_id())
            .ok_or_else(not_found)?;
        serde_json::from_str(&record.body)
            .map_err(|e| StoreError::Backend(format!("stored status unreadable: {e}")).into())
    }

    /// Deletes from `collection` the versions of `stix_id` of the caller's organisation's own
    /// lineage that `versions` names (every one when `None`; `last`/`first` are the lineage's),
    /// audited as `object.delete`. Other organisations' versions are never considered, so the
    /// answer says nothing about what they hold: none of the caller's own matching and none
    /// visible is "not found"; none of its own but another's visible is 403. Answers how many
    /// versions were deleted.
    pub async fn taxii_delete_object(
        &self,
        p: &Principal,
        collection: CollectionId,
        stix_id: &str,
        versions: Option<VersionMatch>,
    ) -> Result<u64, CoreError> {
        let p = &taxii_principal(p);
        let c = self.readable(p, collection).await?;
        let grant = authorize(p, Action::ShareIntel)?;
        // Deleting is writing: an organisation the collection holds read-only may not.
        if !c.can_write {
            return Err(CoreError::Forbidden(format!(
                "you may not delete from collection {collection}"
            )));
        }
        let not_found =
            || CoreError::NotFound(format!("object {}", crate::error::excerpt(stix_id)));
        let Some(me) = p.org_id() else {
            return Err(not_found());
        };
        let mut q = TaxiiQuery {
            ids: vec![stix_id.to_owned()],
            versions,
            limit: MAX_PAGE,
            producer_org: Some(me),
            ..TaxiiQuery::default()
        };
        let mut found = Vec::new();
        loop {
            let page = self.taxii_objects(p, collection, &q).await?;
            q.next = page.next();
            found.extend(page.objects);
            if q.next.is_none() {
                break;
            }
        }
        if found.is_empty() {
            // Nothing of its own matches: 403 only when the caller sees another's versions of the
            // id and has none of its own (then it may change nothing of it).
            let any = |producer_org| TaxiiQuery {
                ids: vec![stix_id.to_owned()],
                limit: 1,
                producer_org,
                ..TaxiiQuery::default()
            };
            let own = self.taxii_objects(p, collection, &any(Some(me))).await?;
            let seen = self.taxii_objects(p, collection, &any(None)).await?;
            return Err(if own.objects.is_empty() && !seen.objects.is_empty() {
                CoreError::Forbidden(
                    "only the organisation that produced an object may delete it".into(),
                )
            } else {
                not_found()
            });
        }
        let at: Vec<OffsetDateTime> = found.iter().map(|o| o.version).collect();
        let audit = self.event(
            p,
            AuditAction::ObjectDelete,
            Some(format!("object:{stix_id}")),
            p.org_id(),
            json!({
                "collection": collection,
                "versions": at.iter().map(|v| rfc3339_micros(*v)).collect::<Vec<_>>(),
            }),
        );
        let deleted = self
            .store(&grant)
            .delete_versions(collection, stix_id, me, &at, self.now(), &audit)
            .await?;
        Ok(deleted.0)
    }

    /// `collection` is one `p` sees over TAXII and may read from.
    async fn readable(
        &self,
        p: &Principal,
        collection: CollectionId,
    ) -> Result<TaxiiCollection, CoreError> {
        let c = self.taxii_collection(p, collection).await?;
        if !c.can_read {
            authorize(p, Action::ReadIntel)?;
            return Err(CoreError::Forbidden(format!(
                "you may not read collection {collection}"
            )));
        }
        Ok(c)
    }
}

/// `p` as TAXII sees them: a token with the `sync` scope (machine-to-machine exchange: TAXII and
/// federation) also reads and writes, as far as the user's role allows; every other principal as
/// is.
pub fn taxii_principal(p: &Principal) -> Principal {
    use crate::access::AuthMethod;
    use crate::token::Scope;
    let mut p = p.clone();
    if let Principal::User(u) = &mut p
        && let AuthMethod::Token { scopes, .. } = &mut u.method
        && scopes.contains(Scope::Sync)
    {
        let role = u.user.role.scopes();
        for s in [Scope::Read, Scope::Write] {
            if role.contains(s) {
                *scopes = scopes.with(s);
            }
        }
    }
    p
}

/// A grant for reading collections: reading intelligence, or (a token that only writes) sharing.
fn any_grant(p: &Principal) -> Result<crate::access::Grant<'_>, CoreError> {
    authorize(p, Action::ReadIntel)
        .or_else(|e| authorize(p, Action::ShareIntel).map_err(|_| e))
        .map_err(CoreError::from)
}

/// `c` as `p` sees it over TAXII, if they are in its audience.
fn taxii_view(p: &Principal, c: Collection) -> Option<TaxiiCollection> {
    let u = p.as_user()?;
    if !in_audience(u, &c) {
        return None;
    }
    Some(TaxiiCollection {
        can_read: authorize(p, Action::ReadIntel).is_ok(),
        can_write: authorize(p, Action::ShareIntel).is_ok() && may_write_collection(p, &c),
        collection: c,
    })
}
