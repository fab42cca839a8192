//! Correlation: who else reported the same thing. Two objects correlate when they yield a common
//! canonical observable key (`object_observables`, made once at ingest), so "the same phone number
//! in two national formats" or "the same domain in capitals with a root dot" correlate, and two
//! raw strings never do. Only what the reader may see takes part: the objects listed, the keys
//! compared and the organisations named all come through the sharing policy's SQL filter, so a
//! correlation never reveals that an object the reader may not see exists.

use time::OffsetDateTime;

use crate::Service;
use crate::access::{Action, Principal, Visibility, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::aggregate::VersionKey;
use crate::intel::service::observable_key;
use crate::intel::sightings::organisations;
use crate::intel::store::{ObjectQuery, Order, StoredObject};
use crate::org::{OrgId, Organisation};

/// An object version that shares keys with what was asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlated {
    pub object: StoredObject,
    /// The keys (`type|key`) it has in common with the asked, sorted.
    pub shared: Vec<String>,
}

/// One page of the visible latest versions of objects yielding some of `keys`, newest added first,
/// with the organisations that produced any of them (all pages, not only this one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reports {
    /// The keys looked for, sorted.
    pub keys: Vec<String>,
    pub objects: Vec<Correlated>,
    /// How many objects in all pages.
    pub total: u64,
    /// The producing organisations of all of them, by short name.
    pub producers: Vec<Organisation>,
    /// In words: "also reported by MyCERT (MY), ThaiCERT (TH)".
    pub summary: String,
}

impl Service {
    /// The latest versions the principal may see of *other* objects that share a canonical
    /// observable with `stix_id` (with its latest version they may see: an object they may not see
    /// is not found). The summary names the organisations other than the object's producer.
    pub async fn correlations(
        &self,
        p: &Principal,
        stix_id: &str,
        after_cursor: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Reports, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let target = self.get_object(p, stix_id, None).await?;
        let v = Visibility::of(&grant);
        let keys = self
            .store(&grant)
            .observable_keys(&v, &[version_key(&target)])
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
        let q = ObjectQuery {
            exclude_ids: vec![stix_id.to_owned()],
            ..reporting(keys, after_cursor, limit)
        };
        let mut r = self.reports(p, &q).await?;
        let others: Vec<&Organisation> = r
            .producers
            .iter()
            .filter(|o| o.id != target.producer_org)
            .collect();
        r.summary = if others.is_empty() {
            "not reported by any other organisation".into()
        } else {
            format!("also reported by {}", named(&others))
        };
        Ok(r)
    }

    /// The latest versions the principal may see of objects yielding the observable `value` of
    /// type `ty` (normalised first, the reader's organisation's country being the region of
    /// national forms). `ty` and `value` name the parameters in errors.
    pub async fn observable_reports(
        &self,
        p: &Principal,
        ty: &str,
        value: &str,
        after_cursor: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Reports, CoreError> {
        authorize(p, Action::ReadIntel)?;
        if let Err(e) = ty.parse::<simpul_observable::ObservableType>() {
            return Err(Invalid::new("type", e.to_string()).into());
        }
        let key = observable_key(p, "value", &format!("{ty}|{value}"))?;
        let mut r = self
            .reports(p, &reporting(vec![key], after_cursor, limit))
            .await?;
        let all: Vec<&Organisation> = r.producers.iter().collect();
        r.summary = if all.is_empty() {
            "not reported in anything you may see".into()
        } else {
            format!("reported by {}", named(&all))
        };
        Ok(r)
    }

    /// The canonical observable keys (`type|key`, sorted) of each of `objects` (versions listed
    /// for `p`, e.g. a page of [`Service::list_objects`]), in order; empty for one `p` may not see.
    /// The dashboard counts from them which observables the most organisations reported. Only
    /// the objects of a type that yields keys at ingest (indicators, observed data, cyber
    /// observables: `observables.rs`) are looked up; the others (sightings, relationships,
    /// reports…) have none.
    pub async fn observable_keys_of(
        &self,
        p: &Principal,
        objects: &[StoredObject],
    ) -> Result<Vec<Vec<String>>, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let yields = |t: &str| {
            t == "indicator" || t == "observed-data" || simpul_stix::schema::is_sco_type(t)
        };
        let versions: Vec<VersionKey> = objects
            .iter()
            .filter(|o| yields(&o.stix_type))
            .map(version_key)
            .collect();
        let mut found = self
            .store(&grant)
            .observable_keys(&Visibility::of(&grant), &versions)
            .await?
            .into_iter();
        Ok(objects
            .iter()
            .map(|o| {
                if yields(&o.stix_type) {
                    found.next().unwrap_or_default()
                } else {
                    Vec::new()
                }
            })
            .collect())
    }

    /// The page, total, shared keys and producers of `q` (whose `observables` are the keys).
    pub(crate) async fn reports(
        &self,
        p: &Principal,
        q: &ObjectQuery,
    ) -> Result<Reports, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let mut keys = q.observables.clone();
        keys.sort();
        // No key correlates with nothing (an empty filter would mean "everything").
        if keys.is_empty() {
            return Ok(Reports::default());
        }
        let page = self.list_objects(p, q).await?;
        let total = self.count_objects(p, q).await?;
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        let versions: Vec<VersionKey> = page.iter().map(version_key).collect();
        let theirs = store.observable_keys(&v, &versions).await?;
        let objects = page
            .into_iter()
            .zip(theirs)
            .map(|(object, k)| Correlated {
                shared: k
                    .into_iter()
                    .filter(|k| keys.binary_search(k).is_ok())
                    .collect(),
                object,
            })
            .collect();
        let producers: Vec<OrgId> = store.producers(&v, q).await?;
        Ok(Reports {
            keys,
            objects,
            total,
            producers: organisations(store, producers).await?,
            summary: String::new(),
        })
    }
}

/// The store key of `o`'s version.
fn version_key(o: &StoredObject) -> VersionKey {
    VersionKey {
        collection: o.collection,
        stix_id: o.stix_id.clone(),
        producer_org: o.producer_org,
        version: o.version,
    }
}

/// Latest versions yielding any of `keys`, newest added first.
pub(crate) fn reporting(
    keys: Vec<String>,
    after_cursor: Option<OffsetDateTime>,
    limit: u32,
) -> ObjectQuery {
    ObjectQuery {
        observables: keys,
        latest_only: true,
        order: Order::NewestFirst,
        after_cursor,
        limit,
        ..ObjectQuery::default()
    }
}

/// "MyCERT (MY), ThaiCERT (TH)", an organisation without a country by its short name alone.
fn named(orgs: &[&Organisation]) -> String {
    orgs.iter()
        .map(|o| match o.country {
            Some(c) => format!("{} ({})", o.short_name.as_str(), c.as_str()),
            None => o.short_name.as_str().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
