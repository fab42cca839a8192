//! The stored form of a contact and its one decoding. A contact is one row: the columns the
//! backends filter on, and `doc`, the whole contact as JSON, which decoding checks against them.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Contact, ContactId, DirectoryVisibility};
use crate::org::OrgId;
use crate::store::StoreError;

/// `contacts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub visibility: String,
    /// Lower-case name, for search.
    pub name_lc: String,
    /// `\n`-separated lower-case e-mail addresses, with a `\n` before the first and after the
    /// last, so `instr(emails_lc, '\n' || ? || '\n')` is an exact match.
    pub emails_lc: String,
    /// Space-separated kinds, with a space before the first and after the last.
    pub kinds: String,
    pub doc: String,
    pub updated_at: OffsetDateTime,
}

/// The columns of [`ContactRow`], in its field order.
pub const CONTACT_COLUMNS: &str =
    "id, org_id, visibility, name_lc, emails_lc, kinds, doc, updated_at";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("contacts: {e}"))
}

impl From<&Contact> for ContactRow {
    fn from(c: &Contact) -> Self {
        let emails: String = c
            .emails
            .iter()
            .map(|e| format!("{}\n", e.as_str()))
            .collect();
        let kinds: String = c.kinds.iter().map(|k| format!("{} ", k.as_str())).collect();
        Self {
            id: c.id.0,
            org_id: c.org_id.0,
            visibility: c.visibility.as_str().to_owned(),
            name_lc: c.name.to_lowercase(),
            emails_lc: format!("\n{emails}"),
            kinds: format!(" {kinds}"),
            doc: serde_json::to_string(c).unwrap_or_default(),
            updated_at: c.updated_at,
        }
    }
}

impl ContactRow {
    pub fn decode(self) -> Result<Contact, StoreError> {
        let c: Contact = serde_json::from_str(&self.doc).map_err(corrupt)?;
        let visibility: DirectoryVisibility = self.visibility.parse().map_err(corrupt)?;
        if c.id != ContactId(self.id)
            || c.org_id != OrgId(self.org_id)
            || c.visibility != visibility
        {
            return Err(corrupt(format!(
                "row {} disagrees with its document",
                self.id
            )));
        }
        Ok(c)
    }
}

/// The pattern a backend looks for in `emails_lc` to find `email`.
pub fn email_needle(email: &str) -> String {
    format!("\n{}\n", email.to_lowercase())
}

/// The pattern a backend looks for in `kinds` to find a kind.
pub fn kind_needle(kind: super::ContactKind) -> String {
    format!(" {} ", kind.as_str())
}

/// How a backend spells a parameter and a substring test.
#[derive(Debug, Clone, Copy)]
pub struct SqlDialect {
    /// The `n`-th (1-based) parameter compared with column `col` (`?1`; `$1::uuid`).
    pub param: fn(n: usize, col: &str) -> String,
    /// "`col` contains the `n`-th parameter" (`instr(col, ?1) > 0`; `strpos(col, $1) > 0`).
    pub contains: fn(n: usize, col: &str) -> String,
}

/// The `WHERE …` (empty when nothing filters) and its text parameters, for the reader's filter
/// (`None`: no visibility filter) and a query. The one compilation of a [`DirectoryFilter`] into
/// SQL: `(visibility IN (…) OR org_id = …)`.
///
/// [`DirectoryFilter`]: crate::access::directory::DirectoryFilter
pub fn contact_where(
    d: SqlDialect,
    filter: Option<&crate::access::directory::DirectoryFilter>,
    q: &super::store::ContactQuery,
) -> (String, Vec<String>) {
    let mut args: Vec<String> = Vec::new();
    let mut any = |col: &str, contains: bool, values: Vec<String>| -> String {
        let parts: Vec<String> = values
            .into_iter()
            .map(|v| {
                args.push(v);
                if contains {
                    (d.contains)(args.len(), col)
                } else {
                    format!("{col} = {}", (d.param)(args.len(), col))
                }
            })
            .collect();
        if parts.is_empty() {
            "FALSE".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    };
    let mut conds: Vec<String> = Vec::new();
    if let Some(f) = filter {
        let vis = any(
            "visibility",
            false,
            f.visibilities.iter().map(|v| v.as_str().into()).collect(),
        );
        conds.push(match f.own_org {
            Some(own) => format!(
                "({vis} OR {})",
                any("org_id", false, vec![own.0.to_string()])
            ),
            None => vis,
        });
    }
    if let Some(orgs) = &q.orgs {
        conds.push(any(
            "org_id",
            false,
            orgs.iter().map(|o| o.0.to_string()).collect(),
        ));
    }
    if let Some(ids) = &q.ids {
        conds.push(any(
            "id",
            false,
            ids.iter().map(|i| i.0.to_string()).collect(),
        ));
    }
    if !q.kinds.is_empty() {
        conds.push(any(
            "kinds",
            true,
            q.kinds.iter().map(|k| kind_needle(*k)).collect(),
        ));
    }
    if let Some(s) = &q.q {
        let s = s.to_lowercase();
        let name = any("name_lc", true, vec![s.clone()]);
        let email = any("emails_lc", true, vec![s]);
        conds.push(format!("({name} OR {email})"));
    }
    let w = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (w, args)
}
