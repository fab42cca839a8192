//! Upload (`/submit/upload`): a STIX bundle (or array, or JSON lines) or MISP event JSON file into
//! a collection, imported as `simpul import` and `POST /api/v1/collections/{id}/imports` do it
//! ([`simpul_core::Service::import_now`]: the format told from the first bytes, the same
//! pipeline, sharing rules and job record), spooled to a file on the way in and bounded by the
//! server's import size limit. The answer is the import's result: counts of stored, skipped
//! (already stored, unchanged) and refused objects, and each refused one with its reason.
//!
//! The form is `multipart/form-data` with the CSRF token, the collection and the TLP before the
//! file (as the page orders them), so everything is checked before a byte of the file is kept.

use std::io::{Read, Seek};

use askama::Template;
use axum::extract::multipart::{Field as Part, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::intel::Tlp;
use simpul_core::intel::imports::ImportState;
use simpul_core::intel::service::ShareOptions;

use super::submit::{Choice, collection_choices, collection_of, tlp_choices, writable};
use super::view::{Chrome, Prefs};
use super::{WebUser, error_page, html};
use crate::AppState;
use crate::api::imports::Spool;
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "submit_upload.html")]
struct UploadPage {
    chrome: Chrome,
    csrf: String,
    collections: Vec<Choice>,
    collection_error: Option<String>,
    tlps: Vec<Choice>,
    default_tlp: bool,
    file_error: Option<String>,
    limit: String,
    notice: Option<String>,
    result: Option<Outcome>,
}

/// What an import did.
#[derive(Debug)]
struct Outcome {
    file: String,
    collection: String,
    read: u64,
    stored: u64,
    skipped: u64,
    refused: u64,
    warnings: u64,
    /// Why the import stopped before the end.
    stopped: Option<String>,
    refusals: Vec<Refused>,
}

#[derive(Debug)]
struct Refused {
    /// Its position in the file, from 1.
    number: usize,
    id: String,
    path: String,
    reason: String,
}

/// What the form said so far.
#[derive(Debug, Default)]
struct Sent {
    csrf: String,
    collection: String,
    tlp: String,
}

/// `n` bytes in words.
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    sent: &Sent,
    collection_error: Option<String>,
    file_error: Option<String>,
    result: Option<Outcome>,
    status: StatusCode,
) -> Response {
    let targets = match writable(state, w).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let tlp = sent.tlp.trim().parse::<Tlp>().ok();
    let page = UploadPage {
        csrf: w.csrf.clone(),
        collections: collection_choices(&targets, sent.collection.trim()),
        collection_error,
        tlps: tlp_choices(tlp),
        default_tlp: tlp.is_none(),
        file_error,
        limit: size(state.settings.max_import_bytes),
        notice: targets.is_empty().then(|| {
            "There is no collection you may share into: ask your site-admin for one.".to_owned()
        }),
        result,
        chrome: {
            let mut c = Chrome::signed_in("Upload", w, prefs, "/submit");
            c.path = "/submit/upload".to_owned();
            c
        },
    };
    html(status, page.render())
}

/// `GET /submit/upload`.
pub(super) async fn page(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    let sent = Sent::default();
    render(&state, &w, prefs, &sent, None, None, None, StatusCode::OK).await
}

/// The most bytes a text part of the form may have.
const MAX_PART: usize = 256;

/// A short text part.
async fn text(part: &mut Part<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(|e| e.body_text())? {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_PART {
            return Err("a form field is too long".to_owned());
        }
    }
    String::from_utf8(out).map_err(|_| "a form field is not text".to_owned())
}

/// Why an upload was refused: on the form (the file's fault, or the collection's), or a page.
enum Refusal {
    File(String, StatusCode),
    Collection(String),
    Page(Box<Response>),
}

/// `POST /submit/upload`.
pub(super) async fn upload(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut sent = Sent::default();
    let outcome = match form {
        Ok(form) => receive(&state, &w, form, &mut sent).await,
        Err(rej) => Err(Refusal::File(
            format!("the upload could not be read: {}", rej.body_text()),
            StatusCode::BAD_REQUEST,
        )),
    };
    match outcome {
        Ok(result) => {
            render(
                &state,
                &w,
                prefs,
                &sent,
                None,
                None,
                Some(result),
                StatusCode::OK,
            )
            .await
        }
        Err(Refusal::Page(res)) => *res,
        Err(Refusal::Collection(why)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &w, prefs, &sent, Some(why), None, None, status).await
        }
        Err(Refusal::File(why, status)) => {
            render(&state, &w, prefs, &sent, None, Some(why), None, status).await
        }
    }
}

/// How many parts the form does not send an upload may carry (skipped) before it is refused.
const MAX_OTHER_PARTS: u32 = 8;

/// Reads the form, spools the file and imports it.
async fn receive(
    state: &AppState,
    w: &WebUser,
    mut form: Multipart,
    sent: &mut Sent,
) -> Result<Outcome, Refusal> {
    let limit = state.settings.max_import_bytes;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            Refusal::File(
                format!("the upload could not be read: {}", e.body_text()),
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let mut spooled = None;
    let mut file_name = String::new();
    let mut other_parts = 0_u32;
    while let Some(mut part) = form.next_field().await.map_err(bad)? {
        match part.name().unwrap_or_default() {
            "csrf_token" => sent.csrf = text(&mut part).await.map_err(|e| file(&e))?,
            "collection" => sent.collection = text(&mut part).await.map_err(|e| file(&e))?,
            "tlp" => sent.tlp = text(&mut part).await.map_err(|e| file(&e))?,
            "file" if spooled.is_none() => {
                // Nothing of the file is kept before the token, the collection and the right to
                // import into it are known.
                check_csrf(w, &sent.csrf)?;
                let (collection, opts) = target(sent)?;
                state
                    .service
                    .check_import(&w.principal, collection, &opts)
                    .await
                    .map_err(|e| refused_collection(e.into()))?;
                file_name = part
                    .file_name()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                let mut spool = Spool::new(state)
                    .await
                    .map_err(|e| Refusal::Page(Box::new(error_page(&e, None))))?;
                while let Some(chunk) = part.chunk().await.map_err(bad)? {
                    if spool.write(&chunk).await.is_err() {
                        drain(&mut part, limit).await;
                        return Err(too_large(limit));
                    }
                }
                spooled = Some(
                    spool
                        .finish()
                        .await
                        .map_err(|e| Refusal::Page(Box::new(error_page(&e, None))))?,
                );
                // The form's fields come before its file: nothing after it is read.
                break;
            }
            // A part the form does not have: skipped (multer reads it past), a few at most.
            _ => {
                other_parts += 1;
                if other_parts > MAX_OTHER_PARTS {
                    return Err(Refusal::File(
                        "the upload has parts this form does not send".to_owned(),
                        StatusCode::BAD_REQUEST,
                    ));
                }
            }
        }
    }
    check_csrf(w, &sent.csrf)?;
    let (collection, opts) = target(sent)?;
    let Some((mut file, bytes)) = spooled.filter(|(_, n)| *n > 0) else {
        return Err(Refusal::File(
            "choose a file: a STIX bundle or a MISP event, as JSON".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    if !looks_like_json(&mut file) {
        return Err(Refusal::File(
            "not a JSON file: upload a STIX bundle or a MISP event (JSON)".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    // The import runs as its own task: a browser that gives up waiting (or a proxy's timeout)
    // drops this request, not the import half-way through (its job records how it ends).
    let (service, principal) = (state.service.clone(), w.principal.clone());
    let import = tokio::spawn(async move {
        service
            .import_now(
                &principal,
                collection,
                &opts,
                Box::new(file),
                Some(bytes),
                |_| {},
            )
            .await
    });
    let job = import
        .await
        .map_err(|e| Refusal::Page(Box::new(error_page(&ApiError::internal(&e), None))))?
        .map_err(|e| {
            let err = ApiError::from(e);
            if err.status.is_client_error() {
                refused_collection(err)
            } else {
                Refusal::Page(Box::new(error_page(&err, None)))
            }
        })?;
    if job.state == ImportState::Failed && job.counts.read == 0 {
        let why = job
            .error
            .unwrap_or_else(|| "the file could not be read".to_owned());
        return Err(Refusal::File(
            format!(
                "not a STIX bundle or MISP event: {}",
                crate::error::bound_message(&why)
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let collection_title = writable(state, w)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|c| c.id == collection))
        .map_or_else(|| collection.to_string(), |c| c.title);
    Ok(Outcome {
        file: file_name,
        collection: collection_title,
        read: job.counts.read,
        stored: job.counts.stored,
        skipped: job.counts.skipped,
        refused: job.counts.failed,
        warnings: job.counts.warnings,
        stopped: job.error.map(|e| crate::error::bound_message(&e)),
        refusals: job
            .failures
            .into_iter()
            .map(|f| Refused {
                number: f.index + 1,
                id: f.id.unwrap_or_default(),
                path: f.path,
                reason: crate::error::bound_message(&f.message),
            })
            .collect(),
    })
}

fn file(why: &str) -> Refusal {
    Refusal::File(why.to_owned(), StatusCode::BAD_REQUEST)
}

fn too_large(limit: u64) -> Refusal {
    Refusal::File(
        format!(
            "the file is larger than this server's upload limit of {}",
            size(limit)
        ),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

/// The shared CSRF check of the web forms ([`super::session::csrf_refused`]), as a refusal.
fn check_csrf(w: &WebUser, sent: &str) -> Result<(), Refusal> {
    match super::session::csrf_refused(w, sent) {
        Some(page) => Err(Refusal::Page(Box::new(page))),
        None => Ok(()),
    }
}

fn target(sent: &Sent) -> Result<(simpul_core::intel::CollectionId, ShareOptions), Refusal> {
    let collection = collection_of(&sent.collection).map_err(Refusal::Collection)?;
    let tlp = match sent.tlp.trim() {
        "" | "default" => None,
        t => Some(
            simpul_core::intel::parse_tlp("tlp", t).map_err(|e| Refusal::Collection(e.message))?,
        ),
    };
    Ok((
        collection,
        ShareOptions {
            recipients: Vec::new(),
            tlp,
        },
    ))
}

fn refused_collection(err: ApiError) -> Refusal {
    Refusal::Collection(crate::error::bound_message(&err.detail))
}

/// Reads and drops what is left of a file too large to keep (so the browser, still sending, gets
/// the answer), up to another `limit` bytes.
async fn drain(part: &mut Part<'_>, limit: u64) {
    let mut left = limit;
    while let Ok(Some(chunk)) = part.chunk().await {
        left = left.saturating_sub(chunk.len() as u64);
        if left == 0 {
            break;
        }
    }
}

/// Whether the file starts (after white space and a byte-order mark) like JSON; rewinds it.
fn looks_like_json(file: &mut impl ReadSeek) -> bool {
    let mut head = [0u8; 512];
    let n = file.read(&mut head).unwrap_or(0);
    let _ = file.rewind();
    let head = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n]);
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}

/// A file that can be read and rewound.
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}
