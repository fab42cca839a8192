//! The sharing policy: whether a viewer may see a shared object version. TLP 2.0 as access control.
//!
//! This is the one visibility decision. It has two faces that must never disagree: [`visible`],
//! used wherever objects are held in memory (the match index, exports being streamed), and
//! [`SharingFilter`], which each backend compiles into its SQL so that lists, pages and counts are
//! computed in the database. A property test holds each backend's SQL to [`visible`] on random
//! worlds. The truth table (ARCHITECTURE.md, "Sharing"):
//!
//! | object | who sees it |
//! |---|---|
//! | produced by the viewer's organisation | always (any TLP) |
//! | TLP:CLEAR | every signed-in user |
//! | TLP:GREEN, AMBER, AMBER+STRICT | users of the organisations in the audience, and named users in it |
//! | TLP:RED | only named users: a user-list collection's users, or the recipients the producer named |
//!
//! The audience of an object is its collection's (a community, a list of organisations, a list of
//! users) unless its producer named recipients: then the recipients are its whole audience. Roles do
//! not widen visibility: a site-admin sees what is shared with their organisation or with them by
//! name, like anyone else. The operator at the command line sees no shared object through the
//! service (commands that read intelligence act as a named user, `--as EMAIL`).

use crate::access::{Principal, UserPrincipal, Viewer, Visibility};
use crate::intel::{Audience, Collection, SharingFacts, Tlp};
use crate::org::OrgId;
use crate::user::{CommunityId, Role, UserId};

/// Whether the viewer of `v` may see an object version with these facts.
pub fn visible(v: &Visibility, facts: &SharingFacts) -> bool {
    match SharingFilter::of(v) {
        SharingFilter::Nothing => false,
        SharingFilter::User(u) => u.admits(facts),
    }
}

/// The viewer's side of the policy, in the shape a backend turns into SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingFilter {
    /// Sees no shared object (the operator).
    Nothing,
    /// A signed-in user.
    User(UserFilter),
}

/// What a backend's SQL compares an object against. The SQL must admit a row exactly when
/// [`UserFilter::admits`] does:
///
/// ```text
///   producer_org = org
///   OR tlp = CLEAR
///   OR (has recipients AND user IN recipients)                              -- named, any TLP
///   OR (no recipients AND audience = users AND user IN audience users)      -- named, any TLP
///   OR (tlp IN (GREEN, AMBER, AMBER+STRICT) AND no recipients AND (
///          (audience = community AND community IN communities)
///       OR (audience = orgs AND org IN audience orgs)))
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub user: UserId,
    pub org: OrgId,
    /// The communities the user's organisation belongs to.
    pub communities: Vec<CommunityId>,
}

impl SharingFilter {
    pub fn of(v: &Visibility) -> Self {
        match v.viewer() {
            Viewer::Operator => SharingFilter::Nothing,
            Viewer::User {
                user,
                org,
                communities,
            } => SharingFilter::User(UserFilter {
                user: *user,
                org: *org,
                communities: communities.clone(),
            }),
        }
    }
}

impl UserFilter {
    /// The truth table.
    pub fn admits(&self, f: &SharingFacts) -> bool {
        if f.producer_org == self.org {
            return true;
        }
        if f.tlp == Tlp::Clear {
            return true;
        }
        let named = if f.recipients.is_empty() {
            matches!(&f.audience, Audience::Users { users } if users.contains(&self.user))
        } else {
            f.recipients.contains(&self.user)
        };
        if named {
            return true;
        }
        match f.tlp {
            Tlp::Green | Tlp::Amber | Tlp::AmberStrict if f.recipients.is_empty() => {
                match &f.audience {
                    Audience::Community { community } => self.communities.contains(community),
                    Audience::Orgs { orgs } => orgs.contains(&self.org),
                    Audience::Users { .. } => false,
                }
            }
            _ => false,
        }
    }
}

/// Whether `p` is in the audience of collection `c`: their organisation is in its community or
/// list of organisations, or they are one of its users.
pub fn in_audience(p: &UserPrincipal, c: &Collection) -> bool {
    match &c.audience {
        Audience::Community { community } => p.communities.contains(community),
        Audience::Orgs { orgs } => orgs.contains(&p.org.id),
        Audience::Users { users } => users.contains(&p.user.id),
    }
}

/// Whether `p` may list collection `c` and read from it (what they then see of its objects is
/// [`visible`]'s): its audience, and those who administer collections (site-admins, the operator).
pub fn may_read_collection(p: &Principal, c: &Collection) -> bool {
    match p {
        Principal::Operator { .. } => true,
        Principal::User(u) => u.user.role == Role::SiteAdmin || in_audience(u, c),
    }
}

/// Whether `p` may share into collection `c`: a member of its audience whose organisation is not
/// read-only there (the role's right to share at all is [`crate::access::authorize`]'s).
pub fn may_write_collection(p: &Principal, c: &Collection) -> bool {
    match p {
        Principal::Operator { .. } => false,
        Principal::User(u) => in_audience(u, c) && !c.read_only_orgs.contains(&u.org.id),
    }
}

/// The node an object would be pushed to: the organisation of the peer's local account, that
/// account, and the communities the organisation belongs to.
#[derive(Debug, Clone, Copy)]
pub struct ForwardTarget<'a> {
    pub org: OrgId,
    pub user: UserId,
    pub communities: &'a [CommunityId],
}

/// The forwarding rules: whether an object version with these facts may be pushed to the node of
/// `to` (federation, P1.10), else why not. Pushes read only what the peer's account may see
/// ([`visible`]); these rules then keep more at home:
///
/// | object | may be pushed to a peer node |
/// |---|---|
/// | received from that peer (`received_from_it`), or produced by its organisation | never (loop-free: nothing goes back where it came from) |
/// | TLP:RED, TLP:AMBER+STRICT | never, to any node |
/// | TLP:CLEAR, TLP:GREEN | within the community it was shared to: the peer's organisation is in its audience |
/// | TLP:AMBER | only when the peer's organisation was itself in its audience |
///
/// "In the audience" is the object's: its named recipients when it has any (then the peer's
/// account must be one of them), else its collection's community, organisations or users.
pub fn may_forward(
    facts: &SharingFacts,
    to: &ForwardTarget<'_>,
    received_from_it: bool,
) -> Result<(), &'static str> {
    if received_from_it {
        return Err("received from this peer: never sent back to it");
    }
    if facts.producer_org == to.org {
        return Err("produced by the peer's own organisation");
    }
    let in_audience = if facts.recipients.is_empty() {
        match &facts.audience {
            Audience::Community { community } => to.communities.contains(community),
            Audience::Orgs { orgs } => orgs.contains(&to.org),
            Audience::Users { users } => users.contains(&to.user),
        }
    } else {
        facts.recipients.contains(&to.user)
    };
    match facts.tlp {
        Tlp::Red => Err("TLP:RED never leaves this node"),
        Tlp::AmberStrict => Err("TLP:AMBER+STRICT never leaves this node"),
        Tlp::Clear | Tlp::Green if !in_audience => {
            Err("outside the community the object was shared to")
        }
        Tlp::Amber if !in_audience => {
            Err("the peer's organisation was not in the object's audience")
        }
        Tlp::Clear | Tlp::Green | Tlp::Amber => Ok(()),
    }
}

/// Why an object cannot be shared as asked, if it cannot: a RED object needs named users.
pub fn refuse_to_share(
    tlp: Tlp,
    audience: &Audience,
    recipients: &[UserId],
) -> Option<&'static str> {
    (tlp == Tlp::Red && recipients.is_empty() && !audience.names_users()).then_some(
        "a TLP:RED object needs named recipients: post it to a user-list collection or name its recipients",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id() -> Uuid {
        Uuid::new_v4()
    }

    struct World {
        producer: OrgId,
        member: OrgId,
        outsider: OrgId,
        community: CommunityId,
        named: UserId,
    }

    fn viewer(w: &World, org: OrgId, user: UserId) -> UserFilter {
        let communities = if org == w.member || org == w.producer {
            vec![w.community]
        } else {
            vec![]
        };
        UserFilter {
            user,
            org,
            communities,
        }
    }

    /// Rows: (TLP, audience, recipients named?) × columns: producer's user, audience member org's
    /// user, named user (of the outsider org), outsider. Each cell: visible?
    #[test]
    fn truth_table() {
        let w = World {
            producer: OrgId(id()),
            member: OrgId(id()),
            outsider: OrgId(id()),
            community: CommunityId(id()),
            named: UserId(id()),
        };
        let community = Audience::Community {
            community: w.community,
        };
        let orgs = Audience::Orgs {
            orgs: vec![w.producer, w.member],
        };
        let users = Audience::Users {
            users: vec![w.named],
        };
        let columns = [
            viewer(&w, w.producer, UserId(id())),
            viewer(&w, w.member, UserId(id())),
            viewer(&w, w.outsider, w.named),
            viewer(&w, w.outsider, UserId(id())),
        ];
        let none: Vec<UserId> = vec![];
        let named = vec![w.named];
        #[rustfmt::skip]
        let rows: Vec<(Tlp, &Audience, &Vec<UserId>, [bool; 4])> = vec![
            (Tlp::Clear,       &community, &none,  [true, true,  true,  true ]),
            (Tlp::Green,       &community, &none,  [true, true,  false, false]),
            (Tlp::Amber,       &community, &none,  [true, true,  false, false]),
            (Tlp::AmberStrict, &community, &none,  [true, true,  false, false]),
            (Tlp::Red,         &community, &none,  [true, false, false, false]),
            (Tlp::Green,       &orgs,      &none,  [true, true,  false, false]),
            (Tlp::AmberStrict, &orgs,      &none,  [true, true,  false, false]),
            (Tlp::Red,         &orgs,      &none,  [true, false, false, false]),
            (Tlp::Green,       &users,     &none,  [true, false, true,  false]),
            (Tlp::Amber,       &users,     &none,  [true, false, true,  false]),
            (Tlp::Red,         &users,     &none,  [true, false, true,  false]),
            // Named recipients are the whole audience.
            (Tlp::Green,       &community, &named, [true, false, true,  false]),
            (Tlp::Amber,       &orgs,      &named, [true, false, true,  false]),
            (Tlp::Red,         &community, &named, [true, false, true,  false]),
            (Tlp::Clear,       &users,     &named, [true, true,  true,  true ]),
        ];
        for (tlp, audience, recipients, expected) in rows {
            let facts = SharingFacts {
                producer_org: w.producer,
                tlp,
                recipients: recipients.clone(),
                audience: audience.clone(),
            };
            for (col, v) in columns.iter().enumerate() {
                assert_eq!(
                    v.admits(&facts),
                    expected[col],
                    "{tlp} to {} (recipients {}) seen by column {col}",
                    audience.kind(),
                    recipients.len()
                );
            }
        }
    }

    #[test]
    fn the_operator_sees_no_shared_object() {
        let op = crate::access::Principal::operator("root");
        let grant = crate::access::authorize(&op, crate::access::Action::ReadDirectory).unwrap();
        let facts = SharingFacts {
            producer_org: OrgId(id()),
            tlp: Tlp::Clear,
            recipients: vec![],
            audience: Audience::Orgs { orgs: vec![] },
        };
        assert!(!visible(&Visibility::of(&grant), &facts));
    }

    /// Rows: TLP × audience (with or without the peer's org) × provenance; cell: may be pushed.
    #[test]
    fn forwarding_rules() {
        let peer_org = OrgId(id());
        let peer_user = UserId(id());
        let producer = OrgId(id());
        let community = CommunityId(id());
        let other_community = CommunityId(id());
        let communities = [community];
        let to = ForwardTarget {
            org: peer_org,
            user: peer_user,
            communities: &communities,
        };
        let facts =
            |tlp, audience: &Audience, recipients: Vec<UserId>, producer_org| SharingFacts {
                producer_org,
                tlp,
                recipients,
                audience: audience.clone(),
            };
        let member = Audience::Community { community };
        let outside = Audience::Community {
            community: other_community,
        };
        let orgs_with = Audience::Orgs {
            orgs: vec![producer, peer_org],
        };
        let orgs_without = Audience::Orgs {
            orgs: vec![producer],
        };
        #[rustfmt::skip]
        // (TLP, audience, recipients, producer, received from the peer, may be pushed)
        type Case<'a> = (Tlp, &'a Audience, Vec<UserId>, OrgId, bool, bool);
        let rows: Vec<Case<'_>> = vec![
            (Tlp::Clear, &member, vec![], producer, false, true),
            (Tlp::Green, &member, vec![], producer, false, true),
            (Tlp::Amber, &member, vec![], producer, false, true),
            (Tlp::AmberStrict, &member, vec![], producer, false, false),
            (Tlp::Red, &member, vec![peer_user], producer, false, false),
            (Tlp::Clear, &outside, vec![], producer, false, false),
            (Tlp::Green, &outside, vec![], producer, false, false),
            (Tlp::Amber, &outside, vec![], producer, false, false),
            (Tlp::Amber, &orgs_with, vec![], producer, false, true),
            (Tlp::Amber, &orgs_without, vec![], producer, false, false),
            (
                Tlp::Amber,
                &member,
                vec![UserId(id())],
                producer,
                false,
                false,
            ),
            (Tlp::Amber, &outside, vec![peer_user], producer, false, true),
            // Loop-free: never back to where it came from.
            (Tlp::Green, &member, vec![], producer, true, false),
            (Tlp::Clear, &member, vec![], peer_org, false, false),
        ];
        for (i, (tlp, audience, recipients, producer_org, received, expected)) in
            rows.into_iter().enumerate()
        {
            let f = facts(tlp, audience, recipients, producer_org);
            assert_eq!(
                may_forward(&f, &to, received).is_ok(),
                expected,
                "row {i}: {tlp} to {}",
                audience.kind()
            );
        }
    }

    #[test]
    fn red_needs_named_users() {
        let c = Audience::Community {
            community: CommunityId(id()),
        };
        assert!(refuse_to_share(Tlp::Red, &c, &[]).is_some());
        assert!(refuse_to_share(Tlp::Red, &c, &[UserId(id())]).is_none());
        assert!(refuse_to_share(Tlp::Red, &Audience::Users { users: vec![] }, &[]).is_none());
        assert!(refuse_to_share(Tlp::AmberStrict, &c, &[]).is_none());
    }
}
