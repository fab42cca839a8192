//! The one decoding of stored request columns into domain types (both backends fill these rows
//! and call `decode` / [`assemble`]). The outcome is stored as JSON text and read back through
//! the same validation as a reported one.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::country::Country;
use crate::org::OrgId;
use crate::requests::new::{PersonalData, PersonalRole};
use crate::requests::outcome::OutcomeInput;
use crate::requests::store::{Comment, Request, Transition};
use crate::requests::{CaseId, Outcome, RequestId, RequestObservable};
use crate::store::StoreError;
use crate::user::UserId;

pub const REQUEST_COLUMNS: &str = "id, kind, requester_org, target_org, to_country, summary, \
     details, legal_basis, urgency, tlp, case_id, state, due_at, created_at, created_by, \
     updated_at, outcome";

pub const OBSERVABLE_COLUMNS: &str = "request_id, position, type, value, key, personal";

pub const PERSONAL_COLUMNS: &str = "request_id, position, role, name, identifier";

pub const TRANSITION_COLUMNS: &str =
    "id, request_id, at, actor, actor_org, party, from_state, to_state, reason";

pub const COMMENT_COLUMNS: &str = "id, request_id, at, actor, actor_org, body";

/// The states in which a request is open (for the backends' `overdue` SQL).
pub const OPEN_STATES: &str = "'submitted', 'acknowledged', 'in-progress'";

/// The stored label of TLP:RED (for the backends' visibility SQL).
pub const RED: &str = "TLP:RED";

fn corrupt(table: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{what}: {e}"))
}

/// The columns of `action_requests`, in [`REQUEST_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: Uuid,
    pub kind: String,
    pub requester_org: Uuid,
    pub target_org: Uuid,
    pub to_country: Option<String>,
    pub summary: String,
    pub details: String,
    pub legal_basis: String,
    pub urgency: String,
    pub tlp: String,
    pub case_id: Option<Uuid>,
    pub state: String,
    pub due_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    pub outcome: Option<String>,
}

/// An outcome as stored.
pub fn outcome_text(o: &Outcome) -> String {
    serde_json::to_string(o).unwrap_or_else(|_| "null".into())
}

impl From<&Request> for RequestRow {
    fn from(r: &Request) -> Self {
        Self {
            id: r.id.0,
            kind: r.kind.as_str().into(),
            requester_org: r.requester_org.0,
            target_org: r.target_org.0,
            to_country: r.to_country.map(|c| c.as_str().into()),
            summary: r.summary.clone(),
            details: r.details.clone(),
            legal_basis: r.legal_basis.clone(),
            urgency: r.urgency.as_str().into(),
            tlp: r.tlp.label().into(),
            case_id: r.case.map(|c| c.0),
            state: r.state.as_str().into(),
            due_at: r.due,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            updated_at: r.updated_at,
            outcome: r.outcome.as_ref().map(outcome_text),
        }
    }
}

/// The columns of `request_observables`, in [`OBSERVABLE_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservableRow {
    pub request_id: Uuid,
    pub position: i64,
    pub ty: String,
    pub value: String,
    pub key: String,
    pub personal: bool,
}

/// A request's observable rows, positions from 0.
pub fn observable_rows(r: &Request) -> Vec<ObservableRow> {
    r.observables
        .iter()
        .zip(0..)
        .map(|(o, position)| ObservableRow {
            request_id: r.id.0,
            position,
            ty: o.ty.clone(),
            value: o.value.clone(),
            key: o.key.clone(),
            personal: o.personal,
        })
        .collect()
}

/// The columns of `request_personal_data`, in [`PERSONAL_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalRow {
    pub request_id: Uuid,
    pub position: i64,
    pub role: String,
    pub name: Option<String>,
    pub identifier: Option<String>,
}

/// A request's personal-data rows, positions from 0.
pub fn personal_rows(id: RequestId, data: &[PersonalData]) -> Vec<PersonalRow> {
    data.iter()
        .zip(0..)
        .map(|(d, position)| PersonalRow {
            request_id: id.0,
            position,
            role: d.role.as_str().into(),
            name: d.name.clone(),
            identifier: d.identifier.clone(),
        })
        .collect()
}

impl PersonalRow {
    pub fn decode(self) -> Result<PersonalData, StoreError> {
        Ok(PersonalData {
            role: self
                .role
                .parse::<PersonalRole>()
                .map_err(|e| corrupt("request_personal_data", "role", e))?,
            name: self.name,
            identifier: self.identifier,
        })
    }
}

/// Reads a stored outcome back (through the validation a reported one passes).
fn decode_outcome(
    text: &str,
    kind: crate::requests::RequestKind,
    keys: &[String],
) -> Result<Outcome, StoreError> {
    let c = |e: &dyn std::fmt::Display| corrupt("action_requests", "outcome", e);
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| c(&e))?;
    if v["reference"].is_null()
        && let Some(o) = v.as_object_mut()
    {
        o.remove("reference");
    }
    let input: OutcomeInput = serde_json::from_value(v).map_err(|e| c(&e))?;
    input.validate("outcome", kind, keys).map_err(|e| c(&e))
}

impl RequestRow {
    fn decode(
        self,
        observables: Vec<RequestObservable>,
        named: Vec<UserId>,
    ) -> Result<Request, StoreError> {
        let t = "action_requests";
        let kind = self.kind.parse().map_err(|e| corrupt(t, "kind", e))?;
        let keys: Vec<String> = observables.iter().map(|o| o.key.clone()).collect();
        Ok(Request {
            id: RequestId(self.id),
            kind,
            requester_org: OrgId(self.requester_org),
            target_org: OrgId(self.target_org),
            to_country: self
                .to_country
                .map(|c| Country::parse(&c))
                .transpose()
                .map_err(|e| corrupt(t, "to_country", e))?,
            summary: self.summary,
            details: self.details,
            legal_basis: self.legal_basis,
            urgency: self.urgency.parse().map_err(|e| corrupt(t, "urgency", e))?,
            tlp: self.tlp.parse().map_err(|_| corrupt(t, "tlp", &self.tlp))?,
            case: self.case_id.map(CaseId),
            state: self.state.parse().map_err(|e| corrupt(t, "state", e))?,
            due: self.due_at,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            outcome: self
                .outcome
                .map(|o| decode_outcome(&o, kind, &keys))
                .transpose()?,
            observables,
            named,
        })
    }
}

/// Requests from their rows, their observables' rows (any order) and their named users
/// (`(request, user)`), in the order of `requests`.
pub fn assemble(
    requests: Vec<RequestRow>,
    observables: Vec<ObservableRow>,
    named: Vec<(Uuid, Uuid)>,
) -> Result<Vec<Request>, StoreError> {
    let mut obs: HashMap<Uuid, Vec<ObservableRow>> = HashMap::new();
    for o in observables {
        obs.entry(o.request_id).or_default().push(o);
    }
    let mut users: HashMap<Uuid, Vec<UserId>> = HashMap::new();
    for (r, u) in named {
        users.entry(r).or_default().push(UserId(u));
    }
    requests
        .into_iter()
        .map(|r| {
            let mut o = obs.remove(&r.id).unwrap_or_default();
            o.sort_by_key(|o| o.position);
            let o = o
                .into_iter()
                .map(|o| RequestObservable {
                    ty: o.ty,
                    value: o.value,
                    key: o.key,
                    personal: o.personal,
                })
                .collect();
            let mut n = users.remove(&r.id).unwrap_or_default();
            n.sort();
            r.decode(o, n)
        })
        .collect()
}

/// The columns of `request_transitions`, in [`TRANSITION_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<Uuid>,
    pub party: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: Option<String>,
}

impl From<&Transition> for TransitionRow {
    fn from(t: &Transition) -> Self {
        Self {
            id: t.id,
            request_id: t.request.0,
            at: t.at,
            actor: t.actor.clone(),
            actor_org: t.actor_org.map(|o| o.0),
            party: t.party.as_str().into(),
            from_state: t.from.as_str().into(),
            to_state: t.to.as_str().into(),
            reason: t.reason.clone(),
        }
    }
}

impl TransitionRow {
    pub fn decode(self) -> Result<Transition, StoreError> {
        let t = "request_transitions";
        Ok(Transition {
            id: self.id,
            request: RequestId(self.request_id),
            at: self.at,
            actor: self.actor,
            actor_org: self.actor_org.map(OrgId),
            party: self.party.parse().map_err(|e| corrupt(t, "party", e))?,
            from: self
                .from_state
                .parse()
                .map_err(|e| corrupt(t, "from_state", e))?,
            to: self
                .to_state
                .parse()
                .map_err(|e| corrupt(t, "to_state", e))?,
            reason: self.reason,
        })
    }
}

/// The columns of `request_comments`, in [`COMMENT_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<Uuid>,
    pub body: String,
}

impl From<&Comment> for CommentRow {
    fn from(c: &Comment) -> Self {
        Self {
            id: c.id,
            request_id: c.request.0,
            at: c.at,
            actor: c.actor.clone(),
            actor_org: c.actor_org.map(|o| o.0),
            body: c.text.clone(),
        }
    }
}

impl CommentRow {
    pub fn decode(self) -> Comment {
        Comment {
            id: self.id,
            request: RequestId(self.request_id),
            at: self.at,
            actor: self.actor,
            actor_org: self.actor_org.map(OrgId),
            text: self.body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::RequestKind;

    fn outcome(json: serde_json::Value, keys: &[String]) -> Outcome {
        serde_json::from_value::<OutcomeInput>(json)
            .unwrap()
            .validate("/outcome", RequestKind::Freeze, keys)
            .unwrap()
    }

    #[test]
    fn a_stored_outcome_reads_back_as_reported() {
        let keys = vec![
            "iban|GB82WEST12345698765432".to_owned(),
            "phone|+60123".to_owned(),
        ];
        for json in [
            serde_json::json!({"result": "done"}),
            serde_json::json!({
                "result": "partial", "details": "Frozen\nwhat was left.", "reference": "R-1",
                "amount": {"value": "1500.50", "currency": "myr"},
                "observables": [{"key": keys[0], "result": "done", "amount": {"value": 20, "currency": "SGD"}}]
            }),
        ] {
            let o = outcome(json, &keys);
            let back = decode_outcome(&outcome_text(&o), RequestKind::Freeze, &keys).unwrap();
            assert_eq!(back, o);
        }
        assert!(matches!(
            decode_outcome("{\"result\": \"maybe\"}", RequestKind::Freeze, &keys),
            Err(StoreError::Corrupt(_))
        ));
    }
}
