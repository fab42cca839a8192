//! Who sees a cross-border action request (P2.2) and its personal data: the one place it is
//! decided, beside [`super::sharing`] for shared intelligence and [`super::directory`] for the
//! directory.
//!
//! | reader | TLP:CLEAR … AMBER+STRICT | TLP:RED | personal data |
//! |---|---|---|---|
//! | a user of the requesting or the target organisation | yes | only if named | as the request |
//! | the regional CERT's coordinators ([`is_coordinator`], the operator too), for routing and statistics | yes | no | no |
//! | anyone else: third members, partners, site-admins of other organisations | no | no | no |
//!
//! The parties are organisations, whatever their kind: a bank that is the target of a freeze
//! sees it as the target. Roles do not widen it: a site-admin administers, but sees a request only
//! as a user of one of the two organisations. Acting on a request ([`acting_party`]) takes a party
//! user who is not read-only. A coordinator who is a user of one of the two organisations reads it
//! as that party.
//!
//! [`RequestFilter`] is the shape a backend compiles into SQL, [`RequestFilter::admits`] the same
//! decision in memory; they must never disagree.

use crate::access::directory::is_coordinator;
use crate::access::{Grant, Principal};
use crate::intel::Tlp;
use crate::org::OrgId;
use crate::requests::Party;
use crate::user::{Role, UserId};

/// What the rule reads about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    pub requester_org: OrgId,
    /// The organisation the request went to (after routing a country to its national CERT).
    pub target_org: OrgId,
    pub tlp: Tlp,
    /// For TLP:RED: the users who may see it (the store keeps only users of the two
    /// organisations; the rule checks it again).
    pub named: Vec<UserId>,
}

/// The side `p` is on: a user of the requesting or the target organisation.
pub fn party_of(p: &Principal, f: &RequestFacts) -> Option<Party> {
    let org = p.org_id()?;
    if org == f.requester_org {
        Some(Party::Requester)
    } else if org == f.target_org {
        Some(Party::Target)
    } else {
        None
    }
}

/// Whether `p` reads the request as one of the parties: a user of the two organisations, and for
/// TLP:RED a named one.
fn party_reader(p: &Principal, f: &RequestFacts) -> Option<Party> {
    let party = party_of(p, f)?;
    let user = p.as_user()?.user.id;
    (f.tlp != Tlp::Red || f.named.contains(&user)).then_some(party)
}

/// Whether `p` may see the request.
pub fn may_see(p: &Principal, f: &RequestFacts) -> bool {
    party_reader(p, f).is_some() || (is_coordinator(p) && f.tlp != Tlp::Red)
}

/// Whether `p` may see the request's personal data (victims' and account holders' names and
/// identifiers, observables marked personal): the parties only, never the coordinators.
pub fn may_see_personal_data(p: &Principal, f: &RequestFacts) -> bool {
    party_reader(p, f).is_some()
}

/// The side `p` may act for (acknowledge, progress, report, decline, withdraw, comment): a party
/// reader who is not read-only. Which step that side may take is `requests::state`'s.
pub fn acting_party(p: &Principal, f: &RequestFacts) -> Option<Party> {
    let party = party_reader(p, f)?;
    (p.as_user()?.user.role != Role::ReadOnly).then_some(party)
}

/// The reader's side, in the shape a backend turns into SQL. A request is seen when
///
/// ```text
///   ((requester_org = org OR target_org = org) AND (tlp <> RED OR user IN named))
///   OR (all_but_red AND tlp <> RED)
/// ```
///
/// and its personal data only by the first clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFilter {
    /// The reader's organisation and user (none for the operator).
    pub party: Option<(OrgId, UserId)>,
    /// The coordinators' view: every request that is not TLP:RED.
    pub all_but_red: bool,
}

impl RequestFilter {
    /// The filter of the grant's principal (any grant: the caller asked `authorize` for the
    /// action its read needs).
    pub fn of(grant: &Grant<'_>) -> Self {
        let p = grant.principal();
        Self {
            party: p.as_user().map(|u| (u.org.id, u.user.id)),
            all_but_red: is_coordinator(p),
        }
    }

    fn party_admits(&self, f: &RequestFacts) -> bool {
        self.party.is_some_and(|(org, user)| {
            (f.requester_org == org || f.target_org == org)
                && (f.tlp != Tlp::Red || f.named.contains(&user))
        })
    }

    /// The filter's decision in memory (what a backend's SQL must agree with).
    pub fn admits(&self, f: &RequestFacts) -> bool {
        self.party_admits(f) || (self.all_but_red && f.tlp != Tlp::Red)
    }

    /// Whether the reader sees the request's personal data.
    pub fn admits_personal_data(&self, f: &RequestFacts) -> bool {
        self.party_admits(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::testing::user_of;
    use crate::access::{Action, authorize};
    use crate::org::OrgKind;

    fn user(org: OrgId, kind: OrgKind, role: Role) -> Principal {
        user_of(org, kind, role)
    }

    fn uid(p: &Principal) -> Option<UserId> {
        p.as_user().map(|u| u.user.id)
    }

    /// The columns of the matrix: each TLP, and RED with every reader named and with none.
    const COLUMNS: [(&str, Tlp, bool); 6] = [
        ("CLEAR", Tlp::Clear, false),
        ("GREEN", Tlp::Green, false),
        ("AMBER", Tlp::Amber, false),
        ("AMBER+STRICT", Tlp::AmberStrict, false),
        ("RED named", Tlp::Red, true),
        ("RED not named", Tlp::Red, false),
    ];

    /// Reader × TLP: may see, may see personal data, acts as — and the filter agrees.
    #[test]
    fn matrix() {
        let (a, b) = (OrgId::new_random(), OrgId::new_random());
        let readers = [
            ("requester", user(a, OrgKind::NationalCert, Role::Analyst)),
            ("target", user(b, OrgKind::NationalCert, Role::Analyst)),
            (
                "third member",
                user(OrgId::new_random(), OrgKind::NationalCert, Role::Analyst),
            ),
            (
                "partner",
                user(OrgId::new_random(), OrgKind::Industry, Role::OrgAdmin),
            ),
            (
                "coordinator",
                user(OrgId::new_random(), OrgKind::RegionalCert, Role::Analyst),
            ),
            (
                "site-admin of another org",
                user(OrgId::new_random(), OrgKind::NationalCert, Role::SiteAdmin),
            ),
            ("operator", Principal::operator("op")),
        ];
        let everyone: Vec<UserId> = readers.iter().filter_map(|(_, p)| uid(p)).collect();
        // (may see, personal data) per column, for each reader in order.
        let s = (true, true);
        let y = (true, false);
        let n = (false, false);
        let expected: [[(bool, bool); 6]; 7] = [
            [s, s, s, s, s, n],
            [s, s, s, s, s, n],
            [n; 6],
            [n; 6],
            [y, y, y, y, n, n],
            [n; 6],
            [y, y, y, y, n, n],
        ];
        for ((name, p), row) in readers.iter().zip(expected) {
            for ((col, tlp, named), (see, personal)) in COLUMNS.into_iter().zip(row) {
                let f = RequestFacts {
                    requester_org: a,
                    target_org: b,
                    tlp,
                    named: if named { everyone.clone() } else { vec![] },
                };
                assert_eq!(may_see(p, &f), see, "{name} sees {col}");
                assert_eq!(
                    may_see_personal_data(p, &f),
                    personal,
                    "{name} personal data {col}"
                );
                let filter = RequestFilter::of(&authorize(p, Action::ReadSelf).unwrap());
                assert_eq!(filter.admits(&f), see, "filter: {name} {col}");
                assert_eq!(
                    filter.admits_personal_data(&f),
                    personal,
                    "filter: {name} personal {col}"
                );
                let acts = match *name {
                    "requester" if personal => Some(Party::Requester),
                    "target" if personal => Some(Party::Target),
                    _ => None,
                };
                assert_eq!(acting_party(p, &f), acts, "{name} acts on {col}");
            }
        }
    }

    /// Sending and acting take the `write` scope and a role that is not read-only; reading takes
    /// `read` and any role (the rule then filters).
    #[test]
    fn the_actions_take_their_scopes_and_roles() {
        use crate::access::AuthMethod;
        use crate::token::{Scope, Scopes, TokenId};
        let org = OrgId::new_random();
        for role in [
            Role::ReadOnly,
            Role::Analyst,
            Role::OrgAdmin,
            Role::SiteAdmin,
        ] {
            let p = user(org, OrgKind::Industry, role);
            let writes = role != Role::ReadOnly;
            assert!(
                authorize(&p, Action::ReadRequests).is_ok(),
                "{role:?} reads"
            );
            for a in [Action::CreateRequest, Action::ActOnRequests] {
                assert_eq!(authorize(&p, a).is_ok(), writes, "{role:?} {a:?}");
            }
            let mut read_token = p.clone();
            if let Principal::User(u) = &mut read_token {
                u.method = AuthMethod::Token {
                    id: TokenId(uuid::Uuid::new_v4()),
                    scopes: Scopes::default().with(Scope::Read),
                };
            }
            assert!(authorize(&read_token, Action::ReadRequests).is_ok());
            assert!(authorize(&read_token, Action::CreateRequest).is_err());
            assert!(authorize(&read_token, Action::ActOnRequests).is_err());
        }
        assert_eq!(Action::ReadRequests.scope(), Scope::Read);
        assert_eq!(Action::CreateRequest.scope(), Scope::Write);
        assert_eq!(Action::ActOnRequests.scope(), Scope::Write);
    }

    #[test]
    fn parties_are_organisations_whatever_their_kind_and_role() {
        let (a, bank) = (OrgId::new_random(), OrgId::new_random());
        let f = RequestFacts {
            requester_org: a,
            target_org: bank,
            tlp: Tlp::Amber,
            named: vec![],
        };
        // A partner organisation that is the target sees the request and acts on it.
        let teller = user(bank, OrgKind::Industry, Role::Analyst);
        assert!(may_see(&teller, &f) && may_see_personal_data(&teller, &f));
        assert_eq!(acting_party(&teller, &f), Some(Party::Target));
        // A read-only user of a party reads but does not act.
        let reader = user(a, OrgKind::NationalCert, Role::ReadOnly);
        assert!(may_see_personal_data(&reader, &f));
        assert_eq!(party_of(&reader, &f), Some(Party::Requester));
        assert_eq!(acting_party(&reader, &f), None);
        // The regional CERT's read-only users are not coordinators.
        let hub_reader = user(OrgId::new_random(), OrgKind::RegionalCert, Role::ReadOnly);
        assert!(!may_see(&hub_reader, &f));
        // The regional CERT as requester reads a RED request it is named in, as a party.
        let hub = OrgId::new_random();
        let coordinator = user(hub, OrgKind::RegionalCert, Role::OrgAdmin);
        let red = RequestFacts {
            requester_org: hub,
            target_org: bank,
            tlp: Tlp::Red,
            named: vec![uid(&coordinator).unwrap()],
        };
        assert!(may_see(&coordinator, &red) && may_see_personal_data(&coordinator, &red));
        assert_eq!(acting_party(&coordinator, &red), Some(Party::Requester));
        // Named in a RED request without being of the two organisations: nothing.
        let outsider = user(OrgId::new_random(), OrgKind::NationalCert, Role::SiteAdmin);
        let named_outsider = RequestFacts {
            named: vec![uid(&outsider).unwrap()],
            ..red
        };
        assert!(!may_see(&outsider, &named_outsider));
        let filter = RequestFilter::of(&authorize(&outsider, Action::ReadSelf).unwrap());
        assert!(!filter.admits(&named_outsider));
    }
}
