//! Cross-border action requests (P2.2): one organisation asks another — or a country, routed to
//! its national CERT — to take down a site, block a number, freeze an account, notify victims or
//! give information, before a deadline, and the target reports what it did.
//!
//! The model, the rules, the store and the service (REST, CLI and web come next):
//!
//! - `mod.rs`: ids, the vocabularies ([`RequestKind`], [`Urgency`]), the target
//!   ([`RequestTarget`]) and the bounds of the text fields;
//! - [`sla`]: the default deadline per urgency ([`Sla`], 4 h / 24 h / 3 d / 7 d, configurable);
//! - [`new`]: the body of `POST /api/v1/requests` ([`NewRequest`]) and its validation into a
//!   [`ValidRequest`] — observables normalised with the requester's region into canonical keys,
//!   the due time from the SLA, every error with the JSON pointer of its field;
//! - [`state`]: the state machine (who may move a request from which state to which) and the
//!   `overdue` flag, computed from the clock;
//! - [`outcome`]: the outcome the target reports, with amounts for freezes and per-observable
//!   results;
//! - [`stats`]: the statistics of the requests created in a period, per target and per requesting
//!   country and kind (counts, nearest-rank median and p90 times, exact sums frozen per currency);
//!   [`stats_csv`] writes them as CSV;
//! - [`retention`]: how long personal data is kept after closing, per kind (180 days by default),
//!   which requests are due for purging, and the purge's audit details (counts only);
//! - `crate::access::requests`: who sees a request and its personal data;
//! - [`store`]: what is stored ([`store::RequestStore`], one of `crate::Store`'s parts) and
//!   [`rows`], the one decoding of its columns for both backends;
//! - [`service`]: creating (routing, RED's named users), steps of the state machine (by
//!   compare-and-set on the state) and comments; [`reads`]: lists, one request with its history,
//!   and the intelligence linked by canonical key.
//!
//! ## What the next layers must add
//!
//! (The store and the routing are built: [`store`], [`service`].)
//!
//! - **Retention**: personal data is kept for a configurable period per kind after closing
//!   (default 180 days) and purged by the server over the injected clock; the purge is audited
//!   without the data.
//! - **Notifications**: a new request, each transition, [`state::warn_at`] (25 % of the time
//!   left) and overdue — in-app, by e-mail through the P2.1 outbox, and by per-organisation
//!   webhooks (JSON body, HMAC-SHA256 signature header with a per-webhook secret, retries with
//!   backoff, a delivery log).
//! - **REST/CLI/web**: `POST/GET /api/v1/requests`, `/{id}`, `/{id}/transitions` (a refused
//!   transition is 409 with [`state::Refused::allowed`]), `/{id}/comments`, `/stats`; an action in
//!   `access::authorize` for creating and acting on requests; rows in the visibility matrix.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country::Country;
use crate::error::Invalid;
use crate::intel::Tlp;
use crate::org::{OrgId, ShortName, string_enum};
use crate::user::Email;

pub mod new;
pub mod notify;
pub mod notify_service;
pub mod outcome;
pub mod reads;
pub mod retention;
pub mod rows;
pub mod service;
pub mod sla;
pub mod state;
pub mod stats;
pub mod stats_csv;
pub mod stats_read;
pub mod store;

pub use new::{NewRequest, ObservableInput, PersonalInput, RequestObservable, ValidRequest};
pub use outcome::{Amount, Outcome, OutcomeInput, OutcomeResult};
pub use sla::Sla;
pub use state::{Party, RequestState, Step};

/// A request's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub Uuid);

/// The case a request was raised from: one type with the cases domain's.
pub use crate::cases::CaseId;

impl RequestId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for RequestId {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| Invalid::new("id", "must be a request id (a UUID)"))
    }
}

string_enum!(
    /// What the requester asks the target to do.
    RequestKind, "kind" {
        Takedown => "takedown",
        Block => "block",
        Freeze => "freeze",
        VictimNotification => "victim-notification",
        Information => "information",
    }
);

string_enum!(
    /// How soon the requester needs it; gives the default deadline ([`Sla`]).
    Urgency, "urgency" {
        Critical => "critical",
        High => "high",
        Normal => "normal",
        Low => "low",
    }
);

/// Whom a request is for: `{"org": SHORT}` or `{"country": "MY"}` (routed to that country's
/// national CERT when the request is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestTarget {
    Org(ShortName),
    Country(Country),
}

/// The bounds of a request's text fields, in characters.
pub mod limits {
    pub const SUMMARY_CHARS: usize = 200;
    pub const DETAILS_CHARS: usize = 10_000;
    pub const LEGAL_BASIS_CHARS: usize = 1_000;
    pub const REASON_CHARS: usize = 2_000;
    /// Observables of one request.
    pub const OBSERVABLES: usize = 100;
    /// An observable's value as given (before normalisation).
    pub const VALUE_CHARS: usize = 2_048;
    /// Named users of a RED request.
    pub const RECIPIENTS: usize = 50;
    /// Personal-data entries of one request.
    pub const PERSONAL: usize = 50;
    pub const PERSONAL_CHARS: usize = 200;
}

/// Refuses a request whose target organisation is the requester's own (after routing), at `/to`.
pub fn ensure_distinct(requester: OrgId, target: OrgId) -> Result<(), Invalid> {
    if requester == target {
        return Err(Invalid::new(
            "/to",
            "a request goes to another organisation than the requester's",
        ));
    }
    Ok(())
}

/// Refuses a list of `len` entries at `path` that is empty (with the message `empty`, when an
/// empty list is refused) or longer than `max` ("at most {max} {what}").
pub(crate) fn bounded(
    path: &str,
    len: usize,
    empty: Option<&str>,
    max: usize,
    what: &str,
) -> Result<(), Invalid> {
    match empty {
        Some(why) if len == 0 => Err(Invalid::new(path, why)),
        _ if len > max => Err(Invalid::new(path, format!("at most {max} {what}"))),
        _ => Ok(()),
    }
}

/// Reads the e-mail addresses of named users at `/recipients`: only at TLP:RED (`not_red` refuses
/// them elsewhere), where 1 to `max` are needed (`empty` refuses none), none twice.
pub(crate) fn named_users(
    list: &[String],
    tlp: Tlp,
    max: usize,
    not_red: &str,
    empty: &str,
) -> Result<Vec<Email>, Invalid> {
    if tlp != Tlp::Red {
        if list.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Invalid::new("/recipients", not_red));
    }
    bounded("/recipients", list.len(), Some(empty), max, "named users")?;
    let mut out: Vec<Email> = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let at = format!("/recipients/{i}");
        let email = Email::parse(s.trim()).map_err(|e| Invalid::new(&at, e.message))?;
        if let Some(j) = out.iter().position(|seen| seen == &email) {
            return Err(Invalid::new(
                at,
                format!("is named twice (also /recipients/{j})"),
            ));
        }
        out.push(email);
    }
    Ok(out)
}

/// Reads a free text of at most `max` characters at `path`: trimmed; `required` refuses an empty
/// one; `one_line` refuses line breaks. Other control characters than line breaks and tabs are
/// refused.
pub(crate) fn text(
    path: &str,
    s: &str,
    max: usize,
    required: bool,
    one_line: bool,
) -> Result<String, Invalid> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Invalid::new(path, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(Invalid::new(
            path,
            format!("is longer than {max} characters"),
        ));
    }
    let allowed = |c: char| !one_line && matches!(c, '\n' | '\r' | '\t');
    if t.chars().any(|c| c.is_control() && !allowed(c)) {
        let what = if one_line {
            "must be one line without control characters"
        } else {
            "must not contain control characters other than line breaks and tabs"
        };
        return Err(Invalid::new(path, what));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_have_the_issue_shape() {
        let org: RequestTarget = serde_json::from_str(r#"{"org":"MyCERT"}"#).unwrap();
        assert_eq!(org, RequestTarget::Org(ShortName::parse("MyCERT").unwrap()));
        let cc: RequestTarget = serde_json::from_str(r#"{"country":"my"}"#).unwrap();
        assert_eq!(cc, RequestTarget::Country(Country::parse("MY").unwrap()));
        assert_eq!(serde_json::to_string(&cc).unwrap(), r#"{"country":"MY"}"#);
        for bad in [
            r#"{"country":"XX"}"#,
            r#"{"org":"-x"}"#,
            r#"{"org":"A","country":"MY"}"#,
            r#"{"region":"MY"}"#,
            r#""MY""#,
        ] {
            assert!(serde_json::from_str::<RequestTarget>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vocabularies_read_their_names() {
        assert_eq!(
            "victim-notification".parse::<RequestKind>().unwrap(),
            RequestKind::VictimNotification
        );
        assert_eq!(RequestKind::ALL.len(), 5);
        assert_eq!(Urgency::ALL.len(), 4);
        let e = "urgent".parse::<Urgency>().unwrap_err();
        assert_eq!(e.path, "urgency");
        assert!(e.message.contains("critical, high, normal, low"));
        let id = RequestId::new_random();
        assert_eq!(id.to_string().parse::<RequestId>().unwrap(), id);
        assert!("nope".parse::<RequestId>().is_err());
    }

    #[test]
    fn own_organisation_is_no_target() {
        let a = OrgId::new_random();
        assert!(ensure_distinct(a, OrgId::new_random()).is_ok());
        assert_eq!(ensure_distinct(a, a).unwrap_err().path, "/to");
    }

    #[test]
    fn texts_are_bounded() {
        assert_eq!(text("/s", "  a b ", 3, true, true).unwrap(), "a b");
        assert!(text("/s", " ", 3, true, true).is_err());
        assert_eq!(text("/s", " ", 3, false, true).unwrap(), "");
        assert!(text("/s", "abcd", 3, false, false).is_err());
        assert!(text("/s", "a\nb", 3, false, true).is_err());
        assert_eq!(text("/s", "a\nb", 3, false, false).unwrap(), "a\nb");
        assert!(text("/s", "a\u{7}", 3, false, false).is_err());
        // Characters, not bytes.
        assert!(text("/s", "ééé", 3, true, true).is_ok());
    }
}
