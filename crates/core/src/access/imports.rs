//! Who may see an import job: the user who started it, the org-admins of their organisation, and
//! site-admins (who administer every collection); the operator at the command line too. Anyone
//! else gets "not found", as for another organisation's private resource.

use crate::access::Principal;
use crate::intel::imports::ImportJob;
use crate::user::Role;

/// Whether `p` may see `job` (its counts and first failures, never the objects themselves).
pub fn may_see_import(p: &Principal, job: &ImportJob) -> bool {
    match p {
        Principal::Operator { .. } => true,
        Principal::User(u) => {
            u.user.id == job.user
                || u.user.role == Role::SiteAdmin
                || (u.user.role == Role::OrgAdmin && u.org.id == job.org)
        }
    }
}
