//! Who sees an incident case (P2.2), its timeline and each entry, and who may write, release,
//! pass on, invite and move statuses: the one place it is decided, beside [`super::requests`]
//! for action requests.
//!
//! | reader | case (TLP:CLEAR … AMBER+STRICT) | case (TLP:RED) | timeline and tasks |
//! |---|---|---|---|
//! | a user of the owner organisation | yes | only if named | yes, entry by entry |
//! | a user of an invited party that has acknowledged (any later status too) | yes | only if named | yes, entry by entry |
//! | a user of a party still (or, re-invited, again) `invited` | yes | only if named | no: it acknowledges first |
//! | the regional CERT's coordinators ([`is_coordinator`], the operator too) | yes, for routing and statistics | no | no |
//! | anyone else: uninvited members, partners, site-admins of other organisations | no | no | no |
//!
//! An entry ([`EntryFacts`]) is seen by a timeline reader when
//!
//! 1. for a TLP:RED entry, the reader is its author or named in it; and
//! 2. the reader's organisation wrote it; or it is released to the case ([`Consent`]) and the
//!    organisation is in its audience (the owner always is), or the owner passed it on to the
//!    organisation and the author allowed that organisation.
//!
//! A party is an organisation whatever its kind; a party's users speak for it. Roles do not
//! widen anything: a site-admin sees a case only as a user of the owner or of a party, and the
//! coordinators see the case record (title, severity, parties and their statuses) but never the
//! timeline — the consent gate holds against them too; the owner may invite the regional CERT as
//! a party. The party list and statuses are part of the case record: every case reader sees who
//! is involved and where each stands. Acting (writing, releasing, moving a status) takes a case
//! reader who is not read-only.

use crate::access::directory::is_coordinator;
use crate::access::{Grant, Principal};
use crate::cases::party::{PartyStatus, Side};
use crate::cases::timeline::{Consent, EntryAudience};
use crate::intel::Tlp;
use crate::org::OrgId;
use crate::user::{Role, UserId};

/// What the rules read about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub owner_org: OrgId,
    pub tlp: Tlp,
    /// Every invited organisation, with where it stands.
    pub parties: Vec<(OrgId, PartyStatus)>,
    /// For TLP:RED: the users who may see it.
    pub named: Vec<UserId>,
}

/// What the rules read about one timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFacts {
    pub author_org: OrgId,
    pub author: UserId,
    pub tlp: Tlp,
    pub audience: EntryAudience,
    pub consent: Consent,
    /// The parties the owner passed it on to.
    pub passed_to: Vec<OrgId>,
    /// For a TLP:RED entry: the users who may see it besides its author.
    pub named: Vec<UserId>,
}

/// How an organisation is in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Owner,
    Party(PartyStatus),
}

impl CaseFacts {
    /// How `org` is in the case, if it is.
    pub fn member(&self, org: OrgId) -> Option<Member> {
        if org == self.owner_org {
            return Some(Member::Owner);
        }
        self.parties
            .iter()
            .find(|(o, _)| *o == org)
            .map(|&(_, s)| Member::Party(s))
    }
}

/// How `p`'s organisation is in the case (whether or not `p` may read a RED one).
pub fn member_of(p: &Principal, f: &CaseFacts) -> Option<Member> {
    f.member(p.org_id()?)
}

/// `p` reads the case as a member: a user of the owner or of a party, and for RED a named one.
fn member_reader(p: &Principal, f: &CaseFacts) -> Option<Member> {
    let m = member_of(p, f)?;
    let user = p.as_user()?.user.id;
    (f.tlp != Tlp::Red || f.named.contains(&user)).then_some(m)
}

/// Whether the member has accepted the case (the owner has).
fn has_acknowledged(m: Member) -> bool {
    match m {
        Member::Owner => true,
        Member::Party(s) => s.has_acknowledged(),
    }
}

/// Whether `p` may see the case record.
pub fn may_see(p: &Principal, f: &CaseFacts) -> bool {
    member_reader(p, f).is_some() || (is_coordinator(p) && f.tlp != Tlp::Red)
}

/// Whether `p` may read the case's timeline (entry by entry, [`may_see_entry`]) and tasks.
pub fn may_read_timeline(p: &Principal, f: &CaseFacts) -> bool {
    member_reader(p, f).is_some_and(has_acknowledged)
}

/// `p` acts for its organisation in the case: a member reader who is not read-only.
fn acting_member(p: &Principal, f: &CaseFacts) -> Option<Member> {
    let m = member_reader(p, f)?;
    (p.as_user()?.user.role != Role::ReadOnly).then_some(m)
}

/// Whether `p` may write entries and tasks: an acting member that has acknowledged.
pub fn may_write(p: &Principal, f: &CaseFacts) -> bool {
    acting_member(p, f).is_some_and(has_acknowledged)
}

/// Whether `p` may edit the case, invite and re-invite parties, and close it: the owner's acting
/// users.
pub fn may_manage(p: &Principal, f: &CaseFacts) -> bool {
    acting_member(p, f) == Some(Member::Owner)
}

/// The side `p` may move `party`'s status for: the party's own acting users, or the owner's.
/// Which step that side may take is `cases::party`'s.
pub fn status_side(p: &Principal, f: &CaseFacts, party: OrgId) -> Option<Side> {
    f.parties.iter().find(|(o, _)| *o == party)?;
    match acting_member(p, f)? {
        Member::Owner => Some(Side::Owner),
        Member::Party(_) if p.org_id() == Some(party) => Some(Side::Party),
        Member::Party(_) => None,
    }
}

/// Whether `p` may see the entry `e` of the case `f`.
pub fn may_see_entry(p: &Principal, f: &CaseFacts, e: &EntryFacts) -> bool {
    EntryFilter::of(p, f).is_some_and(|filter| filter.admits(e))
}

/// Whether `p` may release the entry to the case and allow parties to pass it on to: an acting
/// user of the author's organisation (the party is the author, not only the user who typed it).
pub fn may_give_consent(p: &Principal, f: &CaseFacts, e: &EntryFacts) -> bool {
    may_write(p, f) && p.org_id() == Some(e.author_org) && may_see_entry(p, f, e)
}

/// Whether `p` may pass entries on to `to`: the owner's acting users, to a party of the case.
/// What may be passed on is the author's consent's (`cases::timeline::pass_on`).
pub fn may_pass_on(p: &Principal, f: &CaseFacts, to: OrgId) -> bool {
    may_manage(p, f) && matches!(f.member(to), Some(Member::Party(_)))
}

/// Whether `p` may create a task owned by `task_owner` or move one: the owner for any
/// organisation of the case, a party for itself.
pub fn may_work_on_task(p: &Principal, f: &CaseFacts, task_owner: OrgId) -> bool {
    may_write(p, f)
        && f.member(task_owner).is_some()
        && (member_of(p, f) == Some(Member::Owner) || p.org_id() == Some(task_owner))
}

/// The reader's side of the case rule, in the shape a backend turns into SQL:
///
/// ```text
///   ((owner_org = org OR org IN parties) AND (tlp <> RED OR user IN named))
///   OR (all_but_red AND tlp <> RED)
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    /// The reader's organisation and user (none for the operator).
    pub member: Option<(OrgId, UserId)>,
    /// The coordinators' view: every case that is not TLP:RED.
    pub all_but_red: bool,
}

impl CaseFilter {
    pub fn of(grant: &Grant<'_>) -> Self {
        let p = grant.principal();
        Self {
            member: p.as_user().map(|u| (u.org.id, u.user.id)),
            all_but_red: is_coordinator(p),
        }
    }

    /// The filter's decision in memory (what a backend's SQL must agree with).
    pub fn admits(&self, f: &CaseFacts) -> bool {
        let member = self.member.is_some_and(|(org, user)| {
            f.member(org).is_some() && (f.tlp != Tlp::Red || f.named.contains(&user))
        });
        member || (self.all_but_red && f.tlp != Tlp::Red)
    }
}

/// The reader's side of the entry rule within one case whose timeline it reads, in the shape a
/// backend turns into SQL (so that unreleased entries are absent from lists and counts):
///
/// ```text
///   (tlp <> RED OR author = user OR user IN named)
///   AND (author_org = org
///        OR (released_to_case AND (audience = case OR org = owner OR org IN audience
///                                   OR (org IN passed_to AND org IN allowed_parties))))
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFilter {
    pub org: OrgId,
    pub user: UserId,
    pub owner_org: OrgId,
}

impl EntryFilter {
    /// The filter of `p` in the case `f`: none when `p` may not read its timeline.
    pub fn of(p: &Principal, f: &CaseFacts) -> Option<Self> {
        if !may_read_timeline(p, f) {
            return None;
        }
        let u = p.as_user()?;
        Some(Self {
            org: u.org.id,
            user: u.user.id,
            owner_org: f.owner_org,
        })
    }

    /// The filter's decision in memory.
    pub fn admits(&self, e: &EntryFacts) -> bool {
        if e.tlp == Tlp::Red && e.author != self.user && !e.named.contains(&self.user) {
            return false;
        }
        if e.author_org == self.org {
            return true;
        }
        e.consent.released_to_case
            && (e.audience.includes(self.org, self.owner_org)
                || (e.passed_to.contains(&self.org)
                    && e.consent.allowed_parties.contains(&self.org)))
    }
}

#[cfg(test)]
#[path = "cases_tests.rs"]
mod tests;
