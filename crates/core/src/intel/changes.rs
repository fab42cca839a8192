//! A producer's changes to a shared object: a new version it posts, a revocation, a marking change
//! and a change of named recipients.
//!
//! Every change is a new stored version (the store is append-only: a version once stored is never
//! rewritten), so it takes effect at the next read — a listing of latest versions serves it, and
//! shows it only to those its facts admit — and its new `date_added` is what TAXII paging and the
//! match index's polling notice. Each is written with its audit entry in one transaction
//! ([`IntelStore::insert_version`](crate::intel::store::IntelStore::insert_version)).
//!
//! Who may change an object: the analysts and administrators (any role that may share) of the
//! organisation that produced it, while that organisation may write into the object's collection.
//! An object's versions are a lineage per producing organisation (collection, id, producer): a
//! change acts on the caller's organisation's own lineage only, and another organisation's versions
//! of the id neither block nor hide it (STIX 2.1 §3.6: only the creator versions an object). Others
//! get "not found" when they see no version of the id and "forbidden" when they see only other
//! organisations' lineages. What is changed is the newest version of the caller's lineage; when the
//! id lives in several collections, the newest of the caller's lineage heads (by version, then
//! `date_added`). A version keeps the recipients of the
//! one before unless the change is of recipients; an unmarked new version takes the collection's
//! default TLP, as a share does. Cyber-observables and marking definitions have no versions (STIX
//! 2.1 §3.6) and a revoked object gets no further version: changing them is a conflict.

use serde_json::json;
use simpul_stix::{Json, StixObject, Timestamp};
use time::{Duration, OffsetDateTime};

use crate::Service;
use crate::access::sharing::{may_write_collection, refuse_to_share};
use crate::access::{Action, Grant, Principal, UserPrincipal, Visibility, authorize};
use crate::audit::AuditAction;
use crate::clock::rfc3339_micros;
use crate::error::{CoreError, Invalid};
use crate::intel::ingest::{search_text, stix_validate_options, version_of};
use crate::intel::observables::keys_of;
use crate::intel::service::observable_context;
use crate::intel::store::{MAX_PAGE, NewObject, ObjectQuery, StoredObject, Versioned};
use crate::intel::{Collection, Tlp};
use crate::service::signed_in;
use crate::store::{Store, StoreError};
use crate::user::{Email, UserId};

/// The most recipients one object names.
pub const MAX_RECIPIENTS: usize = 1000;

/// What a change did: the version now newest, and whether this change stored it (a re-post of
/// the stored version, or a change to what already holds, stores nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub object: StoredObject,
    pub stored: bool,
}

/// The version a change starts from, and who is changing it.
struct Target<'p> {
    grant: Grant<'p>,
    me: &'p UserPrincipal,
    collection: Collection,
    latest: StoredObject,
    /// The latest version's JSON, parsed.
    current: StixObject<'static>,
    /// The version the change was drawn from, when the caller names one (the web's form): the
    /// store stores the change only while it is still the lineage's newest.
    base: Option<OffsetDateTime>,
}

impl Service {
    /// Stores `body`, one STIX object, as a new version of `stix_id`: same id, valid, and a
    /// `modified` later than the stored version's (the stored version itself is answered with
    /// nothing stored, as a share skips it). Immutable properties must not change (STIX 2.1 §3.6).
    ///
    /// `base`, when given (the web's form: the version the form was drawn from), must still be the
    /// newest version of the caller's lineage — checked here and again inside the store's write
    /// transaction, so of two changes drawn from one version only the first is stored and the
    /// other is a [`CoreError::Conflict`] saying the object changed since its form was opened.
    pub async fn post_object_version(
        &self,
        p: &Principal,
        stix_id: &str,
        body: &[u8],
        base: Option<OffsetDateTime>,
    ) -> Result<Changed, CoreError> {
        let mut t = self.change_target(p, stix_id).await?;
        if let Some(base) = base
            && crate::clock::to_micros(base) != t.latest.version
        {
            return Err(base_moved(stix_id));
        }
        t.base = base;
        let obj = simpul_stix::parse_object(body)
            .map_err(|e| {
                Invalid::new(
                    "",
                    format!("line {} column {}: {}", e.line, e.column, e.message),
                )
            })?
            .into_owned();
        if obj.type_name() == Some("bundle") {
            return Err(Invalid::new("/type", "post one STIX object, not a bundle").into());
        }
        if obj.id_str() != Some(stix_id) {
            return Err(Invalid::new(
                "/id",
                format!("must be {stix_id}, the id of the object being changed"),
            )
            .into());
        }
        if obj.modified().is_none() {
            return Err(Invalid::new("/modified", "a new version must have 'modified'").into());
        }
        first_error(&obj)?;
        let version = version_of(&obj);
        if version == t.latest.version {
            return Ok(Changed {
                object: t.latest,
                stored: false,
            });
        }
        if version < t.latest.version {
            return Err(Invalid::new(
                "/modified",
                format!(
                    "a new version must be later than the stored one ({})",
                    rfc3339_micros(t.latest.version)
                ),
            )
            .into());
        }
        if let Some(issue) = simpul_stix::check_new_version(&t.current, &obj)
            .into_iter()
            .find(|i| i.severity == simpul_stix::Severity::Error)
        {
            return Err(Invalid::new(issue.path, issue.message).into());
        }
        let tlp = obj.tlp().unwrap_or(t.collection.default_tlp);
        let recipients = t.latest.recipients.clone();
        if let Some(why) = refuse_to_share(tlp, &t.collection.audience, &recipients) {
            return Err(Invalid::new("/object_marking_refs", why).into());
        }
        self.store_change(p, t, obj, tlp, recipients, AuditAction::ObjectVersion)
            .await
    }

    /// Revokes `stix_id`: a new version with `"revoked": true` and `modified` now (1 ms after the
    /// stored one when the clock is not later). An object revoked already is a conflict.
    pub async fn revoke_object(&self, p: &Principal, stix_id: &str) -> Result<Changed, CoreError> {
        let t = self.change_target(p, stix_id).await?;
        let mut obj = t.current.clone();
        obj.properties_mut().insert("revoked", Json::Bool(true));
        self.bump(&mut obj, &t)?;
        let (tlp, recipients) = (t.latest.tlp, t.latest.recipients.clone());
        self.store_change(p, t, obj, tlp, recipients, AuditAction::ObjectRevoke)
            .await
    }

    /// Marks `stix_id` at `tlp`: a new version whose `object_marking_refs` hold the TLP 2.0
    /// marking of that level in place of its TLP markings (other markings kept), `modified`
    /// bumped. Already marked exactly so: nothing stored. TLP:RED needs named users (a user-list
    /// collection, or recipients named on the object).
    pub async fn set_object_marking(
        &self,
        p: &Principal,
        stix_id: &str,
        tlp: Tlp,
    ) -> Result<Changed, CoreError> {
        let t = self.change_target(p, stix_id).await?;
        let before: Vec<String> = t.current.object_marking_refs().map(str::to_owned).collect();
        let after = with_tlp(&before, tlp);
        if after == before {
            return Ok(Changed {
                object: t.latest,
                stored: false,
            });
        }
        if let Some(why) = refuse_to_share(tlp, &t.collection.audience, &t.latest.recipients) {
            return Err(Invalid::new("/tlp", why).into());
        }
        let mut obj = t.current.clone();
        obj.properties_mut().insert(
            "object_marking_refs",
            Json::Array(after.into_iter().map(Json::from).collect()),
        );
        self.bump(&mut obj, &t)?;
        let recipients = t.latest.recipients.clone();
        self.store_change(p, t, obj, tlp, recipients, AuditAction::ObjectMarking)
            .await
    }

    /// Names `emails` as the recipients of `stix_id` (none: back to the collection's audience): a
    /// new version, its JSON unchanged but `modified` bumped. The same set: nothing stored. A RED
    /// object outside a user-list collection keeps at least one.
    pub async fn set_object_recipients(
        &self,
        p: &Principal,
        stix_id: &str,
        emails: &[String],
    ) -> Result<Changed, CoreError> {
        let t = self.change_target(p, stix_id).await?;
        let named = named_users(self.store(&t.grant), emails).await?;
        if named == t.latest.recipients {
            return Ok(Changed {
                object: t.latest,
                stored: false,
            });
        }
        if let Some(why) = refuse_to_share(t.latest.tlp, &t.collection.audience, &named) {
            return Err(Invalid::new(
                "/recipients",
                format!("the object is {}: {why}", t.latest.tlp.label()),
            )
            .into());
        }
        let mut obj = t.current.clone();
        self.bump(&mut obj, &t)?;
        let tlp = t.latest.tlp;
        self.store_change(p, t, obj, tlp, named, AuditAction::ObjectRecipients)
            .await
    }

    /// The version `p` would change: see the module documentation.
    async fn change_target<'p>(
        &self,
        p: &'p Principal,
        stix_id: &str,
    ) -> Result<Target<'p>, CoreError> {
        let grant = authorize(p, Action::ShareIntel)?;
        let me = signed_in(p, "organisation to change objects as")?;
        let store = self.store(&grant);
        let q = ObjectQuery {
            ids: vec![stix_id.to_owned()],
            latest_only: true,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let newest = store.list_objects(&Visibility::of(&grant), &q).await?;
        if newest.is_empty() {
            return Err(CoreError::NotFound(format!("object {stix_id}")));
        }
        let latest = newest
            .into_iter()
            .filter(|o| o.producer_org == me.org.id)
            .max_by_key(|o| (o.version, o.date_added))
            .ok_or_else(|| {
                CoreError::Forbidden(format!(
                    "only the organisation that produced object {stix_id} may change it"
                ))
            })?;
        let collection = store
            .get_collection(latest.collection)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("collection {}", latest.collection)))?;
        if !may_write_collection(p, &collection) {
            return Err(CoreError::Forbidden(format!(
                "your organisation may read but not write collection {}",
                collection.id
            )));
        }
        let current = simpul_stix::parse_object(latest.json.as_bytes())
            .map_err(|e| {
                StoreError::Corrupt(format!("stored object {stix_id} does not parse: {e}"))
            })?
            .into_owned();
        if current.modified().is_none() {
            return Err(CoreError::Conflict(format!(
                "object {stix_id} has no 'modified': cyber-observables and marking definitions have \
                 no versions"
            )));
        }
        if current.revoked() {
            return Err(CoreError::Conflict(format!(
                "object {stix_id} is revoked: it gets no further versions"
            )));
        }
        Ok(Target {
            grant,
            me,
            collection,
            latest,
            current,
            base: None,
        })
    }

    /// Sets `modified` to now, or 1 ms after the stored version when the clock is not later (at
    /// millisecond precision, which STIX asks for). A stored version at the very end of year 9999
    /// (the last a STIX timestamp can write) cannot be followed: a conflict.
    fn bump(&self, obj: &mut StixObject<'static>, t: &Target<'_>) -> Result<(), CoreError> {
        let floor_ms = |d: OffsetDateTime| {
            d.replace_nanosecond(d.nanosecond() / 1_000_000 * 1_000_000)
                .unwrap_or(d)
        };
        let mut at = floor_ms(self.now());
        if at <= t.latest.version {
            at = floor_ms(t.latest.version)
                .checked_add(Duration::milliseconds(1))
                .filter(|d| d.year() <= 9999)
                .ok_or_else(|| {
                    CoreError::Conflict(format!(
                        "object {} has the last version a STIX timestamp can write",
                        t.latest.stix_id
                    ))
                })?;
        }
        let stamp = Timestamp::from_unix(at.unix_timestamp(), at.nanosecond());
        obj.properties_mut()
            .insert("modified", Json::from(stamp.to_string()));
        Ok(())
    }

    /// Validates the changed object and stores it as the newest version, with its audit entry.
    async fn store_change(
        &self,
        p: &Principal,
        t: Target<'_>,
        obj: StixObject<'static>,
        tlp: Tlp,
        recipients: Vec<UserId>,
        action: AuditAction,
    ) -> Result<Changed, CoreError> {
        first_error(&obj)?;
        let me = t.me;
        let new = NewObject {
            collection: t.collection.id,
            stix_id: t.latest.stix_id.clone(),
            stix_type: obj.type_name().unwrap_or_default().to_owned(),
            version: version_of(&obj),
            spec_version: obj.get_str("spec_version").unwrap_or("2.1").to_owned(),
            producer_org: me.org.id,
            producer_user: me.user.id,
            tlp,
            pap: t.latest.pap,
            recipients,
            revoked: obj.revoked(),
            json: obj.to_json_string(),
            observables: keys_of(&obj, &observable_context(&me.org)),
            refs: crate::intel::refs::refs_of(&obj),
            text: search_text(&obj),
        };
        let before = &t.latest;
        let audit = self.event(
            p,
            action,
            Some(format!("object:{}", new.stix_id)),
            Some(me.org.id),
            json!({
                "stix_id": new.stix_id,
                "collection": new.collection,
                "version": rfc3339_micros(new.version),
                "previous_version": rfc3339_micros(before.version),
                "tlp": { "from": before.tlp.label(), "to": new.tlp.label() },
                "recipients": { "from": before.recipients.len(), "to": new.recipients.len() },
                "revoked": new.revoked,
            }),
        );
        match self
            .store(&t.grant)
            .insert_version(&new, t.base, self.now(), &audit)
            .await?
        {
            Versioned::Stored(date_added) => Ok(Changed {
                object: stored(new, date_added),
                stored: true,
            }),
            Versioned::NotNewer { newest } => Err(CoreError::Conflict(format!(
                "object {} changed meanwhile: its collection holds version {}; read it and try again",
                new.stix_id,
                rfc3339_micros(newest)
            ))),
            Versioned::BaseMoved { .. } => Err(base_moved(&new.stix_id)),
        }
    }
}

/// A change drawn from a version that is no longer the newest.
fn base_moved(stix_id: &str) -> CoreError {
    CoreError::Conflict(format!(
        "this object changed since you opened the form: {stix_id} has a newer version; \
         read it and make your change again"
    ))
}

/// The first validation error of `obj`, with its JSON pointer.
fn first_error(obj: &StixObject<'_>) -> Result<(), Invalid> {
    match simpul_stix::validate(obj, &stix_validate_options())
        .into_iter()
        .find(|i| i.severity == simpul_stix::Severity::Error)
    {
        Some(issue) => Err(Invalid::new(issue.path, issue.message)),
        None => Ok(()),
    }
}

/// `refs` with its TLP markings replaced by `tlp`'s TLP 2.0 marking, where the first of them was
/// (at the end when there was none); other markings keep their places.
fn with_tlp(refs: &[String], tlp: Tlp) -> Vec<String> {
    let mut out = Vec::with_capacity(refs.len() + 1);
    let mut placed = false;
    for r in refs {
        if Tlp::from_marking_id(r).is_none() {
            out.push(r.clone());
        } else if !placed {
            out.push(tlp.marking_id().to_owned());
            placed = true;
        }
    }
    if !placed {
        out.push(tlp.marking_id().to_owned());
    }
    out
}

/// The users named by `emails`, each once, ordered by id (as the store keeps them); an unknown or
/// malformed address is an error at `/recipients/N`.
pub(crate) async fn named_users(
    store: &dyn Store,
    emails: &[String],
) -> Result<Vec<UserId>, CoreError> {
    if emails.len() > MAX_RECIPIENTS {
        return Err(Invalid::new(
            "/recipients",
            format!("name at most {MAX_RECIPIENTS} recipients"),
        )
        .into());
    }
    let mut named = Vec::with_capacity(emails.len());
    for (i, email) in emails.iter().enumerate() {
        let path = format!("/recipients/{i}");
        let email = Email::parse(email).map_err(|e| Invalid::new(&path, e.message))?;
        let user = store
            .get_user_by_email(&email)
            .await?
            .ok_or_else(|| Invalid::new(&path, "no such user"))?;
        named.push(user.id);
    }
    named.sort();
    named.dedup();
    Ok(named)
}

/// What reading `new` back gives, added at `date_added`.
fn stored(new: NewObject, date_added: OffsetDateTime) -> StoredObject {
    StoredObject {
        collection: new.collection,
        stix_id: new.stix_id,
        stix_type: new.stix_type,
        version: new.version,
        date_added,
        spec_version: new.spec_version,
        producer_org: new.producer_org,
        producer_user: new.producer_user,
        tlp: new.tlp,
        pap: new.pap,
        recipients: new.recipients,
        revoked: new.revoked,
        json: new.json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tlp_marking_is_replaced_in_place() {
        let other = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db".to_owned();
        let green = Tlp::Green.marking_id().to_owned();
        let white = simpul_stix::tlp::TLP1_WHITE.to_owned();
        assert_eq!(
            with_tlp(&[other.clone(), green.clone()], Tlp::Red),
            [other.clone(), Tlp::Red.marking_id().to_owned()]
        );
        assert_eq!(
            with_tlp(&[white, other.clone(), green], Tlp::Amber),
            [Tlp::Amber.marking_id().to_owned(), other.clone()]
        );
        assert_eq!(
            with_tlp(std::slice::from_ref(&other), Tlp::Clear),
            [other, Tlp::Clear.marking_id().to_owned()]
        );
        assert_eq!(with_tlp(&[], Tlp::Green), [Tlp::Green.marking_id()]);
    }
}
