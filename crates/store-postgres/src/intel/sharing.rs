//! The SQL face of the sharing policy: [`UserFilter`] compiled into a condition on a row of
//! `objects`, clause for clause the shape [`UserFilter`] documents, so that it admits a row exactly
//! when [`UserFilter::admits`] accepts the row's facts:
//!
//! ```text
//!   producer_org = org                                          -- the producer's own
//!   OR tlp = CLEAR                                              -- every signed-in user
//!   OR (has_recipients AND user IN the object's recipients)     -- named, any TLP
//!   OR (NOT has_recipients                                      -- named, any TLP
//!       AND collection IN user-list collections naming user)
//!   OR (NOT has_recipients AND tlp IN (GREEN, AMBER, AMBER+STRICT) AND (
//!          collection IN community collections of the viewer's communities
//!       OR collection IN org-list collections naming org))
//! ```
//!
//! The collection sets are uncorrelated subqueries over the small collection tables (PostgreSQL
//! hashes each once per statement); only the recipients clause looks at one object's rows, and only
//! for an object that has recipients. This file decides nothing: the truth table is core's, and the
//! property test (`sharing_matches_policy`) holds this SQL to it.

use simpul_core::access::sharing::UserFilter;
use simpul_core::intel::Tlp;

use super::objects::Sql;

/// A viewer's values bound once into a statement, for conditions on any alias of `objects`.
pub(super) struct Viewer {
    user: String,
    org: String,
    communities: String,
}

impl Viewer {
    pub(super) fn bind(sql: &mut Sql, f: &UserFilter) -> Self {
        Self {
            user: sql.bind(f.user.0),
            org: sql.bind(f.org.0),
            communities: sql.bind(f.communities.iter().map(|c| c.0).collect::<Vec<_>>()),
        }
    }

    /// The condition that the viewer may see row `o` of `objects`.
    pub(super) fn admits(&self, o: &str) -> String {
        let Self {
            user,
            org,
            communities,
        } = self;
        let clear = Tlp::Clear.label();
        let (green, amber, strict) = (
            Tlp::Green.label(),
            Tlp::Amber.label(),
            Tlp::AmberStrict.label(),
        );
        format!(
            "({o}.producer_org = {org}
  OR {o}.tlp = '{clear}'
  OR ({o}.has_recipients AND EXISTS (SELECT 1 FROM object_recipients r
        WHERE r.object_seq = {o}.seq AND r.user_id = {user}))
  OR (NOT {o}.has_recipients AND {o}.collection_id IN (SELECT cu.collection_id
        FROM collection_users cu JOIN collections c ON c.id = cu.collection_id
        WHERE c.audience = 'users' AND cu.user_id = {user}))
  OR (NOT {o}.has_recipients AND {o}.tlp IN ('{green}', '{amber}', '{strict}') AND (
        {o}.collection_id IN (SELECT c.id FROM collections c
          WHERE c.audience = 'community' AND c.community_id = ANY({communities}::uuid[]))
     OR {o}.collection_id IN (SELECT co.collection_id
          FROM collection_orgs co JOIN collections c ON c.id = co.collection_id
          WHERE c.audience = 'orgs' AND co.org_id = {org}))))"
        )
    }
}
