//! The scam report quick form (`/submit/scam`): the phone number, URL, bank account, wallet,
//! social account and app of one scam — any of them, at least one — with a description, a TLP and
//! the collection (its audience). Stored as one STIX `report` over an indicator per observable,
//! each normalised; the result page (`/submit/scam/{report}`) reads them back through the
//! service (what the reader may see) and lists each with its stored key.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::intel::Tlp;
use simpul_core::intel::compose::{self, Draft};
use simpul_observable::{Context, CryptoNetwork, ObservableType as T, Region, SocialPlatform};

use super::submit::{
    Choice, Refusal, bounded, bounded_echo, collection_choices, collection_of, context_of,
    normalise, share, tlp_choices, tlp_of, writable,
};
use super::view::{Badge, Chrome, Field, Prefs, tlp_badge};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ScamForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    bank_account: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    bank_country: String,
    #[serde(default)]
    wallet: String,
    #[serde(default)]
    chain: String,
    #[serde(default)]
    social: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    app: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    collection: String,
}

#[derive(Template)]
#[template(path = "submit_scam.html")]
struct ScamPage {
    chrome: Chrome,
    csrf: String,
    phone: Field,
    url: Field,
    bank_account: Field,
    bank: Field,
    bank_country: Field,
    wallet: Field,
    chains: Vec<Choice>,
    social: Field,
    platforms: Vec<Choice>,
    app: Field,
    description: String,
    description_error: Option<String>,
    tlps: Vec<Choice>,
    tlp_error: Option<String>,
    collections: Vec<Choice>,
    collection_error: Option<String>,
    notice: Option<String>,
    /// A select without error.
    no_error: Option<String>,
}

/// Errors by field name.
type Errors = Vec<(&'static str, String)>;

fn take(errors: &mut Errors, name: &str) -> Option<String> {
    let i = errors.iter().position(|(n, _)| *n == name)?;
    Some(errors.remove(i).1)
}

fn named(names: &[&'static str], selected: &str) -> Vec<Choice> {
    names
        .iter()
        .map(|&n| Choice {
            value: n.to_owned(),
            label: if n == "other" {
                "other or not stated".to_owned()
            } else {
                n.to_owned()
            },
            selected: n == selected,
        })
        .collect()
}

async fn render(
    state: &AppState,
    w: &WebUser,
    prefs: Prefs,
    f: &ScamForm,
    mut errors: Errors,
    status: StatusCode,
) -> Response {
    let targets = match writable(state, w).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut field = |id, name: &'static str, label, help: &'static str, v: &str| {
        let mut f = Field::new(id, name, label)
            .help(help)
            .value(bounded_echo(v));
        f.error = take(&mut errors, name);
        f
    };
    let phone = field(
        "scam-phone",
        "phone",
        "Phone number",
        "International (+65 6123 4567) or national in your country's form.",
        &f.phone,
    );
    let url = field("scam-url", "url", "URL", "The scam's web page.", &f.url);
    let bank_account = field(
        "scam-bank-account",
        "bank_account",
        "Bank account",
        "Account number or IBAN the victims paid into.",
        &f.bank_account,
    );
    let bank = field(
        "scam-bank",
        "bank",
        "Bank",
        "The bank's code or short name, e.g. BCA.",
        &f.bank,
    );
    let bank_country = field(
        "scam-bank-country",
        "bank_country",
        "Bank's country",
        "Two letters, e.g. ID; empty: your organisation's.",
        &f.bank_country,
    );
    let wallet = field(
        "scam-wallet",
        "wallet",
        "Crypto wallet",
        "The address.",
        &f.wallet,
    );
    let social = field(
        "scam-social",
        "social",
        "Social account",
        "A handle (@name) or the profile's URL.",
        &f.social,
    );
    let app = field(
        "scam-app",
        "app",
        "App",
        "Package name (com.example.app) or its store URL.",
        &f.app,
    );
    let description_error = take(&mut errors, "description");
    let tlp_error = take(&mut errors, "tlp");
    let collection_error = take(&mut errors, "collection");
    let mut notice: Vec<String> = errors.into_iter().map(|(_, e)| e).collect();
    if targets.is_empty() {
        notice.push(
            "There is no collection you may share into: ask your site-admin for one.".to_owned(),
        );
    }
    let chains: Vec<&'static str> = CryptoNetwork::ALL.iter().map(|n| n.name()).collect();
    let platforms: Vec<&'static str> = SocialPlatform::ALL.iter().map(|p| p.name()).collect();
    let page = ScamPage {
        csrf: w.csrf.clone(),
        phone,
        url,
        bank_account,
        bank,
        bank_country,
        wallet,
        chains: named(
            &chains,
            if f.chain.is_empty() {
                "other"
            } else {
                &f.chain
            },
        ),
        social,
        platforms: named(
            &platforms,
            if f.platform.is_empty() {
                "other"
            } else {
                &f.platform
            },
        ),
        app,
        description: bounded_echo(&f.description),
        description_error,
        tlps: tlp_choices(Tlp::from_str(f.tlp.trim()).ok().or(Some(Tlp::Amber))),
        tlp_error,
        collections: collection_choices(&targets, f.collection.trim()),
        collection_error,
        notice: (!notice.is_empty()).then(|| notice.join(" ")),
        no_error: None,
        chrome: {
            let mut c = Chrome::signed_in("Scam report", w, prefs, "/submit");
            c.path = "/submit/scam".to_owned();
            c
        },
    };
    html(status, page.render())
}

/// `GET /submit/scam`.
pub(super) async fn page(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    render(
        &state,
        &w,
        prefs,
        &ScamForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The observables of the form, normalised (each error under its field).
fn observables(
    f: &ScamForm,
    ctx: &Context,
    errors: &mut Errors,
) -> Vec<simpul_observable::Canonical> {
    let mut out = Vec::new();
    let mut one = |name: &'static str, ty: T, raw: &str, ctx: &Context, errors: &mut Errors| {
        if raw.trim().is_empty() {
            return;
        }
        if let Err(e) = bounded("the value", raw) {
            errors.push((name, e));
            return;
        }
        match normalise(ty, raw, ctx) {
            Ok(c) => out.push(c),
            Err(e) => errors.push((name, e)),
        }
    };
    one("phone", T::Phone, &f.phone, ctx, errors);
    one("url", T::Url, &f.url, ctx, errors);
    if !f.bank_account.trim().is_empty() {
        let raw = match f.bank.trim() {
            "" => f.bank_account.trim().to_owned(),
            b => format!("{b}:{}", f.bank_account.trim()),
        };
        match f.bank_country.trim() {
            "" => one("bank_account", T::BankAccount, &raw, ctx, errors),
            c => match Region::parse(c) {
                Ok(r) => {
                    let there = Context::with_region(r);
                    one("bank_account", T::BankAccount, &raw, &there, errors);
                }
                Err(_) => errors.push((
                    "bank_country",
                    "two letters, the ISO code of the bank's country (e.g. ID)".to_owned(),
                )),
            },
        }
    }
    let chain = CryptoNetwork::from_name(f.chain.trim()).unwrap_or(CryptoNetwork::Other);
    one("wallet", T::CryptoWallet(chain), &f.wallet, ctx, errors);
    let platform = SocialPlatform::from_name(f.platform.trim()).unwrap_or(SocialPlatform::Other);
    one("social", T::SocialAccount(platform), &f.social, ctx, errors);
    one("app", T::AppId, &f.app, ctx, errors);
    out
}

/// `POST /submit/scam`: stores the report, then shows it (post/redirect/get).
pub(super) async fn submit(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<ScamForm>,
) -> Response {
    let mut errors = Errors::new();
    let items = observables(&f, &context_of(&w), &mut errors);
    if items.is_empty() && errors.is_empty() {
        errors.push((
            "phone",
            "enter at least one of: phone number, URL, bank account, wallet, social account, app"
                .to_owned(),
        ));
    }
    match f.description.trim() {
        "" => errors.push(("description", "describe the scam in a few words".to_owned())),
        d => {
            if let Err(e) = bounded("the description", d) {
                errors.push(("description", e));
            }
        }
    }
    let tlp = tlp_of(&f.tlp).map_err(|e| errors.push(("tlp", e))).ok();
    let collection = collection_of(&f.collection)
        .map_err(|e| errors.push(("collection", e)))
        .ok();
    let (Some(tlp), Some(collection), true) = (tlp, collection, errors.is_empty()) else {
        return render(
            &state,
            &w,
            prefs,
            &f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let first_line = f.description.trim().lines().next().unwrap_or_default();
    let mut name: String = first_line.chars().take(80).collect();
    if name.len() < first_line.len() {
        name.push('…');
    }
    let name = format!("Scam report: {name}");
    let draft = Draft {
        name: &name,
        description: &f.description,
        tlp,
        valid_from: None,
        now: state.service.now(),
    };
    match share(
        &state,
        &w,
        collection,
        tlp,
        compose::scam_report(&items, &draft),
    )
    .await
    {
        Ok(id) => see_other(&format!("/submit/scam/{id}")),
        Err(Refusal::Server(err)) => error_page(&err, None),
        Err(Refusal::Field(field, why)) => {
            let field = match field {
                "" => "page",
                f => f,
            };
            render(
                &state,
                &w,
                prefs,
                &f,
                vec![(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug)]
struct Row {
    href: String,
    name: String,
    tlp: Badge,
    keys: String,
}

#[derive(Template)]
#[template(path = "submit_scam_done.html")]
struct DonePage {
    chrome: Chrome,
    id: String,
    name: String,
    tlp: Badge,
    rows: Vec<Row>,
}

/// `GET /submit/scam/{report}`: the report and what it groups, as the reader may see them.
pub(super) async fn done(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: WebUser,
    prefs: Prefs,
) -> Response {
    let s = &state.service;
    let p = &w.principal;
    let report = match s.get_object(p, &id, None).await {
        Ok(o) if o.stix_type == "report" => o,
        Ok(_) => {
            return error_page(
                &ApiError::new(crate::error::ErrorCode::NotFound, format!("report {id}")),
                None,
            );
        }
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let json: serde_json::Value = serde_json::from_str(&report.json).unwrap_or_default();
    let refs: Vec<&str> = json["object_refs"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for r in refs.iter().take(100) {
        // What the reader may not see (or no longer exists) is left out.
        let Ok(o) = s.get_object(p, r, None).await else {
            continue;
        };
        rows.push(Row {
            href: format!("/objects/{}", o.stix_id),
            name: super::dashboard::display_name(&o),
            tlp: tlp_badge(o.tlp),
            keys: compose::keys_in(&o.json).join(", "),
        });
    }
    let page = DonePage {
        id: report.stix_id.clone(),
        name: super::dashboard::display_name(&report),
        tlp: tlp_badge(report.tlp),
        rows,
        chrome: {
            let mut c = Chrome::signed_in("Scam report stored", &w, prefs, "/submit");
            c.path = format!("/submit/scam/{}", report.stix_id);
            c
        },
    };
    html(StatusCode::OK, page.render())
}
