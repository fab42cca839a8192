//! Access decisions: the one module that says who may do what.
//!
//! Every service function takes a [`Principal`] and asks [`authorize`] for a [`Grant`] before it acts;
//! a `Grant` can only be made here, and the service reaches the store only with one in hand
//! ([`crate::service::Proof`]). The role × action matrix in ARCHITECTURE.md is this function.
//!
//! Visibility of shared intelligence (TLP and audiences) is the sharing policy's: reads of shared
//! objects take a [`Visibility`], which only [`Visibility::of`] makes, from a grant.

pub mod cases;
pub mod directory;
pub mod imports;
pub mod requests;
pub mod sharing;
#[cfg(test)]
pub(crate) mod testing;
mod visibility;

pub use visibility::{Unfiltered, Viewer, Visibility};

use crate::org::{OrgId, Organisation};
use crate::token::{Scope, Scopes, TokenId};
use crate::user::{CommunityId, Role, User};

/// How the principal proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// A web session; state-changing requests must carry its CSRF token.
    Session { csrf_token: String },
    /// An API token with its scopes.
    Token { id: TokenId, scopes: Scopes },
}

/// Someone acting: a signed-in user of an organisation, or the local operator at the command line
/// (who has the database in hand and so every right).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User(Box<UserPrincipal>),
    Operator { name: String },
}

/// A user acting through a session or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipal {
    pub user: User,
    pub org: Organisation,
    pub communities: Vec<CommunityId>,
    pub method: AuthMethod,
    /// The client address.
    pub source: Option<String>,
}

impl Principal {
    pub fn operator(name: impl Into<String>) -> Self {
        Self::Operator { name: name.into() }
    }

    /// The audit actor string.
    pub fn actor(&self) -> String {
        match self {
            Self::User(u) => format!("user:{}", u.user.id),
            Self::Operator { name } => format!("cli:{name}"),
        }
    }

    pub fn org_id(&self) -> Option<OrgId> {
        match self {
            Self::User(u) => Some(u.org.id),
            Self::Operator { .. } => None,
        }
    }

    pub fn source(&self) -> Option<String> {
        match self {
            Self::User(u) => u.source.clone(),
            Self::Operator { .. } => None,
        }
    }

    pub fn as_user(&self) -> Option<&UserPrincipal> {
        match self {
            Self::User(u) => Some(u),
            Self::Operator { .. } => None,
        }
    }
}

/// What a principal wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See their own account.
    ReadSelf,
    /// Read the directory: organisations and communities.
    ReadDirectory,
    /// Create organisations, change their kind or status (suspend).
    ManageOrgs,
    /// Change an organisation's name and country.
    UpdateOrgProfile(OrgId),
    /// Create communities and change their members.
    ManageCommunities,
    /// List, read, create and change the users of an organisation (`None`: of every organisation).
    ManageUsers(Option<OrgId>),
    /// Give a user this role.
    GrantRole(Role),
    /// Create, list and revoke one's own API tokens.
    ManageOwnTokens,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Read the audit log of an organisation (`None`: all of it).
    ReadAudit(Option<OrgId>),
    /// Read shared intelligence (what the sharing policy then admits).
    ReadIntel,
    /// Share intelligence: post objects, sightings, new versions.
    ShareIntel,
    /// Create and change collections.
    ManageCollections,
    /// Administer federation peers (add, change, remove, sync) — site-admins and the operator.
    ManagePeers,
    /// Add, change and remove an organisation's contacts (P2.1): its org-admins, site-admins.
    ManageContacts(OrgId),
    /// Start and schedule communication checks ("ping tests", P2.1): the regional CERT's
    /// coordinators ([`directory::is_coordinator`]) and the operator. Site-admins of other
    /// organisations are not coordinators: administration is not a seat at the hub.
    RunCommChecks,
    /// Read communication checks' results, with each target's delivery from the outbox: every
    /// signed-in user, then each result filtered by [`directory::may_read_check_result`] (the
    /// coordinators every result, an organisation its own contacts'). Never the mail record as
    /// such ([`Action::ReadMail`]).
    ReadCheckResults,
    /// Read the sent-mail record (never a body): site-admins and coordinators.
    ReadMail,
    /// Queue a test message and deliver the outbox: site-admins and the operator (the server's
    /// sender acts as the operator).
    SendMail,
    /// Read every stored indicator, whoever may see it, to keep the server's match index (which
    /// filters every hit through the sharing policy). Nobody is ever granted it by [`authorize`],
    /// not even the operator: only core's own refresh holds it ([`Grant::internal_index`]).
    IndexIntel,
    /// Send a cross-border action request (P2.2) from one's own organisation: every user who is
    /// not read-only.
    CreateRequest,
    /// Act on a request (a step of its state machine, a comment): every user who is not
    /// read-only, then [`requests::acting_party`] for the request at hand.
    ActOnRequests,
    /// Read action requests: every signed-in user, then each request filtered by
    /// [`requests::may_see`] / [`requests::RequestFilter`].
    ReadRequests,
    /// Open an incident case (P2.2) for one's own organisation: every user who is not read-only.
    OpenCase,
    /// Act in a case (invite, a party's status step, timeline entries, consent, tasks): every
    /// user who is not read-only, then `cases::may_manage` / `may_write` / `status_side` for the
    /// case at hand.
    ActOnCases,
    /// Read incident cases: every signed-in user, then each case filtered by `cases::may_see` /
    /// `cases::CaseFilter` and each entry by `cases::EntryFilter`.
    ReadCases,
    /// Register, list and delete an organisation's webhooks and read their delivery log: its
    /// org-admins, site-admins.
    ManageWebhooks(OrgId),
    /// Claim and deliver queued webhook events (the server's sender acts as the operator):
    /// site-admins and the operator.
    DeliverWebhooks,
    /// Find action requests whose deadline is near or past and notify their parties, once each
    /// (the server's sweep acts as the operator): site-admins and the operator.
    NotifyRequests,
}

impl Action {
    /// The token scope the action needs.
    pub fn scope(self) -> Scope {
        match self {
            Action::ReadSelf
            | Action::ReadDirectory
            | Action::ReadIntel
            | Action::ReadMail
            | Action::ReadCheckResults
            | Action::ReadRequests
            | Action::ReadCases => Scope::Read,
            Action::ShareIntel
            | Action::RunCommChecks
            | Action::CreateRequest
            | Action::ActOnRequests
            | Action::OpenCase
            | Action::ActOnCases => Scope::Write,
            Action::ManageOrgs
            | Action::UpdateOrgProfile(_)
            | Action::ManageCommunities
            | Action::ManageUsers(_)
            | Action::GrantRole(_)
            | Action::ManageOwnTokens
            | Action::ChangeOwnPassword
            | Action::ReadAudit(_)
            | Action::ManageCollections
            | Action::ManagePeers
            | Action::ManageContacts(_)
            | Action::SendMail
            | Action::IndexIntel
            | Action::ManageWebhooks(_)
            | Action::DeliverWebhooks
            | Action::NotifyRequests => Scope::Admin,
        }
    }
}

impl Role {
    /// The scopes a user of this role can use at all: a read-only user only reads; an analyst
    /// reads, shares and syncs; administrators also administer.
    pub fn scopes(self) -> Scopes {
        let reader = Scopes::default().with(Scope::Read);
        match self {
            Role::ReadOnly => reader,
            Role::Analyst => reader.with(Scope::Write).with(Scope::Sync),
            Role::OrgAdmin | Role::SiteAdmin => Scopes::all(),
        }
    }
}

impl UserPrincipal {
    /// The scopes these credentials carry: a token's own; for a session, its role's
    /// ([`Role::scopes`]) — a session also manages its own tokens and password, whatever the role.
    pub fn effective_scopes(&self) -> Scopes {
        match &self.method {
            AuthMethod::Session { .. } => self.user.role.scopes(),
            AuthMethod::Token { scopes, .. } => *scopes,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The token lacks a scope.
    #[error("the token lacks the `{}` scope", .0.as_str())]
    MissingScope(Scope),
    /// The target belongs to another organisation: answer as if it did not exist.
    #[error("not found")]
    Hidden,
}

/// Proof that `principal` may do `action`. Only [`authorize`] makes one.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'p> {
    principal: &'p Principal,
    action: Action,
}

/// The principal of core's own background reads: nobody acting (it is never audited as an actor).
static INTERNAL: Principal = Principal::Operator {
    name: String::new(),
};

impl Grant<'static> {
    /// The grant of the match index's refresh ([`Action::IndexIntel`]), which reads every stored
    /// indicator so that the index can answer anyone, and filters each hit through the sharing
    /// policy before it leaves core (`crate::intel::matching`). Only core can make it; nothing
    /// else may use it.
    pub(crate) fn internal_index() -> Self {
        Grant {
            principal: &INTERNAL,
            action: Action::IndexIntel,
        }
    }
}

impl<'p> Grant<'p> {
    pub fn principal(&self) -> &'p Principal {
        self.principal
    }

    pub fn action(&self) -> Action {
        self.action
    }
}

/// The role × action matrix.
pub fn authorize(principal: &Principal, action: Action) -> Result<Grant<'_>, Denied> {
    if action == Action::IndexIntel {
        return Err(Denied::Forbidden(
            "only simpul's own match index reads every stored indicator".into(),
        ));
    }
    let p = match principal {
        Principal::Operator { .. } => return Ok(Grant { principal, action }),
        Principal::User(p) => p,
    };
    if let AuthMethod::Token { scopes, .. } = &p.method
        && !scopes.contains(action.scope())
    {
        return Err(Denied::MissingScope(action.scope()));
    }
    let role = p.user.role;
    let own = p.org.id;
    let allowed = match (role, action) {
        (
            _,
            Action::ReadSelf
            | Action::ReadDirectory
            | Action::ReadCheckResults
            | Action::ReadIntel
            | Action::ManageOwnTokens
            | Action::ChangeOwnPassword
            | Action::ReadRequests
            | Action::ReadCases,
        ) => true,
        (
            Role::ReadOnly,
            Action::ShareIntel
            | Action::RunCommChecks
            | Action::CreateRequest
            | Action::ActOnRequests
            | Action::OpenCase
            | Action::ActOnCases,
        ) => false,
        (
            _,
            Action::CreateRequest | Action::ActOnRequests | Action::OpenCase | Action::ActOnCases,
        ) => true,
        (_, Action::RunCommChecks) => directory::is_coordinator(principal),
        (_, Action::ReadMail) => role == Role::SiteAdmin || directory::is_coordinator(principal),
        (_, Action::ShareIntel) => true,
        (Role::SiteAdmin, _) => true,
        (Role::OrgAdmin, Action::UpdateOrgProfile(org) | Action::ManageContacts(org)) => org == own,
        (Role::OrgAdmin, Action::ManageWebhooks(org)) => org == own,
        (Role::OrgAdmin, Action::ManageUsers(Some(org)) | Action::ReadAudit(Some(org))) => {
            if org != own {
                return Err(Denied::Hidden);
            }
            true
        }
        (Role::OrgAdmin, Action::GrantRole(r)) => r != Role::SiteAdmin,
        _ => false,
    };
    if allowed {
        Ok(Grant { principal, action })
    } else {
        Err(Denied::Forbidden(format!(
            "a {} may not {}",
            role.as_str(),
            describe(action)
        )))
    }
}

fn describe(action: Action) -> &'static str {
    match action {
        Action::ReadSelf => "read their account",
        Action::ReadDirectory => "read the directory",
        Action::ManageOrgs => "manage organisations",
        Action::UpdateOrgProfile(_) => "change this organisation's profile",
        Action::ManageCommunities => "manage communities",
        Action::ManageUsers(_) => "manage users",
        Action::GrantRole(Role::SiteAdmin) => "grant the site-admin role",
        Action::GrantRole(_) => "grant roles",
        Action::ManageOwnTokens => "manage API tokens",
        Action::ChangeOwnPassword => "change their password",
        Action::ReadAudit(_) => "read the audit log",
        Action::ReadIntel => "read shared intelligence",
        Action::ShareIntel => "share intelligence",
        Action::ManageCollections => "manage collections",
        Action::ManagePeers => "manage federation peers",
        Action::ManageContacts(_) => "change this organisation's contacts",
        Action::RunCommChecks => "run communication checks (the regional CERT's coordinators do)",
        Action::ReadCheckResults => "read communication-check results",
        Action::ReadMail => "read the sent-mail record",
        Action::SendMail => "send mail",
        Action::IndexIntel => "read every stored indicator",
        Action::CreateRequest => "send action requests",
        Action::ActOnRequests => "act on action requests",
        Action::ReadRequests => "read action requests",
        Action::OpenCase => "open incident cases",
        Action::ActOnCases => "act in incident cases",
        Action::ReadCases => "read incident cases",
        Action::ManageWebhooks(_) => "manage this organisation's webhooks",
        Action::DeliverWebhooks => "deliver webhook events",
        Action::NotifyRequests => "send action requests' deadline notices",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgKind;

    fn principal(role: Role, org: OrgId, method: AuthMethod) -> Principal {
        let mut p = testing::user_of(org, OrgKind::NationalCert, role);
        if let Principal::User(u) = &mut p {
            u.method = method;
        }
        p
    }

    fn session() -> AuthMethod {
        AuthMethod::Session {
            csrf_token: String::new(),
        }
    }

    #[test]
    fn matrix() {
        let own = OrgId::new_random();
        let other = OrgId::new_random();
        let cases: &[(Action, [Result<(), Denied>; 4])] = &[
            (Action::ReadDirectory, [Ok(()), Ok(()), Ok(()), Ok(())]),
            (
                Action::ManageOrgs,
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::ManageUsers(Some(own)),
                [
                    Ok(()),
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::ManageUsers(Some(other)),
                [
                    Ok(()),
                    Err(Denied::Hidden),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::ManageUsers(None),
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::GrantRole(Role::SiteAdmin),
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::GrantRole(Role::Analyst),
                [
                    Ok(()),
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::ReadAudit(Some(other)),
                [
                    Ok(()),
                    Err(Denied::Hidden),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (Action::ManageOwnTokens, [Ok(()), Ok(()), Ok(()), Ok(())]),
            (
                Action::ManageWebhooks(own),
                [
                    Ok(()),
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::ManageWebhooks(other),
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::DeliverWebhooks,
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
            (
                Action::NotifyRequests,
                [
                    Ok(()),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                    Err(Denied::Forbidden(String::new())),
                ],
            ),
        ];
        let roles = [
            Role::SiteAdmin,
            Role::OrgAdmin,
            Role::Analyst,
            Role::ReadOnly,
        ];
        for (action, expected) in cases {
            for (role, want) in roles.iter().zip(expected) {
                let p = principal(*role, own, session());
                let got = authorize(&p, *action).map(|_| ()).map_err(|e| match e {
                    Denied::Forbidden(_) => Denied::Forbidden(String::new()),
                    other => other,
                });
                assert_eq!(&got, want, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn token_scopes_narrow_the_role() {
        let own = OrgId::new_random();
        let read_only = AuthMethod::Token {
            id: TokenId(uuid::Uuid::nil()),
            scopes: Scopes::parse("read").unwrap(),
        };
        let p = principal(Role::SiteAdmin, own, read_only);
        assert!(authorize(&p, Action::ReadDirectory).is_ok());
        assert_eq!(
            authorize(&p, Action::ManageOrgs).unwrap_err(),
            Denied::MissingScope(Scope::Admin)
        );
        assert!(authorize(&Principal::operator("root"), Action::ManageOrgs).is_ok());
    }

    #[test]
    fn nobody_is_granted_the_match_index_read() {
        let own = OrgId::new_random();
        for role in Role::ALL {
            let p = principal(*role, own, session());
            assert!(authorize(&p, Action::IndexIntel).is_err(), "{role:?}");
        }
        let op = Principal::operator("root");
        assert!(authorize(&op, Action::IndexIntel).is_err(), "the operator");
        // Only the internal grant proves it, and it sees no shared object through a Visibility.
        let internal = Grant::internal_index();
        assert!(Unfiltered::of(&internal).is_some());
        let read = authorize(&op, Action::ReadIntel).unwrap();
        assert!(Unfiltered::of(&read).is_none());
        assert_eq!(
            Visibility::of(&internal).viewer(),
            &crate::access::Viewer::Operator
        );
    }
}
