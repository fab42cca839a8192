//! The match page: paste observables (one a line, any kind simpul normalises) or upload a text or
//! CSV file, and see which shared indicators they hit — each line's canonical form, its hits with
//! the indicator, its TLP, the producing organisation and country, its decay for the reader and
//! the warninglists its value is on; lines that do not read as an observable, with the reason.
//! "Download CSV" posts the same input and answers the same results as a CSV file.
//!
//! Each line is read first with [`read_value`], the reading of the REST route (so every line's
//! outcome can be shown); the lines that read are then matched by
//! [`Service::match_values`](simpul_core::Service::match_values), the service function of
//! `POST /api/v1/match`: the match index admits only hits on indicators the sharing policy lets
//! the reader see, so nothing else is shown or counted. The producers of the hits come from
//! `list_objects` with the reader's principal, likewise.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use simpul_core::intel::Tlp;
use simpul_core::intel::match_values::read_value;
use simpul_core::intel::service::observable_context;
use simpul_core::intel::store::ObjectQuery;
use simpul_core::{OrgId, Organisation};
use simpul_observable::ObservableType;

use super::session::csrf_refused;
use super::view::{Badge, Chrome, Prefs, tlp_badge};
use super::{WebUser, error_page, html};
use crate::AppState;
use crate::error::{ApiError, bound_message};
use csv::{csv_response, file_lines};

mod csv;

/// The most non-blank lines one match takes (pasted and uploaded together).
pub(super) const MAX_LINES: usize = 1000;
/// The largest file one match takes.
pub(super) const MAX_FILE_BYTES: usize = 1 << 20;
/// The body limit of `POST /match`: the file, the pasted text and the form's other fields.
pub(super) const MAX_BODY_BYTES: usize = 3 << 20;
/// The most characters of a line the page repeats.
const SHOW_CHARS: usize = 200;
/// The most characters of pasted text put back in the box.
const REFILL_CHARS: usize = 256 * 1024;

/// The form's fields, pasted or uploaded.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MatchForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    values: String,
    #[serde(default, rename = "type")]
    ty: String,
    #[serde(default)]
    download: String,
    /// The uploaded file: its name, media type and bytes (multipart only).
    #[serde(skip)]
    file: Option<(String, String, Vec<u8>)>,
}

/// What became of one input line.
#[derive(Debug)]
enum Outcome {
    /// Read as this canonical key (`type|key`).
    Read(String),
    /// No type detected.
    Unrecognised,
    /// Not valid for the type named: the reason.
    Invalid(String),
}

/// One hit of a line, as shown.
#[derive(Debug)]
struct HitRow {
    indicator_id: String,
    href: String,
    name: String,
    tlp: Badge,
    org: String,
    country: String,
    score: String,
    decayed: bool,
    warninglists: String,
    /// How it matched when not by the whole value: `host evil.example`.
    part: String,
}

/// One input line with its outcome and hits.
#[derive(Debug)]
struct LineRow {
    n: usize,
    input: String,
    ty: String,
    canonical: String,
    /// `hit`, `none`, `unrecognised`, `invalid`.
    status: &'static str,
    reason: String,
    hits: Vec<HitRow>,
    /// Rows the line spans in the table (at least one).
    span: usize,
}

/// The counts above the results.
#[derive(Debug, Default)]
struct Summary {
    lines: usize,
    read: usize,
    unrecognised: usize,
    invalid: usize,
    lines_hit: usize,
    hits: usize,
    indicators: usize,
    decayed: usize,
    listed: usize,
}

#[derive(Template)]
#[template(path = "match.html")]
struct MatchPage {
    chrome: Chrome,
    csrf: String,
    values: String,
    types: Vec<(String, bool)>,
    ty_error: Option<String>,
    values_error: Option<String>,
    file_error: Option<String>,
    /// The reader's organisation's country (empty: none).
    region: String,
    max_lines: usize,
    max_file: String,
    results: Option<Vec<LineRow>>,
    summary: Summary,
}

impl MatchPage {
    fn new(w: &WebUser, prefs: Prefs, form: &MatchForm) -> Self {
        let region = w
            .principal
            .as_user()
            .and_then(|u| u.org.country.map(|c| c.as_str().to_owned()))
            .unwrap_or_default();
        let ty = form.ty.trim();
        let types = ObservableType::all()
            .into_iter()
            .map(|t| {
                let name = t.to_string();
                let selected = name == ty;
                (name, selected)
            })
            .collect();
        Self {
            chrome: Chrome::signed_in("Match", w, prefs, "/match"),
            csrf: w.csrf.clone(),
            values: refill(&form.values),
            types,
            ty_error: None,
            values_error: None,
            file_error: None,
            region,
            max_lines: MAX_LINES,
            max_file: format!("{} MiB", MAX_FILE_BYTES >> 20),
            results: None,
            summary: Summary::default(),
        }
    }
}

/// Pasted text to put back in the box: never a huge input.
fn refill(text: &str) -> String {
    if text.len() > REFILL_CHARS {
        String::new()
    } else {
        text.to_owned()
    }
}

/// `GET /match`: the empty form.
pub(super) async fn page(w: WebUser, prefs: Prefs) -> Response {
    html(
        StatusCode::OK,
        MatchPage::new(&w, prefs, &MatchForm::default()).render(),
    )
}

/// `POST /match`: the results as a page, or (the "Download CSV" button) as a CSV file.
pub(super) async fn run(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    req: Request,
) -> Response {
    let mut form = match read_form(&state, req).await {
        Ok(f) => f,
        Err(Refused::Page(res)) => return *res,
        Err(Refused::File(status, why)) => {
            // The fields could not all be read: the CSRF token may be among those unread, so the
            // page says why and shows nothing else.
            let mut page = MatchPage::new(&w, prefs, &MatchForm::default());
            page.file_error = Some(why);
            return html(status, page.render());
        }
    };
    if let Some(refused) = csrf_refused(&w, &form.csrf_token) {
        return refused;
    }
    let csv = form.download == "csv";
    let mut page = MatchPage::new(&w, prefs, &form);
    let ty = match form.ty.trim() {
        "" => None,
        t => match t.parse::<ObservableType>() {
            Ok(t) => Some(t),
            Err(e) => {
                page.ty_error = Some(bound_message(&e.to_string()));
                return html(StatusCode::BAD_REQUEST, page.render());
            }
        },
    };
    let mut lines: Vec<String> = form.values.lines().map(str::to_owned).collect();
    if let Some((name, mime, bytes)) = form.file.take() {
        match file_lines(&name, &mime, &bytes) {
            Ok(more) => {
                // The box holds every line from now on, so that "Download CSV" sends them again.
                lines.extend(more);
                page.values = refill(&lines.join("\n"));
            }
            Err(why) => {
                page.file_error = Some(why);
                return html(StatusCode::BAD_REQUEST, page.render());
            }
        }
    }
    let count = lines.iter().filter(|l| !l.trim().is_empty()).count();
    if count == 0 {
        page.values_error = Some("Paste at least one observable, or choose a file.".into());
        return html(StatusCode::BAD_REQUEST, page.render());
    }
    if count > MAX_LINES {
        page.values = String::new();
        page.values_error = Some(format!(
            "{count} lines: at most {MAX_LINES} in one match. Split the list, or send it to the \
             REST API (POST /api/v1/match)."
        ));
        return html(StatusCode::PAYLOAD_TOO_LARGE, page.render());
    }
    let rows = match results(&state, &w, &lines, ty).await {
        Ok(rows) => rows,
        Err(err) if err.status.is_client_error() => {
            page.values_error = Some(bound_message(&err.detail));
            return html(err.status, page.render());
        }
        Err(err) => return error_page(&err, None),
    };
    if csv {
        return csv_response(&rows, &page.chrome.prefs);
    }
    page.summary = summary(&rows);
    page.results = Some(rows);
    html(StatusCode::OK, page.render())
}

/// Why a form could not be read.
enum Refused {
    /// An answer as it stands (an unreadable body).
    Page(Box<Response>),
    /// The upload: its status and reason, for the form.
    File(StatusCode, String),
}

/// The form of `req`: multipart (with a file) or URL-encoded (pasted text only).
async fn read_form(state: &AppState, req: Request) -> Result<MatchForm, Refused> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "multipart/form-data" {
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            Refused::Page(Box::new(error_page(
                &crate::api::json::unreadable_body(rej),
                None,
            )))
        })?;
        return serde_urlencoded::from_bytes::<MatchForm>(&bytes).map_err(|e| {
            let err = ApiError::new(
                crate::error::ErrorCode::InvalidInput,
                format!("The form could not be read: {e}"),
            );
            Refused::Page(Box::new(error_page(&err, None)))
        });
    }
    let mut parts = Multipart::from_request(req, state)
        .await
        .map_err(|e| Refused::File(StatusCode::BAD_REQUEST, bound_message(&e.body_text())))?;
    let mut form = MatchForm::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refused::File(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The form is too large: a file of at most {} MiB.",
                    MAX_FILE_BYTES >> 20
                ),
            )
        } else {
            Refused::File(
                StatusCode::BAD_REQUEST,
                format!(
                    "The upload could not be read: {}",
                    bound_message(&e.body_text())
                ),
            )
        }
    };
    while let Some(mut field) = parts.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let file_mime = field.content_type().unwrap_or("").to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                    return Err(Refused::File(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "The file is larger than {} MiB: split it, or send it to the REST \
                             API (POST /api/v1/match).",
                            MAX_FILE_BYTES >> 20
                        ),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            // A form sent without choosing a file has an empty, nameless part.
            if !bytes.is_empty() {
                form.file = Some((file_name, file_mime, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "csrf_token" => form.csrf_token = text,
            "values" => form.values = text,
            "type" => form.ty = text,
            "download" => form.download = text,
            _ => {}
        }
    }
    Ok(form)
}

/// Every line's outcome and hits.
async fn results(
    state: &AppState,
    w: &WebUser,
    lines: &[String],
    ty: Option<ObservableType>,
) -> Result<Vec<LineRow>, ApiError> {
    let ctx = w
        .principal
        .as_user()
        .map_or_else(simpul_observable::Context::new, |u| {
            observable_context(&u.org)
        });
    let mut read: Vec<(usize, String, Outcome)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let value = line.trim();
        if value.is_empty() {
            continue;
        }
        let outcome = match read_value(value, ty, &ctx) {
            Ok(Some(c)) => Outcome::Read(c.to_string()),
            Ok(None) => Outcome::Unrecognised,
            Err(why) => Outcome::Invalid(why),
        };
        read.push((i + 1, value.to_owned(), outcome));
    }
    let values: Vec<String> = read
        .iter()
        .filter(|(_, _, o)| matches!(o, Outcome::Read(_)))
        .map(|(_, v, _)| v.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let hits = if values.is_empty() {
        Vec::new()
    } else {
        matched(state, w, values, ty).await?
    };
    let producers = producers(state, w, &hits).await?;
    let orgs: HashMap<OrgId, Organisation> = state
        .service
        .list_orgs(&w.principal)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut by_value: HashMap<&str, Vec<&Value>> = HashMap::new();
    for h in &hits {
        if let Some(v) = h.get("observable").and_then(Value::as_str) {
            by_value.entry(v).or_default().push(h);
        }
    }
    Ok(read
        .into_iter()
        .map(|(n, value, outcome)| {
            let found = by_value.get(value.as_str()).map_or(&[][..], Vec::as_slice);
            let hits: Vec<HitRow> = found
                .iter()
                .map(|h| hit_row(h, &producers, &orgs))
                .collect();
            let (ty, canonical, status, reason) = match outcome {
                Outcome::Read(c) => {
                    let (t, k) = c.split_once('|').unwrap_or(("", c.as_str()));
                    let status = if hits.is_empty() { "none" } else { "hit" };
                    (t.to_owned(), k.to_owned(), status, String::new())
                }
                Outcome::Unrecognised => (
                    String::new(),
                    String::new(),
                    "unrecognised",
                    "no type recognised: choose a type, or write it as type|value \
                     (phone|0812 3456 7890)"
                        .to_owned(),
                ),
                Outcome::Invalid(why) => {
                    (String::new(), String::new(), "invalid", bound_message(&why))
                }
            };
            LineRow {
                n,
                input: shorten(&value),
                ty,
                canonical,
                status,
                reason,
                span: hits.len().max(1),
                hits,
            }
        })
        .collect())
}

/// The hits of `values` for the reader, as the REST route answers them (one JSON object each).
async fn matched(
    state: &AppState,
    w: &WebUser,
    values: Vec<String>,
    ty: Option<ObservableType>,
) -> Result<Vec<Value>, ApiError> {
    let mut run = state
        .service
        .match_values(&w.principal, values, ty, None)
        .await?;
    let mut out = Vec::new();
    loop {
        // Matching is CPU work under the index's read lock: on a blocking thread.
        let (back, pending, more) = tokio::task::spawn_blocking(move || {
            let (pending, more) = run.match_chunk(MAX_LINES);
            (run, pending, more)
        })
        .await
        .map_err(|e| ApiError::internal(&format!("the match task failed: {e}")))?;
        run = back;
        run.finish(pending, &mut out).await?;
        if !more {
            break;
        }
    }
    Ok(out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}

/// The producing organisation of each indicator hit, by (id, collection): the latest versions
/// the reader may see.
async fn producers(
    state: &AppState,
    w: &WebUser,
    hits: &[Value],
) -> Result<HashMap<(String, String), OrgId>, ApiError> {
    let ids: BTreeSet<String> = hits
        .iter()
        .filter_map(|h| h.get("indicator_id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let ids: Vec<String> = ids.into_iter().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(200) {
        let q = ObjectQuery {
            ids: chunk.to_vec(),
            latest_only: true,
            limit: simpul_core::intel::store::MAX_PAGE,
            ..ObjectQuery::default()
        };
        for o in state.service.list_objects(&w.principal, &q).await? {
            out.insert((o.stix_id, o.collection.to_string()), o.producer_org);
        }
    }
    Ok(out)
}

fn hit_row(
    h: &Value,
    producers: &HashMap<(String, String), OrgId>,
    orgs: &HashMap<OrgId, Organisation>,
) -> HitRow {
    let s = |k: &str| h.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let id = s("indicator_id");
    let org = producers
        .get(&(id.clone(), s("collection")))
        .and_then(|o| orgs.get(o));
    let tlp = s("tlp").parse::<Tlp>().unwrap_or(Tlp::Red);
    let score = h.get("decay_score").and_then(Value::as_f64).unwrap_or(0.0);
    let part = match s("part").as_str() {
        "host" => format!("by its host {}", s("matched")),
        "parent-domain" => format!("by the parent domain {}", s("matched")),
        _ => String::new(),
    };
    let name = match s("indicator_name") {
        n if n.is_empty() => id.clone(),
        n => n,
    };
    HitRow {
        href: format!("/objects/{id}"),
        indicator_id: id,
        name,
        tlp: tlp_badge(tlp),
        org: org.map_or("—".to_owned(), |o| o.short_name.as_str().to_owned()),
        country: org
            .and_then(|o| o.country)
            .map_or(String::new(), |c| c.as_str().to_owned()),
        score: format!("{score:.0}"),
        decayed: h.get("decayed").and_then(Value::as_bool).unwrap_or(false),
        warninglists: h
            .get("warninglists")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        part,
    }
}

/// At most [`SHOW_CHARS`] characters of `s`.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOW_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn summary(rows: &[LineRow]) -> Summary {
    let mut s = Summary {
        lines: rows.len(),
        ..Summary::default()
    };
    let mut indicators = BTreeSet::new();
    for r in rows {
        match r.status {
            "unrecognised" => s.unrecognised += 1,
            "invalid" => s.invalid += 1,
            _ => s.read += 1,
        }
        if !r.hits.is_empty() {
            s.lines_hit += 1;
        }
        for h in &r.hits {
            s.hits += 1;
            s.decayed += usize::from(h.decayed);
            s.listed += usize::from(!h.warninglists.is_empty());
            indicators.insert(h.indicator_id.as_str());
        }
    }
    s.indicators = indicators.len();
    s
}
