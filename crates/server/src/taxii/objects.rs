//! A collection's objects (§5.3 get, §5.4 add): an envelope of the versions the caller may see,
//! each exactly as it was received; posting an envelope answers 202 with its status resource.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use simpul_core::intel::taxii::{EnvelopeError, TaxiiPage, check_envelope};

use super::collections::collection_id;
use super::filters::{self, DefaultVersion, Takes};
use super::negotiation::{Taxii, check_accept, check_content_type, read_body};
use super::{listing, taxii_route};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorCode};

pub(super) fn routes() -> Vec<super::TaxiiRoute> {
    vec![
        taxii_route!(GET "/taxii2/{root}/collections/{id}/objects/", "get objects", list),
        taxii_route!(POST "/taxii2/{root}/collections/{id}/objects/", "add objects", add),
    ]
}

pub(super) const LISTING: Takes = Takes {
    ids_and_types: true,
    version: true,
    paging: true,
};

/// The envelope of a page (§3.7): `more`, `next` when there is more, and the objects (if any)
/// exactly as received, with the page's first and last `date_added` as headers.
pub(super) fn envelope(page: &TaxiiPage) -> Taxii {
    let mut body =
        Vec::with_capacity(page.objects.iter().map(|o| o.json.len() + 1).sum::<usize>() + 64);
    body.extend_from_slice(br#"{"more":"#);
    body.extend_from_slice(if page.more { b"true" } else { b"false" });
    if let Some(next) = page.next() {
        body.extend_from_slice(br#","next":""#);
        body.extend_from_slice(filters::next_token_of(next).as_bytes());
        body.push(b'"');
    }
    // A list is never empty (§2): an empty page has no `objects`.
    if !page.objects.is_empty() {
        body.extend_from_slice(br#","objects":["#);
        for (i, o) in page.objects.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(o.json.as_bytes());
        }
        body.push(b']');
    }
    body.push(b'}');
    Taxii {
        status: StatusCode::OK,
        body,
        added: added_range(page),
    }
}

/// The first and last `date_added` of a page, when it has any.
pub(super) fn added_range(
    page: &TaxiiPage,
) -> Option<(time::OffsetDateTime, time::OffsetDateTime)> {
    Some((
        page.objects.first()?.date_added,
        page.objects.last()?.date_added,
    ))
}

async fn list(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let page = listing(
        &state,
        &p,
        &id,
        None,
        raw.as_deref(),
        (LISTING, DefaultVersion::Last),
    )
    .await?;
    Ok(envelope(&page))
}

async fn add(
    State(state): State<AppState>,
    _: super::Root,
    Auth(p): Auth,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let t = &state.settings.taxii;
    let collection = collection_id(&id)?;
    // Who may post is decided before the body is read: 404 and 403 before 415, 413 and 400.
    let c = state.service.taxii_collection(&p, collection).await?;
    if !c.can_write {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you may not add objects to collection {collection}"),
        ));
    }
    check_content_type(&headers)?;
    let body = read_body(body, t.max_content_length).await?;
    // Skimmed off the async threads: a body may be tens of megabytes.
    let checked = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || check_envelope(&body))
            .await
            .map_err(|e| ApiError::internal(&e))?
    };
    checked.map_err(|e| match e {
        EnvelopeError::Syntax(i) => {
            ApiError::new(ErrorCode::InvalidJson, i.message.clone()).with_field("/", i.message)
        }
        EnvelopeError::Shape(i) => {
            let pointer = if i.path.is_empty() {
                "/".to_owned()
            } else {
                i.path.clone()
            };
            ApiError::new(
                ErrorCode::Unprocessable,
                format!("not a TAXII envelope: {}", i.message),
            )
            .with_field(pointer, i.message)
        }
    })?;
    let status = state
        .service
        .taxii_add_objects(&p, collection, &body, t.status_retention)
        .await?;
    Ok(Taxii {
        status: StatusCode::ACCEPTED,
        ..Taxii::json(&status)
    })
}
