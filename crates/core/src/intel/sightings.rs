//! Sightings: "we saw this too". A reader who may see an object reports that they saw it; simpul
//! stores a STIX 2.1 `sighting` of it, produced by the reader's organisation, through the same path
//! as any shared object (validation, TLP, the sharing rules, `date_added`), into the sighted
//! object's collection. The sightings of an object are then listed, and totalled, only as far as
//! the reader may see each of them: a sighting they may not see is neither listed nor counted.
//!
//! The sighting's audience is never wider than the sighted object's, unless its reporter asks for
//! a less strict TLP: it goes to the object's collection and, when the object names recipients, to
//! those recipients and the object's producing user only. `false_positive` is the custom property
//! [`FALSE_POSITIVE_PROPERTY`] (STIX 2.1 has none).

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::sharing::{may_write_collection, refuse_to_share};
use crate::access::{Action, Principal, Visibility, authorize};
use crate::clock::rfc3339_micros;
use crate::error::{CoreError, Invalid};
use crate::intel::Tlp;
use crate::intel::aggregate::FALSE_POSITIVE_PROPERTY;
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order, StoredObject};
use crate::org::{OrgId, Organisation};
use crate::service::signed_in;
use crate::store::Store;

/// The largest `count` of a sighting (STIX 2.1).
pub const MAX_COUNT: u64 = 999_999_999;
/// The longest `where`, in characters.
pub const MAX_WHERE_CHARS: usize = 1000;

/// A sighting to record. Every part is optional; `tlp` defaults to the sighted object's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSighting {
    /// How many times it was seen (0 to [`MAX_COUNT`]).
    pub count: Option<u64>,
    pub first_seen: Option<OffsetDateTime>,
    /// Not before `first_seen`.
    pub last_seen: Option<OffsetDateTime>,
    /// Where it was seen, in words (the sighting's `description`; at most [`MAX_WHERE_CHARS`]).
    pub place: String,
    /// The sighting turned out to be a false positive.
    pub false_positive: bool,
    pub tlp: Option<Tlp>,
}

/// What the visible sightings of an object add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SightingAggregate {
    /// How many sightings (the latest version of each, revoked ones left out).
    pub sightings: u64,
    /// The sum of their `count` (1 for a sighting without one).
    pub count: u64,
    /// How many say they were a false positive.
    pub false_positives: u64,
    /// The organisations that reported them, by short name.
    pub organisations: Vec<Organisation>,
    /// Their countries, each once, in order.
    pub countries: Vec<String>,
}

/// One page of an object's visible sightings, newest first, with the aggregate of all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SightingPage {
    pub sightings: Vec<StoredObject>,
    pub aggregate: SightingAggregate,
}

impl Service {
    /// Records that the principal's organisation saw the object `stix_id` (its latest version they
    /// may see: an object they may not see is not found). Answers the stored sighting.
    pub async fn record_sighting(
        &self,
        p: &Principal,
        stix_id: &str,
        new: NewSighting,
    ) -> Result<StoredObject, CoreError> {
        let grant = authorize(p, Action::ShareIntel)?;
        signed_in(p, "organisation to report a sighting as")?;
        check(&new)?;
        let target = self.get_object(p, stix_id, None).await?;
        let store = self.store(&grant);
        let c = store
            .get_collection(target.collection)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("object {stix_id}")))?;
        if !may_write_collection(p, &c) {
            return Err(CoreError::Forbidden(format!(
                "your organisation may not write into collection {}, where {stix_id} is shared, so \
                 it cannot report a sighting of it",
                c.id
            )));
        }
        let tlp = new.tlp.unwrap_or(target.tlp);
        let named = audience_of(&target);
        if let Some(why) = refuse_to_share(tlp, &c.audience, &named) {
            return Err(Invalid::new("/tlp", why).into());
        }
        let mut emails = Vec::with_capacity(named.len());
        for u in &named {
            if let Some(user) = store.get_user(*u).await? {
                emails.push(user.email.as_str().to_owned());
            }
        }
        let id = format!("sighting--{}", Uuid::new_v4());
        let body = sighting_json(&id, stix_id, &new, tlp, self.now());
        let report = self.share(p, c.id, body.as_bytes(), &emails).await?;
        if let Some(f) = report.failed.into_iter().next() {
            let path = match f.path.as_str() {
                "/sighting_of_ref" => "id".to_owned(),
                "/description" => "/where".to_owned(),
                other => other.to_owned(),
            };
            return Err(Invalid::new(path, f.message).into());
        }
        if report.stored != [id.clone()] {
            return Err(CoreError::Store(crate::StoreError::Backend(format!(
                "the new sighting {id} was not stored"
            ))));
        }
        self.get_object(p, &id, None).await
    }

    /// The sightings of `stix_id` the principal may see (the latest version of each), newest added
    /// first, `limit` after the cursor; and the aggregate of all of them (not only this page). An
    /// object they may not see is not found.
    pub async fn sightings(
        &self,
        p: &Principal,
        stix_id: &str,
        after_cursor: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<SightingPage, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        self.get_object(p, stix_id, None).await?;
        let of = sightings_of(stix_id);
        let page = ObjectQuery {
            order: Order::NewestFirst,
            after_cursor,
            limit,
            ..of.clone()
        };
        let sightings = self.list_objects(p, &page).await?;
        let counted = ObjectQuery {
            revoked: Some(false),
            ..of
        };
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        let totals = store.sighting_totals(&v, &counted).await?;
        let organisations = organisations(store, store.producers(&v, &counted).await?).await?;
        Ok(SightingPage {
            sightings,
            aggregate: SightingAggregate {
                sightings: totals.sightings,
                count: totals.count,
                false_positives: totals.false_positives,
                countries: countries(&organisations),
                organisations,
            },
        })
    }
}

/// A sighting a reader may see, with the short name of the organisation that reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenBy {
    pub sighting: StoredObject,
    pub org: String,
}

impl Service {
    /// The sightings `p` may see of each of `ids` (the latest version of each, revoked ones left
    /// out; read through the sharing policy like every list), by the id they sight, oldest added
    /// first: one read per page of sightings for the whole batch (an export's page of attributes).
    pub async fn sightings_of_each(
        &self,
        p: &Principal,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<SeenBy>>, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let mut out: HashMap<String, Vec<SeenBy>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = ObjectQuery {
            types: vec!["sighting".into()],
            refs: ids.to_vec(),
            latest_only: true,
            revoked: Some(false),
            order: Order::OldestFirst,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let store = self.store(&grant);
        let mut names: HashMap<OrgId, String> = HashMap::new();
        loop {
            let page = self.list_objects(p, &q).await?;
            for s in &page {
                let of = serde_json::from_str::<serde_json::Value>(&s.json)
                    .ok()
                    .and_then(|v| v["sighting_of_ref"].as_str().map(str::to_owned));
                let Some(of) = of.filter(|of| wanted.contains(of.as_str())) else {
                    continue;
                };
                let org = match names.get(&s.producer_org) {
                    Some(n) => n.clone(),
                    None => {
                        let n = store
                            .get_org(s.producer_org)
                            .await?
                            .map(|o| o.short_name.as_str().to_owned())
                            .unwrap_or_default();
                        names.insert(s.producer_org, n.clone());
                        n
                    }
                };
                out.entry(of).or_default().push(SeenBy {
                    sighting: s.clone(),
                    org,
                });
            }
            match page.last() {
                Some(last) if page.len() == MAX_PAGE as usize => {
                    q.after_cursor = Some(last.date_added);
                }
                _ => return Ok(out),
            }
        }
    }
}

/// The sightings of `stix_id`: latest versions of `sighting` objects referring to it.
fn sightings_of(stix_id: &str) -> ObjectQuery {
    ObjectQuery {
        types: vec!["sighting".into()],
        refs: vec![stix_id.to_owned()],
        latest_only: true,
        limit: MAX_PAGE,
        ..ObjectQuery::default()
    }
}

/// The named users of a sighting of `target`: none when the object has none (the collection's
/// audience then); else its recipients and its producing user, so that the sighting reaches no one
/// the object did not.
fn audience_of(target: &StoredObject) -> Vec<crate::UserId> {
    let mut named = target.recipients.clone();
    if !named.is_empty() && !named.contains(&target.producer_user) {
        named.push(target.producer_user);
    }
    named
}

fn check(new: &NewSighting) -> Result<(), Invalid> {
    if new.count.is_some_and(|c| c > MAX_COUNT) {
        return Err(Invalid::new(
            "/count",
            format!("must be between 0 and {MAX_COUNT}"),
        ));
    }
    if let (Some(first), Some(last)) = (new.first_seen, new.last_seen)
        && last < first
    {
        return Err(Invalid::new("/last_seen", "must not be before first_seen"));
    }
    if new.place.chars().count() > MAX_WHERE_CHARS {
        return Err(Invalid::new(
            "/where",
            format!("must have at most {MAX_WHERE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The STIX 2.1 sighting, properties in the specification's order.
fn sighting_json(id: &str, of: &str, new: &NewSighting, tlp: Tlp, now: OffsetDateTime) -> String {
    use serde_json::Value;
    let ts = |t: OffsetDateTime| Value::String(rfc3339_micros(t));
    let mut props: Vec<(&str, Value)> = vec![
        ("type", "sighting".into()),
        ("spec_version", "2.1".into()),
        ("id", id.into()),
        ("created", ts(now)),
        ("modified", ts(now)),
        ("sighting_of_ref", of.into()),
    ];
    if let Some(c) = new.count {
        props.push(("count", c.into()));
    }
    if let Some(t) = new.first_seen {
        props.push(("first_seen", ts(t)));
    }
    if let Some(t) = new.last_seen {
        props.push(("last_seen", ts(t)));
    }
    let place = new.place.trim();
    if !place.is_empty() {
        props.push(("description", place.into()));
    }
    props.push(("object_marking_refs", vec![tlp.marking_id()].into()));
    props.push((FALSE_POSITIVE_PROPERTY, new.false_positive.into()));
    let members: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{}:{v}", Value::from(k)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// The organisations of `ids`, by short name (any that no longer exists left out).
pub(crate) async fn organisations(
    store: &dyn Store,
    ids: Vec<OrgId>,
) -> Result<Vec<Organisation>, CoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(o) = store.get_org(id).await? {
            out.push(o);
        }
    }
    out.sort_by(|a, b| a.short_name.as_str().cmp(b.short_name.as_str()));
    Ok(out)
}

/// The countries of `orgs`, each once, in order.
pub(crate) fn countries(orgs: &[Organisation]) -> Vec<String> {
    let mut out: Vec<String> = orgs
        .iter()
        .filter_map(|o| o.country.map(String::from))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sighting_is_valid_stix_in_the_specifications_order() {
        let now = time::macros::datetime!(2026-03-01 10:00:00.123456 UTC);
        let new = NewSighting {
            count: Some(3),
            first_seen: Some(time::macros::datetime!(2026-02-01 00:00 +07:00)),
            last_seen: Some(time::macros::datetime!(2026-02-02 00:00 UTC)),
            place: "  Bank \"X\" mail gateway ".into(),
            false_positive: true,
            tlp: None,
        };
        let of = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        let id = "sighting--ee20065d-2555-424f-ad9e-0f8428623c75";
        let json = sighting_json(id, of, &new, Tlp::AmberStrict, now);
        assert_eq!(
            json,
            format!(
                r#"{{"type":"sighting","spec_version":"2.1","id":"{id}","created":"2026-03-01T10:00:00.123456Z","modified":"2026-03-01T10:00:00.123456Z","sighting_of_ref":"{of}","count":3,"first_seen":"2026-01-31T17:00:00.000000Z","last_seen":"2026-02-02T00:00:00.000000Z","description":"Bank \"X\" mail gateway","object_marking_refs":["{}"],"x_simpul_false_positive":true}}"#,
                Tlp::AmberStrict.marking_id()
            )
        );
        let obj = simpul_stix::parse_object(json.as_bytes()).unwrap();
        let errors: Vec<_> =
            simpul_stix::validate(&obj, &crate::intel::service::stix_validate_options())
                .into_iter()
                .filter(|i| i.severity == simpul_stix::Severity::Error)
                .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(obj.tlp(), Some(Tlp::AmberStrict));
        let bare = sighting_json(id, of, &NewSighting::default(), Tlp::Clear, now);
        assert!(
            !bare.contains("count") && !bare.contains("description"),
            "{bare}"
        );
    }

    #[test]
    fn bounds_name_the_field() {
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let bad = [
            (
                NewSighting {
                    count: Some(MAX_COUNT + 1),
                    ..NewSighting::default()
                },
                "/count",
            ),
            (
                NewSighting {
                    first_seen: Some(at(10)),
                    last_seen: Some(at(9)),
                    ..NewSighting::default()
                },
                "/last_seen",
            ),
            (
                NewSighting {
                    place: "é".repeat(MAX_WHERE_CHARS + 1),
                    ..NewSighting::default()
                },
                "/where",
            ),
        ];
        for (new, path) in bad {
            assert_eq!(check(&new).unwrap_err().path, path);
        }
        let fine = NewSighting {
            count: Some(MAX_COUNT),
            first_seen: Some(at(10)),
            last_seen: Some(at(10)),
            place: "é".repeat(MAX_WHERE_CHARS),
            ..NewSighting::default()
        };
        assert_eq!(check(&fine), Ok(()));
    }
}
