//! What a lookup found: the indicators an observable hit and by which part of it (the value, a
//! URL's host, a parent domain).

use simpul_observable::Canonical;

use crate::index::Slot;

/// Which part of an observable an indicator matched (see [`Index::find`](crate::Index::find)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The value itself (for an address, also inside an indicator's block).
    Value,
    /// A URL's host: a domain, or an address (also inside an indicator's block).
    Host,
    /// A parent domain of the domain, or of the URL's host, against a domain-suffix indicator
    /// (`LIKE '%.example.com'` and the suffix shapes of `MATCHES`).
    ParentDomain,
}

impl Part {
    /// Its name in a hit: `host`, `parent-domain`; `None` for the value itself.
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        match self {
            Part::Value => None,
            Part::Host => Some("host"),
            Part::ParentDomain => Some("parent-domain"),
        }
    }
}

/// One indicator an observable hit, and by which part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The indicator.
    pub slot: Slot,
    /// What matched it.
    pub part: Part,
    /// For a parent domain: its byte offset in the domain (the value's, or the URL's host's).
    pub(crate) at: u16,
}

/// What [`Index::find`](crate::Index::find) found for one observable; reused from call to call.
#[derive(Debug, Clone, Default)]
pub struct Finds {
    pub(crate) found: Vec<Found>,
    pub(crate) host: Option<Canonical>,
}

impl Finds {
    /// The indicators hit, each once (by the first of value, host, parent domain that hit it).
    #[must_use]
    pub fn found(&self) -> &[Found] {
        &self.found
    }

    /// The URL's host as a key, when the observable was a URL with a host.
    #[must_use]
    pub fn host(&self) -> Option<&Canonical> {
        self.host.as_ref()
    }

    /// The key that `f` matched when a part of the observable `c` did: the URL's host, or the
    /// parent domain; `None` when the whole value matched.
    #[must_use]
    pub fn matched<'a>(&'a self, c: &'a Canonical, f: &Found) -> Option<&'a str> {
        match f.part {
            Part::Value => None,
            Part::Host => self.host.as_ref().map(Canonical::key),
            Part::ParentDomain => self
                .host
                .as_ref()
                .map_or(c.key(), Canonical::key)
                .get(usize::from(f.at)..),
        }
    }
}
