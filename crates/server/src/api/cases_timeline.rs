//! `/cases/{id}/timeline`: a case's timeline behind the consent gate — the entries you see
//! (filtered in the store: an unreleased entry of another party is absent, as from the count),
//! writing one (an attachment's bytes as base64 `content`, at most the configured size: 413 at
//! `/size`), the author's release and allowance with the owner's pass-on, and an attachment's
//! bytes. An entry you do not see is 404, as an unknown one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use simpul_core::cases::timeline::{AudienceInput, NewEntry};
use simpul_core::cases::{ConsentInput, EntryView};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use uuid::Uuid;

use super::cases::{TIMELINE_READERS, case_id};
use super::json::JsonBody;
use super::{ApiResult, ApiRoute, created, route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const WRITERS: &str = "acting users of the owner and of parties that have acknowledged \
     (scope write)";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(GET "/cases/{id}/timeline", list_entries)
            .doc(
                "The timeline entries you see, oldest first: your organisation's, and the \
                 others' released to an audience you are in (or passed on to you with the \
                 author's consent)",
                TIMELINE_READERS,
            )
            .returns::<EntryList>(StatusCode::OK),
        route!(POST "/cases/{id}/timeline", add_entry)
            .doc(
                "Write an entry (`comment`, `stix`, `observable` or `attachment` with base64 \
                 `content`) with its own TLP (not below the case's) and audience; a party's \
                 entry stays with its organisation until released. An attachment over the \
                 configured size is 413 at `/size`",
                WRITERS,
            )
            .request::<NewEntryBody>()
            .returns::<EntryBody>(StatusCode::CREATED),
        route!(POST "/cases/{id}/timeline/{entry}/release", release_entry)
            .doc(
                "The author's organisation releases an entry to its audience and allows parties \
                 (`allow`) the owner may pass it on to; the owner passes it on (`pass_to`) only \
                 to allowed parties. Never taken back",
                "acting users of the entry's organisation; the owner's to pass on (scope write)",
            )
            .request::<ConsentBody>()
            .returns::<EntryBody>(StatusCode::OK),
        route!(GET "/cases/{id}/timeline/{entry}/attachment", attachment)
            .doc(
                "An attachment entry's bytes (as `application/octet-stream`, with its file name \
                 and sha256 in headers)",
                TIMELINE_READERS,
            )
            .streams::<AttachmentBytes>(StatusCode::OK, OCTETS),
    ]
}

const OCTETS: &str = "application/octet-stream";

/// An attachment's bytes.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the body
pub struct AttachmentBytes(Vec<u8>);

fn audience_schema() -> Object {
    ObjectBuilder::new()
        .description(Some(
            "`\"case\"` (the whole case, the default) or `{\"orgs\": [SHORT, …]}`",
        ))
        .build()
}

fn content_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .content_encoding("base64")
        .build()
}

fn body_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "kind",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([
                    "comment",
                    "status-change",
                    "stix",
                    "observable",
                    "attachment",
                ])),
        )
        .required("kind")
        .description(Some(
            "`comment`: `text`; `status-change`: `party`, `from`, `to`, `reason`; `stix`: `id`; \
             `observable`: `type`, `value`, `key`; `attachment`: `filename`, `media_type`, `size`",
        ))
        .build()
}

/// An entry to write: its kind's fields, its TLP, audience and consent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryBody {
    /// `comment`, `stix`, `observable` or `attachment`.
    pub kind: String,
    /// A comment's text.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub text: Option<String>,
    /// A STIX object's id.
    #[serde(default)]
    pub id: Option<String>,
    /// An observable's type.
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    /// An observable's value.
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub value: Option<String>,
    #[serde(default)]
    #[schema(max_length = 255)]
    pub filename: Option<String>,
    #[serde(default)]
    #[schema(max_length = 127)]
    pub media_type: Option<String>,
    /// An attachment's size in bytes (as decoded from `content`).
    #[serde(default)]
    pub size: Option<u64>,
    /// An attachment's bytes, base64.
    #[serde(default)]
    #[schema(schema_with = content_schema)]
    pub content: Option<String>,
    /// The case's when absent; never below it.
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    #[schema(schema_with = audience_schema)]
    pub audience: Option<serde_json::Value>,
    /// Released at once (default: yes for the owner's entries, no for a party's).
    #[serde(default)]
    pub release: Option<bool>,
    /// Parties the owner may pass a party's entry on to (short names).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allow: Vec<String>,
    /// For a TLP:RED entry: users who may see it besides its author.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub recipients: Vec<String>,
}

/// The author's release and allowance, or the owner's pass-on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// Parties the owner may pass the entry on to (the author's side; releases it too).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allow: Vec<String>,
    /// Parties to pass it on to (the owner's side; only allowed ones).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub pass_to: Vec<String>,
}

/// A timeline entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    pub id: Uuid,
    pub case: Uuid,
    pub author_org: Uuid,
    pub author: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What it says: its `kind` and that kind's fields.
    #[schema(schema_with = body_schema)]
    pub body: serde_json::Value,
    pub tlp: String,
    /// `null`: the whole case; else the organisations it is for (the owner sees it besides).
    #[schema(required = true)]
    pub audience: Option<Vec<Uuid>>,
    pub released_to_case: bool,
    pub allowed_parties: Vec<Uuid>,
    pub passed_to: Vec<Uuid>,
    /// An attachment's sha256 (hex).
    #[schema(required = true)]
    pub sha256: Option<String>,
}

impl From<EntryView> for EntryBody {
    fn from(e: EntryView) -> Self {
        let ids = |v: Vec<simpul_core::OrgId>| v.into_iter().map(|o| o.0).collect();
        Self {
            id: e.id,
            case: e.case.0,
            author_org: e.author_org.0,
            author: e.author.0,
            at: e.at,
            body: serde_json::to_value(&e.body).unwrap_or_default(),
            tlp: e.tlp.label().to_owned(),
            audience: e.audience.map(ids),
            released_to_case: e.released_to_case,
            allowed_parties: ids(e.allowed_parties),
            passed_to: ids(e.passed_to),
            sha256: e.sha256,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryList {
    pub entries: Vec<EntryBody>,
}

fn entry_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("entry not found"))
}

impl NewEntryBody {
    fn into_core(self) -> Result<(NewEntry, Option<Vec<u8>>), ApiError> {
        let kind = self
            .kind
            .parse()
            .map_err(|e: simpul_core::Invalid| simpul_core::Invalid::new("/kind", e.message))?;
        let audience = self
            .audience
            .map(serde_json::from_value::<AudienceInput>)
            .transpose()
            .map_err(|_| {
                simpul_core::Invalid::new(
                    "/audience",
                    "must be \"case\" or {\"orgs\": [short names]}",
                )
            })?;
        let bytes = self
            .content
            .map(|c| base64::engine::general_purpose::STANDARD.decode(c.trim()))
            .transpose()
            .map_err(|_| simpul_core::Invalid::new("/content", "is not base64"))?;
        let new = NewEntry {
            kind,
            text: self.text,
            id: self.id,
            ty: self.ty,
            value: self.value,
            filename: self.filename,
            media_type: self.media_type,
            size: self.size,
            tlp: self.tlp,
            audience,
            release: self.release,
            allow: self.allow,
            recipients: self.recipients,
        };
        Ok((new, bytes))
    }
}

async fn list_entries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<EntryList>> {
    let entries = s.service.case_timeline(&p, case_id(&id)?).await?;
    Ok(Json(EntryList {
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}

async fn add_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewEntryBody>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let (new, bytes) = b.into_core()?;
    let e = s.service.add_case_entry(&p, id, new, bytes).await?;
    Ok(created(EntryBody::from(e)))
}

async fn release_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, entry)): Path<(String, String)>,
    JsonBody(b): JsonBody<ConsentBody>,
) -> ApiResult<Json<EntryBody>> {
    let (id, entry) = (case_id(&id)?, entry_id(&entry)?);
    let input = ConsentInput {
        allow: b.allow,
        pass_to: b.pass_to,
    };
    let e = s.service.case_entry_consent(&p, id, entry, input).await?;
    Ok(Json(e.into()))
}

async fn attachment(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, entry)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (id, entry) = (case_id(&id)?, entry_id(&entry)?);
    let (view, bytes) = s.service.case_attachment(&p, id, entry).await?;
    let filename = match &view.body {
        simpul_core::cases::EntryBody::Attachment { filename, .. } => filename.clone(),
        _ => "attachment".into(),
    };
    // The file name as the client gave it is quoted for the header, anything else dropped.
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ')
        .collect();
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(OCTETS));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(sha) = view.sha256.and_then(|s| HeaderValue::from_str(&s).ok()) {
        h.insert("x-simpul-sha256", sha);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
