//! The sharing policy and an [`ObjectQuery`] as one SQL statement over `objects o JOIN collections c`.
//!
//! The visibility condition is [`SharingFilter`]'s documented shape, clause for clause:
//!
//! ```text
//!   o.producer_org = :org
//!   OR o.tlp = 'TLP:CLEAR'
//!   OR (o.has_recipients = 1 AND :user IN object_recipients of o)
//!   OR (o.has_recipients = 0 AND (
//!          (c.audience_kind = 'users' AND :user IN collection_users of c)
//!       OR (o.tlp IN ('TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT') AND (
//!              (c.audience_kind = 'community' AND c.community_id IN (:communities))
//!           OR (c.audience_kind = 'orgs' AND :org IN collection_orgs of c)))))
//! ```
//!
//! `latest_only` keeps a version when its lineage (the same id in the same collection by the same
//! producing organisation) holds no newer version, whoever may see it: chosen before the other
//! filters apply, so a filter never brings back a superseded version, and another organisation's
//! version of the id never hides this one. Every value is a bound parameter; text search is FTS5 `MATCH` over the user's words,
//! each quoted as a string, so no input is FTS syntax.

use rusqlite::types::Value;
use simpul_core::access::Visibility;
use simpul_core::access::sharing::{SharingFilter, UserFilter};
use simpul_core::intel::Tlp;
use simpul_core::intel::store::{MAX_PAGE, ObjectQuery, Order, VersionMatch};
use simpul_core::store::rows::OBJECT_COLUMNS;

use crate::rows::ts;

/// A statement and its parameters, numbered `?1…` in the order bound.
#[derive(Debug, Clone, Default)]
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) params: Vec<Value>,
}

impl Sql {
    /// Binds `v`, answering its placeholder.
    pub(super) fn bind(&mut self, v: impl Into<Value>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }
}

/// The viewer's bound parameters.
struct Viewer {
    user: String,
    org: String,
    /// `c.community_id IN (…)`, or `0` when the organisation is in no community.
    in_communities: String,
}

impl Viewer {
    fn bind(sql: &mut Sql, f: &UserFilter) -> Self {
        let user = sql.bind(f.user.0.to_string());
        let org = sql.bind(f.org.0.to_string());
        let in_communities = if f.communities.is_empty() {
            "0".to_owned()
        } else {
            let list: Vec<String> = f
                .communities
                .iter()
                .map(|c| sql.bind(c.0.to_string()))
                .collect();
            format!("c.community_id IN ({})", list.join(", "))
        };
        Self {
            user,
            org,
            in_communities,
        }
    }

    /// Whether the viewer may see object row `o` (of collection `c`).
    fn sees(&self, o: &str) -> String {
        let Self {
            user,
            org,
            in_communities,
        } = self;
        let clear = Tlp::Clear.label();
        let shared = [Tlp::Green, Tlp::Amber, Tlp::AmberStrict]
            .map(|t| format!("'{}'", t.label()))
            .join(", ");
        format!(
            "({o}.producer_org = {org}
              OR {o}.tlp = '{clear}'
              OR ({o}.has_recipients = 1 AND EXISTS (
                     SELECT 1 FROM object_recipients r WHERE r.object = {o}.seq AND r.user_id = {user}))
              OR ({o}.has_recipients = 0 AND (
                     (c.audience_kind = 'users' AND EXISTS (
                         SELECT 1 FROM collection_users cu WHERE cu.collection_id = c.id AND cu.user_id = {user}))
                  OR ({o}.tlp IN ({shared}) AND (
                         (c.audience_kind = 'community' AND {in_communities})
                      OR (c.audience_kind = 'orgs' AND EXISTS (
                             SELECT 1 FROM collection_orgs co WHERE co.collection_id = c.id AND co.org_id = {org})))))))"
        )
    }
}

/// The FTS5 query for what a user typed: each word (separated by white space or control characters,
/// which FTS5's query parser would otherwise stop at) a quoted string (`"` doubled), all of them
/// required. `None` when there is no word.
pub(super) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// `FROM … WHERE …` for what `f` sees of `q`; the cursor too when `paged`.
pub(super) fn from_where(sql: &mut Sql, f: &UserFilter, q: &ObjectQuery, paged: bool) -> String {
    let viewer = Viewer::bind(sql, f);
    let mut conds = vec![viewer.sees("o")];
    if let Some(c) = q.collection {
        conds.push(format!("o.collection_id = {}", sql.bind(c.0.to_string())));
    }
    let mut list = |sql: &mut Sql, column: &str, values: &[String]| {
        if !values.is_empty() {
            let bound: Vec<String> = values.iter().map(|v| sql.bind(v.clone())).collect();
            conds.push(format!("{column} IN ({})", bound.join(", ")));
        }
    };
    list(sql, "o.stix_type", &q.types);
    list(sql, "o.stix_id", &q.ids);
    if !q.exclude_ids.is_empty() {
        conds.push(format!("NOT {}", any_of(sql, "o.stix_id", &q.exclude_ids)));
    }
    if let Some(t) = q.added_after {
        conds.push(format!("o.date_added > {}", sql.bind(ts(t))));
    }
    if let Some(t) = q.tlp {
        conds.push(format!("o.tlp = {}", sql.bind(t.label().to_owned())));
    }
    if let Some(org) = q.producer_org {
        conds.push(format!("o.producer_org = {}", sql.bind(org.0.to_string())));
    }
    if let Some(r) = q.revoked {
        conds.push(format!("o.revoked = {}", sql.bind(i64::from(r))));
    }
    if !q.observables.is_empty() {
        conds.push(format!(
            "o.seq IN (SELECT ob.object FROM object_observables ob WHERE {})",
            any_of(sql, "ob.key", &q.observables)
        ));
    }
    if !q.refs.is_empty() {
        conds.push(format!(
            "o.seq IN (SELECT rf.object FROM object_refs rf WHERE {})",
            any_of(sql, "rf.ref_id", &q.refs)
        ));
    }
    if let Some(m) = q.text.as_deref().and_then(fts_query) {
        conds.push(format!(
            "o.seq IN (SELECT rowid FROM object_text WHERE object_text MATCH {})",
            sql.bind(m)
        ));
    }
    if q.latest_only {
        // The newest version of its lineage, whoever may see it: a stricter new version hides the
        // object from those it no longer admits; another organisation's versions never do.
        conds.push(format!(
            "NOT EXISTS (SELECT 1 FROM objects n WHERE {SAME_LINEAGE} AND n.version > o.version)"
        ));
    }
    if !q.spec_versions.is_empty() {
        conds.push(any_of(sql, "o.spec_version", &q.spec_versions));
    }
    if let Some(m) = &q.versions {
        conds.push(version_match(sql, m, &viewer.sees("n")));
    }
    if paged && let Some(t) = q.after_cursor {
        let op = match q.order {
            Order::NewestFirst => "<",
            Order::OldestFirst => ">",
        };
        conds.push(format!("o.date_added {op} {}", sql.bind(ts(t))));
    }
    format!(
        "FROM objects o JOIN collections c ON c.id = o.collection_id WHERE {}",
        conds.join("\n AND ")
    )
}

/// Row `n` is of row `o`'s lineage: the same id in the same collection by the same producing
/// organisation (the unique index `(collection_id, stix_id, producer_org, version)` serves it).
const SAME_LINEAGE: &str = "n.collection_id = o.collection_id AND n.stix_id = o.stix_id
       AND n.producer_org = o.producer_org";

/// TAXII `match[version]`, within each lineage: its newest version (whoever may see it: a stricter
/// new version hides the object), the oldest the viewer may see (`sees_n`: the viewer's condition
/// over row `n`; an older one they may not see must not hide it), or one at an instant named; any
/// of those asked for.
fn version_match(sql: &mut Sql, m: &VersionMatch, sees_n: &str) -> String {
    let mut any = Vec::new();
    for (wanted, op, also) in [
        (m.last, ">", String::new()),
        (m.first, "<", format!(" AND {sees_n}")),
    ] {
        if wanted {
            any.push(format!(
                "NOT EXISTS (SELECT 1 FROM objects n
                     WHERE {SAME_LINEAGE} AND n.version {op} o.version{also})"
            ));
        }
    }
    if !m.at.is_empty() {
        let at: Vec<String> = m.at.iter().map(|t| ts(*t)).collect();
        any.push(any_of(sql, "o.version", &at));
    }
    if any.is_empty() {
        "0".to_owned()
    } else {
        format!("({})", any.join(" OR "))
    }
}

/// `column` equal to one of `values` (not empty): `=` for one, else membership of one bound JSON
/// array, so that any number of values is one parameter.
pub(super) fn any_of(sql: &mut Sql, column: &str, values: &[String]) -> String {
    match values {
        [one] => format!("{column} = {}", sql.bind(one.clone())),
        many => {
            let array = serde_json::to_string(many).unwrap_or_else(|_| "[]".into());
            format!(
                "{column} IN (SELECT value FROM json_each({}))",
                sql.bind(array)
            )
        }
    }
}

pub(super) fn user_filter(v: &Visibility) -> Option<UserFilter> {
    match SharingFilter::of(v) {
        SharingFilter::Nothing => None,
        SharingFilter::User(f) => Some(f),
    }
}

/// One page of what `v` sees of `q`: the object columns and the recipients; `None` when `v` sees
/// nothing at all.
pub(super) fn page(v: &Visibility, q: &ObjectQuery) -> Option<Sql> {
    let f = user_filter(v)?;
    let mut sql = Sql::default();
    let from = from_where(&mut sql, &f, q, true);
    let columns: Vec<String> = OBJECT_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect();
    let order = match q.order {
        Order::NewestFirst => "DESC",
        Order::OldestFirst => "ASC",
    };
    // `seq` and `date_added` grow together (both assigned at insert, the clock strictly
    // increasing), so either orders the same; the planner needs the one its path yields in order.
    // A text search is driven by the FTS5 hits, which come in rowid (`seq`) order: sorting them by
    // `date_added` instead sorts every hit (a common word at a million objects: 0.9 s against
    // 14 ms). Every other listing walks an index ending in `date_added`.
    let key = if q.text.as_deref().and_then(fts_query).is_some() {
        "o.seq"
    } else {
        "o.date_added"
    };
    let limit = sql.bind(i64::from(q.limit.min(MAX_PAGE)));
    sql.text = format!(
        "SELECT {}, (SELECT group_concat(r.user_id, ',' ORDER BY r.user_id)
                    FROM object_recipients r WHERE r.object = o.seq)
         {from} ORDER BY {key} {order} LIMIT {limit}",
        columns.join(", ")
    );
    Some(sql)
}

/// How many rows `v` sees of `q` (no cursor, order or limit); `None` when `v` sees nothing at all.
pub(super) fn count(v: &Visibility, q: &ObjectQuery) -> Option<Sql> {
    let f = user_filter(v)?;
    let mut sql = Sql::default();
    let from = from_where(&mut sql, &f, q, false);
    sql.text = match q.count_limit {
        Some(n) => format!("SELECT count(*) FROM (SELECT 1 {from} LIMIT {n})"),
        None => format!("SELECT count(*) {from}"),
    };
    Some(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_strings() {
        assert_eq!(fts_query(" \0 "), None);
        assert_eq!(fts_query("x\0y").as_deref(), Some(r#""x" "y""#));
        assert_eq!(
            fts_query(r#"bank "login" NEAR(a b) x*"#).as_deref(),
            Some(r#""bank" """login""" "NEAR(a" "b)" "x*""#)
        );
    }
}
