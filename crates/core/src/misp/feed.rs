//! A collection as a MISP feed (`/feeds/misp/{collection}/`): `manifest.json`, one
//! `<event uuid>.json` per event and `hashes.csv`, each made as it is read from what the reader
//! may see ([`super::events`]). A collection whose audience the reader is not in is "not found",
//! as one that does not exist (the rule TAXII follows: a site-admin administers collections but
//! reads only their audience's), and so is an event they see nothing of.

use uuid::Uuid;

use super::events::{Events, Part, Scope};
use super::write::{EventJson, Hashes, Manifest};
use crate::Service;
use crate::access::{Action, Principal, authorize};
use crate::error::CoreError;
use crate::intel::CollectionId;

/// A file of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFile {
    Manifest,
    Hashes,
    Event(Uuid),
}

impl FeedFile {
    /// The file named `name` (`manifest.json`, `hashes.csv`, `<uuid>.json`); `None` for any
    /// other name.
    pub fn parse(name: &str) -> Option<FeedFile> {
        match name {
            "manifest.json" => Some(FeedFile::Manifest),
            "hashes.csv" => Some(FeedFile::Hashes),
            n => n
                .strip_suffix(".json")
                .and_then(|u| Uuid::parse_str(u).ok())
                .filter(|u| n == format!("{u}.json"))
                .map(FeedFile::Event),
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FeedFile::Hashes => "text/csv; charset=utf-8",
            _ => "application/json",
        }
    }
}

#[derive(Debug)]
enum Writer {
    Manifest(Box<Manifest>),
    Hashes(Hashes),
    Event(EventJson),
}

/// A feed file being made: [`MispFeed::next_chunk`] until `None`.
#[derive(Debug)]
pub struct MispFeed {
    events: Events,
    writer: Writer,
    first: Option<Vec<Part>>,
    started: bool,
    /// The events are all read.
    exhausted: bool,
    /// The file is complete.
    closed: bool,
}

impl Service {
    /// Starts `file` of collection `collection`'s MISP feed as `p` sees it. An unknown or
    /// unreadable collection, and an event `p` sees nothing of, are "not found".
    pub async fn misp_feed(
        &self,
        p: &Principal,
        collection: CollectionId,
        file: FeedFile,
    ) -> Result<MispFeed, CoreError> {
        authorize(p, Action::ReadIntel)?;
        let c = self.taxii_collection(p, collection).await?.collection;
        let (scope, writer) = match file {
            FeedFile::Manifest => (
                Scope::All {
                    collection: Some(c.id),
                },
                Writer::Manifest(Box::default()),
            ),
            FeedFile::Hashes => (
                Scope::All {
                    collection: Some(c.id),
                },
                Writer::Hashes(Hashes::default()),
            ),
            FeedFile::Event(uuid) => (
                Scope::One {
                    collection: c.clone(),
                    uuid,
                },
                Writer::Event(EventJson::one()),
            ),
        };
        let mut events = Events::new(self, p, scope, vec![c]);
        let first = events.next().await?;
        if matches!(file, FeedFile::Event(_)) && first.is_none() {
            return Err(CoreError::NotFound("event".into()));
        }
        Ok(MispFeed {
            events,
            writer,
            exhausted: first.is_none(),
            first,
            started: false,
            closed: false,
        })
    }
}

impl MispFeed {
    /// The next part of the file, or `None` when it is complete.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CoreError> {
        if self.closed {
            return Ok(None);
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            match &self.writer {
                Writer::Manifest(m) => m.open(&mut out),
                Writer::Event(e) => e.open(&mut out),
                Writer::Hashes(_) => {}
            }
        }
        loop {
            let parts = match self.first.take() {
                Some(p) => Some(p),
                None if self.exhausted => None,
                None => self.events.next().await?,
            };
            let Some(parts) = parts else {
                self.exhausted = true;
                self.closed = true;
                match &self.writer {
                    Writer::Manifest(m) => m.close(&mut out),
                    Writer::Event(e) => e.close(&mut out),
                    Writer::Hashes(_) => {}
                }
                return Ok(Some(out));
            };
            for part in &parts {
                match &mut self.writer {
                    Writer::Manifest(m) => m.write(part, &mut out),
                    Writer::Hashes(h) => h.write(part, &mut out),
                    Writer::Event(e) => e.write(part, &mut out),
                }
            }
            if out.len() >= 64 * 1024 {
                return Ok(Some(out));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_files_are_named_exactly() {
        let u = Uuid::from_u128(0x5e1e_c7ed_0000_4000_8000_0000_0000_0001);
        assert_eq!(FeedFile::parse("manifest.json"), Some(FeedFile::Manifest));
        assert_eq!(FeedFile::parse("hashes.csv"), Some(FeedFile::Hashes));
        assert_eq!(
            FeedFile::parse(&format!("{u}.json")),
            Some(FeedFile::Event(u))
        );
        // Only the canonical (lower-case, hyphenated) form names an event file.
        assert_eq!(FeedFile::parse(&format!("{}.json", u.simple())), None);
        assert_eq!(FeedFile::parse("../etc/passwd"), None);
        assert_eq!(FeedFile::parse("manifest.csv"), None);
    }
}
