//! Federation peers (site-admin, as `/api/v1/peers`): their sync status, adding one (its secret is
//! sealed and never shown back, not even in a refused form) and removing one.

use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;
use simpul_core::access::Action;
use simpul_core::federation::{
    CollectionMap, DEFAULT_INTERVAL_SECS, Direction, NewPeer, PeerAuth, PeerName,
};
use simpul_core::{CoreError, Invalid};

use super::super::view::{Chrome, Field, NavItem, Prefs, When};
use super::super::{CsrfForm, WebUser, error_page, html};
use super::{
    AdminChrome, Choice, Form, Notice, Retry, St, chrome, done, flash, need, or_retry, refill,
    shown,
};
use crate::AppState;
use crate::error::ApiError;

struct Row {
    name: String,
    url: String,
    auth: String,
    direction: &'static str,
    maps: Vec<(String, String)>,
    interval: u32,
    last_sync: Option<When>,
    last_success: Option<When>,
    objects_in: u64,
    objects_out: u64,
    refused: u64,
    errors: u64,
    last_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/peers.html")]
struct PeersPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    notice: Option<Notice>,
    csrf: String,
    rows: Vec<Row>,
    /// Local collections to map to: title, id.
    locals: Vec<(String, String)>,
    name: Field,
    url: Field,
    auth: Choice,
    token: Field,
    user: Field,
    password: Field,
    direction: Choice,
    maps: Field,
    interval: Field,
    act_as: Field,
}

async fn peers_page(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    notice: Option<Notice>,
    retry: Option<Retry>,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need(p, Action::ManagePeers) {
        return error_page(&r, None);
    }
    let (peers, collections) = match (
        state.service.list_peers(p).await,
        state.service.list_collections(p).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return error_page(&ApiError::from(e), None),
    };
    let title_of = |id: simpul_core::intel::CollectionId| {
        collections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.0.to_string(), |c| c.title.clone())
    };
    let rows = peers
        .into_iter()
        .map(|peer| Row {
            maps: peer
                .maps
                .iter()
                .map(|m| (m.remote.clone(), title_of(m.local)))
                .collect(),
            name: peer.name.to_string(),
            url: peer.url,
            auth: peer.auth_kind,
            direction: peer.direction.as_str(),
            interval: peer.interval_secs,
            last_sync: peer.status.last_sync.map(|t| prefs.when(t)),
            last_success: peer.status.last_success.map(|t| prefs.when(t)),
            objects_in: peer.status.objects_in,
            objects_out: peer.status.objects_out,
            refused: peer.status.refused,
            errors: peer.status.errors,
            last_error: peer
                .status
                .last_error
                .map(|e| crate::error::bound_message(&e)),
        })
        .collect();
    let mut name = Field::new("peer-name", "name", "Name")
        .required()
        .help("Lower case letters, digits, dots, dashes; the same name replaces that peer.");
    let mut url = Field::new("peer-url", "url", "TAXII discovery URL")
        .required()
        .help("http:// or https://, e.g. https://hub.example/taxii2/");
    let mut auth = Choice::new(
        "peer-auth",
        "auth",
        "Sign in at the peer with",
        [
            ("token", "A bearer token"),
            ("basic", "A user and password (HTTP Basic)"),
        ]
        .map(|(v, l)| (v.to_owned(), l.to_owned())),
        "token",
    );
    let mut token = Field::new("peer-token", "token", "Token")
        .kind("password")
        .help("With a bearer token. Sealed at rest, never shown again.");
    let mut user = Field::new("peer-user", "user", "User").help("With HTTP Basic.");
    let mut password = Field::new("peer-password", "password", "Password")
        .kind("password")
        .autocomplete("new-password")
        .help("With HTTP Basic. Sealed at rest, never shown again.");
    let mut direction = Choice::new(
        "peer-direction",
        "direction",
        "Direction",
        Direction::ALL
            .iter()
            .map(|d| (d.as_str().to_owned(), d.as_str().to_owned())),
        Direction::Pull.as_str(),
    );
    let mut maps = Field::new("peer-maps", "maps", "Collections")
        .required()
        .help("REMOTE_COLLECTION_ID=LOCAL_COLLECTION_ID, several separated by commas.");
    let mut interval = Field::new("peer-interval", "interval", "Interval in seconds")
        .value(DEFAULT_INTERVAL_SECS.to_string());
    let mut act_as = Field::new("peer-as", "as", "Acts as")
        .kind("email")
        .required()
        .help("The email of the local account of the peer's organisation.");
    let refused = refill(
        retry.as_ref(),
        "add",
        &mut [
            &mut name,
            &mut url,
            &mut token,
            &mut user,
            &mut password,
            &mut maps,
            &mut interval,
            &mut act_as,
        ],
        &mut [&mut auth, &mut direction],
        "name",
    );
    let AdminChrome { chrome, sections } = chrome("Peers", w, prefs, "/admin/peers");
    let page = PeersPage {
        chrome,
        sections,
        notice: refused.or(notice),
        csrf: w.csrf.clone(),
        rows,
        locals: collections
            .iter()
            .map(|c| (c.title.clone(), c.id.0.to_string()))
            .collect(),
        name,
        url,
        auth,
        token,
        user,
        password,
        direction,
        maps,
        interval,
        act_as,
    };
    html(Retry::status(retry.as_ref()), page.render())
}

/// `GET /admin/peers`.
pub(super) async fn list(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    headers: HeaderMap,
) -> Response {
    let res = peers_page(&state, &w, prefs, flash(&headers), None).await;
    shown(&state, &headers, res)
}

fn parse(f: &Form) -> Result<NewPeer, Invalid> {
    let auth = match f.get("auth") {
        "basic" => PeerAuth::Basic {
            user: f.get("user").to_owned(),
            password: f.get("password").to_owned(),
        },
        _ => PeerAuth::Token {
            token: f.get("token").to_owned(),
        },
    };
    let maps = f
        .get("maps")
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| CollectionMap::parse("maps", m))
        .collect::<Result<Vec<_>, _>>()?;
    let interval = f.get("interval").trim();
    let interval_secs = if interval.is_empty() {
        DEFAULT_INTERVAL_SECS
    } else {
        interval
            .parse::<u32>()
            .map_err(|_| Invalid::new("interval", "must be a whole number of seconds"))?
    };
    Ok(NewPeer {
        name: PeerName::parse(f.get("name")).map_err(|e| Invalid::new("name", e.message))?,
        url: f.get("url").trim().to_owned(),
        auth,
        direction: f.get("direction").parse()?,
        maps,
        interval_secs,
        act_as: f.get("as").to_owned(),
    })
}

/// `POST /admin/peers`: `POST /api/v1/peers`.
pub(super) async fn add(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let result = match parse(&f) {
        Ok(new) => state.service.add_peer(&w.principal, new).await,
        Err(e) => Err(CoreError::from(e)),
    };
    match result {
        Ok(peer) => done(
            &state,
            "/admin/peers",
            format!("Peer {} saved.", peer.name),
            None,
        ),
        Err(e) => {
            let mut err = ApiError::from(e);
            for fe in &mut err.errors {
                if fe.pointer.starts_with("maps") {
                    fe.pointer = "maps".into();
                }
            }
            or_retry("add", f, err, |r| {
                peers_page(&state, &w, prefs, None, Some(r))
            })
            .await
        }
    }
}

/// `POST /admin/peers/remove` with `name`: `DELETE /api/v1/peers/{name}`.
pub(super) async fn remove(
    St(state): St<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<Form>,
) -> Response {
    let name = f.get("name").to_owned();
    match state.service.remove_peer(&w.principal, &name).await {
        Ok(()) => done(
            &state,
            "/admin/peers",
            format!("Peer {name} removed."),
            None,
        ),
        Err(e) => {
            or_retry("remove", f, e.into(), |r| {
                peers_page(&state, &w, prefs, None, Some(r))
            })
            .await
        }
    }
}
