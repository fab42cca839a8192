//! Submit: one indicator or observable from a form (`/submit`), with a server-side preview of its
//! canonical key and the STIX that would be stored. What the forms compose
//! ([`simpul_core::intel::compose`]) is shared through [`simpul_core::Service::share_document`],
//! the service behind `POST /api/v1/collections/{id}/objects`: the same validation, sharing rules
//! and store. [`super::scam`] is the scam report form, [`super::upload`] the file upload.

use std::str::FromStr;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::access::sharing::may_write_collection;
use simpul_core::intel::compose::{self, Draft};
use simpul_core::intel::service::{ShareOptions, observable_context};
use simpul_core::intel::{Collection, CollectionId, Tlp};
use simpul_core::{Action, CoreError, authorize};
use simpul_observable::{Canonical, Context, ObservableType as T};
use time::OffsetDateTime;

use super::view::{Chrome, Field, Prefs};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The longest name, description or value a submit form takes (bytes).
pub(super) const MAX_TEXT: usize = 4096;

/// One `<option>`.
#[derive(Debug)]
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An `<optgroup>` of observable types.
#[derive(Debug)]
pub(super) struct Group {
    pub label: &'static str,
    pub options: Vec<Choice>,
}

/// What a person calls an observable type's family.
pub(super) fn family_label(family: &str) -> &'static str {
    match family {
        "domain" => "Domain name",
        "url" => "URL",
        "ipv4" => "IPv4 address",
        "ipv6" => "IPv6 address",
        "ipv4-cidr" => "IPv4 network (CIDR)",
        "ipv6-cidr" => "IPv6 network (CIDR)",
        "email" => "E-mail address",
        "asn" => "AS number",
        "mac" => "MAC address",
        "md5" => "File hash: MD5",
        "sha1" => "File hash: SHA-1",
        "sha256" => "File hash: SHA-256",
        "sha512" => "File hash: SHA-512",
        "ssdeep" => "File hash: ssdeep",
        "tlsh" => "File hash: TLSH",
        "phone" => "Phone number",
        "sms-sender" => "SMS sender",
        "iban" => "IBAN",
        "bic" => "BIC (SWIFT code)",
        "bank-account" => "Bank account",
        "payment-card" => "Payment card",
        "crypto-wallet" => "Crypto wallet",
        "social-account" => "Social account",
        "app-id" => "Mobile app",
        "ewallet" => "E-wallet",
        _ => "Observable",
    }
}

/// The label of one type: its family's, and its network, platform or provider.
fn type_label(t: T) -> String {
    let family = family_label(t.family());
    match t.to_string().split_once(':') {
        Some((_, param)) => format!("{family} — {param}"),
        None if matches!(t, T::CryptoWallet(_) | T::SocialAccount(_) | T::Ewallet(_)) => {
            format!("{family} — other or not stated")
        }
        None => family.to_owned(),
    }
}

/// Every observable type simpul normalises, grouped, `selected` chosen.
fn type_groups(selected: &str) -> Vec<Group> {
    let group_of = |t: T| match t {
        T::Md5 | T::Sha1 | T::Sha256 | T::Sha512 | T::Ssdeep | T::Tlsh => 1,
        T::Phone | T::SmsSender | T::Iban | T::Bic | T::BankAccount | T::PaymentCard | T::AppId => {
            2
        }
        T::CryptoWallet(_) => 3,
        T::SocialAccount(_) => 4,
        T::Ewallet(_) => 5,
        _ => 0,
    };
    let mut groups: Vec<Group> = [
        "Network",
        "File hash",
        "Scam and fraud",
        "Crypto wallet",
        "Social account",
        "E-wallet",
    ]
    .into_iter()
    .map(|label| Group {
        label,
        options: Vec::new(),
    })
    .collect();
    for t in T::all() {
        let value = t.to_string();
        groups[group_of(t)].options.push(Choice {
            selected: value == selected,
            label: type_label(t),
            value,
        });
    }
    groups
}

/// The TLP levels, `selected` chosen.
pub(super) fn tlp_choices(selected: Option<Tlp>) -> Vec<Choice> {
    Tlp::ALL
        .iter()
        .map(|&t| Choice {
            value: t.label().to_owned(),
            label: t.label().to_owned(),
            selected: Some(t) == selected,
        })
        .collect()
}

/// The collections `w` may share into (none when their role may not share at all).
pub(super) async fn writable(state: &AppState, w: &WebUser) -> Result<Vec<Collection>, CoreError> {
    let p = &w.principal;
    if authorize(p, Action::ShareIntel).is_err() {
        return Ok(Vec::new());
    }
    let all = state.service.list_collections(p).await?;
    Ok(all
        .into_iter()
        .filter(|c| may_write_collection(p, c))
        .collect())
}

/// The collections for a `<select>`, `selected` chosen.
pub(super) fn collection_choices(all: &[Collection], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|c| {
            let value = c.id.to_string();
            Choice {
                selected: value == selected,
                label: format!("{} (default {})", c.title, c.default_tlp.label()),
                value,
            }
        })
        .collect()
}

/// The context values of the signed-in person are normalised in: their organisation's country.
pub(super) fn context_of(w: &WebUser) -> Context {
    w.principal
        .as_user()
        .map_or_else(Context::new, |u| observable_context(&u.org))
}

/// A form value bounded to [`MAX_TEXT`].
pub(super) fn bounded(field: &str, v: &str) -> Result<(), String> {
    if v.len() > MAX_TEXT {
        return Err(format!(
            "{field} is too long: at most {MAX_TEXT} bytes (got {})",
            v.len()
        ));
    }
    Ok(())
}

/// The TLP of a form.
pub(super) fn tlp_of(v: &str) -> Result<Tlp, String> {
    simpul_core::intel::parse_tlp("tlp", v).map_err(|e| e.message)
}

/// The collection of a form.
pub(super) fn collection_of(v: &str) -> Result<CollectionId, String> {
    uuid::Uuid::parse_str(v.trim())
        .map(CollectionId)
        .map_err(|_| "choose a collection you may write into".to_owned())
}

/// Shares `objects` as one bundle into `collection` as `w`; the first object's id once stored (or
/// already stored), else why not: (field, message) — `collection` when the sharing rules refuse
/// the collection, `""` for the page.
pub(super) async fn share(
    state: &AppState,
    w: &WebUser,
    collection: CollectionId,
    tlp: Tlp,
    objects: Vec<serde_json::Value>,
) -> Result<String, Refusal> {
    let id = objects
        .first()
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let body = compose::bundle(objects).to_string();
    let opts = ShareOptions {
        recipients: Vec::new(),
        tlp: Some(tlp),
    };
    let report = state
        .service
        .share_document(&w.principal, collection, body.as_bytes(), &opts)
        .await
        .map_err(|e| {
            let err = ApiError::from(e);
            if err.status.is_server_error() {
                Refusal::Server(err)
            } else if matches!(err.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                Refusal::Field("collection", crate::error::bound_message(&err.detail))
            } else {
                Refusal::Field("", crate::error::bound_message(&err.detail))
            }
        })?;
    if let Some(f) = report.failed.first() {
        let why = crate::error::bound_message(&f.message);
        return Err(if why.contains("TLP:RED") {
            Refusal::Field("tlp", why)
        } else {
            Refusal::Field("", why)
        });
    }
    Ok(id)
}

/// Why a submit stored nothing.
#[derive(Debug)]
pub(super) enum Refusal {
    /// The form's fault: the field (or `""`, the page) and the reason.
    Field(&'static str, String),
    /// The server's.
    Server(ApiError),
}

/// `valid_from` as a person types it: empty (now), RFC 3339, or a UTC date with an optional time
/// (`2026-12-01`, `2026-12-01 08:00`, `2026-12-01T08:00`).
pub(super) fn parse_time(v: &str) -> Result<Option<OffsetDateTime>, String> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let spaced = v.replacen('T', " ", 1);
    let with_time = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let date = format_description!("[year]-[month]-[day]");
    let parsed = OffsetDateTime::parse(v, &Rfc3339)
        .ok()
        .or_else(|| {
            time::PrimitiveDateTime::parse(&spaced, with_time)
                .ok()
                .map(time::PrimitiveDateTime::assume_utc)
        })
        .or_else(|| {
            time::Date::parse(&spaced, date)
                .ok()
                .map(|d| d.midnight().assume_utc())
        });
    if let Some(t) = parsed {
        if !simpul_core::clock::in_stored_range(t) {
            return Err("out of range: give a time in the years 1 to 9999 (UTC)".into());
        }
        return Ok(Some(t));
    }
    let v = spaced;
    Err(format!(
        "not a time: write 2026-12-01 08:00 (UTC) or 2026-12-01 (got `{}`)",
        simpul_core::error::excerpt(&v)
    ))
}

/// What the preview shows.
#[derive(Debug)]
struct Preview {
    /// The type the key has (it can be more specific than the type chosen).
    ty: String,
    refined: bool,
    key: String,
    /// `type|key`, as the store keys and search finds it.
    keyed: String,
    /// The pattern (an indicator) or the cyber-observable's JSON (an observation).
    stix_label: &'static str,
    stix: String,
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    chrome: Chrome,
    csrf: String,
    groups: Vec<Group>,
    kind_error: Option<String>,
    value: Field,
    name: Field,
    description: String,
    description_error: Option<String>,
    tlps: Vec<Choice>,
    tlp_error: Option<String>,
    collections: Vec<Choice>,
    collection_error: Option<String>,
    valid_from: Field,
    observed: bool,
    preview: Option<Preview>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SubmitForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    collection: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    shape: String,
    #[serde(default)]
    action: String,
}

/// The form's errors, by field.
#[derive(Debug, Default)]
struct Errors {
    kind: Option<String>,
    value: Option<String>,
    name: Option<String>,
    description: Option<String>,
    tlp: Option<String>,
    collection: Option<String>,
    valid_from: Option<String>,
    page: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.kind.is_some()
            || self.value.is_some()
            || self.name.is_some()
            || self.description.is_some()
            || self.tlp.is_some()
            || self.collection.is_some()
            || self.valid_from.is_some()
            || self.page.is_some()
    }

    fn set(&mut self, field: &str, why: String) {
        let slot = match field {
            "kind" => &mut self.kind,
            "value" => &mut self.value,
            "tlp" => &mut self.tlp,
            "collection" => &mut self.collection,
            _ => &mut self.page,
        };
        *slot = Some(why);
    }
}

async fn render(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    f: &SubmitForm,
    errors: Errors,
    preview: Option<Preview>,
    status: StatusCode,
) -> Response {
    let targets = match writable(state, w).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut notice = errors.page;
    if targets.is_empty() && notice.is_none() {
        notice = Some(
            "There is no collection you may share into: ask your site-admin for one.".to_owned(),
        );
    }
    let tlp = Tlp::from_str(f.tlp.trim()).ok().or(Some(Tlp::Amber));
    let mut value = Field::new("submit-value", "value", "Value")
        .required()
        .help("As you have it: refanged and normalised for you (hxxp, [.] and national phone numbers are fine).")
        .value(bounded_echo(&f.value));
    value.error = errors.value;
    let mut name = Field::new("submit-name", "name", "Name")
        .help("Empty: the type and the canonical value.")
        .value(bounded_echo(&f.name));
    name.error = errors.name;
    let mut valid_from = Field::new("submit-valid-from", "valid_from", "Valid from")
        .help("UTC, e.g. 2026-12-01 08:00 or 2026-12-01; empty: now.")
        .value(bounded_echo(&f.valid_from));
    valid_from.error = errors.valid_from;
    let kind = if f.kind.is_empty() {
        "domain"
    } else {
        f.kind.as_str()
    };
    let page = SubmitPage {
        csrf: w.csrf.clone(),
        groups: type_groups(kind),
        kind_error: errors.kind,
        value,
        name,
        description: bounded_echo(&f.description),
        description_error: errors.description,
        tlps: tlp_choices(tlp),
        tlp_error: errors.tlp,
        collections: collection_choices(&targets, f.collection.trim()),
        collection_error: errors.collection,
        valid_from,
        observed: f.shape == "observed-data",
        preview,
        notice,
        chrome: Chrome::signed_in("Submit", w, prefs, "/submit"),
    };
    html(status, page.render())
}

/// What a form sends back into its fields: never more than [`MAX_TEXT`] bytes of it.
pub(super) fn bounded_echo(v: &str) -> String {
    if v.len() <= MAX_TEXT {
        return v.to_owned();
    }
    let mut end = MAX_TEXT;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    v[..end].to_owned()
}

/// `GET /submit`.
pub(super) async fn page(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    let f = SubmitForm::default();
    render(
        &state,
        &w,
        prefs,
        &f,
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Normalises `raw` as `ty` for the form: the key, or the reason as a person reads it.
pub(super) fn normalise(ty: T, raw: &str, ctx: &Context) -> Result<Canonical, String> {
    simpul_observable::normalise(ty, raw, ctx).map_err(|e| {
        let text = e.to_string();
        // "invalid ipv4: not a dotted-quad …": the type is said once.
        let why = text
            .strip_prefix("invalid ")
            .and_then(|r| r.split_once(": "))
            .map_or(text.as_str(), |(_, why)| why);
        format!(
            "not a valid {}: {why}",
            family_label(ty.family()).to_lowercase()
        )
    })
}

/// `POST /submit`: `action=preview` shows the canonical key and the STIX; otherwise it is stored
/// and the browser sent to the new object.
pub(super) async fn submit(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<SubmitForm>,
) -> Response {
    let mut errors = Errors::default();
    let ty = match T::from_str(f.kind.trim()) {
        Ok(t) => Some(t),
        Err(_) => {
            errors.kind = Some("choose a type from the list".to_owned());
            None
        }
    };
    let canonical = match ty {
        _ if f.value.trim().is_empty() => {
            errors.value = Some("enter a value".to_owned());
            None
        }
        _ if f.value.len() > MAX_TEXT => {
            errors.value = bounded("the value", &f.value).err();
            None
        }
        Some(t) => match normalise(t, &f.value, &context_of(&w)) {
            Ok(c) => Some(c),
            Err(why) => {
                errors.value = Some(why);
                None
            }
        },
        None => None,
    };
    errors.name = bounded("the name", &f.name).err();
    errors.description = bounded("the description", &f.description).err();
    let tlp = tlp_of(&f.tlp).map_err(|e| errors.tlp = Some(e)).ok();
    let valid_from = parse_time(&f.valid_from)
        .map_err(|e| errors.valid_from = Some(e))
        .ok()
        .flatten();
    let preview_only = f.action == "preview";
    let collection = if preview_only {
        None
    } else {
        collection_of(&f.collection)
            .map_err(|e| errors.collection = Some(e))
            .ok()
    };
    let (Some(c), Some(tlp), false) = (canonical, tlp, errors.any()) else {
        return render(
            &state,
            &w,
            prefs,
            &f,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let default_name = format!("{} {}", c.ty(), c.key());
    let draft = Draft {
        name: if f.name.trim().is_empty() {
            &default_name
        } else {
            &f.name
        },
        description: &f.description,
        tlp,
        valid_from,
        now: state.service.now(),
    };
    let observed = f.shape == "observed-data";
    let objects = if observed {
        compose::observation(&c, &draft)
    } else {
        vec![compose::indicator(&c, &draft)]
    };
    if preview_only {
        let carrier = if observed { &objects[1] } else { &objects[0] };
        let preview = Preview {
            ty: c.ty().to_string(),
            refined: ty.is_some_and(|t| t != c.ty()),
            key: c.key().to_owned(),
            keyed: compose::keys_in(&carrier.to_string()).join(", "),
            stix_label: if observed {
                "Cyber-observable"
            } else {
                "STIX pattern"
            },
            stix: if observed {
                serde_json::to_string_pretty(carrier).unwrap_or_default()
            } else {
                carrier["pattern"].as_str().unwrap_or_default().to_owned()
            },
        };
        return render(&state, &w, prefs, &f, errors, Some(preview), StatusCode::OK).await;
    }
    let Some(collection) = collection else {
        return render(
            &state,
            &w,
            prefs,
            &f,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match share(&state, &w, collection, tlp, objects).await {
        Ok(id) => see_other(&format!("/objects/{id}")),
        Err(Refusal::Server(err)) => error_page(&err, None),
        Err(Refusal::Field(field, why)) => {
            errors.set(field, why);
            render(
                &state,
                &w,
                prefs,
                &f,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
