//! Reading action requests, each reader what `crate::access::requests` allows: lists through the
//! reader's [`RequestFilter`] compiled into SQL, one request by id through `may_see` (not found
//! for what the reader may not see, never "forbidden"), personal data for the two parties only,
//! `overdue` computed from the service clock; and the intelligence linked by canonical key.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::Service;
use crate::access::requests::{RequestFilter, acting_party, may_see_personal_data};
use crate::access::{Action, Principal, authorize};
use crate::error::{CoreError, Invalid};
use crate::intel::correlation::{Correlated, reporting};
use crate::intel::sightings::SeenBy;
use crate::org::ShortName;
use crate::requests::new::PersonalData;
use crate::requests::state::{allowed, overdue};
use crate::requests::store::{Comment, Request, RequestCursor, RequestQuery, Transition};
use crate::requests::{Party, RequestId, RequestKind, RequestState};

/// A request as one reader sees it: without the observables marked personal unless the reader is
/// a party, with `overdue` at the time of reading and the reader's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestView {
    #[serde(flatten)]
    pub request: Request,
    /// Still open after its due time.
    pub overdue: bool,
    /// The reader's side, when they read it as a party.
    pub party: Option<Party>,
    /// Whether observables marked personal were left out (the reader is no party).
    pub personal_hidden: bool,
}

impl RequestView {
    /// `r` as `p` sees it at `now` (`p` may see it).
    pub(crate) fn of(p: &Principal, mut r: Request, now: OffsetDateTime) -> Self {
        let f = r.facts();
        let personal = may_see_personal_data(p, &f);
        let before = r.observables.len();
        if !personal {
            r.observables.retain(|o| !o.personal);
        }
        Self {
            overdue: overdue(r.state, r.due, now),
            party: if personal {
                crate::access::requests::party_of(p, &f)
            } else {
                None
            },
            personal_hidden: r.observables.len() != before,
            request: r,
        }
    }
}

/// A request with what its reader may see of its personal data and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub view: RequestView,
    /// The victims' and account holders' data: for the two parties only (`None` otherwise).
    pub personal_data: Option<Vec<PersonalData>>,
    /// Every step, oldest first; the reasons only for the two parties (they may name people).
    pub transitions: Vec<Transition>,
    /// The parties' comments, oldest first: for the two parties only.
    pub comments: Vec<Comment>,
    /// The states the reader may move the request to now (none unless they act for a party).
    pub allowed: Vec<RequestState>,
}

/// The list filters as a reader gives them (`?state=&kind=&to=&from=&overdue=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestListFilter {
    pub state: Option<RequestState>,
    pub kind: Option<RequestKind>,
    /// The target organisation's short name.
    pub to: Option<ShortName>,
    /// The requesting organisation's short name.
    pub from: Option<ShortName>,
    pub overdue: Option<bool>,
}

/// Which page of a list: after a cursor (the previous page's `next`), at most `limit` (all when
/// `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageAsk {
    pub after: Option<RequestCursor>,
    pub limit: Option<u32>,
}

/// A page of requests, and where the next one starts (none on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPage {
    pub requests: Vec<RequestView>,
    pub next: Option<RequestCursor>,
}

/// The intelligence a request's observables link to: the visible latest versions of objects
/// yielding any of its keys, and the visible sightings of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestIntel {
    /// The keys looked for (the request's, without those marked personal unless the reader is a
    /// party), sorted.
    pub keys: Vec<String>,
    pub objects: Vec<Correlated>,
    /// How many objects in all (the page holds at most the limit asked).
    pub total: u64,
    /// The sightings of each object, by its STIX id.
    pub sightings: HashMap<String, Vec<SeenBy>>,
}

impl Service {
    /// The requests `p` may see that match `filter`, newest first. An unknown organisation in
    /// `to` or `from` is an error at that parameter.
    pub async fn list_requests(
        &self,
        p: &Principal,
        filter: &RequestListFilter,
    ) -> Result<Vec<RequestView>, CoreError> {
        Ok(self
            .list_requests_page(p, filter, PageAsk::default())
            .await?
            .requests)
    }

    /// One page of [`Service::list_requests`]: after `page.after`, at most `page.limit` (keyset
    /// paging in the store's SQL), with the cursor of the next page when there is one.
    pub async fn list_requests_page(
        &self,
        p: &Principal,
        filter: &RequestListFilter,
        page: PageAsk,
    ) -> Result<RequestPage, CoreError> {
        let grant = authorize(p, Action::ReadRequests)?;
        let store = self.store(&grant);
        let org = |name: &'static str, s: Option<ShortName>| async move {
            match s {
                None => Ok(None),
                Some(s) => match store.get_org_by_short_name(&s).await? {
                    Some(o) => Ok(Some(o.id)),
                    None => Err(CoreError::from(Invalid::new(
                        name,
                        format!("no organisation `{}`", s.as_str()),
                    ))),
                },
            }
        };
        let now = self.now();
        let q = RequestQuery {
            state: filter.state,
            kind: filter.kind,
            to: org("to", filter.to.clone()).await?,
            from: org("from", filter.from.clone()).await?,
            overdue: filter.overdue,
            now,
            after: page.after,
            limit: page.limit.map(|l| l.saturating_add(1)),
        };
        let mut rows = store.list_requests(&RequestFilter::of(&grant), &q).await?;
        let next = match page.limit {
            Some(l) if rows.len() > l as usize => {
                rows.truncate(l as usize);
                rows.last().map(RequestCursor::after)
            }
            _ => None,
        };
        Ok(RequestPage {
            requests: rows
                .into_iter()
                .map(|r| RequestView::of(p, r, now))
                .collect(),
            next,
        })
    }

    /// One request with its history, as `p` may see it; not found when `p` may not see it.
    pub async fn get_request(
        &self,
        p: &Principal,
        id: RequestId,
    ) -> Result<RequestDetail, CoreError> {
        let grant = authorize(p, Action::ReadRequests)?;
        let request = self.visible_request(&grant, p, id).await?;
        let store = self.store(&grant);
        let f = request.facts();
        let party = may_see_personal_data(p, &f);
        let personal_data = if party {
            Some(store.request_personal_data(id).await?)
        } else {
            None
        };
        let (mut transitions, comments) = store.request_history(id).await?;
        let comments = if party { comments } else { Vec::new() };
        if !party {
            for t in &mut transitions {
                t.reason = None;
            }
        }
        let allowed =
            acting_party(p, &f).map_or_else(Vec::new, |side| allowed(request.state, side));
        Ok(RequestDetail {
            view: RequestView::of(p, request, self.now()),
            personal_data,
            transitions,
            comments,
            allowed,
        })
    }

    /// The intelligence `p` may see with the same canonical keys as the request's observables
    /// (those marked personal only for the two parties): the latest versions of indicators and
    /// other objects yielding a key, newest added first, at most `limit`, through the sharing
    /// policy like every intelligence read; and the visible sightings of each.
    pub async fn request_intel(
        &self,
        p: &Principal,
        id: RequestId,
        limit: u32,
    ) -> Result<RequestIntel, CoreError> {
        let grant = authorize(p, Action::ReadRequests)?;
        let request = self.visible_request(&grant, p, id).await?;
        let view = RequestView::of(p, request, self.now());
        let mut keys = view.request.keys();
        keys.sort();
        if keys.is_empty() || authorize(p, Action::ReadIntel).is_err() {
            return Ok(RequestIntel {
                keys,
                ..RequestIntel::default()
            });
        }
        let r = self.reports(p, &reporting(keys, None, limit)).await?;
        let ids: Vec<String> = r.objects.iter().map(|c| c.object.stix_id.clone()).collect();
        let sightings = self.sightings_of_each(p, &ids).await?;
        Ok(RequestIntel {
            keys: r.keys,
            objects: r.objects,
            total: r.total,
            sightings,
        })
    }
}
