//! The `misp` export: the MISP events a principal may see ([`crate::misp::events`]) as a JSON
//! array of `{"Event": …}`, an event's page of members per chunk.

use super::{Export, ExportSummary};
use crate::error::CoreError;
use crate::misp::events::{Events, Part, Scope};
use crate::misp::write::EventJson;

#[derive(Debug)]
pub(super) struct MispExport {
    events: Events,
    json: EventJson,
}

impl Export {
    pub(super) async fn next_misp_chunk(&mut self) -> Result<Option<Vec<u8>>, CoreError> {
        let mut out = Vec::new();
        if self.misp.is_none() {
            // Synthetic events for the collections in scope the reader may read.
            let collections = self
                .service
                .list_collections(&self.principal)
                .await?
                .into_iter()
                .filter(|c| self.query.collection.is_none_or(|id| id == c.id))
                .collect();
            let scope = Scope::All {
                collection: self.query.collection,
            };
            let json = EventJson::list();
            json.open(&mut out);
            self.misp = Some(MispExport {
                events: Events::new(&self.service, &self.principal, scope, collections),
                json,
            });
            self.started = true;
        }
        let Some(m) = &mut self.misp else {
            return Ok(None);
        };
        loop {
            let Some(parts) = m.events.next().await? else {
                m.json.close(&mut out);
                self.done = true;
                summarise(&mut self.summary, m);
                return Ok(Some(out));
            };
            for p in &parts {
                m.json.write(p, &mut out);
            }
            summarise(&mut self.summary, m);
            if parts
                .iter()
                .any(|p| matches!(p, Part::Piece(_) | Part::End { .. }))
            {
                return Ok(Some(out));
            }
        }
    }
}

/// The counts of a MISP export: `indicators` are the events, `written` the attributes and
/// objects, `not_valid_now` the indicators given with `to_ids` false.
fn summarise(s: &mut ExportSummary, m: &MispExport) {
    let c = m.events.counts();
    s.indicators = c.events;
    s.written = c.attributes + c.objects;
    s.not_valid_now = c.not_for_detection;
}
