//! Action requests on the web: `/requests` lists the requests the reader may see
//! ([`Service::list_requests`](simpul_core::Service::list_requests), the same visibility as
//! `GET /api/v1/requests`), newest first, filtered by state, kind, direction and overdue, with
//! links to raise one ([`super::requests_new`]) and to the statistics
//! ([`super::requests_stats`]); `/requests/{id}` ([`super::request_page`]) shows one.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use simpul_core::requests::reads::{RequestListFilter, RequestView};
use simpul_core::requests::{RequestKind, RequestState};
use simpul_core::{CoreError, OrgId};

use super::admin::Choice;
use super::view::{Badge, Chrome, Prefs, When, tlp_badge};
use super::{WebUser, bad_request, error_page, html};
use crate::AppState;
use crate::error::ApiError;

/// The list shows at most this many requests (newest first).
const LIST_LIMIT: usize = 200;

/// The filters as the page's form sends them (empty: any).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    kind: String,
    /// `sent`, `received` or empty.
    #[serde(default)]
    direction: String,
    /// `yes`, `no` or empty.
    #[serde(default)]
    overdue: String,
}

/// One request in the list.
#[derive(Debug)]
struct Row {
    href: String,
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
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    more: bool,
    filtered: bool,
    state: Choice,
    kind: Choice,
    direction: Choice,
    overdue: Choice,
    may_create: bool,
}

/// The short names of the organisations the reader may look up, by id.
pub(super) async fn org_names(
    state: &AppState,
    w: &WebUser,
) -> Result<HashMap<OrgId, String>, CoreError> {
    Ok(state
        .service
        .list_orgs(&w.principal)
        .await?
        .into_iter()
        .map(|o| (o.id, o.short_name.as_str().to_owned()))
        .collect())
}

pub(super) fn name_of(names: &HashMap<OrgId, String>, id: OrgId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

fn any(label: &str) -> (String, String) {
    (String::new(), label.to_owned())
}

fn choices(q: &ListQuery) -> [Choice; 4] {
    let state = Choice::new(
        "f-state",
        "state",
        "State",
        std::iter::once(any("Any state")).chain(
            RequestState::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.as_str().to_owned())),
        ),
        &q.state,
    );
    let kind = Choice::new(
        "f-kind",
        "kind",
        "Kind",
        std::iter::once(any("Any kind")).chain(
            RequestKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), k.as_str().to_owned())),
        ),
        &q.kind,
    );
    let direction = Choice::new(
        "f-direction",
        "direction",
        "Direction",
        [
            any("Sent and received"),
            ("sent".into(), "Sent by my organisation".into()),
            ("received".into(), "Received by my organisation".into()),
        ],
        &q.direction,
    );
    let overdue = Choice::new(
        "f-overdue",
        "overdue",
        "Overdue",
        [
            any("Overdue or not"),
            ("yes".into(), "Overdue only".into()),
            ("no".into(), "Not overdue".into()),
        ],
        &q.overdue,
    );
    [state, kind, direction, overdue]
}

/// The filter the query asks for, or the reason it cannot be read.
fn filter(q: &ListQuery, w: &WebUser) -> Result<RequestListFilter, String> {
    let mut f = RequestListFilter::default();
    if !q.state.is_empty() {
        f.state = Some(
            q.state
                .parse()
                .map_err(|e: simpul_core::Invalid| e.message)?,
        );
    }
    if !q.kind.is_empty() {
        f.kind = Some(
            q.kind
                .parse()
                .map_err(|e: simpul_core::Invalid| e.message)?,
        );
    }
    let own = w.principal.as_user().map(|u| u.org.short_name.clone());
    match q.direction.as_str() {
        "" => {}
        "sent" => f.from = own,
        "received" => f.to = own,
        other => {
            return Err(format!(
                "direction `{}`: sent or received",
                simpul_core::error::excerpt(other)
            ));
        }
    }
    f.overdue = match q.overdue.as_str() {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        other => {
            return Err(format!(
                "overdue `{}`: yes or no",
                simpul_core::error::excerpt(other)
            ));
        }
    };
    Ok(f)
}

fn row(v: &RequestView, names: &HashMap<OrgId, String>, prefs: &Prefs) -> Row {
    let r = &v.request;
    Row {
        href: format!("/requests/{}", r.id),
        summary: r.summary.clone(),
        kind: r.kind.as_str().to_owned(),
        from: name_of(names, r.requester_org),
        to: match r.to_country {
            Some(cc) => format!("{} ({})", name_of(names, r.target_org), cc.as_str()),
            None => name_of(names, r.target_org),
        },
        urgency: r.urgency.as_str().to_owned(),
        state: r.state.as_str().to_owned(),
        overdue: v.overdue,
        due: prefs.when(r.due),
        created: prefs.when(r.created_at),
        tlp: tlp_badge(r.tlp),
    }
}

/// `GET /requests`: the list with its filters.
pub(super) async fn list(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<ListQuery>,
) -> Response {
    let f = match filter(&q, &w) {
        Ok(f) => f,
        Err(why) => return bad_request(why),
    };
    let built = async {
        let list = state.service.list_requests(&w.principal, &f).await?;
        let names = org_names(&state, &w).await?;
        Ok::<_, CoreError>((list, names))
    }
    .await;
    let (list, names) = match built {
        Ok(b) => b,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let more = list.len() > LIST_LIMIT;
    let rows = list
        .iter()
        .take(LIST_LIMIT)
        .map(|v| row(v, &names, &prefs))
        .collect();
    let [state_c, kind, direction, overdue] = choices(&q);
    let page = ListPage {
        rows,
        more,
        filtered: !(q.state.is_empty()
            && q.kind.is_empty()
            && q.direction.is_empty()
            && q.overdue.is_empty()),
        state: state_c,
        kind,
        direction,
        overdue,
        may_create: super::requests_new::may_create(&w),
        chrome: Chrome::signed_in("Action requests", &w, prefs, "/requests"),
    };
    html(axum::http::StatusCode::OK, page.render())
}
