//! The case owner's management of a case and the paged case list: editing the record (title,
//! summary, severity, TLP, PAP), closing it (the after-action summary is then fixed at the
//! closing time), inviting a further party, and listing the cases a reader sees a page at a time
//! by a keyset cursor compiled into SQL. Every change is audited with the fields changed only.

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::Service;
use crate::access::cases::{CaseFilter, may_manage};
use crate::access::{Action, Principal, authorize};
use crate::audit::AuditAction;
use crate::cases::store::{Case, CaseParty};
use crate::cases::{
    CaseId, PartyStatus, Severity, ensure_parties, limits, parse_pap, service::case_user,
};
use crate::error::{CoreError, Invalid};
use crate::intel::{Tlp, parse_tlp};
use crate::org::ShortName;
use crate::requests::text;

/// The largest page of the case list.
pub const MAX_PAGE: u32 = 500;

/// Where a page of the case list starts: after the case created at `created_at` with id `id`
/// (the list is newest first, then by id). Written `<unix nanoseconds>.<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCursor {
    pub created_at: OffsetDateTime,
    pub id: CaseId,
}

impl CaseCursor {
    pub fn of(c: &Case) -> Self {
        Self {
            created_at: c.created_at,
            id: c.id,
        }
    }
}

impl std::fmt::Display for CaseCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_at.unix_timestamp_nanos(), self.id)
    }
}

impl std::str::FromStr for CaseCursor {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::new("cursor", "is not a cursor this list answered");
        let (nanos, id) = s.split_once('.').ok_or_else(bad)?;
        let nanos: i128 = nanos.parse().map_err(|_| bad())?;
        let created_at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?;
        let id = id.parse::<CaseId>().map_err(|_| bad())?;
        Ok(Self { created_at, id })
    }
}

/// The body of `PATCH /api/v1/cases/{id}`: the fields to change, and `close` to close the case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub severity: Option<i64>,
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    pub pap: Option<String>,
    /// `true` closes the case (it cannot be reopened).
    #[serde(default)]
    pub close: Option<bool>,
}

impl CaseEdit {
    /// Applies the edit to `case`: the names of the fields changed (`closed` for closing).
    fn apply(&self, case: &mut Case, now: OffsetDateTime) -> Result<Vec<&'static str>, Invalid> {
        let mut changed = Vec::new();
        if let Some(t) = &self.title {
            let t = text("/title", t, limits::TITLE_CHARS, true, true)?;
            if t != case.title {
                case.title = t;
                changed.push("title");
            }
        }
        if let Some(s) = &self.summary {
            let s = text("/summary", s, limits::SUMMARY_CHARS, false, false)?;
            if s != case.summary {
                case.summary = s;
                changed.push("summary");
            }
        }
        if let Some(n) = self.severity {
            let s = Severity::parse("/severity", n)?;
            if s != case.severity {
                case.severity = s;
                changed.push("severity");
            }
        }
        if let Some(t) = &self.tlp {
            let t = parse_tlp("/tlp", t)?;
            if (t == Tlp::Red) != (case.tlp == Tlp::Red) {
                return Err(Invalid::new(
                    "/tlp",
                    "a case is TLP:RED (with its named users) or not from its opening; open a new case instead",
                ));
            }
            if t != case.tlp {
                case.tlp = t;
                changed.push("tlp");
            }
        }
        if let Some(p) = &self.pap {
            let p = parse_pap("/pap", p)?;
            if p != case.pap {
                case.pap = p;
                changed.push("pap");
            }
        }
        match self.close {
            Some(true) => {
                case.closed_at = Some(now);
                changed.push("closed");
            }
            Some(false) => {
                return Err(Invalid::new("/close", "a case is closed with `true` only"));
            }
            None => {}
        }
        if changed.is_empty() {
            return Err(Invalid::new("/", "changes nothing"));
        }
        case.updated_at = now;
        Ok(changed)
    }
}

impl Service {
    /// A page of the cases `p` sees, newest first: at most `limit` after `after`, and the cursor
    /// of the next page when there is one. Paged in the store by the reader's filter.
    pub async fn list_cases_page(
        &self,
        p: &Principal,
        after: Option<CaseCursor>,
        limit: u32,
    ) -> Result<(Vec<Case>, Option<CaseCursor>), CoreError> {
        let grant = authorize(p, Action::ReadCases)?;
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Invalid::new("limit", format!("must be between 1 and {MAX_PAGE}")).into());
        }
        let mut page = self
            .store(&grant)
            .list_cases(&CaseFilter::of(&grant), after.as_ref(), limit + 1)
            .await?;
        let next = if page.len() > limit as usize {
            page.truncate(limit as usize);
            page.last().map(CaseCursor::of)
        } else {
            None
        };
        Ok((page, next))
    }

    /// A case `p` manages (an acting user of the owner), still open; not found when `p` does
    /// not see it, forbidden when `p` sees but does not manage it.
    pub(crate) async fn managed_case(
        &self,
        grant: &crate::access::Grant<'_>,
        p: &Principal,
        id: CaseId,
    ) -> Result<Case, CoreError> {
        let case = self.visible_case(grant, p, id).await?;
        if !may_manage(p, &case.facts()) {
            return Err(CoreError::Forbidden(
                "only the case owner's acting users edit, close, invite to, link and merge a case"
                    .into(),
            ));
        }
        if case.closed_at.is_some() {
            return Err(CoreError::Conflict(format!("case {id} is closed")));
        }
        Ok(case)
    }

    /// Edits and/or closes a case as its owner, with the `case.update` (or, closing,
    /// `case.close`) audit entry naming the fields changed.
    pub async fn update_case(
        &self,
        p: &Principal,
        id: CaseId,
        edit: CaseEdit,
    ) -> Result<Case, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        case_user(p)?;
        let mut case = self.managed_case(&grant, p, id).await?;
        let changed = edit.apply(&mut case, self.now())?;
        let action = if case.closed_at.is_some() {
            AuditAction::CaseClose
        } else {
            AuditAction::CaseUpdate
        };
        let event = self.event(
            p,
            action,
            Some(id.to_string()),
            Some(case.owner_org),
            json!({"changed": changed}),
        );
        self.store(&grant).update_case(&case, &[], &event).await?;
        Ok(case)
    }

    /// Invites a further party (an active organisation other than the owner and the parties), as
    /// the case's owner: it starts `invited`, with the `case.invite` audit entry.
    pub async fn invite_party(
        &self,
        p: &Principal,
        id: CaseId,
        party: &str,
    ) -> Result<Case, CoreError> {
        let grant = authorize(p, Action::ActOnCases)?;
        case_user(p)?;
        let name = ShortName::parse(party.trim()).map_err(|e| Invalid::new("/org", e.message))?;
        let mut case = self.managed_case(&grant, p, id).await?;
        let org = self
            .resolve_orgs(&grant, "/org", std::slice::from_ref(&name))
            .await
            .map_err(|e| match e {
                CoreError::Invalid(i) => CoreError::Invalid(Invalid::new("/org", i.message)),
                other => other,
            })?[0];
        ensure_parties(case.owner_org, &[org]).map_err(|e| Invalid::new("/org", e.message))?;
        if case.parties.iter().any(|x| x.org == org) {
            return Err(CoreError::Conflict(format!(
                "{} is a party of the case already",
                name.as_str()
            )));
        }
        if case.parties.len() >= limits::PARTIES {
            return Err(Invalid::new(
                "/org",
                format!("a case has at most {} parties", limits::PARTIES),
            )
            .into());
        }
        let now = self.now();
        let new = CaseParty {
            org,
            status: PartyStatus::Invited,
            invited_at: now,
        };
        case.parties.push(new.clone());
        case.updated_at = now;
        let event = self.event(
            p,
            AuditAction::CaseInvite,
            Some(id.to_string()),
            Some(org),
            json!({"parties": case.parties.len()}),
        );
        self.store(&grant)
            .update_case(&case, &[new], &event)
            .await?;
        Ok(case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = CaseCursor {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(1_780_000_000_123_456_000)
                .unwrap(),
            id: CaseId::new_random(),
        };
        assert_eq!(c.to_string().parse::<CaseCursor>().unwrap(), c);
        for bad in [
            "",
            "x",
            "1.",
            ".x",
            "abc.00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(
                bad.parse::<CaseCursor>().unwrap_err().path,
                "cursor",
                "{bad}"
            );
        }
    }
}
