//! `/objects/{id}/…`: the producer's changes to a shared object — a new version, a revocation, a
//! marking change, a change of named recipients. Each stores a new version (the store is
//! append-only) with its audit entry, and answers the version now newest, shaped as
//! `GET /objects/{id}` answers it. Who may change what, and which version a change starts from,
//! is the core's (`simpul_core::intel::changes`).

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use simpul_core::Principal;
use simpul_core::intel::changes::{Changed, MAX_RECIPIENTS};
use simpul_core::intel::parse_tlp;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::json::{JsonBody, JsonBytes};
use super::objects::{Shaper, SharedObject};
use super::{ApiResult, ApiRoute, route, schema};
use crate::AppState;
use crate::auth::Auth;

/// Who may change an object, in words.
const PRODUCER: &str = "analysts and administrators of the organisation that produced it, while \
     it may write into its collection (scope write); the change acts on your organisation's own \
     lineage of the id (other organisations' versions of it are theirs); an object you may not see \
     is not found, one you may see but of which your organisation has no version is forbidden";

pub fn routes() -> Vec<ApiRoute> {
    vec![
        route!(POST "/objects/{id}/versions", post_version)
            .doc(
                "Post a new version of a shared object: one STIX object with the same id, valid, \
                 with a `modified` later than the stored version's (the stored version itself is \
                 answered and nothing stored). Unmarked, it gets the collection's default TLP; it \
                 keeps the named recipients of the version before.",
                PRODUCER,
            )
            .request::<StixObjectBody>()
            .returns::<SharedObject>(StatusCode::OK),
        route!(POST "/objects/{id}/revoke", revoke)
            .doc(
                "Revoke a shared object: a new version with `revoked: true` and `modified` now. A \
                 revoked object gets no further versions (409).",
                PRODUCER,
            )
            .returns::<SharedObject>(StatusCode::OK),
        route!(PUT "/objects/{id}/marking", set_marking)
            .doc(
                "Change a shared object's TLP: a new version whose TLP marking is the TLP 2.0 \
                 marking of that level (other markings kept), `modified` now. TLP:RED needs named \
                 users: a user-list collection, or recipients named on the object.",
                PRODUCER,
            )
            .request::<MarkingChange>()
            .returns::<SharedObject>(StatusCode::OK),
        route!(PUT "/objects/{id}/recipients", set_recipients)
            .doc(
                "Name the recipients of a shared object (they become its whole audience; none: \
                 back to the collection's audience): a new version, `modified` now. A TLP:RED \
                 object outside a user-list collection keeps at least one.",
                PRODUCER,
            )
            .request::<RecipientsChange>()
            .returns::<SharedObject>(StatusCode::OK),
    ]
}

/// One STIX 2.1 object.
#[derive(Debug)]
pub struct StixObjectBody;

impl utoipa::PartialSchema for StixObjectBody {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One STIX 2.1 object"))
            .into()
    }
}

impl ToSchema for StixObjectBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StixObjectBody")
    }
}

/// The TLP level a shared object is to have.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkingChange {
    #[schema(schema_with = schema::tlp_wanted)]
    pub tlp: String,
}

/// The users a shared object is to be shared with, by email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientsChange {
    #[schema(schema_with = recipients_schema)]
    pub recipients: Vec<String>,
}

fn recipients_schema() -> utoipa::openapi::schema::Array {
    schema::emails_or_none(MAX_RECIPIENTS)
}

async fn answer(s: &AppState, p: &Principal, c: Changed) -> ApiResult<Json<SharedObject>> {
    Ok(Json(Shaper::new(s, p).await?.shape(c.object)?))
}

async fn post_version(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Json<SharedObject>> {
    let c = s.service.post_object_version(&p, &id, &body, None).await?;
    answer(&s, &p, c).await
}

async fn revoke(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SharedObject>> {
    let c = s.service.revoke_object(&p, &id).await?;
    answer(&s, &p, c).await
}

async fn set_marking(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<MarkingChange>,
) -> ApiResult<Json<SharedObject>> {
    let tlp = parse_tlp("/tlp", &b.tlp)?;
    let c = s.service.set_object_marking(&p, &id, tlp).await?;
    answer(&s, &p, c).await
}

async fn set_recipients(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RecipientsChange>,
) -> ApiResult<Json<SharedObject>> {
    let c = s
        .service
        .set_object_recipients(&p, &id, &b.recipients)
        .await?;
    answer(&s, &p, c).await
}
