//! Only an object's producer versions it (STIX 2.1 §3.6). The store keeps one lineage of versions
//! per producing organisation, so another organisation's version never hides or replaces the
//! producer's inside simpul; but a TAXII client, MISP or OpenCTI downstream treats one id as one
//! object, and would take another organisation's later version of it as the producer's. So a
//! share does not store a versioned object (an SDO or SRO; SCOs are named by their value and have
//! no versions) whose id another organisation already holds in the collection, in a version the
//! sharer may see — and only then: what the sharer may not see is never a reason, so the answer
//! tells them nothing they could not read. Such an object is skipped with a warning, not failed:
//! the same MISP event imported by two organisations, or a galaxy cluster (one uuid everywhere)
//! in both their events, is already there. (A sharer who holds a lineage of the id themselves
//! goes on versioning their own.)

use std::collections::{HashMap, HashSet};

use crate::Service;
use crate::access::{Action, Visibility, authorize};
use crate::error::CoreError;
use crate::intel::ingest::{Batch, Sharer, Warning};
use crate::intel::store::{MAX_PAGE, ObjectQuery, Order};

/// Ids asked about per query (each has few lineages; a full page is read on).
const IDS_PER_QUERY: usize = 200;

/// Whether objects of `stix_type` have versions: everything but cyber-observables (named by
/// their value) and marking definitions (immutable).
fn versioned(stix_type: &str) -> bool {
    !simpul_stix::schema::is_sco_type(stix_type) && stix_type != "marking-definition"
}

impl Service {
    /// Takes out of `batch.ready` each versioned object whose id another organisation holds in
    /// the sharer's collection in a version the sharer may see, while the sharer's organisation
    /// holds none (see the module docs); answers them, each with its warning, in input order.
    pub(crate) async fn foreign_versions(
        &self,
        sharer: &Sharer,
        batch: &mut Batch,
    ) -> Result<Vec<Foreign>, CoreError> {
        let Some(me) = sharer.principal.org_id() else {
            return Ok(Vec::new());
        };
        let mut ids: Vec<String> = batch
            .ready
            .iter()
            .filter(|r| versioned(&r.new.stix_type))
            .map(|r| r.new.stix_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        ids.sort_unstable();
        let grant = authorize(&sharer.principal, Action::ShareIntel)?;
        let v = Visibility::of(&grant);
        let store = self.store(&grant);
        // id → (another organisation's head seen, own lineage held)
        let mut held: HashMap<String, (bool, bool)> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut q = ObjectQuery {
                collection: Some(sharer.collection.id),
                ids: chunk.to_vec(),
                latest_only: true,
                order: Order::OldestFirst,
                limit: MAX_PAGE,
                ..ObjectQuery::default()
            };
            loop {
                let page = store.list_objects(&v, &q).await?;
                for o in &page {
                    let e = held.entry(o.stix_id.clone()).or_default();
                    if o.producer_org == me {
                        e.1 = true;
                    } else {
                        e.0 = true;
                    }
                }
                match page.last() {
                    Some(last) if page.len() == MAX_PAGE as usize => {
                        q.after_cursor = Some(last.date_added);
                    }
                    _ => break,
                }
            }
        }
        let foreign = |id: &str| held.get(id).is_some_and(|&(other, own)| other && !own);
        let (refused, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.ready)
            .into_iter()
            .partition(|r| versioned(&r.new.stix_type) && foreign(&r.new.stix_id));
        batch.ready = kept;
        Ok(refused
            .into_iter()
            .map(|r| Foreign {
                warning: Warning {
                    index: r.at.index,
                    id: Some(r.new.stix_id.clone()),
                    path: r.at.inside("/id"),
                    message: FOREIGN.into(),
                },
                stix_id: r.new.stix_id,
                version: r.new.version,
            })
            .collect())
    }
}

/// Why a foreign version is not stored.
pub(crate) const FOREIGN: &str = "not stored: another organisation produced this object and \
     only its producer versions it (share an object of your own that refers to it instead)";

/// A versioned object another organisation produced, left out of a share.
#[derive(Debug)]
pub(crate) struct Foreign {
    pub(crate) warning: Warning,
    pub(crate) stix_id: String,
    pub(crate) version: time::OffsetDateTime,
}
