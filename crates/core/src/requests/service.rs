//! Action requests' service functions that change something: creating a request (validated with
//! the requester's region, routed, stored in one audited transaction), a step of its state machine
//! (compare-and-set on the state in the store) and a comment, each with its notifications
//! (`notify.rs`) in the same transaction. The reads are in `reads.rs`.

use serde_json::json;
use uuid::Uuid;

use crate::Service;
use crate::access::requests::{acting_party, may_see};
use crate::access::{Action, Grant, Principal, UserPrincipal, authorize};
use crate::audit::AuditAction;
use crate::error::{CoreError, Invalid};
use crate::intel::service::observable_context;
use crate::org::{OrgKind, OrgStatus, Organisation};
use crate::requests::notify::Notice;
use crate::requests::reads::RequestView;
use crate::requests::state::{Step, TransitionInput};
use crate::requests::store::{Comment, Request, Transition};
use crate::requests::{
    NewRequest, Party, RequestId, RequestState, RequestTarget, ensure_distinct, text,
};
use crate::user::{UserId, UserStatus};

/// The longest comment, in characters.
pub const COMMENT_CHARS: usize = 10_000;

/// How often a step is tried again when another one changed the request first (each try reads
/// the new state and checks the step against it).
const STEP_TRIES: usize = 3;

/// The signed-in user a request is sent or acted on by: the operator has no organisation.
fn party_user(p: &Principal) -> Result<&UserPrincipal, CoreError> {
    p.as_user().ok_or_else(|| {
        CoreError::Forbidden(
            "the operator has no organisation: requests are sent and acted on by users".into(),
        )
    })
}

impl Service {
    /// Sends a request from `p`'s organisation: validated with its country as the region of
    /// national forms and the service's SLA ([`Service::with_request_sla`]); `{"country": CC}`
    /// routed to that country's one active national CERT; for TLP:RED, the named users resolved
    /// to users of the two organisations, the requesting user named too. Stores the request,
    /// its observables, named users and personal data with the `request.create` entry in one
    /// transaction.
    pub async fn create_request(
        &self,
        p: &Principal,
        new: NewRequest,
    ) -> Result<RequestView, CoreError> {
        let grant = authorize(p, Action::CreateRequest)?;
        let me = party_user(p)?;
        let now = self.now();
        let v = new.validate(&observable_context(&me.org), &self.request_sla, now)?;
        let (target, to_country) = self.route(&grant, &v.to).await?;
        ensure_distinct(me.org.id, target.id)?;
        let named = if v.recipients.is_empty() {
            Vec::new()
        } else {
            self.resolve_named(&grant, me, &target, &v.recipients)
                .await?
        };
        let request = Request {
            id: RequestId::new_random(),
            kind: v.kind,
            requester_org: me.org.id,
            target_org: target.id,
            to_country,
            summary: v.summary,
            details: v.details,
            legal_basis: v.legal_basis,
            urgency: v.urgency,
            tlp: v.tlp,
            case: v.case,
            state: RequestState::Submitted,
            due: v.due,
            created_at: now,
            created_by: p.actor(),
            updated_at: now,
            outcome: None,
            observables: v.observables,
            named,
        };
        // The audit entry names what was asked of whom, never the observables or personal data.
        let event = self.event(
            p,
            AuditAction::RequestCreate,
            Some(request.id.to_string()),
            Some(target.id),
            json!({
                "kind": request.kind,
                "urgency": request.urgency,
                "to": target.short_name.as_str(),
                "tlp": request.tlp.label(),
                "observables": request.observables.len(),
                "personal_data": v.personal_data.len(),
                "due": crate::clock::rfc3339_micros(request.due),
            }),
        );
        let notices = self
            .request_notices(&grant, &request, &Notice::Created)
            .await?;
        self.store(&grant)
            .insert_request(&request, &v.personal_data, &event, &notices)
            .await?;
        Ok(RequestView::of(p, request, now))
    }

    /// The organisation a target names, and the country when it was routed.
    async fn route(
        &self,
        grant: &Grant<'_>,
        to: &RequestTarget,
    ) -> Result<(Organisation, Option<crate::country::Country>), CoreError> {
        let store = self.store(grant);
        match to {
            RequestTarget::Org(short) => {
                let org = store.get_org_by_short_name(short).await?.ok_or_else(|| {
                    Invalid::new("/to/org", format!("no organisation `{}`", short.as_str()))
                })?;
                if org.status != OrgStatus::Active {
                    return Err(Invalid::new(
                        "/to/org",
                        format!("{} is suspended", org.short_name.as_str()),
                    )
                    .into());
                }
                Ok((org, None))
            }
            RequestTarget::Country(cc) => {
                let mut certs: Vec<Organisation> = store
                    .list_orgs()
                    .await?
                    .into_iter()
                    .filter(|o| {
                        o.kind == OrgKind::NationalCert
                            && o.status == OrgStatus::Active
                            && o.country == Some(*cc)
                    })
                    .collect();
                match certs.len() {
                    1 => Ok((certs.remove(0), Some(*cc))),
                    0 => Err(Invalid::new(
                        "/to/country",
                        format!(
                            "the directory has no active national CERT of {}; address an organisation ({{\"org\": SHORT}})",
                            cc.as_str()
                        ),
                    )
                    .into()),
                    _ => {
                        let names: Vec<&str> =
                            certs.iter().map(|o| o.short_name.as_str()).collect();
                        Err(Invalid::new(
                            "/to/country",
                            format!(
                                "{} has {} active national CERTs ({}); address one ({{\"org\": SHORT}})",
                                cc.as_str(),
                                certs.len(),
                                names.join(", ")
                            ),
                        )
                        .into())
                    }
                }
            }
        }
    }

    /// The users a TLP:RED request names: each an active user of the two organisations, at least
    /// one of the target; the requesting user is named too. Sorted.
    async fn resolve_named(
        &self,
        grant: &Grant<'_>,
        me: &UserPrincipal,
        target: &Organisation,
        recipients: &[crate::user::Email],
    ) -> Result<Vec<UserId>, CoreError> {
        let store = self.store(grant);
        let mut named = vec![me.user.id];
        let mut of_target = false;
        for (i, email) in recipients.iter().enumerate() {
            let user = store
                .get_user_by_email(email)
                .await?
                .filter(|u| {
                    u.status == UserStatus::Active && (u.org_id == me.org.id || u.org_id == target.id)
                })
                .ok_or_else(|| {
                    Invalid::new(
                        format!("/recipients/{i}"),
                        format!(
                            "`{}` is no active user of {} or {}: a TLP:RED request names users of the two organisations only",
                            email.as_str(),
                            me.org.short_name.as_str(),
                            target.short_name.as_str()
                        ),
                    )
                })?;
            of_target |= user.org_id == target.id;
            if !named.contains(&user.id) {
                named.push(user.id);
            }
        }
        if !of_target {
            return Err(Invalid::new(
                "/recipients",
                format!(
                    "name at least one user of {}, or nobody there may see the request",
                    target.short_name.as_str()
                ),
            )
            .into());
        }
        named.sort();
        Ok(named)
    }

    /// A request `p` may see, with the side `p` acts for (refused when `p` may see it but not act):
    /// one `p` may not see is not found, whether or not it exists.
    async fn acting_on(
        &self,
        grant: &Grant<'_>,
        p: &Principal,
        id: RequestId,
    ) -> Result<(Request, Party), CoreError> {
        let request = self.visible_request(grant, p, id).await?;
        let party = acting_party(p, &request.facts()).ok_or_else(|| {
            CoreError::Forbidden(
                "only users of the requesting or the target organisation who are not read-only act on a request".into(),
            )
        })?;
        Ok((request, party))
    }

    /// The request `id` if `p` may see it; not found otherwise.
    pub(crate) async fn visible_request(
        &self,
        grant: &Grant<'_>,
        p: &Principal,
        id: RequestId,
    ) -> Result<Request, CoreError> {
        self.store(grant)
            .get_request(id)
            .await?
            .filter(|r| may_see(p, &r.facts()))
            .ok_or_else(|| CoreError::NotFound(format!("request {id}")))
    }

    /// Takes a step of the request's state machine as `p`'s side: checked against the request's
    /// state ([`CoreError::Refused`] with the allowed next states), stored by compare-and-set on
    /// that state with the `request.transition` entry. When another step changed the request
    /// first, the step is checked again against the new state.
    pub async fn transition_request(
        &self,
        p: &Principal,
        id: RequestId,
        input: TransitionInput,
    ) -> Result<RequestView, CoreError> {
        let grant = authorize(p, Action::ActOnRequests)?;
        for _ in 0..STEP_TRIES {
            let (request, party) = self.acting_on(&grant, p, id).await?;
            let step = input.step(request.kind, &request.keys())?;
            let to = step.apply(request.state, party)?;
            let now = self.now();
            let reason = match &step {
                Step::Decline { reason } => Some(reason.clone()),
                Step::Withdraw { reason } => reason.clone(),
                _ => None,
            };
            let outcome = match step {
                Step::Action(o) => Some(o),
                _ => None,
            };
            let t = Transition {
                id: Uuid::new_v4(),
                request: id,
                at: now,
                actor: p.actor(),
                actor_org: p.org_id(),
                party,
                from: request.state,
                to,
                reason,
            };
            // The reason and the outcome stay with the request: they may name people.
            let event = self.event(
                p,
                AuditAction::RequestTransition,
                Some(id.to_string()),
                Some(request.target_org),
                json!({"from": t.from, "to": t.to, "party": party}),
            );
            let mut after = request.clone();
            after.state = to;
            let notices = self
                .request_notices(
                    &grant,
                    &after,
                    &Notice::Transition {
                        from: request.state,
                        to,
                    },
                )
                .await?;
            if self
                .store(&grant)
                .transition_request(&t, outcome.as_ref(), &event, &notices)
                .await?
            {
                let mut done = request;
                done.state = to;
                done.updated_at = now;
                if outcome.is_some() {
                    done.outcome = outcome;
                }
                return Ok(RequestView::of(p, done, now));
            }
        }
        Err(CoreError::Conflict(format!(
            "request {id} kept changing while the step was taken; read it again and retry"
        )))
    }

    /// Adds `p`'s comment to the request (a party's user who is not read-only), with the
    /// `request.comment` entry (without the text).
    pub async fn comment_request(
        &self,
        p: &Principal,
        id: RequestId,
        body: &str,
    ) -> Result<Comment, CoreError> {
        let grant = authorize(p, Action::ActOnRequests)?;
        let (request, party) = self.acting_on(&grant, p, id).await?;
        let body = text("/text", body, COMMENT_CHARS, true, false)?;
        let c = Comment {
            id: Uuid::new_v4(),
            request: id,
            at: self.now(),
            actor: p.actor(),
            actor_org: p.org_id(),
            text: body,
        };
        let event = self.event(
            p,
            AuditAction::RequestComment,
            Some(id.to_string()),
            Some(request.target_org),
            json!({"comment": c.id, "party": party, "chars": c.text.chars().count()}),
        );
        let notices = self
            .request_notices(&grant, &request, &Notice::Comment(c.id))
            .await?;
        self.store(&grant)
            .insert_request_comment(&c, &event, &notices)
            .await?;
        Ok(c)
    }
}
