//! `/cases`: multi-party incident cases (P2.2) — opening one, the paged list, reading, editing
//! and closing it, inviting a further party and a party's status steps (a refused step is 409
//! with the `allowed` states). Who sees and does what is `simpul_core::access::cases`'s; a case
//! the caller may not see is 404, as an unknown one. The timeline is `cases_timeline.rs`, tasks
//! and the after-action summary `cases_tasks.rs`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use simpul_core::cases::manage::{CaseCursor, CaseEdit, MAX_PAGE};
use simpul_core::cases::party::StatusInput;
use simpul_core::cases::store::{Case, CaseParty};
use simpul_core::cases::{CaseId, CaseView, NewCase};
use simpul_core::org::ShortName;
use time::OffsetDateTime;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::{ApiQuery, JsonBody};
use super::{ApiResult, ApiRoute, created, route, schema};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// Who reads a case.
pub(crate) const READERS: &str = "users of the owner organisation and of invited parties (for \
     TLP:RED only the named ones); the regional CERT's coordinators read the record of a case \
     that is not RED (scope read)";
/// Who reads the timeline, tasks and summary.
pub(crate) const TIMELINE_READERS: &str = "users of the owner and of parties that have \
     acknowledged (for RED only the named ones); entry by entry behind the consent gate (scope \
     read)";
const OWNER: &str = "acting users of the case's owner organisation (scope write)";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/cases", open_case)
            .doc(
                "Open an incident case for your organisation, inviting parties (each starts \
                 `invited`); a template creates its tasks",
                "any user who is not read-only (scope write)",
            )
            .request::<NewCaseBody>()
            .returns::<CaseBody>(StatusCode::CREATED),
        route!(GET "/cases", list_cases)
            .doc(
                "The cases you see, newest first, a page at a time (`next` is the following page's `cursor`)",
                READERS,
            )
            .query::<CaseQuery>()
            .returns::<CaseList>(StatusCode::OK),
        route!(GET "/cases/{id}", get_case)
            .doc(
                "A case, with the number of timeline entries you see (none for a reader who \
                 does not read the timeline)",
                READERS,
            )
            .returns::<CaseBody>(StatusCode::OK),
        route!(PATCH "/cases/{id}", patch_case)
            .doc(
                "Edit a case's title, summary, severity, TLP (not to or from RED) or PAP, or \
                 close it (`close: true`; the after-action summary is then fixed); audited",
                OWNER,
            )
            .request::<CaseEditBody>()
            .returns::<CaseBody>(StatusCode::OK),
        route!(GET "/cases/{id}/parties", list_parties)
            .doc("A case's parties and where each stands", READERS)
            .returns::<PartyList>(StatusCode::OK),
        route!(POST "/cases/{id}/parties", invite_party)
            .doc(
                "Invite a further organisation to the case (it starts `invited`); audited",
                OWNER,
            )
            .request::<InviteBody>()
            .returns::<CaseBody>(StatusCode::CREATED),
        route!(POST "/cases/{id}/parties/{party}/status", step_party)
            .doc(
                "Move a party's status: `invited` → `acknowledged` → `investigating` → \
                 `resolved` | `not-affected` by the party's own users; the owner re-invites a \
                 finished party (a reason required). A refused step is 409 with `allowed`",
                "acting users of that party; the owner's to re-invite (scope write)",
            )
            .request::<StatusBody>()
            .returns::<CaseBody>(StatusCode::OK),
    ]
}

pub const DEFAULT_LIMIT: u32 = 50;

fn limit_schema() -> Object {
    schema::limit(MAX_PAGE, DEFAULT_LIMIT)
}

/// A case to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub summary: String,
    /// 1 (low) to 4 (critical).
    #[schema(minimum = 1, maximum = 4)]
    pub severity: i64,
    /// `clear`, `green`, `amber`, `amber+strict` or `red` (`TLP:` optional).
    pub tlp: String,
    /// `clear` (default), `green`, `amber` or `red` (`PAP:` optional).
    #[serde(default)]
    pub pap: Option<String>,
    /// `phishing-campaign`, `ransomware`, `ddos`, `data-breach`, `scam-operation`,
    /// `vulnerability` or `other`.
    pub category: String,
    /// Short names of the organisations invited.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub parties: Vec<String>,
    /// `phishing-campaign`, `ransomware` or `scam-operation`: of the case's category.
    #[serde(default)]
    pub template: Option<String>,
    /// For TLP:RED only: e-mail addresses of users of the owner and the parties who may see it.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub recipients: Vec<String>,
}

impl NewCaseBody {
    fn into_core(self) -> Result<NewCase, ApiError> {
        let category = self
            .category
            .parse()
            .map_err(|e: simpul_core::Invalid| invalid("/category", e.message))?;
        let template = self
            .template
            .map(|t| t.parse())
            .transpose()
            .map_err(|e: simpul_core::Invalid| invalid("/template", e.message))?;
        Ok(NewCase {
            title: self.title,
            summary: self.summary,
            severity: self.severity,
            tlp: self.tlp,
            pap: self.pap,
            category,
            parties: self.parties,
            template,
            recipients: self.recipients,
        })
    }
}

fn invalid(path: &str, msg: impl Into<String>) -> ApiError {
    simpul_core::Invalid::new(path, msg).into()
}

/// The fields to change (at least one), or `close`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseEditBody {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub summary: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4)]
    pub severity: Option<i64>,
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    pub pap: Option<String>,
    /// `true` closes the case for good.
    #[serde(default)]
    pub close: Option<bool>,
}

/// An organisation to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// Its short name.
    #[schema(schema_with = schema::short_name)]
    pub org: String,
}

/// A party's status step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `acknowledged`, `investigating`, `resolved`, `not-affected`, or `invited` (re-invite).
    pub to: String,
    /// Required to re-invite.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// One invited organisation and where it stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    pub org: Uuid,
    /// `invited`, `acknowledged`, `investigating`, `resolved` or `not-affected`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
}

impl From<&CaseParty> for PartyBody {
    fn from(p: &CaseParty) -> Self {
        Self {
            org: p.org.0,
            status: p.status.as_str().to_owned(),
            invited_at: p.invited_at,
        }
    }
}

/// A case as you see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseBody {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub title: String,
    pub summary: String,
    /// 1 (low) to 4 (critical).
    pub severity: u8,
    pub tlp: String,
    pub pap: String,
    pub category: String,
    #[schema(required = true)]
    pub template: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub closed_at: Option<OffsetDateTime>,
    /// In the order invited.
    pub parties: Vec<PartyBody>,
    /// For TLP:RED: the users who may see it.
    pub named: Vec<Uuid>,
    /// The timeline entries you see (absent in lists, `null` when you do not read the timeline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Option<u64>>,
}

impl CaseBody {
    pub(crate) fn of(c: &Case, entries: Option<Option<u64>>) -> Self {
        Self {
            id: c.id.0,
            owner_org: c.owner_org.0,
            title: c.title.clone(),
            summary: c.summary.clone(),
            severity: c.severity.get(),
            tlp: c.tlp.label().to_owned(),
            pap: c.pap.as_str().to_owned(),
            category: c.category.as_str().to_owned(),
            template: c.template.map(|t| t.as_str().to_owned()),
            created_at: c.created_at,
            created_by: c.created_by.clone(),
            updated_at: c.updated_at,
            closed_at: c.closed_at,
            parties: c.parties.iter().map(PartyBody::from).collect(),
            named: c.named.iter().map(|u| u.0).collect(),
            entries,
        }
    }
}

impl From<CaseView> for CaseBody {
    fn from(v: CaseView) -> Self {
        Self::of(&v.case, Some(v.entries))
    }
}

/// A page of cases.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseList {
    pub cases: Vec<CaseBody>,
    /// The `cursor` of the next page; `null` on the last.
    #[schema(required = true)]
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyList {
    pub parties: Vec<PartyBody>,
}

/// A page of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
    /// `next` of the page before.
    pub cursor: Option<String>,
}

/// A case id in a path: not a UUID is 404, as an unknown case.
pub(crate) fn case_id(id: &str) -> Result<CaseId, ApiError> {
    id.parse::<CaseId>()
        .map_err(|_| ApiError::not_found("case not found"))
}

async fn open_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    JsonBody(b): JsonBody<NewCaseBody>,
) -> ApiResult<Response> {
    let case = s.service.open_case(&p, b.into_core()?).await?;
    Ok(created(CaseBody::of(&case, None)))
}

async fn list_cases(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<CaseList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("must be between 1 and {MAX_PAGE} (got {limit})"),
        ));
    }
    let after = q
        .cursor
        .map(|c| c.parse::<CaseCursor>())
        .transpose()
        .map_err(|e| ApiError::invalid_parameter("cursor", e.message))?;
    let (cases, next) = s.service.list_cases_page(&p, after, limit).await?;
    Ok(Json(CaseList {
        cases: cases.iter().map(|c| CaseBody::of(c, None)).collect(),
        next: next.map(|n| n.to_string()),
    }))
}

async fn get_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseBody>> {
    let view = s.service.get_case(&p, case_id(&id)?).await?;
    Ok(Json(view.into()))
}

async fn patch_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CaseEditBody>,
) -> ApiResult<Json<CaseBody>> {
    let edit = CaseEdit {
        title: b.title,
        summary: b.summary,
        severity: b.severity,
        tlp: b.tlp,
        pap: b.pap,
        close: b.close,
    };
    let id = case_id(&id)?;
    s.service.update_case(&p, id, edit).await?;
    Ok(Json(s.service.get_case(&p, id).await?.into()))
}

async fn list_parties(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PartyList>> {
    let view = s.service.get_case(&p, case_id(&id)?).await?;
    Ok(Json(PartyList {
        parties: view.case.parties.iter().map(PartyBody::from).collect(),
    }))
}

async fn invite_party(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<InviteBody>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    s.service.invite_party(&p, id, &b.org).await?;
    Ok(created(CaseBody::from(s.service.get_case(&p, id).await?)))
}

async fn step_party(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, party)): Path<(String, String)>,
    JsonBody(b): JsonBody<StatusBody>,
) -> ApiResult<Json<CaseBody>> {
    let id = case_id(&id)?;
    let party =
        ShortName::parse(party.trim()).map_err(|_| ApiError::not_found("party not found"))?;
    let to =
        b.to.parse()
            .map_err(|e: simpul_core::Invalid| invalid("/to", e.message))?;
    let input = StatusInput {
        to,
        reason: b.reason,
    };
    s.service.step_party(&p, id, &party, input).await?;
    Ok(Json(s.service.get_case(&p, id).await?.into()))
}
