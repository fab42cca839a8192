//! The Point-of-Contact network (P2.1): contacts — people and functional mailboxes — of member and
//! partner organisations, each with a directory visibility that [`crate::access::directory`]
//! decides on.
//!
//! This file holds the identifiers and vocabularies every part of the POC network shares (contacts,
//! communication checks, the freshness report, the web pages); the contact model, its service and
//! `model.rs` holds the contact and its validation, `pgp.rs` the OpenPGP key facts, `vcard.rs` the
//! vCard 4.0 writer, `store.rs` the store trait, `rows.rs` the one decoding of stored rows and
//! `service.rs` the service functions.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::org::string_enum;

mod model;
pub mod pgp;
pub mod rows;
pub mod service;
pub mod store;
pub mod vcard;

pub use model::{Contact, ContactPatch, Handle, NewContact, limits};
pub use pgp::KeyFacts;

/// A contact's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactId(pub Uuid);

impl ContactId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl std::str::FromStr for ContactId {
    type Err = crate::Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| crate::Invalid::new("id", "must be a contact id (a UUID)"))
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

string_enum!(
    /// What a contact is for. A contact has one or more kinds.
    ContactKind, "kind" {
        TechnicalPoc => "technical-poc",
        DiplomaticPoc => "diplomatic-poc",
        Duty24x7 => "24x7-duty",
        HeadOfTeam => "head-of-team",
        Escalation => "escalation",
    }
);

string_enum!(
    /// Who may see a contact in the directory. Ordered from the narrowest to the widest:
    /// `members` (users of member organisations), `partners` (and users of partner
    /// organisations), `public` (anyone, without signing in).
    DirectoryVisibility, "visibility" {
        Members => "members",
        Partners => "partners",
        Public => "public",
    }
);

impl DirectoryVisibility {
    /// How wide the visibility is: 0 for `members`, 1 for `partners`, 2 for `public`. A reader who
    /// may see level `n` sees every level ≥ `n`.
    pub fn width(self) -> u8 {
        match self {
            Self::Members => 0,
            Self::Partners => 1,
            Self::Public => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip_and_refuse_unknown_values() {
        for k in ContactKind::ALL {
            assert_eq!(k.as_str().parse::<ContactKind>().unwrap(), *k);
        }
        let e = "pager".parse::<ContactKind>().unwrap_err();
        assert_eq!(e.path, "kind");
        assert!(e.message.contains("24x7-duty"), "{}", e.message);
        for v in DirectoryVisibility::ALL {
            assert_eq!(v.as_str().parse::<DirectoryVisibility>().unwrap(), *v);
        }
        assert!(DirectoryVisibility::Members.width() < DirectoryVisibility::Partners.width());
        assert!(DirectoryVisibility::Partners.width() < DirectoryVisibility::Public.width());
    }
}
