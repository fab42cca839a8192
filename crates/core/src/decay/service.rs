//! Decay for a reader: the sightings counted are those the sharing policy shows them, totalled by
//! the store in one statement per batch of indicators ([`AggregateStore::sightings_by_ref`] under
//! the reader's [`Visibility`]), so a sighting they may not see never moves their score.
//!
//! [`AggregateStore::sightings_by_ref`]: crate::intel::aggregate::AggregateStore::sightings_by_ref

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use super::{Decay, DecayModel, Facts, Sighted, score};
use crate::Service;
use crate::access::{Action, Principal, Visibility, authorize};
use crate::error::CoreError;
use crate::intel::store::StoredObject;

/// What a reader sees of the sightings of a batch of ids, by id (ids without a visible sighting
/// are absent: [`Sighted::default`]).
#[derive(Debug, Clone, Default)]
pub struct SightedBatch(HashMap<String, Sighted>);

impl SightedBatch {
    /// What the reader sees of the sightings of `id`.
    pub fn of(&self, id: &str) -> Sighted {
        self.0.get(id).copied().unwrap_or_default()
    }
}

fn batch(rows: Vec<crate::intel::aggregate::RefSightings>) -> SightedBatch {
    SightedBatch(
        rows.into_iter()
            .map(|r| {
                (
                    r.ref_id,
                    Sighted {
                        sightings: r.sightings,
                        false_positives: r.false_positives,
                        last_sighting: r.last_seen,
                        last_false_positive: r.last_false_positive,
                    },
                )
            })
            .collect(),
    )
}

impl Service {
    /// The same service with another decay model (the configuration's `[decay]`).
    #[must_use]
    pub fn with_decay(mut self, model: DecayModel) -> Self {
        self.decay = Arc::new(model);
        self
    }

    /// The decay model in use.
    pub fn decay_model(&self) -> &DecayModel {
        &self.decay
    }

    /// What `p` may see of the sightings of each of `ids` (the latest version of each sighting,
    /// revoked ones left out), in one read.
    pub async fn sighted(&self, p: &Principal, ids: &[String]) -> Result<SightedBatch, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        if ids.is_empty() {
            return Ok(SightedBatch::default());
        }
        let v = Visibility::of(&grant);
        let rows = self.store(&grant).sightings_by_ref(&v, ids).await?;
        Ok(batch(rows))
    }

    /// What `p` may see of the sightings of every object any visible sighting refers to, in one
    /// read (for a long match that cannot read per chunk).
    pub async fn sighted_all(&self, p: &Principal) -> Result<SightedBatch, CoreError> {
        let grant = authorize(p, Action::ReadIntel)?;
        let v = Visibility::of(&grant);
        let rows = self.store(&grant).sightings_by_ref(&v, &[]).await?;
        Ok(batch(rows))
    }

    /// The decay of each of `objects` (indicators; `None` for any other object) for `p` at `now`,
    /// with the sightings `p` may see: one read for all of them.
    pub async fn decay_of(
        &self,
        p: &Principal,
        objects: &[StoredObject],
        now: OffsetDateTime,
    ) -> Result<Vec<Option<Decay>>, CoreError> {
        let facts: Vec<Option<Facts>> = objects.iter().map(Facts::of).collect();
        let mut ids: Vec<String> = objects
            .iter()
            .zip(&facts)
            .filter(|(_, f)| f.is_some())
            .map(|(o, _)| o.stix_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let seen = self.sighted(p, &ids).await?;
        Ok(objects
            .iter()
            .zip(facts)
            .map(|(o, f)| f.map(|f| score(&self.decay, &f, &seen.of(&o.stix_id), now)))
            .collect())
    }
}
