//! The contacts editor of a team (`/directory/{short}/contacts/new`, `…/{id}/edit`,
//! `…/{id}/delete`): for those who manage the organisation's contacts (`ManageContacts(org)`: its
//! org-admins and site-admins). The same service functions as `/api/v1/contacts` (`add_contact`,
//! `patch_contact`, `delete_contact`: validated and audited there); a refusal's JSON pointer puts
//! the reason beside its field (an OpenPGP key that does not parse, is expired or is a secret
//! key: the key's field) and everything typed comes back. Messaging handles, which the form does
//! not show, keep their stored values when a contact is changed.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use simpul_core::access::directory::Reader;
use simpul_core::contacts::{
    Contact, ContactId, ContactKind, ContactPatch, DirectoryVisibility, NewContact,
};
use simpul_core::{Action, CoreError, Invalid, Organisation};

use super::admin::{Choice, Form, need};
use super::directory::{fail, org_by_short};
use super::view::{Chrome, Field, Prefs};
use super::{CsrfForm, WebUser, error_page, html, see_other};
use crate::AppState;
use crate::error::ApiError;

/// The fields of the form as typed (or as stored).
struct Typed {
    name: String,
    mailbox: bool,
    kinds: Vec<String>,
    emails: String,
    phones: String,
    languages: String,
    availability: String,
    visibility: String,
    pgp_key: String,
}

impl Typed {
    fn of(c: &Contact) -> Self {
        Self {
            name: c.name.clone(),
            mailbox: c.mailbox,
            kinds: c.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            emails: c
                .emails
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            phones: c.phones.join("\n"),
            languages: c.languages.join(", "),
            availability: c.availability.clone().unwrap_or_default(),
            visibility: c.visibility.as_str().to_owned(),
            pgp_key: c.pgp_key.clone().unwrap_or_default(),
        }
    }

    fn new_contact() -> Self {
        Self {
            name: String::new(),
            mailbox: false,
            kinds: vec![ContactKind::TechnicalPoc.as_str().to_owned()],
            emails: String::new(),
            phones: String::new(),
            languages: String::new(),
            availability: String::new(),
            visibility: DirectoryVisibility::Members.as_str().to_owned(),
            pgp_key: String::new(),
        }
    }

    fn posted(f: &Form) -> Self {
        Self {
            name: f.get("name").to_owned(),
            mailbox: f.get("mailbox") == "on",
            kinds: f.all("kind"),
            emails: f.get("emails").to_owned(),
            phones: f.get("phones").to_owned(),
            languages: f.get("languages").to_owned(),
            availability: f.get("availability").to_owned(),
            visibility: f.get("visibility").to_owned(),
            pgp_key: f.get("pgp_key").to_owned(),
        }
    }

    /// The contact's fields (not yet validated: the service does that).
    fn input(&self) -> Result<NewContact, Invalid> {
        let kinds = self
            .kinds
            .iter()
            .map(|k| {
                k.parse::<ContactKind>()
                    .map_err(|e| Invalid::new("/kinds", e.message))
            })
            .collect::<Result<_, _>>()?;
        let visibility = self
            .visibility
            .parse::<DirectoryVisibility>()
            .map_err(|e| Invalid::new("/visibility", e.message))?;
        let list = |s: &str| -> Vec<String> {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        Ok(NewContact {
            name: self.name.clone(),
            mailbox: self.mailbox,
            kinds,
            emails: list(&self.emails),
            phones: list(&self.phones),
            handles: Vec::new(),
            pgp_key: opt(&self.pgp_key),
            languages: self
                .languages
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            availability: opt(&self.availability),
            visibility: Some(visibility),
        })
    }
}

#[derive(Template)]
#[template(path = "directory_contact.html")]
struct ContactPage {
    chrome: Chrome,
    org: Organisation,
    csrf: String,
    heading: String,
    action: String,
    submit: &'static str,
    notice: Option<String>,
    name: Field,
    mailbox: bool,
    kinds: Vec<(String, String, bool)>,
    kinds_error: Option<String>,
    emails: Field,
    phones: Field,
    languages: Field,
    availability: Field,
    visibility: Choice,
    pgp_key: Field,
    /// The delete page, when editing.
    delete: Option<String>,
}

/// The form for a new contact (`id` none) or contact `id`, with `t`'s values and `err`'s reasons.
fn form_page(
    w: &WebUser,
    prefs: Prefs,
    org: Organisation,
    id: Option<ContactId>,
    t: Typed,
    err: Option<&ApiError>,
) -> Response {
    let short = org.short_name.as_str().to_owned();
    let mut name = Field::new("ct-name", "name", "Name")
        .required()
        .help("A person's name, or the desk's (Duty desk).")
        .value(t.name);
    let mut emails = Field::new("ct-emails", "emails", "E-mail addresses")
        .kind("textarea")
        .help("One a line.")
        .value(t.emails);
    let mut phones = Field::new("ct-phones", "phones", "Phones")
        .kind("textarea")
        .help("One a line, international form: +65 6211 0000.")
        .value(t.phones);
    let mut languages = Field::new("ct-languages", "languages", "Languages")
        .help("BCP 47 tags separated by commas: en, ms-MY.")
        .value(t.languages);
    let mut availability = Field::new("ct-availability", "availability", "Availability")
        .help("When the contact answers, in words: office hours, 24/7.")
        .value(t.availability);
    let mut pgp_key = Field::new("ct-pgp", "pgp_key", "OpenPGP public key")
        .kind("textarea")
        .help("The armoured public key (-----BEGIN PGP PUBLIC KEY BLOCK-----); empty: none.")
        .value(t.pgp_key);
    let mut visibility = Choice::new(
        "ct-visibility",
        "visibility",
        "Directory visibility",
        DirectoryVisibility::ALL
            .iter()
            .map(|v| (v.as_str().to_owned(), v.as_str().to_owned())),
        &t.visibility,
    )
    .help("Who sees this contact: members (users of member organisations), partners (also partner organisations' users) or public (anyone, without signing in).");
    let kinds = ContactKind::ALL
        .iter()
        .map(|k| {
            let v = k.as_str().to_owned();
            let on = t.kinds.contains(&v);
            (v.clone(), v, on)
        })
        .collect();
    let mut kinds_error = None;
    let mut mailbox_error = None;
    let mut rest = Vec::new();
    for e in err.map(|e| e.errors.as_slice()).unwrap_or_default() {
        let top = e.pointer.split('/').nth(1).unwrap_or("");
        let slot = match top {
            "name" => &mut name.error,
            "emails" => &mut emails.error,
            "phones" => &mut phones.error,
            "languages" => &mut languages.error,
            "availability" => &mut availability.error,
            "pgp_key" => &mut pgp_key.error,
            "visibility" => &mut visibility.error,
            "kinds" => &mut kinds_error,
            "mailbox" => &mut mailbox_error,
            _ => {
                rest.push(format!("{}: {}", e.pointer, e.detail));
                continue;
            }
        };
        slot.get_or_insert_with(|| e.detail.clone());
    }
    if let Some(m) = mailbox_error {
        rest.push(m);
    }
    let notice = err.map(|e| {
        if e.errors.is_empty() {
            crate::error::bound_message(&e.detail)
        } else if rest.is_empty() {
            "The contact was not saved: see the marked fields.".to_owned()
        } else {
            format!("The contact was not saved: {}", rest.join("; "))
        }
    });
    let (heading, action, submit, delete) = match id {
        None => (
            format!("New contact of {short}"),
            format!("/directory/{short}/contacts/new"),
            "Add contact",
            None,
        ),
        Some(id) => (
            format!("Edit contact {}", name.value),
            format!("/directory/{short}/contacts/{id}/edit"),
            "Save contact",
            Some(format!("/directory/{short}/contacts/{id}/delete")),
        ),
    };
    let page = ContactPage {
        chrome: Chrome::signed_in(&heading, w, prefs, "/directory"),
        org,
        csrf: w.csrf.clone(),
        heading,
        action,
        submit,
        notice,
        name,
        mailbox: t.mailbox,
        kinds,
        kinds_error,
        emails,
        phones,
        languages,
        availability,
        visibility,
        pgp_key,
        delete,
    };
    let status = err.map_or(StatusCode::OK, |e| e.status);
    html(status, page.render())
}

/// The organisation, if the reader manages its contacts (else the 403 or 404 page).
async fn managed(state: &AppState, w: &WebUser, short: &str) -> Result<Organisation, Response> {
    let org = org_by_short(state, w, short).await?;
    need(&w.principal, Action::ManageContacts(org.id)).map_err(|e| error_page(&e, None))?;
    Ok(org)
}

/// The organisation and its contact `id` (a contact of another organisation is not found).
async fn managed_contact(
    state: &AppState,
    w: &WebUser,
    short: &str,
    id: &str,
) -> Result<(Organisation, Contact), Response> {
    let org = managed(state, w, short).await?;
    let id: ContactId = id.parse().map_err(fail)?;
    let c = state
        .service
        .get_contact(Reader::Signed(&w.principal), id)
        .await
        .map_err(fail)?;
    if c.org_id != org.id {
        return Err(fail(CoreError::NotFound(format!("contact {id}"))));
    }
    Ok((org, c))
}

/// After a refused write: the form again, or the error page for a server fault.
fn refused(
    w: &WebUser,
    prefs: Prefs,
    org: Organisation,
    id: Option<ContactId>,
    t: Typed,
    e: CoreError,
) -> Response {
    let err = ApiError::from(e);
    if !err.status.is_client_error() {
        return error_page(&err, None);
    }
    form_page(w, prefs, org, id, t, Some(&err))
}

/// `GET /directory/{short}/contacts/new`.
pub async fn new_page(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path(short): Path<String>,
) -> Response {
    match managed(&state, &w, &short).await {
        Ok(org) => form_page(&w, prefs, org, None, Typed::new_contact(), None),
        Err(r) => r,
    }
}

/// `POST /directory/{short}/contacts/new`.
pub async fn create(
    State(state): State<AppState>,
    prefs: Prefs,
    Path(short): Path<String>,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    let org = match managed(&state, &w, &short).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let t = Typed::posted(&form);
    let added = match t.input() {
        Ok(new) => state.service.add_contact(&w.principal, org.id, new).await,
        Err(e) => Err(e.into()),
    };
    match added {
        Ok(_) => see_other(&format!("/directory/{}", org.short_name)),
        Err(e) => refused(&w, prefs, org, None, t, e),
    }
}

/// `GET /directory/{short}/contacts/{id}/edit`.
pub async fn edit_page(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path((short, id)): Path<(String, String)>,
) -> Response {
    match managed_contact(&state, &w, &short, &id).await {
        Ok((org, c)) => form_page(&w, prefs, org, Some(c.id), Typed::of(&c), None),
        Err(r) => r,
    }
}

/// `POST /directory/{short}/contacts/{id}/edit`: every field of the form replaces the stored one
/// (an emptied key field removes the key); the handles are kept.
pub async fn update(
    State(state): State<AppState>,
    prefs: Prefs,
    Path((short, id)): Path<(String, String)>,
    CsrfForm { user: w, form }: CsrfForm<Form>,
) -> Response {
    let (org, c) = match managed_contact(&state, &w, &short, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let t = Typed::posted(&form);
    let changed = match t.input() {
        Ok(n) => {
            let patch = ContactPatch {
                name: Some(n.name),
                mailbox: Some(n.mailbox),
                kinds: Some(n.kinds),
                emails: Some(n.emails),
                phones: Some(n.phones),
                handles: None,
                pgp_key: Some(n.pgp_key),
                languages: Some(n.languages),
                availability: Some(n.availability),
                visibility: n.visibility,
            };
            state.service.patch_contact(&w.principal, c.id, patch).await
        }
        Err(e) => Err(e.into()),
    };
    match changed {
        Ok(_) => see_other(&format!("/directory/{}", org.short_name)),
        Err(e) => refused(&w, prefs, org, Some(c.id), t, e),
    }
}

#[derive(Template)]
#[template(path = "directory_contact_delete.html")]
struct DeletePage {
    chrome: Chrome,
    org: Organisation,
    csrf: String,
    name: String,
    action: String,
}

/// `GET /directory/{short}/contacts/{id}/delete`: asks to confirm.
pub async fn delete_page(
    State(state): State<AppState>,
    w: WebUser,
    prefs: Prefs,
    Path((short, id)): Path<(String, String)>,
) -> Response {
    let (org, c) = match managed_contact(&state, &w, &short, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let page = DeletePage {
        chrome: Chrome::signed_in(
            &format!("Delete contact {}", c.name),
            &w,
            prefs,
            "/directory",
        ),
        action: format!("/directory/{}/contacts/{}/delete", org.short_name, c.id),
        org,
        csrf: w.csrf.clone(),
        name: c.name,
    };
    html(StatusCode::OK, page.render())
}

/// `POST /directory/{short}/contacts/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((short, id)): Path<(String, String)>,
    CsrfForm { user: w, form: _ }: CsrfForm<Form>,
) -> Response {
    let (org, c) = match managed_contact(&state, &w, &short, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match state.service.delete_contact(&w.principal, c.id).await {
        Ok(()) => see_other(&format!("/directory/{}", org.short_name)),
        Err(e) => fail(e),
    }
}
