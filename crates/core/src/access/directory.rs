//! The directory's visibility decision (P2.1): who sees which contact, profile and
//! communication-check result. The one place it is decided, beside [`super::sharing`] for shared
//! intelligence.
//!
//! | reader | sees contacts of other organisations | own organisation's |
//! |---|---|---|
//! | nobody signed in | `public` | — |
//! | a user of a partner organisation (international org, industry, academia, other) | `partners`, `public` | all |
//! | a user of a member organisation (regional, national or sector CERT, government) | all | all |
//! | the operator at the command line | all | — |
//!
//! Roles do not widen it: a site-admin of a partner organisation sees what a partner sees.
//! Communication-check results are read by the regional CERT's coordinators ([`is_coordinator`])
//! and, for its own contacts, by each organisation ([`may_read_check_result`]).
//!
//! [`DirectoryFilter`] is the shape a backend compiles into SQL (`visibility IN (…) OR org_id = …`),
//! [`DirectoryView::admits`] the same decision in memory; they must never disagree.

use crate::access::{Grant, Principal};
use crate::contacts::DirectoryVisibility;
use crate::org::{OrgId, OrgKind};
use crate::user::Role;

/// Who reads the directory: nobody signed in, or a principal.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'p> {
    Anonymous,
    Signed(&'p Principal),
}

impl<'p> Reader<'p> {
    pub fn principal(&self) -> Option<&'p Principal> {
        match self {
            Self::Anonymous => None,
            Self::Signed(p) => Some(p),
        }
    }
}

/// Whether an organisation of this kind is a member of the POC network (its users see `members`
/// contacts) rather than a partner.
pub fn is_member_kind(kind: OrgKind) -> bool {
    matches!(
        kind,
        OrgKind::RegionalCert | OrgKind::NationalCert | OrgKind::SectorCert | OrgKind::Government
    )
}

/// Whether `p` is one of the regional CERT's coordinators: a user, other than read-only, of a
/// regional-CERT organisation; or the operator.
pub fn is_coordinator(p: &Principal) -> bool {
    match p {
        Principal::Operator { .. } => true,
        Principal::User(u) => u.org.kind == OrgKind::RegionalCert && u.user.role != Role::ReadOnly,
    }
}

/// Whether `p` may read a communication check's result for a contact of `target_org`: the
/// coordinators every result, an organisation its own contacts' results.
pub fn may_read_check_result(p: &Principal, target_org: OrgId) -> bool {
    is_coordinator(p) || p.org_id() == Some(target_org)
}

/// Whether a reader with `view` may read the team profile (and its RFC 2350 text) of an
/// organisation of `kind` whose profile is `published` or not: every signed-in reader may; nobody
/// signed in only a member organisation's published profile.
pub fn may_read_profile(view: &DirectoryView, kind: OrgKind, published: bool) -> bool {
    !view.is_anonymous() || (published && is_member_kind(kind))
}

/// Which communication checks a reader may list: every check (the coordinators), or those with a
/// target of the reader's own organisation (each of its results then filtered by
/// [`may_read_check_result`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckResults {
    All,
    OwnOrg(OrgId),
}

/// The checks `p` may list.
pub fn check_results_of(p: &Principal) -> CheckResults {
    match p {
        Principal::User(u) if !is_coordinator(p) => CheckResults::OwnOrg(u.org.id),
        _ => CheckResults::All,
    }
}

/// Whose freshness flags (the directory's health report) a reader may list: every organisation's
/// (the coordinators), their own organisation's (its org-admins), or none. Visibility is not
/// administration: a site-admin who is not a coordinator reads only their own organisation's, as
/// its administrator.
pub fn health_scope(p: &Principal) -> Option<CheckResults> {
    match p {
        _ if is_coordinator(p) => Some(CheckResults::All),
        Principal::User(u) if matches!(u.user.role, Role::OrgAdmin | Role::SiteAdmin) => {
            Some(CheckResults::OwnOrg(u.org.id))
        }
        _ => None,
    }
}

/// Proof that an anonymous read of the public directory was decided. Only core makes one, inside a
/// service function whose answer [`DirectoryView::anonymous`] filters.
#[derive(Debug, Clone, Copy)]
pub struct PublicRead(());

impl PublicRead {
    pub(crate) fn decided() -> Self {
        Self(())
    }
}

/// What a reader may see of the directory. Made only from a grant or a [`PublicRead`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryView {
    filter: DirectoryFilter,
}

/// The reader's side, in the shape a backend turns into SQL: a contact is seen when its visibility
/// is one of `visibilities`, or it belongs to `own_org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryFilter {
    pub visibilities: &'static [DirectoryVisibility],
    pub own_org: Option<OrgId>,
}

impl DirectoryFilter {
    /// The filter's decision in memory (what a backend's SQL must agree with).
    pub fn admits(&self, org: OrgId, visibility: DirectoryVisibility) -> bool {
        self.own_org == Some(org) || self.visibilities.contains(&visibility)
    }
}

const ALL: &[DirectoryVisibility] = &[
    DirectoryVisibility::Members,
    DirectoryVisibility::Partners,
    DirectoryVisibility::Public,
];
const PARTNERS: &[DirectoryVisibility] =
    &[DirectoryVisibility::Partners, DirectoryVisibility::Public];
const PUBLIC: &[DirectoryVisibility] = &[DirectoryVisibility::Public];

impl DirectoryView {
    /// The view of the grant's principal (any grant: the caller asked `authorize` for the action
    /// its read needs, usually [`crate::Action::ReadDirectory`]).
    pub fn of(grant: &Grant<'_>) -> Self {
        let filter = match grant.principal() {
            Principal::Operator { .. } => DirectoryFilter {
                visibilities: ALL,
                own_org: None,
            },
            Principal::User(u) => DirectoryFilter {
                visibilities: if is_member_kind(u.org.kind) {
                    ALL
                } else {
                    PARTNERS
                },
                own_org: Some(u.org.id),
            },
        };
        Self { filter }
    }

    /// The view of nobody signed in: `public` entries only.
    pub fn anonymous(_proof: &PublicRead) -> Self {
        Self {
            filter: DirectoryFilter {
                visibilities: PUBLIC,
                own_org: None,
            },
        }
    }

    pub fn filter(&self) -> &DirectoryFilter {
        &self.filter
    }

    /// Whether an entry of `org` with this visibility is seen.
    pub fn admits(&self, org: OrgId, visibility: DirectoryVisibility) -> bool {
        self.filter.admits(org, visibility)
    }

    /// Whether this is the view of nobody signed in.
    pub fn is_anonymous(&self) -> bool {
        self.filter.own_org.is_none() && self.filter.visibilities == PUBLIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::testing::user_of;
    use crate::access::{Action, authorize};

    fn user(kind: OrgKind, role: Role) -> Principal {
        user_of(OrgId::new_random(), kind, role)
    }

    #[test]
    fn check_results_for_coordinators_and_organisations() {
        let coordinator = user(OrgKind::RegionalCert, Role::Analyst);
        let regional_reader = user(OrgKind::RegionalCert, Role::ReadOnly);
        let national_admin = user(OrgKind::NationalCert, Role::SiteAdmin);
        let other = OrgId::new_random();
        assert_eq!(check_results_of(&coordinator), CheckResults::All);
        assert_eq!(
            check_results_of(&Principal::operator("op")),
            CheckResults::All
        );
        for p in [&regional_reader, &national_admin] {
            let own = p.org_id().unwrap();
            assert_eq!(check_results_of(p), CheckResults::OwnOrg(own));
            assert!(may_read_check_result(p, own));
            assert!(!may_read_check_result(p, other));
        }
        assert!(may_read_check_result(&coordinator, other));
    }

    /// The truth table of the module comment, every reader × visibility × own/other organisation.
    #[test]
    fn truth_table() {
        use DirectoryVisibility::*;
        let member = user(OrgKind::NationalCert, Role::ReadOnly);
        let partner_admin = user(OrgKind::Industry, Role::SiteAdmin);
        let operator = Principal::operator("op");
        let other = OrgId::new_random();
        let view = |p: &Principal| DirectoryView::of(&authorize(p, Action::ReadDirectory).unwrap());
        let anon = DirectoryView::anonymous(&PublicRead::decided());
        let rows: [(&DirectoryView, Option<OrgId>, [bool; 3]); 5] = [
            (&anon, None, [false, false, true]),
            (&view(&member), None, [true, true, true]),
            (&view(&partner_admin), None, [false, true, true]),
            (
                &view(&partner_admin),
                partner_admin.org_id(),
                [true, true, true],
            ),
            (&view(&operator), None, [true, true, true]),
        ];
        for (v, own, expect) in rows {
            for (vis, want) in [Members, Partners, Public].into_iter().zip(expect) {
                assert_eq!(v.admits(own.unwrap_or(other), vis), want, "{v:?} {vis}");
            }
        }
        assert!(anon.is_anonymous());
        assert!(!view(&operator).is_anonymous());
    }

    /// Profiles: reader × organisation kind × published.
    #[test]
    fn profile_truth_table() {
        let anon = DirectoryView::anonymous(&PublicRead::decided());
        let view = |p: &Principal| DirectoryView::of(&authorize(p, Action::ReadDirectory).unwrap());
        let member = view(&user(OrgKind::NationalCert, Role::ReadOnly));
        let partner = view(&user(OrgKind::Industry, Role::Analyst));
        let operator = view(&Principal::operator("op"));
        // (view, kind of the profile's organisation, published, may read)
        let rows = [
            (&anon, OrgKind::NationalCert, true, true),
            (&anon, OrgKind::NationalCert, false, false),
            (&anon, OrgKind::Government, true, true),
            (&anon, OrgKind::Industry, true, false),
            (&anon, OrgKind::Academia, false, false),
            (&member, OrgKind::NationalCert, false, true),
            (&member, OrgKind::Industry, false, true),
            (&partner, OrgKind::NationalCert, false, true),
            (&partner, OrgKind::RegionalCert, true, true),
            (&operator, OrgKind::Other, false, true),
        ];
        for (v, kind, published, want) in rows {
            assert_eq!(
                may_read_profile(v, kind, published),
                want,
                "{v:?} {kind} {published}"
            );
        }
    }

    #[test]
    fn coordinators_are_the_regional_certs_writers() {
        assert!(is_coordinator(&user(OrgKind::RegionalCert, Role::Analyst)));
        assert!(is_coordinator(&user(OrgKind::RegionalCert, Role::OrgAdmin)));
        assert!(!is_coordinator(&user(
            OrgKind::RegionalCert,
            Role::ReadOnly
        )));
        assert!(!is_coordinator(&user(
            OrgKind::NationalCert,
            Role::SiteAdmin
        )));
        assert!(is_coordinator(&Principal::operator("op")));
        let site_admin = user(OrgKind::NationalCert, Role::SiteAdmin);
        assert!(authorize(&site_admin, Action::RunCommChecks).is_err());
        assert!(
            authorize(
                &user(OrgKind::RegionalCert, Role::Analyst),
                Action::RunCommChecks
            )
            .is_ok()
        );
        let own = site_admin.org_id().unwrap();
        assert!(may_read_check_result(&site_admin, own));
        assert!(!may_read_check_result(&site_admin, OrgId::new_random()));
    }

    #[test]
    fn the_mail_record_is_for_site_admins_and_coordinators() {
        let may = |kind, role, action| authorize(&user(kind, role), action).is_ok();
        assert!(may(
            OrgKind::NationalCert,
            Role::SiteAdmin,
            Action::ReadMail
        ));
        assert!(may(OrgKind::RegionalCert, Role::Analyst, Action::ReadMail));
        assert!(!may(
            OrgKind::RegionalCert,
            Role::ReadOnly,
            Action::ReadMail
        ));
        assert!(!may(
            OrgKind::NationalCert,
            Role::OrgAdmin,
            Action::ReadMail
        ));
        // Queuing a test message and draining the outbox: site-admins and the operator only.
        assert!(may(
            OrgKind::NationalCert,
            Role::SiteAdmin,
            Action::SendMail
        ));
        assert!(!may(
            OrgKind::RegionalCert,
            Role::OrgAdmin,
            Action::SendMail
        ));
        assert!(authorize(&Principal::operator("op"), Action::SendMail).is_ok());
    }

    /// The health report: reader × scope.
    #[test]
    fn health_truth_table() {
        let rows = [
            (user(OrgKind::RegionalCert, Role::Analyst), Some(true)),
            (user(OrgKind::RegionalCert, Role::ReadOnly), None),
            (user(OrgKind::NationalCert, Role::OrgAdmin), Some(false)),
            (user(OrgKind::NationalCert, Role::SiteAdmin), Some(false)),
            (user(OrgKind::Industry, Role::OrgAdmin), Some(false)),
            (user(OrgKind::NationalCert, Role::Analyst), None),
            (Principal::operator("op"), Some(true)),
        ];
        for (p, want) in rows {
            let got = health_scope(&p);
            match want {
                None => assert_eq!(got, None, "{p:?}"),
                Some(true) => assert_eq!(got, Some(CheckResults::All), "{p:?}"),
                Some(false) => {
                    assert_eq!(got, p.org_id().map(CheckResults::OwnOrg), "{p:?}");
                }
            }
        }
    }

    #[test]
    fn contacts_are_managed_by_their_org_admins_and_site_admins() {
        let admin = user(OrgKind::NationalCert, Role::OrgAdmin);
        let own = admin.org_id().unwrap();
        assert!(authorize(&admin, Action::ManageContacts(own)).is_ok());
        assert!(authorize(&admin, Action::ManageContacts(OrgId::new_random())).is_err());
        let analyst = user(OrgKind::NationalCert, Role::Analyst);
        assert!(authorize(&analyst, Action::ManageContacts(analyst.org_id().unwrap())).is_err());
        let site = user(OrgKind::Academia, Role::SiteAdmin);
        assert!(authorize(&site, Action::ManageContacts(OrgId::new_random())).is_ok());
    }
}
