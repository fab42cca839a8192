//! One action request on the web: `GET /requests/{id}` shows what
//! [`Service::get_request`](simpul_core::Service::get_request) lets the reader see — the request,
//! its observables (those marked personal and the people concerned only for the two parties),
//! the outcome, the visible intelligence with the same canonical keys
//! ([`Service::request_intel`](simpul_core::Service::request_intel)), and its history; a request
//! the reader may not see is the same "not found" page as one that does not exist.
//!
//! The two parties act on it here: `POST /requests/{id}/step` takes the next step among those
//! the reader may take now (acknowledge, start, report the outcome, decline with a reason,
//! withdraw) through [`Service::transition_request`](simpul_core::Service::transition_request),
//! and `POST /requests/{id}/comments` adds a comment. A refused step comes back on the page with
//! the reason beside its field (409 when the request had moved on, with the steps allowed now).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::requests::outcome::AmountInput;
use simpul_core::requests::reads::RequestDetail;
use simpul_core::requests::state::TransitionInput;
use simpul_core::requests::{OutcomeInput, OutcomeResult, RequestId, RequestState};
use simpul_core::{CoreError, Invalid};

use super::admin::{Choice, Form};
use super::requests::{name_of, org_names};
use super::view::{Badge, Chrome, Field, Prefs, When, tlp_badge};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The most linked objects shown.
const INTEL_LIMIT: u32 = 50;

#[derive(Debug)]
struct ObservableRow {
    ty: String,
    value: String,
    key: String,
    personal: bool,
}

#[derive(Debug)]
struct PersonRow {
    role: String,
    name: String,
    identifier: String,
}

#[derive(Debug)]
struct OutcomeView {
    result: String,
    details: String,
    reference: String,
    amount: String,
    per_observable: Vec<(String, String, String, String)>,
}

#[derive(Debug)]
struct IntelRow {
    href: String,
    stix_type: String,
    name: String,
    tlp: Badge,
    shared: String,
    sightings: usize,
}

#[derive(Debug)]
struct HistoryRow {
    at: When,
    what: String,
    who: String,
    text: String,
}

/// The step form: the next states, the reason and the outcome's fields.
#[derive(Debug)]
struct StepForm {
    to: Choice,
    reason: Field,
    result: Choice,
    details: Field,
    reference: Field,
    amount: Field,
    currency: Field,
    freeze: bool,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "request.html")]
struct Page {
    chrome: Chrome,
    summary: String,
    kind: String,
    from: String,
    to: String,
    urgency: String,
    state: String,
    overdue: bool,
    due: When,
    created: When,
    tlp: Badge,
    case: Option<String>,
    details: String,
    legal_basis: String,
    party: Option<String>,
    observables: Vec<ObservableRow>,
    personal_hidden: bool,
    people: Option<Vec<PersonRow>>,
    outcome: Option<OutcomeView>,
    intel: Vec<IntelRow>,
    intel_total: u64,
    history: Vec<HistoryRow>,
    step: Option<StepForm>,
    comment: Option<Field>,
    action: String,
}

fn result_label(r: OutcomeResult) -> &'static str {
    match r {
        OutcomeResult::Done => "done",
        OutcomeResult::Partial => "partly done",
        OutcomeResult::NotPossible => "not possible",
    }
}

fn step_label(s: RequestState) -> &'static str {
    match s {
        RequestState::Submitted => "Submitted",
        RequestState::Acknowledged => "Acknowledge",
        RequestState::InProgress => "Start work (in progress)",
        RequestState::Actioned => "Report the outcome (actioned)",
        RequestState::Declined => "Decline (give the reason)",
        RequestState::Withdrawn => "Withdraw the request",
    }
}

impl StepForm {
    fn filled(allowed: &[RequestState], freeze: bool, posted: &Form) -> Self {
        let first = allowed.first().map_or("", |s| s.as_str());
        let to = if posted.get("to").is_empty() {
            first
        } else {
            posted.get("to")
        };
        Self {
            to: Choice::new(
                "step-to",
                "to",
                "Next step",
                allowed
                    .iter()
                    .map(|s| (s.as_str().to_owned(), step_label(*s).to_owned())),
                to,
            ),
            reason: Field::new("step-reason", "reason", "Reason")
                .help("Required to decline; optional to withdraw. Seen by the two organisations only.")
                .value(posted.get("reason")),
            result: Choice::new(
                "step-result",
                "result",
                "Outcome",
                OutcomeResult::ALL
                    .iter()
                    .map(|r| (r.as_str().to_owned(), result_label(*r).to_owned())),
                if posted.get("result").is_empty() {
                    "done"
                } else {
                    posted.get("result")
                },
            )
            .help("With the step to actioned."),
            details: Field::new("step-details", "details", "What was done")
                .value(posted.get("details")),
            reference: Field::new("step-reference", "reference", "Your reference")
                .help("Your own case or ticket number, if any.")
                .value(posted.get("reference")),
            amount: Field::new("step-amount", "amount", "Amount frozen")
                .help("A decimal such as 15000.50.")
                .value(posted.get("amount")),
            currency: Field::new("step-currency", "currency", "Currency")
                .help("Three letters: MYR, SGD, IDR, THB, PHP, VND, USD…")
                .value(posted.get("currency")),
            freeze,
            notice: None,
        }
    }

    fn refuse(&mut self, e: &Invalid) {
        let slot = match e.path.as_str() {
            "/to" => &mut self.to.error,
            "/reason" => &mut self.reason.error,
            "/outcome/result" => &mut self.result.error,
            "/outcome/details" => &mut self.details.error,
            "/outcome/reference" => &mut self.reference.error,
            p if p.starts_with("/outcome/amount/currency") => &mut self.currency.error,
            p if p.starts_with("/outcome/amount") => &mut self.amount.error,
            _ => &mut self.notice,
        };
        *slot = Some(e.message.clone());
    }
}

/// Reads the step form into the body of `POST /api/v1/requests/{id}/transitions`.
fn read_step(form: &Form) -> Result<TransitionInput, Invalid> {
    let to: RequestState = form
        .get("to")
        .parse()
        .map_err(|e: Invalid| Invalid::new("/to", e.message))?;
    let outcome = if to == RequestState::Actioned {
        let result: OutcomeResult = form
            .get("result")
            .parse()
            .map_err(|e: Invalid| Invalid::new("/outcome/result", e.message))?;
        let amount = match (form.opt("amount"), form.opt("currency")) {
            (None, None) => None,
            (value, currency) => Some(AmountInput {
                value: serde_json::Value::String(value.unwrap_or_default()),
                currency: currency.unwrap_or_default(),
            }),
        };
        Some(OutcomeInput {
            result,
            details: form.get("details").to_owned(),
            reference: form.get("reference").to_owned(),
            amount,
            observables: Vec::new(),
        })
    } else {
        None
    };
    let takes_reason = matches!(to, RequestState::Declined | RequestState::Withdrawn);
    Ok(TransitionInput {
        to,
        reason: if takes_reason {
            form.opt("reason")
        } else {
            None
        },
        outcome,
    })
}

fn parse_id(id: &str) -> Result<RequestId, ApiError> {
    id.parse::<RequestId>()
        .map_err(|_| ApiError::from(CoreError::NotFound(format!("action request {id}"))))
}

/// Who did something, in words: "you", else the organisation.
fn who(
    w: &WebUser,
    actor: &str,
    org: Option<simpul_core::OrgId>,
    names: &std::collections::HashMap<simpul_core::OrgId, String>,
) -> String {
    if actor == w.principal.actor() {
        return "you".to_owned();
    }
    org.map_or_else(|| "the operator".to_owned(), |o| name_of(names, o))
}

/// The page of `id` with `step` (blank, or refused) and `status`.
async fn render(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    id: RequestId,
    posted: Option<(&Form, CoreError)>,
) -> Response {
    let built = async {
        let d = state.service.get_request(&w.principal, id).await?;
        let intel = state
            .service
            .request_intel(&w.principal, id, INTEL_LIMIT)
            .await?;
        let names = org_names(state, w).await?;
        Ok::<_, CoreError>((d, intel, names))
    }
    .await;
    let (d, intel, names) = match built {
        Ok(b) => b,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let RequestDetail {
        view,
        personal_data,
        transitions,
        comments,
        allowed,
    } = d;
    let r = &view.request;
    let freeze = r.kind == simpul_core::requests::RequestKind::Freeze;
    let (mut step, status) = match &posted {
        Some((form, e)) => {
            let mut f = StepForm::filled(&allowed, freeze, form);
            let status = match e {
                CoreError::Invalid(i) => {
                    f.refuse(i);
                    StatusCode::BAD_REQUEST
                }
                other => {
                    f.notice = Some(other.to_string());
                    StatusCode::CONFLICT
                }
            };
            (Some(f), status)
        }
        None => (
            Some(StepForm::filled(&allowed, freeze, &Form::default())),
            StatusCode::OK,
        ),
    };
    if allowed.is_empty() {
        step = None;
    }
    let mut history: Vec<(time::OffsetDateTime, HistoryRow)> = transitions
        .iter()
        .map(|t| {
            (
                t.at,
                HistoryRow {
                    at: prefs.when(t.at),
                    what: format!("{} → {}", t.from.as_str(), t.to.as_str()),
                    who: who(w, &t.actor, t.actor_org, &names),
                    text: t.reason.clone().unwrap_or_default(),
                },
            )
        })
        .chain(comments.iter().map(|c| {
            (
                c.at,
                HistoryRow {
                    at: prefs.when(c.at),
                    what: "comment".to_owned(),
                    who: who(w, &c.actor, c.actor_org, &names),
                    text: c.text.clone(),
                },
            )
        }))
        .collect();
    history.sort_by_key(|(at, _)| *at);
    let outcome = r.outcome.as_ref().map(|o| OutcomeView {
        result: result_label(o.result).to_owned(),
        details: o.details.clone(),
        reference: o.reference.clone().unwrap_or_default(),
        amount: o
            .amount
            .as_ref()
            .map(|a| format!("{} {}", a.value(), a.currency().as_str()))
            .unwrap_or_default(),
        per_observable: o
            .observables
            .iter()
            .map(|x| {
                (
                    x.key.clone(),
                    result_label(x.result).to_owned(),
                    x.details.clone(),
                    x.amount
                        .as_ref()
                        .map(|a| format!("{} {}", a.value(), a.currency().as_str()))
                        .unwrap_or_default(),
                )
            })
            .collect(),
    });
    let may_comment = view.party.is_some()
        && simpul_core::access::authorize(&w.principal, simpul_core::access::Action::ActOnRequests)
            .is_ok();
    let page = Page {
        summary: r.summary.clone(),
        kind: r.kind.as_str().to_owned(),
        from: name_of(&names, r.requester_org),
        to: match r.to_country {
            Some(cc) => format!(
                "{} (routed from {})",
                name_of(&names, r.target_org),
                cc.as_str()
            ),
            None => name_of(&names, r.target_org),
        },
        urgency: r.urgency.as_str().to_owned(),
        state: r.state.as_str().to_owned(),
        overdue: view.overdue,
        due: prefs.when(r.due),
        created: prefs.when(r.created_at),
        tlp: tlp_badge(r.tlp),
        case: r.case.map(|c| c.0.to_string()),
        details: r.details.clone(),
        legal_basis: r.legal_basis.clone(),
        party: view.party.map(|p| p.as_str().to_owned()),
        observables: r
            .observables
            .iter()
            .map(|o| ObservableRow {
                ty: o.ty.clone(),
                value: o.value.clone(),
                key: o.key.clone(),
                personal: o.personal,
            })
            .collect(),
        personal_hidden: view.personal_hidden,
        people: personal_data.map(|ps| {
            ps.iter()
                .map(|p| PersonRow {
                    role: p.role.as_str().to_owned(),
                    name: p.name.clone().unwrap_or_default(),
                    identifier: p.identifier.clone().unwrap_or_default(),
                })
                .collect()
        }),
        outcome,
        intel_total: intel.total,
        intel: intel
            .objects
            .iter()
            .map(|c| IntelRow {
                href: format!("/objects/{}", c.object.stix_id),
                stix_type: c.object.stix_type.clone(),
                name: super::dashboard::display_name(&c.object),
                tlp: tlp_badge(c.object.tlp),
                shared: c.shared.join(", "),
                sightings: intel.sightings.get(&c.object.stix_id).map_or(0, Vec::len),
            })
            .collect(),
        history: history.into_iter().map(|(_, h)| h).collect(),
        step,
        comment: may_comment.then(|| {
            let mut f = Field::new("comment-text", "text", "Comment").required();
            if let Some((form, CoreError::Invalid(i))) = &posted
                && i.path == "/text"
            {
                f.value = form.get("text").to_owned();
                f.error = Some(i.message.clone());
            }
            f
        }),
        action: format!("/requests/{id}"),
        chrome: Chrome::signed_in(&r.summary, w, prefs, "/requests"),
    };
    html(status, page.render())
}

/// `GET /requests/{id}`.
pub(super) async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: WebUser,
    prefs: Prefs,
) -> Response {
    match parse_id(&id) {
        Ok(id) => render(&state, &w, prefs, id, None).await,
        Err(e) => error_page(&e, None),
    }
}

/// `POST /requests/{id}/step`: takes the step and shows the request again.
pub(super) async fn step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&e, None),
    };
    let taken = match read_step(&form) {
        Ok(input) => {
            state
                .service
                .transition_request(&w.principal, id, input)
                .await
        }
        Err(i) => Err(CoreError::Invalid(i)),
    };
    match taken {
        Ok(_) => see_other(&format!("/requests/{id}")),
        Err(e @ (CoreError::Invalid(_) | CoreError::Refused(_) | CoreError::Conflict(_))) => {
            render(&state, &w, prefs, id, Some((&form, e))).await
        }
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

/// `POST /requests/{id}/comments`: adds the comment and shows the request again.
pub(super) async fn comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&e, None),
    };
    match state
        .service
        .comment_request(&w.principal, id, form.get("text"))
        .await
    {
        Ok(_) => see_other(&format!("/requests/{id}#history-h")),
        Err(e @ CoreError::Invalid(_)) => render(&state, &w, prefs, id, Some((&form, e))).await,
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn the_step_form_reads_as_a_transition() {
        let t = read_step(&form(&[
            ("to", "actioned"),
            ("result", "partial"),
            ("amount", "15000.50"),
            ("currency", "MYR"),
            ("reason", "ignored"),
        ]))
        .unwrap();
        assert_eq!(t.to, RequestState::Actioned);
        assert_eq!(t.reason, None, "a reason only to decline or withdraw");
        let o = t.outcome.unwrap();
        assert_eq!(o.result, OutcomeResult::Partial);
        assert_eq!(o.amount.unwrap().currency, "MYR");
        let d = read_step(&form(&[("to", "declined"), ("reason", " not ours ")])).unwrap();
        assert_eq!(d.reason.as_deref(), Some("not ours"));
        assert!(d.outcome.is_none());
        assert_eq!(read_step(&form(&[("to", "done")])).unwrap_err().path, "/to");
        let e = read_step(&form(&[("to", "actioned"), ("result", "maybe")])).unwrap_err();
        assert_eq!(e.path, "/outcome/result");
    }
}
