//! The contacts' service functions. Reads take a [`Reader`]: a signed-in reader's view comes from
//! a `ReadDirectory` grant, which is also the store proof of the read; an anonymous one's from a
//! [`PublicRead`] (public contacts only), its proof. Both reach the store with the view's
//! [`DirectoryFilter`](crate::access::directory::DirectoryFilter).
//! Writes need `ManageContacts(org)`. A contact the reader may not see is not found.

use serde_json::json;
use time::OffsetDateTime;

use super::store::{ContactQuery, LIST_MAX};
use super::{Contact, ContactId, ContactKind, ContactPatch, NewContact, vcard};
use crate::Service;
use crate::access::directory::{DirectoryView, PublicRead, Reader, is_member_kind};
use crate::access::{Action, Grant, Principal, authorize};
use crate::audit::AuditAction;
use crate::error::CoreError;
use crate::intel::service::observable_context;
use crate::org::{OrgId, OrgStatus, Organisation};
use crate::service::Proof;
use crate::user::Email;

fn not_found(id: ContactId) -> CoreError {
    CoreError::NotFound(format!("contact {id}"))
}

/// A decided directory read: the store proof (the signed-in reader's `ReadDirectory` grant, or
/// the anonymous reader's [`PublicRead`]) and the view it allows.
struct ContactsRead<'p> {
    proof: ReadProof<'p>,
    view: DirectoryView,
}

enum ReadProof<'p> {
    Signed(Grant<'p>),
    Anonymous(PublicRead),
}

impl Service {
    /// The reader's view, and the store proof for it.
    fn contacts_read<'p>(&self, r: Reader<'p>) -> Result<ContactsRead<'p>, CoreError> {
        Ok(match r {
            Reader::Anonymous => {
                let proof = PublicRead::decided();
                ContactsRead {
                    view: DirectoryView::anonymous(&proof),
                    proof: ReadProof::Anonymous(proof),
                }
            }
            Reader::Signed(p) => {
                let grant = authorize(p, Action::ReadDirectory)?;
                ContactsRead {
                    view: DirectoryView::of(&grant),
                    proof: ReadProof::Signed(grant),
                }
            }
        })
    }

    /// The store, reached with the read's proof.
    fn read_store(&self, read: &ContactsRead<'_>) -> &dyn crate::store::Store {
        match &read.proof {
            ReadProof::Signed(g) => self.store(g),
            ReadProof::Anonymous(p) => self.store(p),
        }
    }

    async fn org_for_contacts(
        &self,
        proof: &impl Proof,
        org: OrgId,
    ) -> Result<Organisation, CoreError> {
        self.store(proof)
            .get_org(org)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {org}")))
    }

    /// Adds a contact to `org`.
    pub async fn add_contact(
        &self,
        p: &Principal,
        org: OrgId,
        new: NewContact,
    ) -> Result<Contact, CoreError> {
        let grant = authorize(p, Action::ManageContacts(org))?;
        let o = self.org_for_contacts(&grant, org).await?;
        let fields = new.validate(&observable_context(&o))?;
        let now = self.now();
        let mut c = Contact {
            id: ContactId::new_random(),
            org_id: org,
            name: String::new(),
            mailbox: false,
            kinds: vec![],
            emails: vec![],
            phones: vec![],
            handles: vec![],
            pgp_key: None,
            languages: vec![],
            availability: None,
            last_verified: None,
            visibility: super::DirectoryVisibility::Members,
            created_at: now,
            updated_at: now,
        };
        c.set(fields);
        let audit = self.event(
            p,
            AuditAction::ContactCreate,
            Some(format!("contact:{}", c.id)),
            Some(org),
            json!({ "id": c.id, "name": c.name, "kinds": c.kinds, "visibility": c.visibility }),
        );
        self.store(&grant).insert_contact(&c, &audit).await?;
        Ok(c)
    }

    /// One contact, if the reader may see it.
    pub async fn get_contact(&self, r: Reader<'_>, id: ContactId) -> Result<Contact, CoreError> {
        let read = self.contacts_read(r)?;
        self.read_store(&read)
            .get_contact(id, Some(read.view.filter()))
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// The contacts the reader may see, filtered by `query` (at most [`LIST_MAX`]).
    pub async fn list_contacts(
        &self,
        r: Reader<'_>,
        mut query: ContactQuery,
    ) -> Result<Vec<Contact>, CoreError> {
        let read = self.contacts_read(r)?;
        if query.limit == 0 || query.limit > LIST_MAX {
            query.limit = LIST_MAX;
        }
        if query.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(crate::Invalid::new("q", "at most 200 characters").into());
        }
        Ok(self
            .read_store(&read)
            .list_contacts(Some(read.view.filter()), &query)
            .await?)
    }

    /// The contact to change: seen by the writer (else 404), and theirs to manage (else 403).
    async fn contact_to_change<'p>(
        &self,
        p: &'p Principal,
        id: ContactId,
    ) -> Result<(Contact, Grant<'p>), CoreError> {
        let c = self.get_contact(Reader::Signed(p), id).await?;
        let grant = authorize(p, Action::ManageContacts(c.org_id))?;
        Ok((c, grant))
    }

    /// Changes a contact; the result is validated whole.
    pub async fn patch_contact(
        &self,
        p: &Principal,
        id: ContactId,
        patch: ContactPatch,
    ) -> Result<Contact, CoreError> {
        let (mut c, grant) = self.contact_to_change(p, id).await?;
        let o = self.org_for_contacts(&grant, c.org_id).await?;
        let fields = patch
            .apply(c.to_input())
            .validate(&observable_context(&o))?;
        c.set(fields);
        c.updated_at = self.now();
        let audit = self.event(
            p,
            AuditAction::ContactUpdate,
            Some(format!("contact:{id}")),
            Some(c.org_id),
            json!({ "id": id, "name": c.name, "kinds": c.kinds, "visibility": c.visibility }),
        );
        if !self.store(&grant).update_contact(&c, &audit).await? {
            return Err(not_found(id));
        }
        Ok(c)
    }

    pub async fn delete_contact(&self, p: &Principal, id: ContactId) -> Result<(), CoreError> {
        let (c, grant) = self.contact_to_change(p, id).await?;
        let audit = self.event(
            p,
            AuditAction::ContactDelete,
            Some(format!("contact:{id}")),
            Some(c.org_id),
            json!({ "id": id, "name": c.name }),
        );
        if !self.store(&grant).delete_contact(id, &audit).await? {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// The vCard 4.0 of one contact the reader may see.
    pub async fn contact_vcard(&self, r: Reader<'_>, id: ContactId) -> Result<String, CoreError> {
        let read = self.contacts_read(r)?;
        let store = self.read_store(&read);
        let c = store
            .get_contact(id, Some(read.view.filter()))
            .await?
            .ok_or_else(|| not_found(id))?;
        let o = store
            .get_org(c.org_id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {}", c.org_id)))?;
        Ok(vcard::write_all([&c], &o.name))
    }

    /// The vCards of every contact of `org` the reader may see (none: an empty body).
    pub async fn org_contacts_vcard(&self, r: Reader<'_>, org: OrgId) -> Result<String, CoreError> {
        let read = self.contacts_read(r)?;
        let store = self.read_store(&read);
        let o = store
            .get_org(org)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("organisation {org}")))?;
        let query = ContactQuery {
            orgs: Some(vec![org]),
            limit: LIST_MAX,
            ..Default::default()
        };
        let contacts = store
            .list_contacts(Some(read.view.filter()), &query)
            .await?;
        Ok(vcard::write_all(&contacts, &o.name))
    }

    /// For communication checks (the caller holds a `RunCommChecks` grant, so no visibility
    /// filter): the contacts having any of `kinds` (empty: all kinds) of the given organisations
    /// or the given contact ids; with neither, of every active member organisation.
    pub(crate) async fn contacts_for_check(
        &self,
        grant: &Grant<'_>,
        orgs: Option<&[OrgId]>,
        ids: Option<&[ContactId]>,
        kinds: &[ContactKind],
    ) -> Result<Vec<Contact>, CoreError> {
        let store = self.store(grant);
        let orgs = match (orgs, ids) {
            (None, None) => Some(
                store
                    .list_orgs()
                    .await?
                    .into_iter()
                    .filter(|o| is_member_kind(o.kind) && o.status == OrgStatus::Active)
                    .map(|o| o.id)
                    .collect(),
            ),
            (o, _) => o.map(<[OrgId]>::to_vec),
        };
        let mut out = Vec::new();
        loop {
            let query = ContactQuery {
                orgs: orgs.clone(),
                ids: ids.map(<[ContactId]>::to_vec),
                kinds: kinds.to_vec(),
                q: None,
                limit: LIST_MAX,
                offset: out.len(),
            };
            let page = store.list_contacts(None, &query).await?;
            let done = page.len() < LIST_MAX;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// Records that contact `id` answered at `at` (a communication check's acknowledgement);
    /// audited as `contact.verified` by `actor` (`user:<uuid>`, or the check's token actor).
    /// Returns false when the contact no longer exists.
    pub(crate) async fn mark_contact_verified(
        &self,
        proof: &impl Proof,
        id: ContactId,
        at: OffsetDateTime,
        actor: &str,
    ) -> Result<bool, CoreError> {
        let store = self.store(proof);
        let Some(mut c) = store.get_contact(id, None).await? else {
            return Ok(false);
        };
        c.last_verified = Some(crate::clock::to_micros(at));
        let audit = crate::audit::AuditEvent {
            at: self.now(),
            actor: actor.to_owned(),
            actor_org: None,
            source: None,
            action: AuditAction::ContactVerified,
            target: Some(format!("contact:{id}")),
            target_org: Some(c.org_id),
            details: json!({ "id": id, "at": c.last_verified.map(|t| t.unix_timestamp()) }),
        };
        Ok(store.update_contact(&c, &audit).await?)
    }

    /// Which contacts have `email` among their addresses (case-insensitive): who a signed-in user
    /// is in the POC network.
    pub(crate) async fn contact_ids_for_email(
        &self,
        proof: &impl Proof,
        email: &Email,
    ) -> Result<Vec<ContactId>, CoreError> {
        Ok(self
            .store(proof)
            .contact_ids_for_email(email.as_str())
            .await?)
    }
}
