//! What the store keeps for action requests: the request (with the organisation a country was
//! routed to), its observables by canonical key, the users named in a TLP:RED request, its personal
//! data (a table of its own, so that purging it leaves the request), its transitions and comments.
//!
//! Reads of lists take the reader's [`RequestFilter`], which each backend compiles into SQL that
//! must agree with [`RequestFilter::admits`]; a read by id is unfiltered and the service decides
//! with [`crate::access::requests::may_see`].

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::requests::{RequestFacts, RequestFilter};
use crate::audit::AuditEvent;
use crate::country::Country;
use crate::intel::{Tlp, tlp_label};
use crate::org::OrgId;
use crate::requests::new::PersonalData;
use crate::requests::notify::{Deadline, Notices};
use crate::requests::{
    CaseId, Outcome, Party, RequestId, RequestKind, RequestObservable, RequestState, Urgency,
};
use crate::store::StoreError;
use crate::user::UserId;

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub id: RequestId,
    pub kind: RequestKind,
    pub requester_org: OrgId,
    /// The organisation the request went to (a country routed to its national CERT).
    pub target_org: OrgId,
    /// The country the requester addressed, when it was routed (`{"country": CC}`).
    pub to_country: Option<Country>,
    pub summary: String,
    pub details: String,
    pub legal_basis: String,
    pub urgency: Urgency,
    #[serde(with = "tlp_label")]
    pub tlp: Tlp,
    pub case: Option<CaseId>,
    pub state: RequestState,
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The audit actor who created it (`user:…`).
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What the target reported with the step to `actioned`.
    pub outcome: Option<Outcome>,
    /// In the order given.
    pub observables: Vec<RequestObservable>,
    /// For TLP:RED: the users who may see it (of the two organisations only).
    pub named: Vec<UserId>,
}

impl Request {
    /// What the access rule reads about it.
    pub fn facts(&self) -> RequestFacts {
        RequestFacts {
            requester_org: self.requester_org,
            target_org: self.target_org,
            tlp: self.tlp,
            named: self.named.clone(),
        }
    }

    /// The canonical keys of its observables, in order.
    pub fn keys(&self) -> Vec<String> {
        self.observables.iter().map(|o| o.key.clone()).collect()
    }
}

/// One step of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub id: Uuid,
    pub request: RequestId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<OrgId>,
    pub party: Party,
    pub from: RequestState,
    pub to: RequestState,
    /// Why it was declined or withdrawn.
    pub reason: Option<String>,
}

/// A party's comment on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: Uuid,
    pub request: RequestId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<OrgId>,
    pub text: String,
}

/// A place in the list of requests, newest first: the last request of a page, by `(created_at,
/// id)` (the keyset the backends order by). Written `{unix micros}.{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCursor {
    pub created_at: OffsetDateTime,
    pub id: RequestId,
}

impl RequestCursor {
    /// The cursor after `r`.
    pub fn after(r: &Request) -> Self {
        Self {
            created_at: r.created_at,
            id: r.id,
        }
    }

    /// Whether a request created at `created_at` with `id` comes after the cursor (newest first).
    pub fn precedes(&self, created_at: OffsetDateTime, id: RequestId) -> bool {
        created_at < self.created_at || (created_at == self.created_at && id < self.id)
    }
}

impl std::fmt::Display for RequestCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}",
            self.created_at.unix_timestamp_nanos() / 1000,
            self.id
        )
    }
}

impl std::str::FromStr for RequestCursor {
    type Err = crate::error::Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || crate::error::Invalid::new("cursor", "not a cursor this server gave");
        let (micros, id) = s.split_once('.').ok_or_else(bad)?;
        let micros: i128 = micros.parse().map_err(|_| bad())?;
        Ok(Self {
            created_at: crate::clock::from_unix_micros(micros).ok_or_else(bad)?,
            id: RequestId(Uuid::parse_str(id).map_err(|_| bad())?),
        })
    }
}

/// The list filters (`?state=&kind=&to=&from=&overdue=`), resolved; `now` decides `overdue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestQuery {
    pub state: Option<RequestState>,
    pub kind: Option<RequestKind>,
    /// The target organisation.
    pub to: Option<OrgId>,
    /// The requesting organisation.
    pub from: Option<OrgId>,
    /// Only overdue requests (`true`) or only those that are not (`false`).
    pub overdue: Option<bool>,
    pub now: OffsetDateTime,
    /// Only the requests after this place (newest first).
    pub after: Option<RequestCursor>,
    /// At most this many (SQL `LIMIT`); all when `None`.
    pub limit: Option<u32>,
}

impl RequestQuery {
    /// No filter, at `now`.
    pub fn all(now: OffsetDateTime) -> Self {
        Self {
            state: None,
            kind: None,
            to: None,
            from: None,
            overdue: None,
            now,
            after: None,
            limit: None,
        }
    }

    /// The query's decision in memory (what a backend's SQL must agree with).
    pub fn admits(&self, r: &Request) -> bool {
        self.state.is_none_or(|s| s == r.state)
            && self.kind.is_none_or(|k| k == r.kind)
            && self.to.is_none_or(|o| o == r.target_org)
            && self.from.is_none_or(|o| o == r.requester_org)
            && self
                .overdue
                .is_none_or(|o| o == super::state::overdue(r.state, r.due, self.now))
            && self.after.is_none_or(|c| c.precedes(r.created_at, r.id))
    }
}

#[async_trait]
pub trait RequestStore: Send + Sync {
    /// Stores a request with its observables, named users and `personal` data, the time of its
    /// due-soon notice ([`crate::requests::state::warn_at`], to the microsecond), `audit`'s entry
    /// (`request.create`) and its `notices` (webhook deliveries, outbox mail), in one transaction.
    async fn insert_request(
        &self,
        request: &Request,
        personal: &[PersonalData],
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<(), StoreError>;

    /// The requests `filter` admits that match `q`, newest first by `(created_at, id)`: after
    /// `q.after`, at most `q.limit` (both in SQL).
    async fn list_requests(
        &self,
        filter: &RequestFilter,
        q: &RequestQuery,
    ) -> Result<Vec<Request>, StoreError>;

    /// The requests `filter` admits created in `[from, to)`, each with its steps `(to, at)`
    /// oldest first: what the statistics read.
    async fn request_stats_sources(
        &self,
        filter: &RequestFilter,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<crate::requests::stats_read::StatsSource>, StoreError>;

    /// A request by id, whoever may see it (the service decides).
    async fn get_request(&self, id: RequestId) -> Result<Option<Request>, StoreError>;

    /// A request's personal data, in the order given.
    async fn request_personal_data(&self, id: RequestId) -> Result<Vec<PersonalData>, StoreError>;

    /// A request's transitions and comments, each oldest first.
    async fn request_history(
        &self,
        id: RequestId,
    ) -> Result<(Vec<Transition>, Vec<Comment>), StoreError>;

    /// Moves the request from `t.from` to `t.to` by compare-and-set on the current state, records
    /// `t` (and `outcome`, with the step to `actioned`), `audit`'s entry and `notices`, in one
    /// transaction: `false` (nothing stored) when the request was not in `t.from` any more.
    async fn transition_request(
        &self,
        t: &Transition,
        outcome: Option<&Outcome>,
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<bool, StoreError>;

    /// Stores a comment with `audit`'s entry (`request.comment`) and `notices`.
    async fn insert_request_comment(
        &self,
        c: &Comment,
        audit: &AuditEvent,
        notices: &Notices,
    ) -> Result<(), StoreError>;

    /// The open requests, at most `limit`, earliest due first, whose deadline notice is due at
    /// `now` and not sent: overdue (`due < now`) without the overdue notice, or past their
    /// due-soon time (`warn_at <= now`) with neither notice.
    async fn requests_due_notice(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError>;

    /// Marks deadline notice `d` of the open request `id` as sent at `at` — by compare-and-set:
    /// due-soon when neither was sent, overdue when it was not (marking due-soon too) — and
    /// writes `notices` with it, in one transaction: `false` (nothing written) when it was sent
    /// already or the request is closed.
    async fn record_request_notice(
        &self,
        id: RequestId,
        d: Deadline,
        at: OffsetDateTime,
        notices: &Notices,
    ) -> Result<bool, StoreError>;
}
