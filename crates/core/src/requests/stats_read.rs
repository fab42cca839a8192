//! The statistics of action requests as one reader may read them: over the requests the reader's
//! [`RequestFilter`] admits (a party's own requests; a coordinator's every request but RED ones),
//! created in the period asked, with each request's first acknowledgement and closing read from
//! its transitions, and the countries of the two organisations.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::Service;
use crate::access::requests::RequestFilter;
use crate::access::{Action, Principal, authorize};
use crate::error::CoreError;
use crate::requests::stats::{Period, RequestRecord, RequestStats, request_stats};
use crate::requests::store::Request;
use crate::requests::{OutcomeResult, RequestState};
use crate::store::StoreError;

/// A request as the statistics read it: the request and its steps `(to, at)`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSource {
    pub request: Request,
    pub steps: Vec<(RequestState, OffsetDateTime)>,
}

/// What the statistics count of `s`, the organisations' countries looked up in `country`.
fn record(
    s: StatsSource,
    country: &HashMap<crate::org::OrgId, Option<crate::country::Country>>,
) -> RequestRecord {
    let r = s.request;
    let acknowledged_at = s
        .steps
        .iter()
        .find(|(to, _)| *to == RequestState::Acknowledged)
        .map(|(_, at)| *at);
    let closed_at = s
        .steps
        .iter()
        .rev()
        .find(|(to, _)| !to.is_open())
        .map(|(_, at)| *at)
        .filter(|_| !r.state.is_open());
    let result: Option<OutcomeResult> = r.outcome.as_ref().map(|o| o.result);
    RequestRecord {
        requester_country: country.get(&r.requester_org).copied().flatten(),
        target_country: country.get(&r.target_org).copied().flatten(),
        kind: r.kind,
        created_at: r.created_at,
        acknowledged_at,
        closed_at,
        state: r.state,
        result,
        due: r.due,
        frozen: r.outcome.as_ref().map(|o| o.frozen()).unwrap_or_default(),
    }
}

impl Service {
    /// The statistics of the requests `p` may see that were created in `period`, `overdue` at
    /// the service clock.
    pub async fn request_stats(
        &self,
        p: &Principal,
        period: Period,
    ) -> Result<RequestStats, CoreError> {
        let grant = authorize(p, Action::ReadRequests)?;
        let store = self.store(&grant);
        let sources = store
            .request_stats_sources(&RequestFilter::of(&grant), period.from, period.to)
            .await?;
        let country = store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.country))
            .collect::<HashMap<_, _>>();
        let records: Vec<RequestRecord> =
            sources.into_iter().map(|s| record(s, &country)).collect();
        Ok(request_stats(&records, period, self.now()))
    }
}

/// The backends' rows for the statistics, assembled: `requests` and their steps
/// `(request, to_state, at)` in order.
pub fn stats_sources(
    requests: Vec<Request>,
    steps: Vec<(uuid::Uuid, String, OffsetDateTime)>,
) -> Result<Vec<StatsSource>, StoreError> {
    let mut by_request: HashMap<uuid::Uuid, Vec<(RequestState, OffsetDateTime)>> = HashMap::new();
    for (id, to, at) in steps {
        let to = to
            .parse::<RequestState>()
            .map_err(|e| StoreError::Corrupt(format!("request_transitions.to_state: {e}")))?;
        by_request.entry(id).or_default().push((to, at));
    }
    Ok(requests
        .into_iter()
        .map(|request| StatsSource {
            steps: by_request.remove(&request.id.0).unwrap_or_default(),
            request,
        })
        .collect())
}
