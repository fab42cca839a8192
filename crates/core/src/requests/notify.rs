//! Notifications of action requests (P2.2): what each change tells whom, by webhook and by mail.
//!
//! | notice | webhook event | to (organisations) | mail to |
//! |---|---|---|---|
//! | created | `request.created` | the target | the target |
//! | a step | `request.transition` (`from`, `to`) | both parties | both, for an outcome (`actioned`) or `declined` |
//! | a comment | `request.comment` (the comment's id) | both parties | — |
//! | a quarter of the time left ([`super::state::warn_at`]) | `request.due_soon` | both parties | — |
//! | `due` passed while open | `request.overdue` | both parties | both |
//!
//! **Only the two parties**: events are queued for the requesting and the target organisation's
//! webhooks only, whatever the TLP, and mail goes to their addresses only.
//!
//! **What a payload carries**: ids, never text a person wrote — no summary, details, legal basis,
//! reason, outcome details, comment text, observables or personal data. A request below TLP:RED:
//! `{"request", "kind", "urgency", "state", "due", "tlp", "requester", "target"}` (the parties'
//! short names), with `from`/`to` for a step and `comment` for a comment. A TLP:RED request is
//! shared with named users only, and a webhook's receiver is not one of them: its payload is
//! `{"request", "tlp": "RED", "requester_org", "target_org"}` (ids) and the comment's id, no
//! more; its mail names only the request's id. A receiver reads the rest through the API as a
//! user who may see it.
//!
//! **The mail address** of an organisation: the e-mail addresses of its `24x7-duty` contacts
//! (the directory of P2.1 — a request wants action within hours, the duty desk is who acts);
//! when it has none, those of its `technical-poc` contacts; none, no mail (the webhook and the
//! in-app list remain). At most [`MAX_MAIL_RECIPIENTS`] addresses.
//!
//! **Durability**: the deliveries and mails of a change are written in the change's own
//! transaction ([`Notices`], taken by the request store's writes): a stored change has its
//! notices, a refused or lost compare-and-set has none. Deadline notices are sent by the sweep
//! ([`crate::Service::notify_request_deadlines`]), which marks each request by compare-and-set in
//! the same transaction as its notices: each once, across app nodes.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::intel::Tlp;
use crate::mail::OutboxEntry;
use crate::org::ShortName;
use crate::requests::RequestState;
use crate::requests::store::Request;
use crate::webhooks::{EventType, QueuedEvent};

/// The most addresses one organisation's notice mail goes to.
pub const MAX_MAIL_RECIPIENTS: usize = 10;

/// The purpose of notice mails in the outbox.
pub const MAIL_PURPOSE: &str = "request-notice";

/// What a change of a request notifies, written in the change's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notices {
    /// One per receiving organisation (its webhooks that want the type get a delivery each).
    pub events: Vec<QueuedEvent>,
    pub mails: Vec<OutboxEntry>,
}

/// A deadline notice the sweep sends once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// A quarter of the time left.
    DueSoon,
    /// `due` passed without an outcome (marks the due-soon notice as sent too).
    Overdue,
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Created,
    Transition {
        from: RequestState,
        to: RequestState,
    },
    Comment(Uuid),
    Deadline(Deadline),
}

impl Notice {
    /// The webhook event's type.
    pub fn event_type(&self) -> EventType {
        let t = match self {
            Notice::Created => "request.created",
            Notice::Transition { .. } => "request.transition",
            Notice::Comment(_) => "request.comment",
            Notice::Deadline(Deadline::DueSoon) => "request.due_soon",
            Notice::Deadline(Deadline::Overdue) => "request.overdue",
        };
        EventType::known(t)
    }

    /// The organisations whose webhooks get the event.
    pub fn event_orgs(&self, r: &Request) -> Vec<crate::org::OrgId> {
        match self {
            Notice::Created => vec![r.target_org],
            _ => vec![r.requester_org, r.target_org],
        }
    }

    /// The organisations that are mailed.
    pub fn mail_orgs(&self, r: &Request) -> Vec<crate::org::OrgId> {
        match self {
            Notice::Created => vec![r.target_org],
            Notice::Transition {
                to: RequestState::Actioned | RequestState::Declined,
                ..
            }
            | Notice::Deadline(Deadline::Overdue) => vec![r.requester_org, r.target_org],
            _ => Vec::new(),
        }
    }

    /// What it is, in a mail's subject.
    fn headline(&self) -> String {
        match self {
            Notice::Created => "new action request".into(),
            Notice::Transition { to, .. } => format!("action request {}", to.as_str()),
            Notice::Comment(_) => "comment on an action request".into(),
            Notice::Deadline(Deadline::DueSoon) => "action request due soon".into(),
            Notice::Deadline(Deadline::Overdue) => "action request overdue".into(),
        }
    }
}

/// The short names of a request's two parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub requester: ShortName,
    pub target: ShortName,
}

/// The event's payload (see the module docs: ids and labels, never text; RED: ids only).
pub fn payload(r: &Request, parties: &Parties, n: &Notice) -> Value {
    let mut v = if r.tlp == Tlp::Red {
        json!({
            "request": r.id,
            "tlp": r.tlp.label(),
            "requester_org": r.requester_org,
            "target_org": r.target_org,
        })
    } else {
        json!({
            "request": r.id,
            "kind": r.kind,
            "urgency": r.urgency,
            "state": r.state,
            "due": crate::clock::rfc3339_micros(r.due),
            "tlp": r.tlp.label(),
            "requester": parties.requester.as_str(),
            "target": parties.target.as_str(),
        })
    };
    match n {
        Notice::Transition { from, to } if r.tlp != Tlp::Red => {
            v["from"] = json!(from);
            v["to"] = json!(to);
        }
        Notice::Comment(id) => v["comment"] = json!(id),
        _ => {}
    }
    v
}

/// A notice mail's subject and body (plain text, CRLF; a RED request named by its id only).
pub fn mail_text(r: &Request, parties: &Parties, n: &Notice, public_url: &str) -> (String, String) {
    let subject = format!("[simpul] {}: {}", n.headline(), r.id);
    let mut body = format!("simpul: {} ({}).\r\n\r\n", n.headline(), r.id);
    if r.tlp != Tlp::Red {
        body.push_str(&format!(
            "Kind: {}\r\nUrgency: {}\r\nState: {}\r\nDue: {}\r\nFrom: {}\r\nTo: {}\r\nTLP: {}\r\n\r\n",
            r.kind.as_str(),
            r.urgency.as_str(),
            r.state.as_str(),
            crate::clock::rfc3339_micros(r.due),
            parties.requester.as_str(),
            parties.target.as_str(),
            r.tlp.label(),
        ));
    } else {
        body.push_str("TLP:RED: read it in simpul as a named user.\r\n\r\n");
    }
    body.push_str(&format!(
        "Open simpul to read and act on it: {public_url}/\r\n"
    ));
    (subject, body)
}

/// A request for tests (AMBER-free text naming a person, to prove it never leaks).
#[cfg(test)]
pub(crate) fn sample_request(tlp: Tlp) -> Request {
    use crate::org::OrgId;
    use crate::requests::{RequestId, RequestKind, Urgency};
    use time::macros::datetime;
    {
        Request {
            id: RequestId(Uuid::from_u128(7)),
            kind: RequestKind::Freeze,
            requester_org: OrgId(Uuid::from_u128(1)),
            target_org: OrgId(Uuid::from_u128(2)),
            to_country: None,
            summary: "Freeze the account of Jane Doe".into(),
            details: "IBAN of Jane Doe".into(),
            legal_basis: "Act 1".into(),
            urgency: Urgency::High,
            tlp,
            case: None,
            state: RequestState::Acknowledged,
            due: datetime!(2026-03-02 10:00 UTC),
            created_at: datetime!(2026-03-01 10:00 UTC),
            created_by: "user:x".into(),
            updated_at: datetime!(2026-03-01 10:00 UTC),
            outcome: None,
            observables: Vec::new(),
            named: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(tlp: Tlp) -> Request {
        sample_request(tlp)
    }

    fn parties() -> Parties {
        Parties {
            requester: ShortName::parse("SingCERT").unwrap(),
            target: ShortName::parse("MyCERT").unwrap(),
        }
    }

    #[test]
    fn payloads_carry_ids_and_labels_never_text() {
        let step = Notice::Transition {
            from: RequestState::Submitted,
            to: RequestState::Acknowledged,
        };
        let amber = payload(&request(Tlp::Amber), &parties(), &step);
        assert_eq!(amber["kind"], "freeze");
        assert_eq!(amber["urgency"], "high");
        assert_eq!(amber["from"], "submitted");
        assert_eq!(amber["to"], "acknowledged");
        assert_eq!(amber["requester"], "SingCERT");
        assert_eq!(amber["due"], "2026-03-02T10:00:00.000000Z");
        for (r, n) in [
            (request(Tlp::Amber), step.clone()),
            (request(Tlp::Red), step.clone()),
            (request(Tlp::Red), Notice::Comment(Uuid::from_u128(9))),
        ] {
            let text = payload(&r, &parties(), &n).to_string();
            assert!(!text.contains("Jane") && !text.contains("Act 1"), "{text}");
        }
        let red = payload(&request(Tlp::Red), &parties(), &step);
        let keys: Vec<&String> = red.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["request", "requester_org", "target_org", "tlp"]);
        let (subject, body) = mail_text(
            &request(Tlp::Red),
            &parties(),
            &Notice::Created,
            "https://simpul.example",
        );
        assert!(!subject.contains("freeze") && !body.contains("freeze"));
        assert!(!body.contains("Jane") && body.contains("https://simpul.example/"));
    }

    #[test]
    fn who_is_told_what() {
        let r = request(Tlp::Green);
        let both = vec![r.requester_org, r.target_org];
        assert_eq!(Notice::Created.event_orgs(&r), vec![r.target_org]);
        assert_eq!(Notice::Created.mail_orgs(&r), vec![r.target_org]);
        let to = |to| Notice::Transition {
            from: RequestState::InProgress,
            to,
        };
        assert_eq!(to(RequestState::Acknowledged).event_orgs(&r), both);
        assert!(to(RequestState::Acknowledged).mail_orgs(&r).is_empty());
        assert_eq!(to(RequestState::Actioned).mail_orgs(&r), both);
        assert_eq!(to(RequestState::Declined).mail_orgs(&r), both);
        assert!(Notice::Deadline(Deadline::DueSoon).mail_orgs(&r).is_empty());
        assert_eq!(Notice::Deadline(Deadline::Overdue).mail_orgs(&r), both);
        assert_eq!(
            Notice::Deadline(Deadline::Overdue).event_type().as_str(),
            "request.overdue"
        );
        for n in [
            Notice::Created,
            to(RequestState::Withdrawn),
            Notice::Comment(Uuid::nil()),
            Notice::Deadline(Deadline::DueSoon),
        ] {
            assert!(EventType::parse(n.event_type().as_str()).is_ok());
        }
    }
}
