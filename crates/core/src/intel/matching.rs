//! The server's match index: which stored indicators does an observable hit, among those the
//! principal may see (`POST /api/v1/match`, `simpul match --as`).
//!
//! One [`MatchIndex`] per [`Service`] (shared by its clones) holds simpul-matcher's compiled index
//! over the **latest version of every stored indicator lineage**, one entry per collection, id and
//! producing organisation (the same indicator shared into two collections is two entries, each
//! with its own audience; another organisation's version of the id is its own lineage and never
//! replaces the producer's), with
//! the inputs of the sharing policy beside each entry: the producing organisation, the TLP, the
//! named recipients and the collection, whose audience is looked up from the collections as they
//! stand at the last refresh (so a changed audience applies at the next match).
//!
//! **Keeping current.** Every change of an object is a new stored version with a later
//! `date_added` (new versions, revocations, marking and recipient changes), so the index polls
//! the store for the versions added after its cursor ([`crate::intel::store::IntelStore::objects_added_after`], in
//! pages of [`MatchIndex::page`]), oldest first, and applies each: a version older than the one
//! held is ignored (versions may arrive out of order); a newer one replaces the entry in place
//! (the matcher removes exactly that entry's keys and inserts the new version's, no rebuild); a
//! revoked latest version removes it, and so does a latest version that is no longer valid. The
//! first refresh loads everything the same way, page by page, so memory while loading is the
//! index plus one page. [`Service::match_view`] and [`Service::match_values`] catch up first, so
//! a match sees every write acknowledged before it started, on whichever app node it runs (all
//! nodes poll the one PostgreSQL; no node keeps state of its own that others need). The server
//! also refreshes in the background so the catch-up is usually empty. Expiry is decided at match
//! time: an indicator whose `valid_until` has passed (by the service clock) does not hit; its
//! entry is dropped at the next version, and a restart drops it for good.
//!
//! **Who sees a hit.** The refresh reads every indicator whoever may see it, with the internal
//! grant of [`Action::IndexIntel`] that only core can make ([`Grant::internal_index`]) and the
//! [`Unfiltered`] proof made from it; every hit then passes [`visible`] with the
//! viewer's [`Visibility`] before it leaves this module. That is the in-memory face of the
//! sharing policy: the store stories hold it to the SQL face on random worlds
//! (`simpul_store_tests::match_index_matches_policy`).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;
use simpul_matcher::input::Source;
use simpul_matcher::{Finds, Hit, Index, Route, Slot, Stats};
use simpul_observable::{Canonical, Context};
/// The observable type and region a match names (re-exported for the edges).
pub use simpul_observable::{ObservableType, Region};
use time::OffsetDateTime;

use crate::Service;
use crate::access::sharing::visible;
use crate::access::{Action, Grant, Principal, Unfiltered, Visibility, authorize};
use crate::decay::Facts;
use crate::error::CoreError;
use crate::intel::service::observable_context;
use crate::intel::store::StoredObject;
use crate::intel::taxii_store::Deletion;
use crate::intel::{Audience, CollectionId, SharingFacts, Tlp};
use crate::org::OrgId;
use crate::store::StoreError;
use crate::user::UserId;

/// How many versions one poll of the store reads, unless set ([`Service::with_match_page`]).
pub const DEFAULT_PAGE: u32 = 2000;

/// The most values one [`Service::match_values`] call takes.
pub const MAX_VALUES: usize = 4_000_000;

/// The index and its refresh (see the module docs).
pub struct MatchIndex {
    state: RwLock<State>,
    /// One refresh at a time (a match waits for one in progress, then polls itself).
    refresh: tokio::sync::Mutex<()>,
    page: u32,
}

impl std::fmt::Debug for MatchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.read();
        f.debug_struct("MatchIndex")
            .field("entries", &s.index.len())
            .field("cursor", &s.cursor)
            .field("page", &self.page)
            .finish()
    }
}

/// What the index knows.
#[derive(Default)]
struct State {
    index: Index,
    /// The latest version of each lineage (collection, id, producing organisation) seen, and its
    /// entry when it has one.
    latest: HashMap<LineageKey, Latest>,
    /// The sharing facts of each entry, by slot.
    entries: Vec<Option<Entry>>,
    /// Each collection's audience, as of the last refresh.
    audiences: HashMap<CollectionId, Audience>,
    /// The `date_added` of the last version applied.
    cursor: Option<OffsetDateTime>,
    /// The position of the last deletion applied in the deletion feed.
    deletions: Option<i64>,
}

/// A lineage: the versions of one id in one collection by one producing organisation.
type LineageKey = (CollectionId, Box<str>, OrgId);

#[derive(Debug, Clone, Copy)]
struct Latest {
    /// Its version, in microseconds since the epoch.
    version: i64,
    slot: Option<Slot>,
}

/// The sharing policy's inputs for one entry (its audience is its collection's).
#[derive(Debug)]
struct Entry {
    collection: CollectionId,
    producer_org: OrgId,
    tlp: Tlp,
    recipients: Box<[UserId]>,
    route: Route,
    /// What the decay model reads of the indicator (its score needs the reader's sightings).
    facts: Facts,
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl State {
    /// Applies one stored version read from the feed of versions (see the module docs).
    fn apply(&mut self, o: &StoredObject, now: OffsetDateTime) {
        if self.cursor.is_none_or(|c| c < o.date_added) {
            self.cursor = Some(o.date_added);
        }
        self.hold(o, now);
    }

    /// Holds `o` if it is the latest version of its lineage seen (the cursor is the feed's, not
    /// moved here).
    fn hold(&mut self, o: &StoredObject, now: OffsetDateTime) {
        if o.stix_type != "indicator" {
            return;
        }
        let version = micros(o.version);
        let key = (
            o.collection,
            Box::<str>::from(o.stix_id.as_str()),
            o.producer_org,
        );
        if let Some(held) = self.latest.get(&key) {
            if held.version >= version {
                return;
            }
            if let Some(s) = held.slot {
                self.index.remove_slot(s);
                if let Some(e) = self.entries.get_mut(s.index()) {
                    *e = None;
                }
            }
        }
        // Not matchable (another pattern type, a pattern that does not parse, revoked, expired):
        // remembered as the latest version, without an entry.
        let added = if o.revoked {
            None
        } else {
            serde_json::from_str::<Value>(&o.json).ok().and_then(|v| {
                let (slot, route) = self.index.insert(&v, now).ok().flatten()?;
                let pattern = v.get("pattern").and_then(Value::as_str).unwrap_or("");
                let kinds = crate::decay::kinds_of_pattern(pattern);
                Some((slot, route, Facts::with_kinds(&v, kinds, o.version)))
            })
        };
        let slot = added.map(|(slot, route, facts)| {
            let i = slot.index();
            if self.entries.len() <= i {
                self.entries.resize_with(i + 1, || None);
            }
            self.entries[i] = Some(Entry {
                collection: o.collection,
                producer_org: o.producer_org,
                tlp: o.tlp,
                recipients: o.recipients.clone().into_boxed_slice(),
                route,
                facts,
            });
            slot
        });
        self.latest.insert(key, Latest { version, slot });
    }
}

impl State {
    /// Applies one deletion: when the deleted version is the latest one held for its lineage, its
    /// entry goes, and the newest version of the lineage left (the feed reads it with the
    /// deletion) takes its place — without moving the cursor of versions, so nothing added
    /// meanwhile is skipped (a version it reads again later is older or equal, and ignored).
    /// A deletion without a producer (recorded before lineages were kept) is older than any index
    /// that runs now, which loaded the store after it: nothing held was deleted by it.
    fn forget(&mut self, d: &Deletion, now: OffsetDateTime) {
        if self.deletions.is_none_or(|c| c < d.seq) {
            self.deletions = Some(d.seq);
        }
        let Some(producer) = d.producer_org else {
            return;
        };
        let key = (d.collection, Box::<str>::from(d.stix_id.as_str()), producer);
        let Some(held) = self.latest.get(&key).copied() else {
            return;
        };
        if held.version != micros(d.version) {
            return;
        }
        if let Some(s) = held.slot {
            self.index.remove_slot(s);
            if let Some(e) = self.entries.get_mut(s.index()) {
                *e = None;
            }
        }
        self.latest.remove(&key);
        if let Some(o) = &d.remaining {
            self.hold(o, now);
        }
    }
}

impl MatchIndex {
    fn new(page: u32) -> Self {
        Self {
            state: RwLock::default(),
            refresh: tokio::sync::Mutex::new(()),
            page: page.max(1),
        }
    }

    /// How many versions one poll of the store reads.
    pub fn page(&self) -> u32 {
        self.page
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MatchIndex {
    fn default() -> Self {
        Self::new(DEFAULT_PAGE)
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Versions read from the store.
    pub versions: usize,
    /// Entries (collection × indicator) held afterwards.
    pub entries: usize,
}

impl Service {
    /// The same service with a fresh match index that polls `page` versions at a time (tests
    /// use small pages to exercise paging).
    #[must_use]
    pub fn with_match_page(mut self, page: u32) -> Self {
        self.matching = Arc::new(MatchIndex::new(page));
        self
    }

    /// Brings the match index up to every version the store holds (see the module docs): the
    /// first call loads them all, page by page; later calls read what was added since. Reads every
    /// indicator, whoever may see it, with core's internal grant; nothing read leaves core except
    /// through [`MatchReader`]'s sharing filter.
    pub async fn refresh_match_index(&self) -> Result<Refreshed, CoreError> {
        let ix = Arc::clone(&self.matching);
        let _one = ix.refresh.lock().await;
        let grant = Grant::internal_index();
        let all = Unfiltered::of(&grant)
            .ok_or_else(|| StoreError::Backend("the internal grant is not IndexIntel".into()))?;
        let store = self.store(&grant);
        let mut versions = 0;
        loop {
            let cursor = ix.read().cursor;
            let page = store
                .objects_added_after(&all, "indicator", cursor, ix.page)
                .await?;
            let n = page.len();
            if n == 0 {
                break;
            }
            versions += n;
            let now = self.now();
            let target = Arc::clone(&ix);
            // Parsing and compiling a page of patterns is CPU work: off the async threads.
            tokio::task::spawn_blocking(move || {
                let mut s = target.write();
                for o in &page {
                    s.apply(o, now);
                }
            })
            .await
            .map_err(|e| StoreError::Backend(format!("match index task failed: {e}")))?;
            if n < ix.page as usize {
                break;
            }
        }
        // Then the deletions (of versions read above, or before: a version deleted before it
        // was read is simply never read).
        loop {
            let after = ix.read().deletions;
            let page = store.deletions_after(&all, after, ix.page).await?;
            let n = page.len();
            if n > 0 {
                let now = self.now();
                let mut s = ix.write();
                for d in &page {
                    s.forget(d, now);
                }
            }
            if n < ix.page as usize {
                break;
            }
        }
        // After the versions: every collection they name exists by then (objects refer to it).
        let audiences = store
            .list_collections()
            .await?
            .into_iter()
            .map(|c| (c.id, c.audience))
            .collect();
        let mut s = ix.write();
        s.audiences = audiences;
        Ok(Refreshed {
            versions,
            entries: s.index.len(),
        })
    }

    /// A view of the match index for `p`, caught up with the store: its hits are only those `p`
    /// may see. The operator sees none (commands act as a named user).
    pub async fn match_view(&self, p: &Principal) -> Result<MatchView, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let visibility = Visibility::of(&grant);
        self.refresh_match_index().await?;
        Ok(MatchView {
            index: Arc::clone(&self.matching),
            visibility,
            now: self.now(),
            ctx: p
                .as_user()
                .map_or_else(Context::new, |u| observable_context(&u.org)),
            warninglists: Arc::clone(&self.warninglists),
            decay: None,
        })
    }
}

/// The match index as one principal sees it, at one instant (see [`Service::match_view`]).
#[derive(Debug, Clone)]
pub struct MatchView {
    index: Arc<MatchIndex>,
    visibility: Visibility,
    now: OffsetDateTime,
    ctx: Context,
    /// Hits name the warninglists their value is on.
    warninglists: Arc<crate::warninglist::Warninglists>,
    /// When set, [`Source`] hits carry their decay (`match_decay.rs`).
    pub(crate) decay: Option<Arc<crate::intel::match_decay::Scoring>>,
}

impl MatchView {
    /// The instant the view matches at (validity of indicators).
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The principal's normalisation context: their organisation's country as the region of
    /// national phone numbers and bank accounts.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The index, for matching (a read lock: refreshes wait until it is dropped).
    pub fn read(&self) -> MatchReader<'_> {
        MatchReader {
            state: self.index.read(),
            visibility: &self.visibility,
            lists: &self.warninglists,
            decay: self.decay.as_deref(),
        }
    }
}

/// The match index read for one principal: a [`Source`] for the matching loop whose hits are
/// only the indicators the principal may see, each naming the warninglists its value is on.
pub struct MatchReader<'a> {
    state: RwLockReadGuard<'a, State>,
    visibility: &'a Visibility,
    lists: &'a crate::warninglist::Warninglists,
    decay: Option<&'a crate::intel::match_decay::Scoring>,
}

impl std::fmt::Debug for MatchReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchReader")
            .field("entries", &self.state.index.len())
            .finish_non_exhaustive()
    }
}

impl MatchReader<'_> {
    /// Whether the viewer may see entry `e`: [`visible`] over its facts, with its
    /// collection's audience as of the last refresh.
    fn admits(&self, e: &Entry) -> bool {
        let Some(audience) = self.state.audiences.get(&e.collection) else {
            return false;
        };
        let facts = SharingFacts {
            producer_org: e.producer_org,
            tlp: e.tlp,
            recipients: e.recipients.to_vec(),
            audience: audience.clone(),
        };
        visible(self.visibility, &facts)
    }

    /// The entry at `slot`, if the viewer may see it.
    fn admitted(&self, slot: Slot) -> Option<&Entry> {
        let e = self.state.entries.get(slot.index())?.as_ref()?;
        self.admits(e).then_some(e)
    }
}

impl MatchReader<'_> {
    /// The hits of [`Index::find`] that the sharing policy admits for the viewer, each with the
    /// stored TLP (the marking, or the collection's default for unmarked objects) and collection,
    /// and the indicator's decay facts.
    pub(crate) fn each_hit(
        &self,
        observable: &str,
        c: &Canonical,
        now: OffsetDateTime,
        scratch: &mut Finds,
        emit: &mut dyn FnMut(&Hit<'_>, &Facts),
    ) {
        self.state.index.find(c, now, scratch);
        // Looked up once per value, and only for a value that hits.
        let mut listed: Option<Vec<String>> = None;
        for f in scratch.found() {
            let Some(e) = self.admitted(f.slot) else {
                continue;
            };
            let Some(ind) = self.state.index.indicator(f.slot) else {
                continue;
            };
            let mut hit = Hit::found(observable, c, ind, scratch, f);
            hit.tlp = Some(e.tlp.as_str());
            hit.collection = Some(e.collection.to_string());
            let names = listed
                .get_or_insert_with(|| self.lists.check(c).into_iter().map(|l| l.name).collect());
            hit.warninglists = names.iter().map(String::as_str).collect();
            emit(&hit, &e.facts);
        }
    }
}

impl Source for MatchReader<'_> {
    /// [`MatchReader::each_hit`]'s hits, with their decay when the view scores them.
    fn hits(
        &self,
        observable: &str,
        c: &Canonical,
        now: OffsetDateTime,
        scratch: &mut Finds,
        emit: &mut dyn FnMut(&Hit<'_>),
    ) {
        let Some(scoring) = self.decay else {
            self.each_hit(observable, c, now, scratch, &mut |h, _| emit(h));
            return;
        };
        self.each_hit(observable, c, now, scratch, &mut |h, facts| {
            let mut hit = h.clone();
            scoring.mark(&mut hit, facts, now);
            emit(&hit);
        });
    }

    /// Counts of the entries the viewer may see (never of the others: a count is a read too).
    fn stats(&self) -> Stats {
        let mut st = Stats::default();
        for e in self.state.entries.iter().flatten() {
            if !self.admits(e) {
                continue;
            }
            st.indicators += 1;
            match e.route {
                Route::Indexed => st.indexed += 1,
                Route::Residual => st.residual += 1,
                Route::Never(_) => st.never += 1,
            }
        }
        st
    }
}

/// A prepared match of many values (see [`Service::match_values`]), run chunk by chunk so that
/// the read lock is held briefly and the answer can stream (`match_decay.rs`: each chunk's hits
/// then get their decay for the principal).
#[derive(Debug)]
pub struct MatchValues {
    pub(crate) view: MatchView,
    pub(crate) keys: Vec<(String, Canonical)>,
    pub(crate) next: usize,
    pub(crate) finds: Finds,
    pub(crate) service: Service,
    pub(crate) principal: Principal,
}

impl MatchValues {
    /// How many values have a canonical key (are matched).
    pub fn observables(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rss_bytes() -> u64 {
        let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = s
            .split_whitespace()
            .nth(1)
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        pages * 4096
    }

    /// Memory of the server's match index per indicator: `SIMPUL_MATCH_MEMORY_N` (default 1M)
    /// domain indicators with a name, a TLP marking, a creator and (half) `valid_until`, in one
    /// collection, applied as the refresh applies stored versions; prints the growth of resident
    /// memory per indicator (index, entries and the latest-version map together). A measurement,
    /// not a test: `cargo test -p simpul-core match_index_memory -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement that prints bytes per indicator; no threshold"]
    #[allow(clippy::unwrap_used)]
    fn match_index_memory() {
        let n: u64 = std::env::var("SIMPUL_MATCH_MEMORY_N")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        let now = time::macros::datetime!(2026-06-01 00:00 UTC);
        let t = time::macros::datetime!(2026-01-01 00:00 UTC);
        let collection = CollectionId(uuid::Uuid::new_v4());
        let org = OrgId(uuid::Uuid::new_v4());
        let user = UserId(uuid::Uuid::new_v4());
        let rss0 = rss_bytes();
        let mut s = State::default();
        for i in 0..n {
            let id = format!("indicator--{:08x}-0000-4000-8000-{:012x}", i, i * 7);
            let until = if i % 2 == 0 {
                r#","valid_until":"2030-01-01T00:00:00Z""#
            } else {
                ""
            };
            let json = format!(
                r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"Phishing site {i}","pattern_type":"stix","pattern":"[domain-name:value = 'login-{i}.bank-verify.example']","valid_from":"2026-01-01T00:00:00Z"{until},"created_by_ref":"identity--11111111-1111-4111-8111-{:012x}","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}}"#,
                i % 11
            );
            let o = StoredObject {
                collection,
                stix_id: id,
                stix_type: "indicator".into(),
                version: t,
                date_added: t + time::Duration::microseconds(i64::try_from(i).unwrap()),
                spec_version: "2.1".into(),
                producer_org: org,
                producer_user: user,
                tlp: Tlp::Amber,
                pap: None,
                recipients: Vec::new(),
                revoked: false,
                json,
            };
            s.apply(&o, now);
        }
        let rss1 = rss_bytes();
        assert_eq!(s.index.len() as u64, n);
        println!(
            "match index: {n} indicators, resident memory grew {} MiB = {:.0} bytes per indicator",
            rss1.saturating_sub(rss0) / (1 << 20),
            rss1.saturating_sub(rss0) as f64 / n as f64
        );
    }
}
