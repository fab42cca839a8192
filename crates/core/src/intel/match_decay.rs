//! Each hit of a server match carries its indicator's decay for the principal: `decay_score`
//! (0 to 100) and `decayed` (the score is not above the threshold: the hit is kept and marked,
//! never dropped). A chunk of values is matched under the index's read lock first
//! ([`MatchValues::match_chunk`], CPU work for a blocking thread), then the sightings the
//! principal may see of the indicators hit are read in one statement and the lines written
//! ([`MatchValues::finish`]), so a chunk costs one read however many hits it has.

use simpul_matcher::Hit;
use time::OffsetDateTime;

use crate::Service;
use crate::access::Principal;
use crate::decay::service::SightedBatch;
use crate::decay::{DecayModel, Facts, score};
use crate::error::CoreError;
use crate::intel::matching::{MatchValues, MatchView};

/// The model and what a reader sees of every sighted indicator: for a [`MatchView`] whose
/// [`simpul_matcher::input::Source`] hits carry their decay (`simpul match --as`, which streams
/// through the matcher's loop and cannot stop to read the store per chunk).
#[derive(Debug)]
pub struct Scoring {
    model: DecayModel,
    seen: SightedBatch,
}

impl Scoring {
    /// Sets `hit`'s `decay_score` and `decayed`.
    pub(crate) fn mark(&self, hit: &mut Hit<'_>, facts: &Facts, now: OffsetDateTime) {
        let d = score(&self.model, facts, &self.seen.of(hit.indicator_id), now);
        hit.decayed = Some(!d.above(self.model.threshold()));
        hit.decay_score = Some(d.score);
    }
}

impl Service {
    /// [`Service::match_view`] whose hits carry their decay for `p`: the sightings `p` may see of
    /// every indicator are read once, up front (one statement).
    pub async fn scored_match_view(&self, p: &Principal) -> Result<MatchView, CoreError> {
        let mut view = self.match_view(p).await?;
        let seen = self.sighted_all(p).await?;
        view.decay = Some(std::sync::Arc::new(Scoring {
            model: self.decay_model().clone(),
            seen,
        }));
        Ok(view)
    }
}

/// The hits of one chunk, waiting for their decay.
#[derive(Debug, Default)]
pub struct PendingHits {
    /// Each hit's JSON object without its closing brace, one after the other.
    text: Vec<u8>,
    /// Per hit: where its text ends, its indicator, its facts.
    hits: Vec<(usize, String, Facts)>,
}

impl PendingHits {
    /// How many hits.
    pub fn len(&self) -> usize {
        self.hits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }
}

impl MatchValues {
    /// Matches the next (at most) `n` values; `false` as the second part once every value is done.
    pub fn match_chunk(&mut self, n: usize) -> (PendingHits, bool) {
        let end = self.keys.len().min(self.next.saturating_add(n.max(1)));
        let reader = self.view.read();
        let mut pending = PendingHits::default();
        for (raw, c) in &self.keys[self.next..end] {
            reader.each_hit(
                raw,
                c,
                self.view.now(),
                &mut self.finds,
                &mut |hit, facts| {
                    let start = pending.text.len();
                    if serde_json::to_writer(&mut pending.text, hit).is_ok()
                        && pending.text.last() == Some(&b'}')
                    {
                        pending.text.pop();
                        let at = pending.text.len();
                        pending
                            .hits
                            .push((at, hit.indicator_id.to_owned(), facts.clone()));
                    } else {
                        pending.text.truncate(start);
                    }
                },
            );
        }
        drop(reader);
        self.next = end;
        (pending, self.next < self.keys.len())
    }

    /// [`Self::match_chunk`] then [`Self::finish`] into `out`, on the calling thread (the server
    /// matches on a blocking thread instead); `false` once every value is done.
    pub async fn next_chunk(&mut self, n: usize, out: &mut Vec<u8>) -> Result<bool, CoreError> {
        let (pending, more) = self.match_chunk(n);
        self.finish(pending, out).await?;
        Ok(more)
    }

    /// Appends `pending`'s hits to `out`, one JSON line each (the fields of `simpul match`, then
    /// `decay_score` and `decayed`), with the sightings the principal may see.
    pub async fn finish(&self, pending: PendingHits, out: &mut Vec<u8>) -> Result<(), CoreError> {
        let mut ids: Vec<String> = pending.hits.iter().map(|(_, id, _)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let seen = self.service.sighted(&self.principal, &ids).await?;
        let model = self.service.decay_model();
        let mut from = 0;
        for (to, id, facts) in &pending.hits {
            let d = score(model, facts, &seen.of(id), self.view.now());
            out.extend_from_slice(&pending.text[from..*to]);
            out.extend_from_slice(
                format!(
                    ",\"decay_score\":{},\"decayed\":{}}}\n",
                    serde_json::Value::from(d.score),
                    !d.above(model.threshold())
                )
                .as_bytes(),
            );
            from = *to;
        }
        Ok(())
    }
}
