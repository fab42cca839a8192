//! Raising an action request on the web: `GET /requests/new` draws the form for those who may
//! send requests ([`Action::CreateRequest`]: users of a member organisation who are not
//! read-only), `POST /requests/new` reads it into the same
//! [`NewRequest`](simpul_core::requests::NewRequest) as `POST /api/v1/requests` and calls the same
//! [`Service::create_request`](simpul_core::Service::create_request).
//!
//! The form asks for the kind, the target (an organisation, or a country routed to its national
//! CERT), the observables one per line as `type=value` (a second box for those that identify a
//! victim or an account holder, shown only to the two parties), the people concerned
//! (`role: name; identifier`), the summary, details and legal basis, the urgency, an optional due
//! time in the reader's zone (empty: the SLA of the urgency), the TLP and, for TLP:RED, the named
//! users. What core refuses comes back beside its field — the JSON pointer of the error names the
//! field, and the line of a box (`/observables/3/value` is "line 4") — with everything typed kept.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::access::{Action, authorize};
use simpul_core::org::{OrgKind, OrgStatus};
use simpul_core::requests::new::PersonalRole;
use simpul_core::requests::{
    NewRequest, ObservableInput, PersonalInput, RequestKind, RequestTarget, Urgency,
};
use simpul_core::{CoreError, Invalid, OrgId};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::admin::{Choice, Form};
use super::view::{Chrome, Field, Prefs};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The TLP levels the form offers, in order.
const TLPS: [(&str, &str); 5] = [
    ("clear", "TLP:CLEAR"),
    ("green", "TLP:GREEN"),
    (
        "amber",
        "TLP:AMBER (the two organisations and their clients)",
    ),
    (
        "amber+strict",
        "TLP:AMBER+STRICT (the two organisations only)",
    ),
    ("red", "TLP:RED (named users only)"),
];

/// The form as the page draws it.
#[derive(Debug)]
pub(super) struct RequestForm {
    pub kind: Choice,
    pub to: Choice,
    pub observables: Field,
    pub personal_observables: Field,
    pub people: Field,
    pub summary: Field,
    pub details: Field,
    pub legal_basis: Field,
    pub urgency: Choice,
    pub due: Field,
    pub tlp: Choice,
    pub recipients: Field,
    pub case: Field,
    /// A reason that names no field.
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct NewPage {
    chrome: Chrome,
    f: RequestForm,
    zone: String,
}

/// The targets a reader may address: `org:SHORT` for every active organisation but their own,
/// `country:CC` for every country with one active national CERT.
async fn targets(state: &AppState, w: &WebUser) -> Result<Vec<(String, String)>, CoreError> {
    let own: Option<OrgId> = w.principal.org_id();
    let mut orgs = state.service.list_orgs(&w.principal).await?;
    orgs.retain(|o| o.status == OrgStatus::Active);
    orgs.sort_by_key(|o| o.short_name.as_str().to_lowercase());
    let mut countries: Vec<(String, String)> = Vec::new();
    for o in &orgs {
        if o.kind != OrgKind::NationalCert || Some(o.id) == own {
            continue;
        }
        let Some(cc) = o.country else { continue };
        let n = orgs
            .iter()
            .filter(|x| x.kind == OrgKind::NationalCert && x.country == Some(cc))
            .count();
        if n == 1 {
            countries.push((
                format!("country:{}", cc.as_str()),
                format!(
                    "{}: its national CERT ({})",
                    cc.as_str(),
                    o.short_name.as_str()
                ),
            ));
        }
    }
    countries.sort();
    let mut out: Vec<(String, String)> = vec![(String::new(), "Choose…".to_owned())];
    out.extend(countries);
    out.extend(orgs.iter().filter(|o| Some(o.id) != own).map(|o| {
        (
            format!("org:{}", o.short_name.as_str()),
            format!("{} ({})", o.name, o.short_name.as_str()),
        )
    }));
    Ok(out)
}

fn area(id: &'static str, name: &'static str, label: &'static str, help: &'static str) -> Field {
    Field::new(id, name, label).help(help)
}

impl RequestForm {
    /// The form with what `posted` holds (empty: the defaults), the targets `to` offered.
    fn filled(posted: &Form, to: Vec<(String, String)>) -> Self {
        let or = |name: &str, d: &'static str| {
            let v = posted.get(name);
            if v.is_empty() {
                d.to_owned()
            } else {
                v.to_owned()
            }
        };
        Self {
            kind: Choice::new(
                "request-kind",
                "kind",
                "Kind",
                RequestKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), kind_label(*k).to_owned())),
                &or("kind", "takedown"),
            ),
            to: Choice::new("request-to", "to", "To", to, posted.get("to"))
                .help("A country goes to its national CERT in the directory."),
            observables: area(
                "request-observables",
                "observables",
                "Observables",
                "One per line as type=value, e.g. iban=GB82 WEST 1234 5698 7654 32, phone-number=+60 12-345 6789, domain-name=pay-now.example, url=https://…",
            )
            .value(posted.get("observables")),
            personal_observables: area(
                "request-personal",
                "personal_observables",
                "Observables that identify a victim or an account holder",
                "The same form; shown only to the two organisations and purged after the retention period.",
            )
            .value(posted.get("personal_observables")),
            people: area(
                "request-people",
                "people",
                "People concerned",
                "One per line as role: name; identifier — the role victim, account-holder or other. Shown only to the two organisations, purged after the retention period.",
            )
            .value(posted.get("people")),
            summary: Field::new("request-summary", "summary", "Summary")
                .required()
                .help("One line, at most 200 characters.")
                .value(posted.get("summary")),
            details: area(
                "request-details",
                "details",
                "Details",
                "What is asked and why (at most 10,000 characters).",
            )
            .value(posted.get("details")),
            legal_basis: Field::new("request-legal", "legal_basis", "Legal basis")
                .help("The law or agreement the request rests on, if any.")
                .value(posted.get("legal_basis")),
            urgency: Choice::new(
                "request-urgency",
                "urgency",
                "Urgency",
                Urgency::ALL
                    .iter()
                    .map(|u| (u.as_str().to_owned(), u.as_str().to_owned())),
                &or("urgency", "normal"),
            )
            .help("Gives the default deadline: critical 4 h, high 24 h, normal 3 days, low 7 days."),
            due: Field::new("request-due", "due", "Due")
                .kind("datetime-local")
                .help("Leave empty for the deadline of the urgency.")
                .value(posted.get("due")),
            tlp: Choice::new(
                "request-tlp",
                "tlp",
                "TLP",
                TLPS.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())),
                &or("tlp", "amber"),
            ),
            recipients: area(
                "request-recipients",
                "recipients",
                "Named users (TLP:RED only)",
                "E-mail addresses of users of the two organisations who may see it, one per line; you are named too.",
            )
            .value(posted.get("recipients")),
            case: Field::new("request-case", "case", "Case")
                .help("The id of the incident case it is raised from, if any.")
                .value(posted.get("case")),
            notice: None,
        }
    }

    /// Puts each reason beside its field: the JSON pointer's first segment names it, and a line of
    /// a box is named by the pointer's index (`split` is where the personal observables begin);
    /// the form's own reasons name the box and line as `#box/line`.
    fn refuse(&mut self, errors: &[Invalid], split: usize) {
        for e in errors {
            let line = |i: usize| format!("line {}: {}", i + 1, e.message);
            if let Some(local) = e.path.strip_prefix('#') {
                let (name, i) = local.split_once('/').unwrap_or((local, "0"));
                let i: usize = i.parse().unwrap_or(0);
                let slot = match name {
                    "observables" => &mut self.observables.error,
                    "personal_observables" => &mut self.personal_observables.error,
                    _ => &mut self.people.error,
                };
                slot.get_or_insert(line(i));
                continue;
            }
            let mut parts = e.path.trim_start_matches('/').split('/');
            let field = parts.next().unwrap_or("");
            let index: Option<usize> = parts.next().and_then(|i| i.parse().ok());
            let (slot, text) = match (field, index) {
                ("kind", _) => (&mut self.kind.error, e.message.clone()),
                ("to", _) => (&mut self.to.error, e.message.clone()),
                ("observables", Some(i)) if i >= split => {
                    (&mut self.personal_observables.error, line(i - split))
                }
                ("observables", Some(i)) => (&mut self.observables.error, line(i)),
                ("observables", None) => (&mut self.observables.error, e.message.clone()),
                ("personal_data", Some(i)) => (&mut self.people.error, line(i)),
                ("personal_data", None) => (&mut self.people.error, e.message.clone()),
                ("summary", _) => (&mut self.summary.error, e.message.clone()),
                ("details", _) => (&mut self.details.error, e.message.clone()),
                ("legal_basis", _) => (&mut self.legal_basis.error, e.message.clone()),
                ("urgency", _) => (&mut self.urgency.error, e.message.clone()),
                ("due", _) => (&mut self.due.error, e.message.clone()),
                ("tlp", _) => (&mut self.tlp.error, e.message.clone()),
                ("recipients", Some(i)) => (&mut self.recipients.error, line(i)),
                ("recipients", None) => (&mut self.recipients.error, e.message.clone()),
                ("case", _) => (&mut self.case.error, e.message.clone()),
                _ => (&mut self.notice, e.message.clone()),
            };
            slot.get_or_insert(text);
        }
    }
}

/// A kind in words.
pub(super) fn kind_label(k: RequestKind) -> &'static str {
    match k {
        RequestKind::Takedown => "Take down (a site, an account, an app)",
        RequestKind::Block => "Block (a number, a domain, an address)",
        RequestKind::Freeze => "Freeze (a bank account, a wallet)",
        RequestKind::VictimNotification => "Notify victims",
        RequestKind::Information => "Give information",
    }
}

/// The non-empty lines of a box, trimmed.
fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// `type=value` lines into observables (`personal` marks them), or the line that is not one.
fn observables(s: &str, personal: bool, errors: &mut Vec<Invalid>) -> Vec<ObservableInput> {
    let name = if personal {
        "personal_observables"
    } else {
        "observables"
    };
    let mut out = Vec::new();
    for (i, l) in lines(s).enumerate() {
        match l.split_once('=') {
            Some((ty, value)) if !ty.trim().is_empty() && !value.trim().is_empty() => {
                out.push(ObservableInput {
                    ty: ty.trim().to_owned(),
                    value: value.trim().to_owned(),
                    personal,
                });
            }
            _ => errors.push(Invalid::new(
                format!("#{name}/{i}"),
                "write type=value, e.g. iban=GB82 WEST 1234 5698 7654 32",
            )),
        }
    }
    out
}

/// `role: name; identifier` lines into people.
fn people(s: &str, errors: &mut Vec<Invalid>) -> Vec<PersonalInput> {
    let mut out = Vec::new();
    for (i, l) in lines(s).enumerate() {
        let at = format!("#people/{i}");
        let Some((role, rest)) = l.split_once(':') else {
            errors.push(Invalid::new(at, "write role: name; identifier"));
            continue;
        };
        let role = match role.trim().parse::<PersonalRole>() {
            Ok(r) => r,
            Err(e) => {
                errors.push(Invalid::new(at, e.message));
                continue;
            }
        };
        let (name, id) = rest.split_once(';').unwrap_or((rest, ""));
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        out.push(PersonalInput {
            role,
            name: opt(name),
            identifier: opt(id),
        });
    }
    out
}

/// A `datetime-local` value (`2026-12-04T18:30`, seconds optional) in the reader's zone.
fn due(s: &str, prefs: &Prefs) -> Result<Option<OffsetDateTime>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let short = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let long = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(s, short)
        .or_else(|_| PrimitiveDateTime::parse(s, long))
        .map(|t| Some(t.assume_offset(prefs.offset())))
        .map_err(|_| {
            Invalid::new(
                "/due",
                format!(
                    "`{}` is not a date and time (2026-12-04T18:30)",
                    simpul_core::error::excerpt(s)
                ),
            )
        })
}

/// Reads the posted form into a request, or every reason it cannot be one (with the index where
/// the personal observables begin, for the errors' lines).
fn read(form: &Form, prefs: &Prefs) -> (Result<NewRequest, Vec<Invalid>>, usize) {
    let mut errors = Vec::new();
    let mut obs = observables(form.get("observables"), false, &mut errors);
    let split = obs.len();
    obs.extend(observables(
        form.get("personal_observables"),
        true,
        &mut errors,
    ));
    let personal_data = people(form.get("people"), &mut errors);
    let kind = form
        .get("kind")
        .parse::<RequestKind>()
        .map_err(|e| Invalid::new("/kind", e.message));
    let urgency = form
        .get("urgency")
        .parse::<Urgency>()
        .map_err(|e| Invalid::new("/urgency", e.message));
    let to = match form.get("to").split_once(':') {
        Some(("org", s)) => simpul_core::org::ShortName::parse(s)
            .map(RequestTarget::Org)
            .map_err(|e| Invalid::new("/to", e.message)),
        Some(("country", cc)) => simpul_core::country::Country::parse(cc)
            .map(RequestTarget::Country)
            .map_err(|e| Invalid::new("/to", e.message)),
        _ => Err(Invalid::new(
            "/to",
            "choose the organisation or the country the request goes to",
        )),
    };
    let due = due(form.get("due"), prefs);
    let case = match form.opt("case") {
        None => Ok(None),
        Some(c) => uuid::Uuid::parse_str(&c)
            .map(|u| Some(simpul_core::requests::CaseId(u)))
            .map_err(|_| Invalid::new("/case", "a case id is a UUID")),
    };
    errors.extend(
        [
            kind.as_ref().err(),
            urgency.as_ref().err(),
            to.as_ref().err(),
            due.as_ref().err(),
            case.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        .cloned(),
    );
    let read = match (kind, urgency, to, due, case) {
        (Ok(kind), Ok(urgency), Ok(to), Ok(due), Ok(case)) if errors.is_empty() => Ok(NewRequest {
            kind,
            to,
            observables: obs,
            summary: form.get("summary").to_owned(),
            details: form.get("details").to_owned(),
            legal_basis: form.get("legal_basis").to_owned(),
            urgency,
            due,
            tlp: form.get("tlp").to_owned(),
            case,
            recipients: lines(form.get("recipients")).map(str::to_owned).collect(),
            personal_data,
        }),
        _ => Err(errors),
    };
    (read, split)
}

/// Whether `w` may send requests (and so sees the form and the link to it).
pub(super) fn may_create(w: &WebUser) -> bool {
    authorize(&w.principal, Action::CreateRequest).is_ok()
}

fn page(w: &WebUser, prefs: Prefs, f: RequestForm, status: StatusCode) -> Response {
    let zone = prefs.zone_label();
    let p = NewPage {
        chrome: Chrome::signed_in("Raise an action request", w, prefs, "/requests"),
        f,
        zone,
    };
    html(status, p.render())
}

/// `GET /requests/new`: the blank form.
pub(super) async fn new_page(State(state): State<AppState>, w: WebUser, prefs: Prefs) -> Response {
    if let Err(denied) = authorize(&w.principal, Action::CreateRequest) {
        return error_page(&ApiError::from(CoreError::from(denied)), None);
    }
    match targets(&state, &w).await {
        Ok(to) => page(
            &w,
            prefs,
            RequestForm::filled(&Form::default(), to),
            StatusCode::OK,
        ),
        Err(e) => error_page(&ApiError::from(e), None),
    }
}

/// `POST /requests/new`: sends the request and shows it; a refused form comes back with the
/// reasons beside its fields.
pub(super) async fn create(
    State(state): State<AppState>,
    prefs: Prefs,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    if let Err(denied) = authorize(&w.principal, Action::CreateRequest) {
        return error_page(&ApiError::from(CoreError::from(denied)), None);
    }
    let (read, split) = read(&form, &prefs);
    let errors = match read {
        Ok(new) => match state.service.create_request(&w.principal, new).await {
            Ok(v) => return see_other(&format!("/requests/{}", v.request.id)),
            Err(CoreError::Invalid(i)) => vec![i],
            Err(e) => return error_page(&ApiError::from(e), None),
        },
        Err(errors) => errors,
    };
    let to = match targets(&state, &w).await {
        Ok(t) => t,
        Err(e) => return error_page(&ApiError::from(e), None),
    };
    let mut again = RequestForm::filled(&form, to);
    again.refuse(&errors, split);
    page(&w, prefs, again, StatusCode::BAD_REQUEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    fn prefs() -> Prefs {
        Prefs::new(
            None,
            Some("Asia/Kuala_Lumpur"),
            time::macros::datetime!(2026-12-04 10:00 UTC),
        )
    }

    #[test]
    fn a_full_form_reads_as_a_request() {
        let f = form(&[
            ("kind", "freeze"),
            ("to", "country:MY"),
            (
                "observables",
                "iban=GB82 WEST 1234 5698 7654 32\n\n phone-number=+60123456789 ",
            ),
            ("personal_observables", "bank-account=1234"),
            ("people", "account-holder: Ali; A123\nvictim: Siti"),
            ("summary", "Freeze the mule account"),
            ("urgency", "critical"),
            ("due", "2026-12-04T20:30"),
            ("tlp", "amber"),
        ]);
        let (r, split) = read(&f, &prefs());
        let r = r.unwrap();
        assert_eq!(split, 2);
        assert_eq!(r.kind, RequestKind::Freeze);
        assert_eq!(
            r.to,
            RequestTarget::Country(simpul_core::country::Country::parse("MY").unwrap())
        );
        assert_eq!(r.observables.len(), 3);
        assert_eq!(r.observables[0].value, "GB82 WEST 1234 5698 7654 32");
        assert!(r.observables[2].personal && !r.observables[1].personal);
        assert_eq!(r.personal_data.len(), 2);
        assert_eq!(r.personal_data[0].identifier.as_deref(), Some("A123"));
        assert_eq!(r.personal_data[1].identifier, None);
        // 20:30 in Kuala Lumpur (UTC+8) is 12:30 UTC.
        assert_eq!(
            r.due.unwrap(),
            time::macros::datetime!(2026-12-04 12:30 UTC)
        );
    }

    #[test]
    fn every_reason_lands_beside_its_field_and_line() {
        let f = form(&[
            ("kind", "seize"),
            ("to", ""),
            ("observables", "iban=GB82\nnot an observable"),
            ("personal_observables", "=x"),
            ("people", "neighbour: Bob"),
            ("due", "tomorrow"),
            ("case", "nope"),
        ]);
        let (r, split) = read(&f, &prefs());
        let errors = r.unwrap_err();
        let mut paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "#observables/1",
                "#people/0",
                "#personal_observables/0",
                "/case",
                "/due",
                "/kind",
                "/to",
                "/urgency"
            ]
        );
        let mut page = RequestForm::filled(&f, vec![]);
        page.refuse(&errors, split);
        assert!(
            page.observables
                .error
                .as_deref()
                .unwrap()
                .starts_with("line 2:")
        );
        assert!(
            page.personal_observables
                .error
                .as_deref()
                .unwrap()
                .starts_with("line 1:"),
            "{:?}",
            page.personal_observables.error
        );
        assert!(page.people.error.is_some() && page.due.error.is_some());
        assert_eq!(page.observables.value, "iban=GB82\nnot an observable");
        assert!(page.notice.is_none());
    }
}
