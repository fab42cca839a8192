use super::*;
use crate::access::testing::user_of;
use crate::access::{Action, authorize};
use crate::org::OrgKind;
use PartyStatus as P;

fn uid(p: &Principal) -> UserId {
    p.as_user().unwrap().user.id
}

/// The columns of the matrix: each TLP of the case (its entries at the same level), and RED with
/// every reader named (in the case and in each entry) and with none.
const COLUMNS: [(&str, Tlp, bool); 6] = [
    ("CLEAR", Tlp::Clear, false),
    ("GREEN", Tlp::Green, false),
    ("AMBER", Tlp::Amber, false),
    ("AMBER+STRICT", Tlp::AmberStrict, false),
    ("RED named", Tlp::Red, true),
    ("RED not named", Tlp::Red, false),
];

/// The world of the matrix: an owner, a party in each status, the author party `W`
/// (investigating) who writes the party entries, and the readers who are in no case.
struct World {
    owner: OrgId,
    /// Parties by status, in `PartyStatus::ALL` order.
    parties: Vec<OrgId>,
    author: OrgId,
    readers: Vec<(&'static str, Principal)>,
}

const READERS: [&str; 12] = [
    "owner",
    "party invited",
    "party acknowledged",
    "party investigating",
    "party resolved",
    "party not-affected",
    "author party",
    "uninvited member",
    "partner",
    "coordinator",
    "site-admin of another org",
    "operator",
];

fn world() -> World {
    let owner = OrgId::new_random();
    let parties: Vec<OrgId> = PartyStatus::ALL
        .iter()
        .map(|_| OrgId::new_random())
        .collect();
    let author = OrgId::new_random();
    let nc = |org| user_of(org, OrgKind::NationalCert, Role::Analyst);
    let mut readers = vec![("owner", nc(owner))];
    for (i, &org) in parties.iter().enumerate() {
        readers.push((READERS[1 + i], nc(org)));
    }
    readers.extend([
        ("author party", nc(author)),
        ("uninvited member", nc(OrgId::new_random())),
        (
            "partner",
            user_of(OrgId::new_random(), OrgKind::Industry, Role::OrgAdmin),
        ),
        (
            "coordinator",
            user_of(OrgId::new_random(), OrgKind::RegionalCert, Role::Analyst),
        ),
        (
            "site-admin of another org",
            user_of(OrgId::new_random(), OrgKind::NationalCert, Role::SiteAdmin),
        ),
        ("operator", Principal::operator("op")),
    ]);
    let names: Vec<_> = readers.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, READERS);
    World {
        owner,
        parties,
        author,
        readers,
    }
}

impl World {
    fn party(&self, s: PartyStatus) -> OrgId {
        self.parties[PartyStatus::ALL.iter().position(|x| *x == s).unwrap()]
    }

    fn everyone(&self) -> Vec<UserId> {
        self.readers
            .iter()
            .filter_map(|(_, p)| p.as_user().map(|u| u.user.id))
            .collect()
    }

    fn case(&self, tlp: Tlp, named: bool) -> CaseFacts {
        let mut parties: Vec<_> = self
            .parties
            .iter()
            .zip(PartyStatus::ALL)
            .map(|(o, s)| (*o, *s))
            .collect();
        parties.push((self.author, P::Investigating));
        CaseFacts {
            owner_org: self.owner,
            tlp,
            parties,
            named: if named { self.everyone() } else { vec![] },
        }
    }

    fn reader(&self, name: &str) -> &Principal {
        &self.readers.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// The entries of the matrix, with the readers (by name) who see each when the timeline is
    /// readable at all — written out, not derived from the rule.
    fn entries(
        &self,
        tlp: Tlp,
        named: bool,
    ) -> Vec<(&'static str, EntryFacts, &'static [&'static str])> {
        let ack = self.party(P::Acknowledged);
        let inv = self.party(P::Investigating);
        let res = self.party(P::Resolved);
        let by = |org: OrgId, who: &str| EntryFacts {
            author_org: org,
            author: uid(self.reader(who)),
            tlp,
            audience: EntryAudience::Case,
            consent: Consent::default(),
            passed_to: vec![],
            named: if named { self.everyone() } else { vec![] },
        };
        let released = |audience, allowed: Vec<OrgId>, passed_to| EntryFacts {
            audience,
            consent: Consent {
                released_to_case: true,
                allowed_parties: allowed,
            },
            passed_to,
            ..by(self.author, "author party")
        };
        const ALL_IN: &[&str] = &[
            "owner",
            "party acknowledged",
            "party investigating",
            "party resolved",
            "party not-affected",
            "author party",
        ];
        vec![
            (
                "party entry not released",
                by(self.author, "author party"),
                &["author party"],
            ),
            (
                "party entry released to the case",
                released(EntryAudience::Case, vec![], vec![]),
                ALL_IN,
            ),
            (
                "party entry released to one party",
                released(EntryAudience::Orgs(vec![ack]), vec![], vec![]),
                &["owner", "party acknowledged", "author party"],
            ),
            (
                "allowed to two parties, passed on to one",
                released(EntryAudience::Orgs(vec![ack]), vec![inv, res], vec![inv]),
                &[
                    "owner",
                    "party acknowledged",
                    "party investigating",
                    "author party",
                ],
            ),
            (
                "passed on without the author's allowance",
                released(EntryAudience::Orgs(vec![ack]), vec![], vec![res]),
                &["owner", "party acknowledged", "author party"],
            ),
            (
                "allowed and passed on, but not released",
                EntryFacts {
                    consent: Consent {
                        released_to_case: false,
                        allowed_parties: vec![inv],
                    },
                    passed_to: vec![inv],
                    ..by(self.author, "author party")
                },
                &["author party"],
            ),
            (
                "owner entry released to the case",
                EntryFacts {
                    consent: Consent {
                        released_to_case: true,
                        allowed_parties: vec![],
                    },
                    ..by(self.owner, "owner")
                },
                ALL_IN,
            ),
            ("owner entry kept back", by(self.owner, "owner"), &["owner"]),
        ]
    }
}

/// Reader × case TLP: sees the case, reads the timeline; the filter agrees.
#[test]
fn matrix_of_the_case() {
    let w = world();
    let member = [true, true, true, true, true, false];
    let coordinator = [true, true, true, true, false, false];
    let none = [false; 6];
    // (sees the case, reads the timeline) per column, for each reader in order.
    let expected: [([bool; 6], [bool; 6]); 12] = [
        (member, member),
        (member, none),
        (member, member),
        (member, member),
        (member, member),
        (member, member),
        (member, member),
        (none, none),
        (none, none),
        (coordinator, none),
        (none, none),
        (coordinator, none),
    ];
    for ((name, p), (see, timeline)) in w.readers.iter().zip(expected) {
        for (i, (col, tlp, named)) in COLUMNS.into_iter().enumerate() {
            let f = w.case(tlp, named);
            assert_eq!(may_see(p, &f), see[i], "{name} sees a {col} case");
            let filter = CaseFilter::of(&authorize(p, Action::ReadSelf).unwrap());
            assert_eq!(filter.admits(&f), see[i], "filter: {name} {col}");
            assert_eq!(
                may_read_timeline(p, &f),
                timeline[i],
                "{name} reads the timeline of a {col} case"
            );
            assert_eq!(
                EntryFilter::of(p, &f).is_some(),
                timeline[i],
                "{name} {col}"
            );
        }
    }
}

/// Reader × case TLP × entry: who sees each entry, and the entry filter agrees.
#[test]
fn matrix_of_the_entries() {
    let w = world();
    let mut seen = 0;
    for (col, tlp, named) in COLUMNS {
        let f = w.case(tlp, named);
        for (what, e, who) in w.entries(tlp, named) {
            for (name, p) in &w.readers {
                let want = may_read_timeline(p, &f) && who.contains(name);
                assert_eq!(may_see_entry(p, &f, &e), want, "{name} sees {what} ({col})");
                if let Some(filter) = EntryFilter::of(p, &f) {
                    assert_eq!(filter.admits(&e), want, "filter: {name} {what} ({col})");
                }
                seen += usize::from(want);
            }
        }
    }
    // 5 columns where the members read (RED not named: nobody), 25 sightings in each.
    assert_eq!(seen, 5 * (1 + 6 + 3 + 4 + 3 + 1 + 6 + 1));
}

/// In a case everyone reads, a RED entry is seen only by its author and the users it names —
/// and still behind the consent gate.
#[test]
fn red_entries_name_their_readers() {
    let w = world();
    let f = w.case(Tlp::Amber, false);
    let owner = w.reader("owner");
    let colleague = user_of(w.owner, OrgKind::NationalCert, Role::Analyst);
    let author = w.reader("author party");
    let author_colleague = user_of(w.author, OrgKind::NationalCert, Role::OrgAdmin);
    let ack = w.reader("party acknowledged");
    let mut e = EntryFacts {
        author_org: w.author,
        author: uid(author),
        tlp: Tlp::Red,
        audience: EntryAudience::Case,
        consent: Consent::default(),
        passed_to: vec![],
        named: vec![uid(owner), uid(ack)],
    };
    let sees = |e: &EntryFacts| -> Vec<bool> {
        [owner, &colleague, author, &author_colleague, ack]
            .iter()
            .map(|p| may_see_entry(p, &f, e))
            .collect()
    };
    assert_eq!(sees(&e), [false, false, true, false, false], "not released");
    e.consent.release();
    assert_eq!(sees(&e), [true, false, true, false, true], "released");
    // The author's colleague, not named, may not release what it cannot read.
    e.consent.released_to_case = false;
    assert!(may_give_consent(author, &f, &e));
    assert!(!may_give_consent(&author_colleague, &f, &e));
}

/// Who acts: writes, manages, moves statuses, gives consent, passes on, works on tasks.
#[test]
fn who_acts() {
    let w = world();
    let f = w.case(Tlp::Amber, false);
    let inv = w.party(P::Investigating);
    let res = w.party(P::Resolved);
    let not_released = &w.entries(Tlp::Amber, false)[0].1;
    let owner_kept = &w.entries(Tlp::Amber, false)[7].1;
    // (writes, manages, side for its own org, side for `res`, consents to the author's entry,
    // consents to the owner's, passes on to `res`, task of its own org, task of `inv`)
    type Row = (
        bool,
        bool,
        Option<Side>,
        Option<Side>,
        bool,
        bool,
        bool,
        bool,
        bool,
    );
    let party = |own: bool, writes: bool| -> Row {
        (
            writes,
            false,
            Some(Side::Party),
            own.then_some(Side::Party),
            false,
            false,
            false,
            writes,
            false,
        )
    };
    let nobody: Row = (false, false, None, None, false, false, false, false, false);
    let expected: [Row; 12] = [
        (
            true,
            true,
            None,
            Some(Side::Owner),
            false,
            true,
            true,
            true,
            true,
        ),
        party(false, false),
        party(false, true),
        (
            true,
            false,
            Some(Side::Party),
            None,
            false,
            false,
            false,
            true,
            true,
        ),
        party(true, true),
        party(false, true),
        (
            true,
            false,
            Some(Side::Party),
            None,
            true,
            false,
            false,
            true,
            false,
        ),
        nobody,
        nobody,
        nobody,
        nobody,
        nobody,
    ];
    for ((name, p), want) in w.readers.iter().zip(expected) {
        let own_side = p.org_id().and_then(|o| status_side(p, &f, o));
        let got: Row = (
            may_write(p, &f),
            may_manage(p, &f),
            own_side,
            status_side(p, &f, res),
            may_give_consent(p, &f, not_released),
            may_give_consent(p, &f, owner_kept),
            may_pass_on(p, &f, res),
            p.org_id().is_some_and(|o| may_work_on_task(p, &f, o)),
            may_work_on_task(p, &f, inv),
        );
        assert_eq!(got, want, "{name}");
    }
    // A read-only user of the owner reads but does not act.
    let reader = user_of(w.owner, OrgKind::NationalCert, Role::ReadOnly);
    assert!(may_see(&reader, &f) && may_read_timeline(&reader, &f));
    assert!(!may_write(&reader, &f) && !may_manage(&reader, &f));
    assert_eq!(status_side(&reader, &f, res), None);
    // The owner passes on only to parties, and moves statuses only of parties.
    let owner = w.reader("owner");
    assert!(!may_pass_on(owner, &f, w.owner));
    assert!(!may_pass_on(owner, &f, OrgId::new_random()));
    assert_eq!(status_side(owner, &f, OrgId::new_random()), None);
    assert_eq!(status_side(owner, &f, w.owner), None);
    // Tasks belong to organisations of the case.
    assert!(!may_work_on_task(owner, &f, OrgId::new_random()));
}

#[test]
fn parties_are_organisations_whatever_their_kind() {
    let (owner, bank) = (OrgId::new_random(), OrgId::new_random());
    let f = CaseFacts {
        owner_org: owner,
        tlp: Tlp::Green,
        parties: vec![(bank, P::Acknowledged)],
        named: vec![],
    };
    let teller = user_of(bank, OrgKind::Industry, Role::Analyst);
    assert!(may_see(&teller, &f) && may_write(&teller, &f));
    assert_eq!(member_of(&teller, &f), Some(Member::Party(P::Acknowledged)));
    assert_eq!(status_side(&teller, &f, bank), Some(Side::Party));
    // The regional CERT invited as a party reads the timeline as a party, even when RED.
    let hub = OrgId::new_random();
    let coordinator = user_of(hub, OrgKind::RegionalCert, Role::Analyst);
    let red = CaseFacts {
        tlp: Tlp::Red,
        parties: vec![(hub, P::Investigating)],
        named: vec![uid(&coordinator)],
        ..f.clone()
    };
    assert!(may_read_timeline(&coordinator, &red));
    // Named in a RED case without being of it: nothing.
    let outsider = user_of(OrgId::new_random(), OrgKind::NationalCert, Role::SiteAdmin);
    let named_outsider = CaseFacts {
        named: vec![uid(&outsider)],
        ..red
    };
    assert!(!may_see(&outsider, &named_outsider));
    let filter = CaseFilter::of(&authorize(&outsider, Action::ReadSelf).unwrap());
    assert!(!filter.admits(&named_outsider));
}
