//! Federation's service functions: peers (site-admins and the operator administer them), and the
//! steps of a sync round that the binary's TAXII client drives — a pulled page shared as the
//! peer's account through the one share pipeline, a page of what may be pushed (the peer's
//! account's view of the collection, then the forwarding rules), cursors and the round's status.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::access::sharing::{ForwardTarget, may_forward};
use crate::access::{Action, AuthMethod, Principal, Visibility, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::federation::store::PeerRecord;
use crate::federation::{
    CursorKind, FederationKey, MAX_INTERVAL_SECS, MIN_INTERVAL_SECS, NewPeer, Peer, PeerAuth,
    PeerId, PeerName, PeerStatus, Provenance, check_url,
};
use crate::intel::ingest::ShareOptions;
use crate::intel::store::{Inserted, MAX_PAGE, ObjectQuery, Order, StoredObject};
use crate::intel::{CollectionId, SharingFacts, Tlp};
use crate::store::StoreError;
use crate::user::{Email, UserStatus};

/// What sync needs of a peer: the peer, its credentials opened, and the principal of its local
/// account (as which pulled objects are shared and pushed ones are read).
#[derive(Debug, Clone)]
pub struct PeerSession {
    pub peer: Peer,
    pub auth: PeerAuth,
    pub principal: Principal,
}

/// What sharing one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PulledPage {
    /// Versions stored.
    pub stored: u64,
    /// Versions this node held already (in any lineage): nothing stored.
    pub held: u64,
    /// Versions the share pipeline refused (invalid, or the sharing rules).
    pub refused: u64,
}

/// A page of what may be pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushPage {
    /// The versions allowed to leave, oldest added first.
    pub objects: Vec<StoredObject>,
    /// Versions the peer's account could see but the forwarding rules kept here.
    pub withheld: u64,
    /// The `date_added` of the last version looked at: the push cursor after this page.
    pub last: Option<OffsetDateTime>,
    /// More versions follow.
    pub more: bool,
}

/// The members of a TAXII envelope a pull reads.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    objects: Vec<&'a RawValue>,
}

/// The members of an object a pull reads.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(borrow, default)]
    created_by_ref: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    object_marking_refs: Vec<String>,
}

impl Head<'_> {
    /// The object's TLP as its markings say (the strictest), else `default`.
    fn tlp(&self, default: Tlp) -> Tlp {
        self.object_marking_refs
            .iter()
            .filter_map(|m| Tlp::from_marking_id(m))
            .max()
            .unwrap_or(default)
    }
}

fn parse_version(s: Option<&str>) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s?, &time::format_description::well_known::Rfc3339).ok()?;
    Some(crate::clock::to_micros(t))
}

impl Service {
    /// The same service with the key that seals peer credentials.
    pub fn with_federation_key(mut self, key: FederationKey) -> Self {
        self.federation_key = Some(std::sync::Arc::new(key));
        self
    }

    fn federation_key(&self) -> Result<&FederationKey, CoreError> {
        self.federation_key.as_deref().ok_or_else(|| {
            CoreError::Forbidden(
                "no federation key is configured ([federation] key or key_file)".into(),
            )
        })
    }

    /// Adds a peer, or replaces the one of the same name (keeping its id, cursors and status).
    /// Its credentials are sealed under the federation key; the audit entry names the peer, never
    /// the secret.
    pub async fn add_peer(&self, p: &Principal, new: NewPeer) -> Result<Peer, CoreError> {
        let grant = authorize(p, Action::ManagePeers)?;
        check_url(&new.url)?;
        new.auth.check()?;
        if new.maps.is_empty() {
            return Err(Invalid::new(
                "maps",
                "name at least one REMOTE_COLLECTION_ID=LOCAL_COLLECTION_ID",
            )
            .into());
        }
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&new.interval_secs) {
            return Err(Invalid::new(
                "interval",
                format!("must be between {MIN_INTERVAL_SECS} and {MAX_INTERVAL_SECS} seconds"),
            )
            .into());
        }
        let store = self.store(&grant);
        for (i, m) in new.maps.iter().enumerate() {
            if store.get_collection(m.local).await?.is_none() {
                return Err(Invalid::new(
                    format!("maps/{i}"),
                    format!("no local collection {}", m.local),
                )
                .into());
            }
            if new.maps[..i].iter().any(|o| o.remote == m.remote) {
                return Err(Invalid::new(
                    format!("maps/{i}"),
                    format!("remote collection {} is mapped twice", m.remote),
                )
                .into());
            }
        }
        let email = Email::parse(&new.act_as).map_err(|e| Invalid::new("as", e.message))?;
        let user = store
            .get_user_by_email(&email)
            .await?
            .ok_or_else(|| Invalid::new("as", format!("no user `{email}`")))?;
        if user.status != UserStatus::Active {
            return Err(Invalid::new("as", format!("user `{email}` is disabled")).into());
        }
        let existing = store.get_peer(&new.name).await?;
        // The same peer again (a configured peer at every start): nothing to write.
        if let Some(r) = &existing {
            let p = &r.peer;
            let same_auth = self
                .federation_key()?
                .open(&r.sealed_auth, p.id.0.as_bytes())
                .ok()
                .and_then(|plain| serde_json::from_slice::<PeerAuth>(&plain).ok())
                .is_some_and(|a| a == new.auth);
            if same_auth
                && p.url == new.url
                && p.direction == new.direction
                && p.maps == new.maps
                && p.interval_secs == new.interval_secs
                && p.act_as == user.id
            {
                return Ok(r.peer.clone());
            }
        }
        let (id, status, created_at) = match existing {
            Some(r) => (r.peer.id, r.peer.status, r.peer.created_at),
            None => (PeerId(Uuid::new_v4()), PeerStatus::default(), self.now()),
        };
        let secret = serde_json::to_vec(&new.auth)
            .map_err(|e| StoreError::Backend(format!("credentials not serialisable: {e}")))?;
        let sealed_auth = self
            .federation_key()?
            .seal(&secret, id.0.as_bytes())
            .map_err(StoreError::Backend)?;
        let peer = Peer {
            id,
            name: new.name,
            url: new.url,
            auth_kind: new.auth.kind().to_owned(),
            direction: new.direction,
            maps: new.maps,
            interval_secs: new.interval_secs,
            act_as: user.id,
            created_at,
            status,
        };
        let audit = self.event(
            p,
            AuditAction::PeerAdd,
            Some(format!("peer:{}", peer.name)),
            None,
            json!({
                "url": peer.url,
                "direction": peer.direction.as_str(),
                "auth": peer.auth_kind,
                "as": email.as_str(),
                "maps": peer.maps.len(),
                "interval_secs": peer.interval_secs,
            }),
        );
        let record = PeerRecord { peer, sealed_auth };
        store.put_peer(&record, &audit).await?;
        Ok(record.peer)
    }

    /// Every peer, by name.
    pub async fn list_peers(&self, p: &Principal) -> Result<Vec<Peer>, CoreError> {
        let grant = authorize(p, Action::ManagePeers)?;
        let all = self.store(&grant).list_peers().await?;
        Ok(all.into_iter().map(|r| r.peer).collect())
    }

    /// Every peer with its status, for `/metrics` (operations: names and counts, no credentials
    /// and no shared object).
    pub async fn peer_metrics(&self) -> Result<Vec<Peer>, CoreError> {
        let op = Principal::operator("system:metrics");
        let grant = authorize(&op, Action::ManagePeers)?;
        let all = self.store(&grant).list_peers().await?;
        Ok(all.into_iter().map(|r| r.peer).collect())
    }

    /// One peer by name.
    pub async fn peer(&self, p: &Principal, name: &str) -> Result<Peer, CoreError> {
        Ok(self.peer_record(p, name).await?.peer)
    }

    async fn peer_record(&self, p: &Principal, name: &str) -> Result<PeerRecord, CoreError> {
        let grant = authorize(p, Action::ManagePeers)?;
        let not_found = || CoreError::NotFound(format!("peer `{}`", crate::error::excerpt(name)));
        let name = PeerName::parse(name).map_err(|_| not_found())?;
        self.store(&grant)
            .get_peer(&name)
            .await?
            .ok_or_else(not_found)
    }

    /// Removes a peer and its cursors (the provenance of what it delivered stays).
    pub async fn remove_peer(&self, p: &Principal, name: &str) -> Result<(), CoreError> {
        let r = self.peer_record(p, name).await?;
        let grant = authorize(p, Action::ManagePeers)?;
        let audit = self.event(
            p,
            AuditAction::PeerRemove,
            Some(format!("peer:{}", r.peer.name)),
            None,
            json!({ "url": r.peer.url }),
        );
        if !self.store(&grant).delete_peer(r.peer.id, &audit).await? {
            return Err(CoreError::NotFound(format!("peer `{}`", r.peer.name)));
        }
        Ok(())
    }

    /// What a sync round of `name` needs: the peer, its credentials opened with the federation
    /// key, and its local account's principal (a disabled account or a suspended organisation
    /// stops the round).
    pub async fn peer_session(&self, p: &Principal, name: &str) -> Result<PeerSession, CoreError> {
        let r = self.peer_record(p, name).await?;
        let grant = authorize(p, Action::ManagePeers)?;
        let plain = self
            .federation_key()?
            .open(&r.sealed_auth, r.peer.id.0.as_bytes())
            .map_err(CoreError::Forbidden)?;
        let auth: PeerAuth = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("peer credentials: {e}")))?;
        let user = self
            .store(&grant)
            .get_user(r.peer.act_as)
            .await?
            .ok_or_else(|| {
                CoreError::Forbidden(format!("the local account of peer {} is gone", r.peer.name))
            })?;
        let method = AuthMethod::Session {
            csrf_token: String::new(),
        };
        let principal = self
            .principal_for(user, method, Some(format!("peer:{}", r.peer.name)))
            .await
            .map_err(|e| match e {
                CoreError::Unauthenticated(why) => CoreError::Forbidden(why),
                other => other,
            })?;
        Ok(PeerSession {
            peer: r.peer,
            auth,
            principal,
        })
    }

    /// A cursor of the session's peer.
    pub async fn peer_cursor(
        &self,
        s: &PeerSession,
        kind: CursorKind,
        collection: &str,
    ) -> Result<Option<String>, CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        Ok(self
            .store(&grant)
            .get_cursor(s.peer.id, kind, collection)
            .await?)
    }

    /// Saves a cursor of the session's peer: call it only once what it covers is durable.
    pub async fn save_peer_cursor(
        &self,
        s: &PeerSession,
        kind: CursorKind,
        collection: &str,
        value: &str,
    ) -> Result<(), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        Ok(self
            .store(&grant)
            .set_cursor(s.peer.id, kind, collection, value)
            .await?)
    }

    /// Shares one page pulled from the peer (a TAXII envelope, as received) into `local`, as the
    /// peer's account, through the one share pipeline. TLP:RED and AMBER+STRICT objects (by
    /// their markings, else the collection's default) are refused: they never travel between
    /// nodes, whoever serves them. Versions this node holds already in any
    /// lineage it shows that account (come back around a ring, say) are left out; the provenance
    /// of every version of the page stored by the account — now or by an earlier, interrupted
    /// round — is recorded before this answers, so the caller may then save its cursor.
    pub async fn share_pulled_page(
        &self,
        s: &PeerSession,
        local: CollectionId,
        envelope: &[u8],
    ) -> Result<PulledPage, CoreError> {
        let env: Envelope<'_> = serde_json::from_slice(envelope).map_err(|e| {
            Invalid::new(
                "objects",
                format!("the peer's answer is no TAXII envelope: {e}"),
            )
        })?;
        let heads: Vec<Option<Head<'_>>> = env
            .objects
            .iter()
            .map(|raw| serde_json::from_str(raw.get()).ok())
            .collect();
        let keyed = |h: &Head<'_>| {
            let version = parse_version(h.modified.as_deref().or(h.created.as_deref()))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            h.id.as_deref().map(|id| (id.to_owned(), version))
        };
        let ids: Vec<String> = heads
            .iter()
            .flatten()
            .filter_map(|h| h.id.as_deref().map(str::to_owned))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let me = s
            .principal
            .org_id()
            .ok_or_else(|| CoreError::Forbidden("a peer acts as a user".into()))?;
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let v = Visibility::of(&grant);
        let mut held_elsewhere: HashSet<(String, OffsetDateTime)> = HashSet::new();
        for chunk in ids.chunks(MAX_PAGE as usize) {
            let mut q = ObjectQuery {
                collection: Some(local),
                ids: chunk.to_vec(),
                order: Order::OldestFirst,
                limit: MAX_PAGE,
                ..ObjectQuery::default()
            };
            loop {
                let page = self.store(&grant).list_objects(&v, &q).await?;
                let full = page.len() == MAX_PAGE as usize;
                q.after_cursor = page.last().map(|o| o.date_added);
                held_elsewhere.extend(
                    page.into_iter()
                        .filter(|o| o.producer_org != me)
                        .map(|o| (o.stix_id, o.version)),
                );
                if !full {
                    break;
                }
            }
        }
        let default_tlp = self
            .store(&grant)
            .get_collection(local)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("collection {local}")))?
            .default_tlp;
        let mut out = PulledPage::default();
        let mut kept: Vec<&RawValue> = Vec::with_capacity(env.objects.len());
        let mut origins: std::collections::HashMap<(String, OffsetDateTime), String> =
            std::collections::HashMap::new();
        for (raw, head) in env.objects.iter().zip(&heads) {
            // RED and AMBER+STRICT never travel between nodes: a peer that serves one is not
            // followed (the forwarding rules' other end). An object whose marking cannot be read
            // here is refused too (fail closed), never handed to the share pipeline.
            let Some(h) = head else {
                out.refused += 1;
                tracing::warn!(peer = %s.peer.name, "pulled object refused: its id and markings cannot be read");
                continue;
            };
            if matches!(h.tlp(default_tlp), Tlp::Red | Tlp::AmberStrict) {
                out.refused += 1;
                tracing::warn!(peer = %s.peer.name, id = ?h.id, "pulled object refused: its TLP never leaves its node");
                continue;
            }
            if let Some(key) = head.as_ref().and_then(keyed) {
                if held_elsewhere.contains(&key) {
                    out.held += 1;
                    continue;
                }
                let origin = head
                    .as_ref()
                    .and_then(|h| h.created_by_ref.as_deref())
                    .map_or_else(|| format!("peer:{}", s.peer.name), crate::error::excerpt);
                origins.insert(key, origin);
            }
            kept.push(raw);
        }
        if kept.is_empty() {
            return Ok(out);
        }
        let mut bundle =
            br#"{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":["#
                .to_vec();
        for (i, raw) in kept.iter().enumerate() {
            if i > 0 {
                bundle.push(b',');
            }
            bundle.extend_from_slice(raw.get().as_bytes());
        }
        bundle.extend_from_slice(b"]}");
        let (report, outcomes) = self
            .share_outcomes(&s.principal, local, &bundle, &ShareOptions::default())
            .await?;
        out.refused += report.failed.len() as u64;
        let mut provenance = Vec::new();
        for o in outcomes {
            match o.inserted {
                Inserted::Stored(_) => out.stored += 1,
                Inserted::AlreadyStored => out.held += 1,
            }
            let origin = origins
                .remove(&(o.stix_id.clone(), o.version))
                .unwrap_or_else(|| format!("peer:{}", s.peer.name));
            provenance.push(Provenance {
                collection: local,
                stix_id: o.stix_id,
                producer_org: me,
                version: o.version,
                peer: s.peer.id,
                origin,
            });
        }
        for f in &report.failed {
            tracing::warn!(peer = %s.peer.name, id = ?f.id, path = %f.path, reason = %f.message, "pulled object refused");
        }
        self.store(&grant).record_provenance(&provenance).await?;
        Ok(out)
    }

    /// The next page of `local` that may be pushed to the session's peer, after the push cursor
    /// `after`: every version its account may see (new versions and revocations are versions),
    /// oldest added first, less what the forwarding rules keep here
    /// ([`crate::access::sharing::may_forward`]).
    pub async fn push_page(
        &self,
        s: &PeerSession,
        local: CollectionId,
        after: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<PushPage, CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        let collection = store
            .get_collection(local)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("collection {local}")))?;
        let limit = limit.clamp(1, MAX_PAGE);
        let q = ObjectQuery {
            collection: Some(local),
            order: Order::OldestFirst,
            after_cursor: after,
            limit,
            ..ObjectQuery::default()
        };
        let page = store.list_objects(&v, &q).await?;
        let more = page.len() == limit as usize;
        let last = page.last().map(|o| o.date_added).or(after);
        let (objects, withheld) = self.forwardable(s, &collection, page).await?;
        Ok(PushPage {
            objects,
            withheld,
            last,
            more,
        })
    }

    /// `page` less what the forwarding rules keep from the session's peer, and how many that was.
    async fn forwardable(
        &self,
        s: &PeerSession,
        collection: &crate::intel::Collection,
        page: Vec<StoredObject>,
    ) -> Result<(Vec<StoredObject>, u64), CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let store = self.store(&grant);
        let ids: Vec<String> = page
            .iter()
            .map(|o| o.stix_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let from_peer: HashSet<(String, crate::org::OrgId, OffsetDateTime)> = store
            .provenance_of(collection.id, &ids)
            .await?
            .into_iter()
            .filter(|p| p.peer == s.peer.id)
            .map(|p| (p.stix_id, p.producer_org, p.version))
            .collect();
        let Some(u) = s.principal.as_user() else {
            return Err(CoreError::Forbidden("a peer acts as a user".into()));
        };
        let target = ForwardTarget {
            org: u.org.id,
            user: u.user.id,
            communities: &u.communities,
        };
        let mut objects = Vec::with_capacity(page.len());
        let mut withheld = 0;
        for o in page {
            let facts = SharingFacts {
                producer_org: o.producer_org,
                tlp: o.tlp,
                recipients: o.recipients.clone(),
                audience: collection.audience.clone(),
            };
            let received = from_peer.contains(&(o.stix_id.clone(), o.producer_org, o.version));
            if may_forward(&facts, &target, received).is_ok() {
                objects.push(o);
            } else {
                withheld += 1;
            }
        }
        Ok((objects, withheld))
    }

    /// What a queued retry of `stix_id` in `local` pushes now: the newest version the session's
    /// peer's account may see there that the forwarding rules let leave; `None` when there is
    /// none any more (the entry is dropped: withheld).
    pub async fn push_retry_object(
        &self,
        s: &PeerSession,
        local: CollectionId,
        stix_id: &str,
    ) -> Result<Option<StoredObject>, CoreError> {
        let grant = authorize(&s.principal, Action::ReadIntel)?;
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        let Some(collection) = store.get_collection(local).await? else {
            return Ok(None);
        };
        let q = ObjectQuery {
            collection: Some(local),
            ids: vec![stix_id.to_owned()],
            latest_only: true,
            order: Order::OldestFirst,
            limit: MAX_PAGE,
            ..ObjectQuery::default()
        };
        let page = store.list_objects(&v, &q).await?;
        let (objects, _) = self.forwardable(s, &collection, page).await?;
        Ok(objects.into_iter().max_by_key(|o| o.version))
    }
}
