//! Principals for the access tests.

use crate::access::{AuthMethod, Principal, UserPrincipal};
use crate::org::{OrgId, OrgKind, OrgStatus, Organisation, ShortName};
use crate::user::{Email, Role, User, UserId, UserStatus};

/// A signed-in user (a web session) of a new random user id, with this role, of an organisation
/// with this id and kind.
pub(crate) fn user_of(org: OrgId, kind: OrgKind, role: Role) -> Principal {
    let t = time::OffsetDateTime::UNIX_EPOCH;
    Principal::User(Box::new(UserPrincipal {
        user: User {
            id: UserId::new_random(),
            email: Email::parse("a@b.org").unwrap(),
            display_name: "A".into(),
            org_id: org,
            role,
            status: UserStatus::Active,
            created_at: t,
        },
        org: Organisation {
            id: org,
            name: "Org".into(),
            short_name: ShortName::parse("Org").unwrap(),
            kind,
            country: None,
            status: OrgStatus::Active,
            created_at: t,
        },
        communities: vec![],
        method: AuthMethod::Session {
            csrf_token: String::new(),
        },
        source: None,
    }))
}
