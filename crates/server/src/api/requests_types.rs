//! The bodies of `/requests`: what is sent (read into the core's unvalidated inputs, field for
//! field, so that serde's errors carry the same JSON pointers as the core's validation) and what is
//! answered (a request as its reader may see it, with its history), each with its JSON Schema.

use serde::{Deserialize, Serialize};
use simpul_core::requests::new::{PersonalData, PersonalRole};
use simpul_core::requests::outcome::{
    AmountInput, ObservableOutcome, ObservableOutcomeInput, OutcomeInput,
};
use simpul_core::requests::reads::{RequestDetail as CoreDetail, RequestView};
use simpul_core::requests::state::TransitionInput;
use simpul_core::requests::store::{Comment, Transition};
use simpul_core::requests::{
    self as core, Amount, CaseId, Outcome, OutcomeResult, RequestKind, RequestState, RequestTarget,
    Urgency, limits,
};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa::openapi::schema::{
    AdditionalProperties, Object, ObjectBuilder, OneOfBuilder, SchemaType, Type,
};
use uuid::Uuid;

use super::schema;

/// A string of one of `values`.
pub(super) fn one_of(values: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

fn or_null(values: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Null]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .enum_values(Some(
            values
                .into_iter()
                .map(serde_json::Value::from)
                .chain([serde_json::Value::Null]),
        ))
        .build()
}

fn kind() -> Object {
    one_of(RequestKind::ALL.iter().map(RequestKind::as_str))
}
fn urgency() -> Object {
    one_of(Urgency::ALL.iter().map(Urgency::as_str))
}
fn state() -> Object {
    one_of(RequestState::ALL.iter().map(RequestState::as_str))
}
fn result() -> Object {
    one_of(OutcomeResult::ALL.iter().map(OutcomeResult::as_str))
}
fn role() -> Object {
    one_of(PersonalRole::ALL.iter().map(PersonalRole::as_str))
}
fn party_or_null() -> Object {
    or_null(core::Party::ALL.iter().map(core::Party::as_str))
}
fn party() -> Object {
    one_of(core::Party::ALL.iter().map(core::Party::as_str))
}
fn text(max: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .build()
}
fn summary() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(limits::SUMMARY_CHARS))
        .build()
}
fn details() -> Object {
    text(limits::DETAILS_CHARS)
}
fn legal_basis() -> Object {
    text(limits::LEGAL_BASIS_CHARS)
}
fn reason() -> Object {
    text(limits::REASON_CHARS)
}

/// `{"org": SHORT}` or `{"country": CC}`.
fn target() -> utoipa::openapi::schema::Schema {
    let one = |name: &str, s: Object| {
        ObjectBuilder::new()
            .property(name, s)
            .required(name)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
    };
    let country = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z]{2}$"))
        .build();
    OneOfBuilder::new()
        .item(one("org", schema::short_name()))
        .item(one("country", country))
        .build()
        .into()
}

/// A decimal string (`"1500.50"`) or number.
fn amount_value() -> Object {
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Number]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .description(Some(
            "a positive decimal, at most 14 integer and 4 fraction digits",
        ))
        .build()
}

/// A request to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    #[schema(schema_with = kind)]
    pub kind: RequestKind,
    #[schema(schema_with = target)]
    pub to: RequestTarget,
    /// 1 to 100 observables.
    pub observables: Vec<ObservableIn>,
    #[schema(schema_with = summary)]
    pub summary: String,
    #[serde(default)]
    #[schema(schema_with = details)]
    pub details: String,
    #[serde(default)]
    #[schema(schema_with = legal_basis)]
    pub legal_basis: String,
    #[schema(schema_with = urgency)]
    pub urgency: Urgency,
    /// RFC 3339, in the future and at most 365 days away; the SLA of the urgency when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(schema_with = schema::date_time_or_null)]
    pub due: Option<OffsetDateTime>,
    #[schema(schema_with = schema::tlp_wanted)]
    pub tlp: String,
    /// The case the request is raised from.
    #[serde(default)]
    pub case: Option<Uuid>,
    /// TLP:RED only: e-mail addresses of users of the two organisations who may see it.
    #[serde(default)]
    #[schema(schema_with = recipients)]
    pub recipients: Vec<String>,
    /// Victims' and account holders' names and identifiers: for the two parties only, purged
    /// after the retention period.
    #[serde(default)]
    pub personal_data: Vec<PersonalIn>,
}

fn recipients() -> utoipa::openapi::schema::Array {
    schema::emails_or_none(limits::RECIPIENTS)
}

/// An observable: `{"type": "iban", "value": "GB82 WEST …"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableIn {
    #[serde(rename = "type")]
    #[schema(schema_with = schema::observable_type)]
    pub ty: String,
    #[schema(max_length = 2048)]
    pub value: String,
    /// It identifies a victim or an account holder (shown to the two parties only).
    #[serde(default)]
    pub personal: bool,
}

/// A person: a role and a name, an identifier or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalIn {
    #[schema(schema_with = role)]
    pub role: PersonalRole,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
}

impl From<NewRequest> for core::NewRequest {
    fn from(b: NewRequest) -> Self {
        Self {
            kind: b.kind,
            to: b.to,
            observables: b
                .observables
                .into_iter()
                .map(|o| core::ObservableInput {
                    ty: o.ty,
                    value: o.value,
                    personal: o.personal,
                })
                .collect(),
            summary: b.summary,
            details: b.details,
            legal_basis: b.legal_basis,
            urgency: b.urgency,
            due: b.due,
            tlp: b.tlp,
            case: b.case.map(CaseId),
            recipients: b.recipients,
            personal_data: b
                .personal_data
                .into_iter()
                .map(|p| core::PersonalInput {
                    role: p.role,
                    name: p.name,
                    identifier: p.identifier,
                })
                .collect(),
        }
    }
}

/// A step: `{"to": STATE, "reason", "outcome"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    #[schema(schema_with = state)]
    pub to: RequestState,
    /// Required to decline, optional to withdraw, refused otherwise.
    #[serde(default)]
    #[schema(schema_with = reason)]
    pub reason: Option<String>,
    /// Required with the step to `actioned`, refused otherwise.
    #[serde(default)]
    pub outcome: Option<OutcomeIn>,
}

/// What the target achieved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeIn {
    #[schema(schema_with = result)]
    pub result: OutcomeResult,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub details: String,
    /// The target's own case or ticket number.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reference: String,
    /// Freeze requests only.
    #[serde(default)]
    pub amount: Option<AmountIn>,
    /// Per observable, where its result differs from the whole.
    #[serde(default)]
    pub observables: Vec<ObservableOutcomeIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountIn {
    #[schema(schema_with = amount_value)]
    pub value: serde_json::Value,
    /// ISO 4217: three letters.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableOutcomeIn {
    /// The observable's canonical key, as the request shows it.
    pub key: String,
    #[schema(schema_with = result)]
    pub result: OutcomeResult,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub amount: Option<AmountIn>,
}

fn amount_in(a: AmountIn) -> AmountInput {
    AmountInput {
        value: a.value,
        currency: a.currency,
    }
}

impl From<TransitionBody> for TransitionInput {
    fn from(b: TransitionBody) -> Self {
        Self {
            to: b.to,
            reason: b.reason,
            outcome: b.outcome.map(|o| OutcomeInput {
                result: o.result,
                details: o.details,
                reference: o.reference,
                amount: o.amount.map(amount_in),
                observables: o
                    .observables
                    .into_iter()
                    .map(|x| ObservableOutcomeInput {
                        key: x.key,
                        result: x.result,
                        details: x.details,
                        amount: x.amount.map(amount_in),
                    })
                    .collect(),
            }),
        }
    }
}

/// A comment to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
}

/// An exact amount.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountOut {
    /// A decimal string (`"1500.5"`).
    pub value: String,
    pub currency: String,
}

fn amount_out(a: &Amount) -> AmountOut {
    AmountOut {
        value: a.value(),
        currency: a.currency().to_string(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableOutcomeOut {
    pub key: String,
    #[schema(schema_with = result)]
    pub result: String,
    pub details: String,
    #[schema(required = true)]
    pub amount: Option<AmountOut>,
}

/// What the target reported with the step to `actioned`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeOut {
    #[schema(schema_with = result)]
    pub result: String,
    pub details: String,
    #[schema(required = true)]
    pub reference: Option<String>,
    #[schema(required = true)]
    pub amount: Option<AmountOut>,
    pub observables: Vec<ObservableOutcomeOut>,
}

impl From<&Outcome> for OutcomeOut {
    fn from(o: &Outcome) -> Self {
        Self {
            result: o.result.as_str().into(),
            details: o.details.clone(),
            reference: o.reference.clone(),
            amount: o.amount.as_ref().map(amount_out),
            observables: o
                .observables
                .iter()
                .map(|x: &ObservableOutcome| ObservableOutcomeOut {
                    key: x.key.clone(),
                    result: x.result.as_str().into(),
                    details: x.details.clone(),
                    amount: x.amount.as_ref().map(amount_out),
                })
                .collect(),
        }
    }
}

/// An observable of a request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableOut {
    /// The canonical type (an IBAN given as a bank account is an `iban`).
    #[serde(rename = "type")]
    pub ty: String,
    /// As given (trimmed).
    pub value: String,
    /// `type|key`: what the intelligence is indexed by.
    pub key: String,
    pub personal: bool,
}

/// A request as its reader may see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestOut {
    pub id: Uuid,
    #[schema(schema_with = kind)]
    pub kind: String,
    pub requester_org: Uuid,
    /// The organisation it went to (a country routed to its national CERT).
    pub target_org: Uuid,
    /// The country addressed, when it was routed.
    #[schema(schema_with = schema::country_or_null, required = true)]
    pub to_country: Option<String>,
    pub summary: String,
    pub details: String,
    pub legal_basis: String,
    #[schema(schema_with = urgency)]
    pub urgency: String,
    #[schema(schema_with = schema::tlp_label)]
    pub tlp: String,
    #[schema(required = true)]
    pub case: Option<Uuid>,
    #[schema(schema_with = state)]
    pub state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    /// Still open after its due time, at the server's clock.
    pub overdue: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[schema(required = true)]
    pub outcome: Option<OutcomeOut>,
    /// Without those marked personal unless you are a party.
    pub observables: Vec<ObservableOut>,
    /// TLP:RED: the users who may see it.
    pub named: Vec<Uuid>,
    /// Your side, when you read it as a party.
    #[schema(schema_with = party_or_null, required = true)]
    pub party: Option<String>,
    /// Whether observables marked personal were left out.
    pub personal_hidden: bool,
}

impl From<RequestView> for RequestOut {
    fn from(v: RequestView) -> Self {
        let r = v.request;
        Self {
            id: r.id.0,
            kind: r.kind.as_str().into(),
            requester_org: r.requester_org.0,
            target_org: r.target_org.0,
            to_country: r.to_country.map(String::from),
            summary: r.summary,
            details: r.details,
            legal_basis: r.legal_basis,
            urgency: r.urgency.as_str().into(),
            tlp: r.tlp.label().into(),
            case: r.case.map(|c| c.0),
            state: r.state.as_str().into(),
            due: r.due,
            overdue: v.overdue,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            outcome: r.outcome.as_ref().map(OutcomeOut::from),
            observables: r
                .observables
                .into_iter()
                .map(|o| ObservableOut {
                    ty: o.ty,
                    value: o.value,
                    key: o.key,
                    personal: o.personal,
                })
                .collect(),
            named: r.named.iter().map(|u| u.0).collect(),
            party: v.party.map(|p| p.as_str().into()),
            personal_hidden: v.personal_hidden,
        }
    }
}

/// A victim's or account holder's data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalOut {
    #[schema(schema_with = role)]
    pub role: String,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub identifier: Option<String>,
}

impl From<PersonalData> for PersonalOut {
    fn from(p: PersonalData) -> Self {
        Self {
            role: p.role.as_str().into(),
            name: p.name,
            identifier: p.identifier,
        }
    }
}

/// One step of a request's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionOut {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    #[schema(required = true)]
    pub actor_org: Option<Uuid>,
    #[schema(schema_with = party)]
    pub party: String,
    #[schema(schema_with = state)]
    pub from: String,
    #[schema(schema_with = state)]
    pub to: String,
    /// Why it was declined or withdrawn: for the two parties only.
    #[schema(required = true)]
    pub reason: Option<String>,
}

impl From<Transition> for TransitionOut {
    fn from(t: Transition) -> Self {
        Self {
            id: t.id,
            at: t.at,
            actor: t.actor,
            actor_org: t.actor_org.map(|o| o.0),
            party: t.party.as_str().into(),
            from: t.from.as_str().into(),
            to: t.to.as_str().into(),
            reason: t.reason,
        }
    }
}

/// A party's comment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentOut {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    #[schema(required = true)]
    pub actor_org: Option<Uuid>,
    pub text: String,
}

impl From<Comment> for CommentOut {
    fn from(c: Comment) -> Self {
        Self {
            id: c.id,
            at: c.at,
            actor: c.actor,
            actor_org: c.actor_org.map(|o| o.0),
            text: c.text,
        }
    }
}

/// A request with what its reader may see of its history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDetail {
    pub request: RequestOut,
    /// For the two parties only (null otherwise).
    #[schema(required = true)]
    pub personal_data: Option<Vec<PersonalOut>>,
    /// Oldest first; the reasons for the two parties only.
    pub transitions: Vec<TransitionOut>,
    /// Oldest first; for the two parties only.
    pub comments: Vec<CommentOut>,
    /// The states you may move it to now (none unless you act for a party).
    pub allowed: Vec<String>,
}

impl From<CoreDetail> for RequestDetail {
    fn from(d: CoreDetail) -> Self {
        Self {
            request: d.view.into(),
            personal_data: d
                .personal_data
                .map(|v| v.into_iter().map(PersonalOut::from).collect()),
            transitions: d.transitions.into_iter().map(TransitionOut::from).collect(),
            comments: d.comments.into_iter().map(CommentOut::from).collect(),
            allowed: d.allowed.iter().map(|s| s.as_str().to_owned()).collect(),
        }
    }
}
