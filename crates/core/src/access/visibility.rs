//! The seam of the sharing policy: who is looking.
//!
//! Reads of shared objects (the intel store, P1.7) take a [`Visibility`]; the store turns it into
//! its filter (organisation, communities, named user) and decides nothing else. A `Visibility` can
//! only be made by [`Visibility::of`] from a [`Grant`], so no read of shared data can happen without
//! an access decision, and every such read states whose eyes it is for. What each TLP level admits
//! for a viewer is the sharing policy's truth table (P1.7), in this module's parent.

use crate::access::{Action, Grant, Principal};
use crate::org::OrgId;
use crate::user::{CommunityId, UserId};

/// Whose eyes a read is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A user of an organisation, with the communities the organisation belongs to.
    User {
        user: UserId,
        org: OrgId,
        communities: Vec<CommunityId>,
    },
    /// The operator at the command line. Holding the database is not a reason to see everything
    /// through the service: the sharing policy decides what the operator's reads include.
    Operator,
}

/// A decided viewer for reads of shared objects. Only [`Visibility::of`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    viewer: Viewer,
}

impl Visibility {
    /// The viewer of a granted read.
    pub fn of(grant: &Grant<'_>) -> Self {
        let viewer = match grant.principal() {
            Principal::User(u) => Viewer::User {
                user: u.user.id,
                org: u.org.id,
                communities: u.communities.clone(),
            },
            Principal::Operator { .. } => Viewer::Operator,
        };
        Self { viewer }
    }

    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }
}

/// The one read of shared objects that is for no viewer: the match index's refresh, which reads
/// every stored indicator so that one index can answer every principal, and filters each hit
/// through the sharing policy ([`crate::access::sharing::visible`]) before it leaves core. Only
/// [`Unfiltered::of`] makes one, from the internal grant of [`Action::IndexIntel`]
/// (`Grant::internal_index`, which only core can make and [`crate::access::authorize`] gives
/// nobody); the store method that takes it (`IntelStore::objects_added_after`) is the only
/// unfiltered read of shared objects.
#[derive(Debug)]
pub struct Unfiltered(());

impl Unfiltered {
    /// The proof, from the internal grant of [`Action::IndexIntel`] (`None` from any other).
    pub(crate) fn of(grant: &Grant<'_>) -> Option<Self> {
        (grant.action() == Action::IndexIntel).then_some(Self(()))
    }
}
