//! The intelligence exchange: collections of shared STIX objects, and the facts the sharing policy
//! reads about each stored object version.
//!
//! Who may see an object is not decided here: that is [`crate::access::sharing`].

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::Invalid;
use crate::org::{OrgId, string_enum};
use crate::user::{CommunityId, UserId};

pub mod aggregate;
pub mod changes;
pub mod collection_change;
pub mod compose;
pub mod correlation;
mod foreign;
pub mod imports;
pub mod imports_store;
pub(crate) mod ingest;
pub use ingest::MAX_SHARE_OBJECTS;
pub mod match_decay;
pub mod match_values;
pub mod matching;
pub mod observables;
pub mod refs;
pub mod service;
pub mod sightings;
pub mod source;
pub mod store;
pub mod taxii;
pub mod taxii_envelope;
pub mod taxii_store;

pub use simpul_stix::tlp::Tlp;

/// A collection's id (also its TAXII collection id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CollectionId(pub Uuid);

impl fmt::Display for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who a collection's objects are shared with: the members of a community, a list of
/// organisations, or a list of named users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    Community { community: CommunityId },
    Orgs { orgs: Vec<OrgId> },
    Users { users: Vec<UserId> },
}

impl Audience {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::Community { .. } => "community",
            Audience::Orgs { .. } => "orgs",
            Audience::Users { .. } => "users",
        }
    }

    /// Whether RED objects may be posted without naming recipients: only to a list of users.
    pub fn names_users(&self) -> bool {
        matches!(self, Audience::Users { .. })
    }
}

string_enum!(
    /// The Permissible Actions Protocol level: recorded and shown; exports honour it.
    Pap, "pap" {
        Clear => "clear",
        Green => "green",
        Amber => "amber",
        Red => "red",
    }
);

impl From<simpul_vocab::Pap> for Pap {
    fn from(p: simpul_vocab::Pap) -> Self {
        match p {
            simpul_vocab::Pap::Clear => Pap::Clear,
            simpul_vocab::Pap::Green => Pap::Green,
            simpul_vocab::Pap::Amber => Pap::Amber,
            simpul_vocab::Pap::Red => Pap::Red,
        }
    }
}

/// A collection of shared objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub id: CollectionId,
    pub title: String,
    /// A short unique name for URLs, optional.
    pub alias: Option<String>,
    pub description: String,
    pub audience: Audience,
    /// The marking of objects that arrive unmarked.
    #[serde(with = "tlp_label")]
    pub default_tlp: Tlp,
    /// Organisations of the audience that may read but not write.
    pub read_only_orgs: Vec<OrgId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// TLP as its label (`TLP:AMBER+STRICT`) in JSON.
pub mod tlp_label {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Tlp;

    pub fn serialize<S: Serializer>(t: &Tlp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.label())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tlp, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Tlp>().map_err(serde::de::Error::custom)
    }
}

/// Parses a TLP level as a user writes it: `amber+strict`, `TLP:AMBER+STRICT`, `white` (= CLEAR).
pub fn parse_tlp(path: &str, s: &str) -> Result<Tlp, Invalid> {
    s.trim().parse::<Tlp>().map_err(|_| {
        Invalid::new(
            path,
            "unknown TLP level (expected clear, green, amber, amber+strict or red)",
        )
    })
}

/// What the sharing policy reads about one stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingFacts {
    pub producer_org: OrgId,
    pub tlp: Tlp,
    /// Users the producer named; when any are named, they are the object's whole audience.
    pub recipients: Vec<UserId>,
    /// The audience of the object's collection.
    pub audience: Audience,
}
