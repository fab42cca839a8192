//! The profile editor (`/directory/{short}/edit`): the organisation's org-admins and site-admins
//! change the main sections of its RFC 2350 profile — contact information, charter and
//! constituency, policies, services (checkboxes by FIRST service area) and the document's
//! distribution and publish flag. The form is laid over the stored profile, so what it does not
//! show (public keys, team members, other channels, reporting forms, disclaimers) keeps its stored
//! value; the document goes through [`simpul_core::Service::put_profile`] (validated, audited), the
//! same function as `PUT /api/v1/organisations/{id}/profile`. A refusal's JSON pointer puts the
//! reason beside its field, and the page comes back with everything typed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::access::directory::Reader;
use simpul_core::country::Country;
use simpul_core::directory::profile::{BusinessHours, TeamProfile, Weekday};
use simpul_core::tz::TimeZoneName;
use simpul_core::{Action, CoreError, Invalid, Organisation};

use super::admin::{Form, need};
use super::directory::{fail, org_by_short};
use super::view::{Chrome, Field, Prefs};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// One field of the form: its input, the profile's part it edits (a JSON pointer: an error at or
/// below it is shown beside it), and its section.
struct Spec {
    id: &'static str,
    name: &'static str,
    label: &'static str,
    /// `text`, `email`, `tel`, `textarea` (lists) or `prose` (a larger textarea).
    kind: &'static str,
    help: &'static str,
    pointer: &'static str,
    section: usize,
}

const fn spec(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    help: &'static str,
    pointer: &'static str,
    section: usize,
) -> Spec {
    Spec {
        id,
        name,
        label,
        kind,
        help,
        pointer,
        section,
    }
}

/// The sections: id and heading.
const SECTIONS: [(&str, &str); 4] = [
    ("pe-contact", "Contact information"),
    ("pe-charter", "Charter and constituency"),
    ("pe-policies", "Policies"),
    ("pe-document", "Document distribution"),
];

#[rustfmt::skip]
const SPECS: [Spec; 25] = [
    spec("pe-team-name", "team_name", "Team name", "text", "", "/contact/team_name", 0),
    spec("pe-time-zone", "time_zone", "Time zone", "text",
        "An IANA time zone name: Asia/Singapore, Asia/Jakarta, UTC.", "/contact/time_zone", 0),
    spec("pe-email", "email", "E-mail", "email", "The team's address for incident reports.",
        "/contact/email", 0),
    spec("pe-phone", "phone", "Phone", "tel", "International form: +65 6211 0000.",
        "/contact/phone", 0),
    spec("pe-emergency-phone", "emergency_phone", "24/7 emergency phone", "tel",
        "International form; answered at any hour.", "/contact/emergency_phone", 0),
    spec("pe-languages", "languages", "Languages", "text",
        "BCP 47 tags separated by commas: en, ms-MY, zh-Hant.", "/contact/languages", 0),
    spec("pe-hours", "business_hours", "Business hours", "textarea",
        "One range a line, local time: Monday 09:00-17:30 (or mon 09:00-17:30). A day may have several lines.",
        "/contact/business_hours", 0),
    spec("pe-postal", "postal_address", "Postal address", "textarea", "", "/contact/postal_address", 0),
    spec("pe-mission", "mission", "Mission", "prose", "", "/charter/mission", 1),
    spec("pe-constituency", "constituency", "Constituency", "prose",
        "Who the team serves, in words.", "/charter/constituency/description", 1),
    spec("pe-countries", "countries", "Countries", "textarea",
        "ISO 3166 two-letter codes, one a line: SG, MY.", "/charter/constituency/countries", 1),
    spec("pe-sectors", "sectors", "Sectors", "textarea", "One a line.",
        "/charter/constituency/sectors", 1),
    spec("pe-networks", "networks", "Networks", "textarea", "CIDRs, one a line: 192.0.2.0/24.",
        "/charter/constituency/networks", 1),
    spec("pe-asns", "asns", "AS numbers", "textarea", "One a line: 64500 or AS64500.",
        "/charter/constituency/asns", 1),
    spec("pe-domains", "domains", "Domains", "textarea", "One a line: gov.sg.",
        "/charter/constituency/domains", 1),
    spec("pe-sponsorship", "sponsorship", "Sponsorship", "textarea", "", "/charter/sponsorship", 1),
    spec("pe-authority", "authority", "Authority", "textarea", "", "/charter/authority", 1),
    spec("pe-incidents", "incidents", "Types of incidents and level of support", "prose", "",
        "/policies/incidents", 2),
    spec("pe-tlp", "tlp", "Use of the Traffic Light Protocol", "prose", "", "/policies/tlp", 2),
    spec("pe-disclosure", "disclosure", "Disclosure", "prose", "", "/policies/disclosure", 2),
    spec("pe-cooperation", "cooperation", "Co-operation with other teams", "prose", "",
        "/policies/cooperation", 2),
    spec("pe-communication", "communication", "Communication and authentication", "prose", "",
        "/policies/communication", 2),
    spec("pe-distribution", "distribution", "How changes are announced", "prose", "",
        "/document/distribution", 3),
    spec("pe-services-notes", "services_notes", "Notes on the services", "textarea", "",
        "/services/notes", 3),
    spec("pe-locations", "locations", "Where the document is published", "textarea",
        "URLs, one a line.", "/document/locations", 3),
];

/// Whether an error at `at` belongs to the part at `pointer`.
fn under(at: &str, pointer: &str) -> bool {
    at == pointer || at.strip_prefix(pointer).is_some_and(|r| r.starts_with('/'))
}

fn lines(v: &[String]) -> String {
    v.join("\n")
}

/// What the form shows of `p` for field `name`.
fn value_of(p: &TeamProfile, name: &str) -> String {
    let c = &p.contact;
    let ch = &p.charter;
    let k = &ch.constituency;
    let po = &p.policies;
    match name {
        "team_name" => c.team_name.clone(),
        "time_zone" => c
            .time_zone
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        "email" => c.email.clone().unwrap_or_default(),
        "phone" => c.phone.clone().unwrap_or_default(),
        "emergency_phone" => c.emergency_phone.clone().unwrap_or_default(),
        "languages" => c.languages.join(", "),
        "business_hours" => c
            .business_hours
            .iter()
            .map(|b| format!("{} {}-{}", b.day.name(), b.from, b.to))
            .collect::<Vec<_>>()
            .join("\n"),
        "postal_address" => c.postal_address.clone(),
        "mission" => ch.mission.clone(),
        "constituency" => k.description.clone(),
        "countries" => k
            .countries
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        "sectors" => lines(&k.sectors),
        "networks" => lines(&k.networks),
        "asns" => k
            .asns
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        "domains" => lines(&k.domains),
        "sponsorship" => ch.sponsorship.clone(),
        "authority" => ch.authority.clone(),
        "incidents" => po.incidents.clone(),
        "tlp" => po.tlp.clone(),
        "disclosure" => po.disclosure.clone(),
        "cooperation" => po.cooperation.clone(),
        "communication" => po.communication.clone(),
        "distribution" => p.document.distribution.clone(),
        "services_notes" => p.services.notes.clone(),
        "locations" => lines(&p.document.locations),
        _ => String::new(),
    }
}

/// The non-empty lines of a textarea, trimmed.
fn list(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn weekday(s: &str) -> Option<Weekday> {
    let s = s.to_ascii_lowercase();
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| {
        let name = d.name().to_ascii_lowercase();
        s == name || s == name[..3]
    })
}

/// `Monday 09:00-17:30` (or `mon 09:00–17:30`) as one range; the times are checked by the
/// profile's validation.
fn hours_line(i: usize, line: &str) -> Result<BusinessHours, Invalid> {
    let bad = || {
        Invalid::new(
            format!("/contact/business_hours/{i}"),
            format!(
                "`{}` is not a day and a range such as Monday 09:00-17:30",
                crate::error::bound_message(line)
            ),
        )
    };
    let (day, range) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
    let day = weekday(day.trim()).ok_or_else(bad)?;
    let range = range.replace(' ', "");
    let (from, to) = range.split_once(['-', '–']).ok_or_else(bad)?;
    Ok(BusinessHours {
        day,
        from: from.to_owned(),
        to: to.to_owned(),
    })
}

/// `p` with the form's fields laid over it (what the form does not show is kept).
fn apply(mut p: TeamProfile, f: &Form) -> Result<TeamProfile, Invalid> {
    let c = &mut p.contact;
    c.team_name = f.get("team_name").to_owned();
    c.time_zone = match opt(f.get("time_zone")) {
        None => None,
        Some(t) => Some(TimeZoneName::parse_at("/contact/time_zone", &t)?),
    };
    c.email = opt(f.get("email"));
    c.phone = opt(f.get("phone"));
    c.emergency_phone = opt(f.get("emergency_phone"));
    c.languages = f
        .get("languages")
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    c.business_hours = list(f.get("business_hours"))
        .iter()
        .enumerate()
        .map(|(i, l)| hours_line(i, l))
        .collect::<Result<_, _>>()?;
    c.postal_address = f.get("postal_address").to_owned();
    let ch = &mut p.charter;
    ch.mission = f.get("mission").to_owned();
    ch.sponsorship = f.get("sponsorship").to_owned();
    ch.authority = f.get("authority").to_owned();
    let k = &mut ch.constituency;
    k.description = f.get("constituency").to_owned();
    k.countries = list(&f.get("countries").replace(',', "\n"))
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Country::parse(c).map_err(|e| {
                Invalid::new(format!("/charter/constituency/countries/{i}"), e.message)
            })
        })
        .collect::<Result<_, _>>()?;
    k.sectors = list(f.get("sectors"));
    k.networks = list(f.get("networks"));
    k.asns = list(f.get("asns"))
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let digits = a
                .strip_prefix("AS")
                .or_else(|| a.strip_prefix("as"))
                .unwrap_or(a);
            digits.parse::<u32>().map_err(|_| {
                Invalid::new(
                    format!("/charter/constituency/asns/{i}"),
                    format!(
                        "`{}` is not an AS number (64500 or AS64500)",
                        crate::error::bound_message(a)
                    ),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    k.domains = list(f.get("domains"));
    let po = &mut p.policies;
    po.incidents = f.get("incidents").to_owned();
    po.tlp = f.get("tlp").to_owned();
    po.disclosure = f.get("disclosure").to_owned();
    po.cooperation = f.get("cooperation").to_owned();
    po.communication = f.get("communication").to_owned();
    p.services.offered = f.all("service");
    p.services.notes = f.get("services_notes").to_owned();
    p.document.distribution = f.get("distribution").to_owned();
    p.document.locations = list(f.get("locations"));
    p.document.publish = f.get("publish") == "on";
    Ok(p)
}

/// One service's checkbox: id (the value), the element id, its name, ticked.
struct ServiceBox {
    value: &'static str,
    id: String,
    name: &'static str,
    on: bool,
}

struct AreaBoxes {
    name: &'static str,
    services: Vec<ServiceBox>,
}

struct Section {
    id: &'static str,
    title: &'static str,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "directory_edit.html")]
struct EditPage {
    chrome: Chrome,
    org: Organisation,
    csrf: String,
    notice: Option<String>,
    sections: Vec<Section>,
    areas: Vec<AreaBoxes>,
    services_error: Option<String>,
    publish: bool,
    publish_error: Option<String>,
}

/// The editor for `org`: the profile's values, or (after a refusal) what was typed with the
/// reasons.
fn editor(
    w: &WebUser,
    prefs: Prefs,
    org: Organisation,
    p: &TeamProfile,
    retry: Option<(&Form, &ApiError)>,
) -> Response {
    let mut sections: Vec<Section> = SECTIONS
        .iter()
        .map(|&(id, title)| Section {
            id,
            title,
            fields: Vec::new(),
        })
        .collect();
    let errors = retry.map(|r| r.1.errors.as_slice()).unwrap_or_default();
    let mut placed = vec![false; errors.len()];
    let mut error_at = |pointer: &str| {
        errors.iter().enumerate().find_map(|(i, e)| {
            under(&e.pointer, pointer).then(|| {
                placed[i] = true;
                e.detail.clone()
            })
        })
    };
    for s in &SPECS {
        let value = match retry {
            Some((f, _)) => f.get(s.name).to_owned(),
            None => value_of(p, s.name),
        };
        let mut field = Field::new(s.id, s.name, s.label)
            .kind(s.kind)
            .help(s.help)
            .value(value);
        field.error = error_at(s.pointer);
        if s.kind == "email" {
            field = field.autocomplete("email");
        }
        sections[s.section].fields.push(field);
    }
    let offered: Vec<String> = match retry {
        Some((f, _)) => f.all("service"),
        None => p.services.offered.clone(),
    };
    let areas = simpul_vocab::csirt_services::AREAS
        .iter()
        .map(|a| AreaBoxes {
            name: a.name,
            services: a
                .services
                .iter()
                .map(|s| ServiceBox {
                    value: s.id,
                    id: format!("pe-svc-{}", s.id.replace('/', "-")),
                    name: s.name,
                    on: offered.iter().any(|o| o == s.id),
                })
                .collect(),
        })
        .collect();
    let services_error = error_at("/services/offered");
    let publish_error = error_at("/document/publish");
    let publish = match retry {
        Some((f, _)) => f.get("publish") == "on",
        None => p.document.publish,
    };
    let notice = retry.map(|(_, err)| {
        let rest: Vec<String> = errors
            .iter()
            .zip(&placed)
            .filter(|(_, p)| !**p)
            .map(|(e, _)| format!("{}: {}", e.pointer, e.detail))
            .collect();
        if err.errors.is_empty() {
            crate::error::bound_message(&err.detail)
        } else if rest.is_empty() {
            "The profile was not saved: see the marked fields.".to_owned()
        } else {
            format!("The profile was not saved: {}", rest.join("; "))
        }
    });
    let status = retry.map_or(StatusCode::OK, |r| r.1.status);
    let page = EditPage {
        chrome: Chrome::signed_in(
            &format!("Edit the profile of {}", org.short_name),
            w,
            prefs,
            "/directory",
        ),
        org,
        csrf: w.csrf.clone(),
        notice,
        sections,
        areas,
        services_error,
        publish,
        publish_error,
    };
    html(status, page.render())
}

/// The organisation and its profile, for someone who may edit it (else the 403 or 404 page).
async fn editable(
    state: &AppState,
    w: &WebUser,
    short: &str,
) -> Result<(Organisation, TeamProfile), Response> {
    let org = org_by_short(state, w, short).await?;
    need(&w.principal, Action::UpdateOrgProfile(org.id)).map_err(|e| error_page(&e, None))?;
    let view = state
        .service
        .profile(Reader::Signed(&w.principal), org.id)
        .await
        .map_err(fail)?;
    Ok((org, view.profile))
}

/// `GET /directory/{short}/edit`.
pub async fn page(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path(short): Path<String>,
) -> Response {
    match editable(&state, &w, &short).await {
        Ok((org, p)) => editor(&w, prefs, org, &p, None),
        Err(r) => r,
    }
}

/// `POST /directory/{short}/edit`: saves, then back to the team's page.
pub async fn save(
    State(state): State<AppState>,
    prefs: Prefs,
    Path(short): Path<String>,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    let (org, stored) = match editable(&state, &w, &short).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let saved = match apply(stored.clone(), &form) {
        Ok(doc) => state.service.put_profile(&w.principal, org.id, doc).await,
        Err(e) => Err(CoreError::from(e)),
    };
    match saved {
        Ok(_) => see_other(&format!("/directory/{}", org.short_name)),
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status.is_client_error() {
                return error_page(&err, None);
            }
            editor(&w, prefs, org, &stored, Some((&form, &err)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hours_lines_read_as_people_write_them() {
        let h = hours_line(0, "Monday 09:00-17:30").unwrap();
        assert_eq!(
            (h.day, h.from.as_str(), h.to.as_str()),
            (Weekday::Mon, "09:00", "17:30")
        );
        let h = hours_line(1, "sat 10:00 – 12:00").unwrap();
        assert_eq!(
            (h.day, h.from.as_str(), h.to.as_str()),
            (Weekday::Sat, "10:00", "12:00")
        );
        let e = hours_line(2, "someday 09:00-10:00").unwrap_err();
        assert_eq!(e.path, "/contact/business_hours/2");
        assert!(hours_line(0, "Monday").is_err());
        assert!(under("/contact/phone", "/contact/phone"));
        assert!(under("/contact/languages/1", "/contact/languages"));
        assert!(!under("/contact/phone2", "/contact/phone"));
    }
}
