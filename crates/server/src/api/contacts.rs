//! `/contacts` and `/organisations/{id}/contacts/vcard`: the POC network's contacts (P2.1) — people
//! and functional mailboxes of member and partner organisations. Reads are open to anyone the
//! directory's visibility admits (nobody signed in: `public` contacts only; an unseen contact is
//! 404); writes are the organisation's org-admin's (or a site-admin's). A contact's OpenPGP key is
//! answered with its parsed facts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simpul_core::OrgId;
use simpul_core::contacts::store::ContactQuery;
use simpul_core::contacts::{self as core, ContactId, ContactKind};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::{Auth, MaybeAuth};

const READERS: &str = "anyone the contact's directory visibility admits: members see all, \
                       partners `partners` and `public`, everyone their own organisation's; \
                       without signing in, `public` only (others: 404)";
const WRITERS: &str = "site-admin; org-admin of the contact's organisation";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/contacts", add_contact)
            .doc(
                "Add a contact (a person or a functional mailbox) to an organisation; phones are \
                 normalised to E.164, an OpenPGP key must be one armoured public key",
                WRITERS,
            )
            .request::<NewContact>()
            .returns::<Contact>(StatusCode::CREATED),
        route!(GET "/contacts", list_contacts)
            .doc(
                "List the contacts the caller may see (at most 1000), by organisation, name",
                READERS,
            )
            .query::<ContactsQuery>()
            .returns::<ContactList>(StatusCode::OK),
        route!(GET "/contacts/{id}", get_contact)
            .doc("Get a contact", READERS)
            .returns::<Contact>(StatusCode::OK),
        route!(PATCH "/contacts/{id}", patch_contact)
            .doc(
                "Change a contact: absent fields are kept, `null` clears `pgp_key` or \
                 `availability`; the result is validated whole",
                WRITERS,
            )
            .request::<ContactPatch>()
            .returns::<Contact>(StatusCode::OK),
        route!(DELETE "/contacts/{id}", delete_contact)
            .doc("Delete a contact", WRITERS)
            .no_content(),
        route!(GET "/contacts/{id}/vcard", get_vcard)
            .doc("A contact as a vCard 4.0 (RFC 6350)", READERS)
            .streams::<VCardText>(StatusCode::OK, VCARD),
        route!(GET "/organisations/{id}/contacts/vcard", get_org_vcard)
            .doc(
                "Every contact of an organisation the caller may see, one vCard 4.0 each (none: \
                 an empty body)",
                READERS,
            )
            .streams::<VCardText>(StatusCode::OK, VCARD),
    ]
}

const VCARD: &str = "text/vcard; charset=utf-8";

/// vCard 4.0 text: `BEGIN:VCARD` … `END:VCARD`, CRLF line ends, folded at 75 octets.
#[derive(Debug, ToSchema)]
#[schema(value_type = String)]
#[allow(dead_code)] // documents the body
pub struct VCardText(String);

/// A messaging handle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handle {
    /// `signal`, `matrix`, `telegram`, … (letters, digits, `-`, `.`; at most 40).
    pub network: String,
    /// At most 200 characters.
    pub handle: String,
}

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// The organisation the contact belongs to.
    pub org: Uuid,
    #[schema(schema_with = schema::name)]
    pub name: String,
    /// A functional mailbox (a duty desk) rather than a person; needs an e-mail address.
    #[serde(default)]
    pub mailbox: bool,
    /// One to five of `technical-poc`, `diplomatic-poc`, `24x7-duty`, `head-of-team`,
    /// `escalation`.
    pub kinds: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = contact_emails)]
    pub emails: Vec<String>,
    /// Up to 10 phone numbers, international or of the organisation's country; answered in E.164.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub handles: Vec<Handle>,
    /// One ASCII-armoured OpenPGP public key (at most 64 KiB).
    #[serde(default)]
    pub pgp_key: Option<String>,
    /// Up to 10 BCP 47 language tags (`en`, `ms-MY`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// When the contact answers, in words (at most 200 characters).
    #[serde(default)]
    pub availability: Option<String>,
    /// `members` (the default), `partners` or `public`.
    #[serde(default)]
    #[schema(schema_with = visibility_or_null)]
    pub visibility: Option<String>,
}

/// Changes to a contact (every field optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[schema(schema_with = schema::name)]
    pub name: Option<String>,
    pub mailbox: Option<bool>,
    pub kinds: Option<Vec<String>>,
    #[schema(schema_with = contact_emails)]
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub handles: Option<Vec<Handle>>,
    /// `null` removes the key.
    #[serde(default, deserialize_with = "double_option")]
    pub pgp_key: Option<Option<String>>,
    pub languages: Option<Vec<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub availability: Option<Option<String>>,
    #[schema(schema_with = visibility_or_null)]
    pub visibility: Option<String>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn contact_emails() -> utoipa::openapi::schema::Array {
    schema::emails_or_none(core::limits::EMAILS)
}

fn visibility_or_null() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::schema::Type::String,
            utoipa::openapi::schema::Type::Null,
        ]))
        .enum_values(Some(
            core::DirectoryVisibility::ALL
                .iter()
                .map(|v| Some(v.as_str()))
                .chain([None]),
        ))
        .build()
}

fn kinds(path: &str, list: Vec<String>) -> Result<Vec<ContactKind>, simpul_core::Invalid> {
    list.iter()
        .enumerate()
        .map(|(i, k)| {
            k.parse::<ContactKind>()
                .map_err(|e| simpul_core::Invalid::new(format!("{path}/{i}"), e.message))
        })
        .collect()
}

fn visibility(
    v: Option<String>,
) -> Result<Option<core::DirectoryVisibility>, simpul_core::Invalid> {
    v.map(|v| {
        v.parse::<core::DirectoryVisibility>()
            .map_err(|e| simpul_core::Invalid::new("/visibility", e.message))
    })
    .transpose()
}

fn handles(list: Vec<Handle>) -> Vec<core::Handle> {
    list.into_iter()
        .map(|h| core::Handle {
            network: h.network,
            handle: h.handle,
        })
        .collect()
}

/// The parsed facts of a contact's OpenPGP key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyFacts {
    /// Upper-case hex, no spaces.
    pub fingerprint: String,
    pub user_ids: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// The primary key's expiry; null: never.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub expires: Option<OffsetDateTime>,
    pub expired: bool,
    /// Expires within 30 days.
    pub expires_soon: bool,
    pub algorithm: String,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub id: Uuid,
    pub org: Uuid,
    pub name: String,
    pub mailbox: bool,
    pub kinds: Vec<String>,
    pub emails: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    pub handles: Vec<Handle>,
    #[schema(required = true)]
    pub pgp_key: Option<String>,
    #[schema(required = true)]
    pub key: Option<KeyFacts>,
    pub languages: Vec<String>,
    #[schema(required = true)]
    pub availability: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub last_verified: Option<OffsetDateTime>,
    pub visibility: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Contact {
    pub fn of(c: core::Contact, now: OffsetDateTime) -> Self {
        let key = c.key_facts().map(|k| KeyFacts {
            expired: k.expired(now),
            expires_soon: k.expires_soon(now),
            fingerprint: k.fingerprint,
            user_ids: k.user_ids,
            created: k.created,
            expires: k.expires,
            algorithm: k.algorithm,
        });
        Self {
            id: c.id.0,
            org: c.org_id.0,
            name: c.name,
            mailbox: c.mailbox,
            kinds: c.kinds.iter().map(|k| k.as_str().into()).collect(),
            emails: c.emails.iter().map(|e| e.as_str().into()).collect(),
            phones: c.phones,
            handles: c
                .handles
                .into_iter()
                .map(|h| Handle {
                    network: h.network,
                    handle: h.handle,
                })
                .collect(),
            pgp_key: c.pgp_key,
            key,
            languages: c.languages,
            availability: c.availability,
            last_verified: c.last_verified,
            visibility: c.visibility.as_str().into(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
}

/// Which contacts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactsQuery {
    /// Of this organisation only.
    #[param(schema_with = schema::uuid)]
    pub org: Option<Uuid>,
    /// Having this kind (`technical-poc`, `diplomatic-poc`, `24x7-duty`, `head-of-team`,
    /// `escalation`).
    pub kind: Option<String>,
    /// A part of the name or of an e-mail address (case-insensitive; at most 200 characters).
    pub q: Option<String>,
}

async fn add_contact(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewContact>,
) -> ApiResult<Response> {
    let new = core::NewContact {
        name: b.name,
        mailbox: b.mailbox,
        kinds: kinds("/kinds", b.kinds)?,
        emails: b.emails,
        phones: b.phones,
        handles: handles(b.handles),
        pgp_key: b.pgp_key,
        languages: b.languages,
        availability: b.availability,
        visibility: visibility(b.visibility)?,
    };
    let c = s.service.add_contact(&p, OrgId(b.org), new).await?;
    Ok(created(Contact::of(c, s.service.now())))
}

async fn list_contacts(
    State(s): State<AppState>,
    auth: MaybeAuth,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> ApiResult<Json<ContactList>> {
    let kinds = match q.kind {
        Some(k) => vec![k.parse::<ContactKind>()?],
        None => vec![],
    };
    let query = ContactQuery {
        orgs: q.org.map(|o| vec![OrgId(o)]),
        kinds,
        q: q.q.filter(|q| !q.trim().is_empty()),
        ..Default::default()
    };
    let now = s.service.now();
    let contacts = s.service.list_contacts(auth.reader(), query).await?;
    Ok(Json(ContactList {
        contacts: contacts.into_iter().map(|c| Contact::of(c, now)).collect(),
    }))
}

async fn get_contact(
    State(s): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Contact>> {
    let c = s.service.get_contact(auth.reader(), ContactId(id)).await?;
    Ok(Json(Contact::of(c, s.service.now())))
}

async fn patch_contact(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
    JsonBody(b): JsonBody<ContactPatch>,
) -> ApiResult<Json<Contact>> {
    let patch = core::ContactPatch {
        name: b.name,
        mailbox: b.mailbox,
        kinds: b.kinds.map(|k| kinds("/kinds", k)).transpose()?,
        emails: b.emails,
        phones: b.phones,
        handles: b.handles.map(handles),
        pgp_key: b.pgp_key,
        languages: b.languages,
        availability: b.availability,
        visibility: visibility(b.visibility)?,
    };
    let c = s.service.patch_contact(&p, ContactId(id), patch).await?;
    Ok(Json(Contact::of(c, s.service.now())))
}

async fn delete_contact(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    s.service.delete_contact(&p, ContactId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn vcard(text: String) -> Response {
    let mut res = (StatusCode::OK, text).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(VCARD));
    res
}

async fn get_vcard(
    State(s): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    Ok(vcard(
        s.service
            .contact_vcard(auth.reader(), ContactId(id))
            .await?,
    ))
}

async fn get_org_vcard(
    State(s): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    Ok(vcard(
        s.service
            .org_contacts_vcard(auth.reader(), OrgId(id))
            .await?,
    ))
}
