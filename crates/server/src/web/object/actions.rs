//! The producer's actions on the object page: a new version from a form of its main editable
//! properties, revocation (confirmed with a tick), a marking change (widening confirmed with a
//! tick) and the named recipients. Each calls the service function REST calls
//! (`simpul_core::intel::changes`), which decides who may change what: a form posted by anyone else
//! — another organisation, a read-only user — is refused there and changes nothing. A refused form
//! comes back with the reason beside its field; a change done is a redirect to the object page,
//! which says so once (a flash cookie under `/objects`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::intel::changes::{Changed, MAX_RECIPIENTS};
use simpul_core::intel::{Tlp, parse_tlp};
use simpul_core::{CoreError, Invalid};
use simpul_stix::{Json, Timestamp};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::{Refused, page};
use crate::AppState;
use crate::error::ApiError;
use crate::web::view::Prefs;
use crate::web::{CsrfForm, WebUser, cookie, error_page, see_other};

/// The flash cookie of the object pages: a code of [`flash_message`], for a minute.
pub(super) const FLASH_COOKIE: &str = "simpul_object_flash";
pub(super) const FLASH_PATH: &str = "/objects";
const FLASH_MAX_AGE: i64 = 60;

/// The most characters a name, a description and the labels (together) may have on the form.
pub(super) const MAX_NAME: usize = 500;
pub(super) const MAX_DESCRIPTION: usize = 20_000;
pub(super) const MAX_LABELS: usize = 2_000;

/// What the page says once after a change (`None` for a code it did not set).
pub(super) fn flash_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "version" => "New version saved: it is the newest in the version history.",
        "revoked" => "Revoked: the object now says so and gets no further versions.",
        "marking" => "Marking changed: the new version carries it.",
        "recipients" => "Recipients changed: the new version is shared with them.",
        "unchanged" => "Nothing changed: the object already was as asked.",
        _ => return None,
    })
}

/// After a change: back to the object (at `anchor`), which says `code` once.
fn done(state: &AppState, id: &str, c: &Changed, code: &str, anchor: &str) -> Response {
    let code = if c.stored { code } else { "unchanged" };
    let mut res = see_other(&format!("/objects/{id}#{anchor}"));
    res.headers_mut().append(
        axum::http::header::SET_COOKIE,
        cookie(state, FLASH_COOKIE, code, FLASH_PATH, Some(FLASH_MAX_AGE)),
    );
    res
}

/// A refused change: the page again with the reason beside the form's field when the reader
/// can put it right (invalid input, a conflict); any other refusal (not found, forbidden, a fault)
/// is an error page, so nothing of an object the reader may not change is drawn.
async fn refused(
    state: &AppState,
    id: &str,
    w: &WebUser,
    prefs: Prefs,
    e: CoreError,
    form: Refused,
) -> Response {
    let err = ApiError::from(e);
    let status = err.status;
    if matches!(status, StatusCode::BAD_REQUEST | StatusCode::CONFLICT) {
        page(state, id, w, prefs, Some((err, form)), status, None).await
    } else {
        error_page(&err, None)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::web) struct VersionForm {
    /// The version the form was drawn from (RFC 3339), to refuse an edit of a version since
    /// replaced.
    #[serde(default)]
    pub base: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub labels: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub valid_until: String,
}

/// `POST /objects/{id}/versions`: a new version with the form's properties, `modified` now.
pub(in crate::web) async fn new_version(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<VersionForm>,
) -> Response {
    let s = &state.service;
    let o = match s.get_object(&w.principal, &id, None).await {
        Ok(o) => o,
        Err(e) => return error_page(&e.into(), None),
    };
    // The form's own checks are for the producer's forms; anyone else's post goes straight to
    // the service, which refuses it.
    if own(&w, &o) && f.base != simpul_core::clock::rfc3339_micros(o.version) {
        let e = CoreError::Conflict(
            "the object has a newer version since this form was drawn: the form now shows it; \
             make your change again"
                .to_owned(),
        );
        return refused(
            &state,
            &id,
            &w,
            prefs,
            e,
            Refused::Version(VersionForm::default()),
        )
        .await;
    }
    let body = match edited(&o.json, &f, &prefs, o.version, s.now()) {
        Ok(Some(body)) => body,
        Ok(None) => {
            let unchanged = Changed {
                object: o,
                stored: false,
            };
            return done(&state, &id, &unchanged, "unchanged", "versions");
        }
        Err(e) => return refused(&state, &id, &w, prefs, e.into(), Refused::Version(f)).await,
    };
    // The form's version again, checked inside the store's write: of two posts drawn from one
    // version, the second is refused however close together they come.
    let base = OffsetDateTime::parse(&f.base, &time::format_description::well_known::Rfc3339).ok();
    match s.post_object_version(&w.principal, &id, &body, base).await {
        Ok(c) => done(&state, &id, &c, "version", "versions"),
        Err(e) => refused(&state, &id, &w, prefs, e, Refused::Version(f)).await,
    }
}

/// Whether `o` is of the reader's organisation.
fn own(w: &WebUser, o: &simpul_core::intel::store::StoredObject) -> bool {
    w.principal
        .as_user()
        .is_some_and(|u| u.org.id == o.producer_org)
}

/// The object `json` with the form's properties, `modified` after `version` (now, or 1 ms after
/// it when the clock is not later); `None` when the form changes nothing.
fn edited(
    json: &str,
    f: &VersionForm,
    prefs: &Prefs,
    version: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Option<Vec<u8>>, Invalid> {
    let mut obj = simpul_stix::parse_object(json.as_bytes())
        .map_err(|e| {
            Invalid::new(
                "",
                format!("the stored object does not read: {}", e.message),
            )
        })?
        .into_owned();
    let is_indicator = obj.type_name() == Some("indicator");
    let before = obj.to_json_string();
    let props = obj.properties_mut();
    let name = bounded("/name", f.name.trim(), MAX_NAME)?;
    set_or_remove(props, "name", (!name.is_empty()).then(|| Json::from(name)));
    let description = f.description.replace("\r\n", "\n");
    let description = bounded("/description", description.trim(), MAX_DESCRIPTION)?;
    set_or_remove(
        props,
        "description",
        (!description.is_empty()).then(|| Json::from(description)),
    );
    let mut labels: Vec<String> = Vec::new();
    for l in bounded("/labels", &f.labels, MAX_LABELS)?.split([',', '\n']) {
        let l = l.trim();
        if !l.is_empty() && !labels.iter().any(|have| have == l) {
            labels.push(l.to_owned());
        }
    }
    set_or_remove(
        props,
        "labels",
        (!labels.is_empty()).then(|| Json::Array(labels.into_iter().map(Json::from).collect())),
    );
    let confidence = match f.confidence.trim() {
        "" => None,
        c => match c.parse::<u8>() {
            Ok(n) if n <= 100 => Some(Json::Number(n.into())),
            _ => {
                return Err(Invalid::new(
                    "/confidence",
                    "must be a whole number from 0 to 100, or empty",
                ));
            }
        },
    };
    set_or_remove(props, "confidence", confidence);
    if is_indicator {
        let until = match f.valid_until.trim() {
            "" => None,
            t => Some(Json::from(
                stix_time(local_time(t, prefs.offset()).ok_or_else(|| {
                    Invalid::new(
                        "/valid_until",
                        "must be a date and time as 2026-12-31T23:59 (in your time zone), or empty",
                    )
                })?)
                .to_string(),
            )),
        };
        set_or_remove(props, "valid_until", until);
    }
    if obj.to_json_string() == before {
        return Ok(None);
    }
    let floor_ms = |d: OffsetDateTime| {
        d.replace_nanosecond(d.nanosecond() / 1_000_000 * 1_000_000)
            .unwrap_or(d)
    };
    let mut at = floor_ms(now);
    if at <= version {
        at = floor_ms(version) + Duration::milliseconds(1);
    }
    obj.properties_mut()
        .insert("modified", Json::from(stix_time(at).to_string()));
    Ok(Some(obj.to_json_string().into_bytes()))
}

fn bounded<'s>(path: &str, s: &'s str, max: usize) -> Result<&'s str, Invalid> {
    if s.chars().count() > max {
        return Err(Invalid::new(
            path,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(s)
}

fn set_or_remove(props: &mut simpul_stix::json::Map<'static>, key: &str, v: Option<Json<'static>>) {
    match v {
        Some(v) => props.insert(key, v),
        None => {
            props.remove(key);
        }
    }
}

/// A STIX timestamp of `t`, to the millisecond.
fn stix_time(t: OffsetDateTime) -> Timestamp {
    let t = simpul_core::clock::to_utc(t);
    Timestamp::from_unix(t.unix_timestamp(), t.nanosecond() / 1_000_000 * 1_000_000)
}

/// A `datetime-local` value (`2026-12-31T23:59`, seconds optional) read in the zone `offset`.
pub(super) fn local_time(s: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(s, &minutes)
        .or_else(|_| PrimitiveDateTime::parse(s, &seconds))
        .ok()
        .map(|t| t.assume_offset(offset))
        // Years 1 to 9999 in UTC only (`-9999-01-01T00:00` at +07:00 is not an instant).
        .filter(|t| simpul_core::clock::in_stored_range(*t))
}

/// `t` as a `datetime-local` value in the zone `offset`.
pub(super) fn local_value(t: OffsetDateTime, offset: UtcOffset) -> String {
    let t = simpul_core::clock::at_offset(t, offset);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct RevokeForm {
    confirm: Option<String>,
}

/// `POST /objects/{id}/revoke`: revoked, once the reader has ticked that they mean it.
pub(in crate::web) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<RevokeForm>,
) -> Response {
    if f.confirm.is_none() {
        let e = Invalid::new(
            "/confirm",
            "tick the box to confirm: a revoked object gets no further versions",
        );
        return refused(&state, &id, &w, prefs, e.into(), Refused::Revoke).await;
    }
    match state.service.revoke_object(&w.principal, &id).await {
        Ok(c) => done(&state, &id, &c, "revoked", "top"),
        Err(e) => refused(&state, &id, &w, prefs, e, Refused::Revoke).await,
    }
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct MarkingForm {
    #[serde(default)]
    tlp: String,
    widen: Option<String>,
}

/// `POST /objects/{id}/marking`: a new version at the TLP chosen; a wider marking (seen by more)
/// must be ticked as meant.
pub(in crate::web) async fn marking(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<MarkingForm>,
) -> Response {
    let form = Refused::Marking {
        tlp: f.tlp.chars().take(20).collect(),
    };
    let tlp = match parse_tlp("/tlp", &f.tlp) {
        Ok(t) => t,
        Err(e) => return refused(&state, &id, &w, prefs, e.into(), form).await,
    };
    let form = Refused::Marking {
        tlp: tlp.label().to_owned(),
    };
    let o = match state.service.get_object(&w.principal, &id, None).await {
        Ok(o) => o,
        Err(e) => return error_page(&e.into(), None),
    };
    if own(&w, &o) && tlp < o.tlp && f.widen.is_none() {
        let e = Invalid::new(
            "/widen",
            format!(
                "{} is wider than {}: more readers will see it — tick the box to confirm",
                tlp.label(),
                o.tlp.label()
            ),
        );
        return refused(&state, &id, &w, prefs, e.into(), form).await;
    }
    match state
        .service
        .set_object_marking(&w.principal, &id, tlp)
        .await
    {
        Ok(c) => done(&state, &id, &c, "marking", "top"),
        Err(e) => refused(&state, &id, &w, prefs, e, form).await,
    }
}

/// The TLP levels for the marking picker: value, label, whether it is `current`.
pub(super) fn tlp_options(current: &str) -> Vec<(&'static str, &'static str, bool)> {
    Tlp::ALL
        .iter()
        .map(|t| (t.label(), t.label(), t.label() == current))
        .collect()
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct RecipientsForm {
    #[serde(default)]
    recipients: String,
}

/// `POST /objects/{id}/recipients`: the users named (by email, one a line or comma-separated)
/// become the object's audience; none: back to the collection's.
pub(in crate::web) async fn recipients(
    State(state): State<AppState>,
    Path(id): Path<String>,
    prefs: Prefs,
    CsrfForm { user: w, form: f }: CsrfForm<RecipientsForm>,
) -> Response {
    let emails: Vec<String> = f
        .recipients
        .split([',', '\n', ';', ' ', '\t', '\r'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    // What is shown again is bounded as the service bounds what it reads.
    let form = Refused::Recipients {
        text: if f.recipients.len() > MAX_RECIPIENTS * 80 {
            String::new()
        } else {
            f.recipients.clone()
        },
        emails: emails.clone(),
    };
    match state
        .service
        .set_object_recipients(&w.principal, &id, &emails)
        .await
    {
        Ok(c) => done(&state, &id, &c, "recipients", "top"),
        Err(e) => refused(&state, &id, &w, prefs, e, form).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_local_time_is_read_in_the_readers_zone() {
        let jakarta = UtcOffset::from_hms(7, 0, 0).unwrap();
        assert_eq!(
            local_time("2026-12-31T23:59", jakarta),
            Some(datetime!(2026-12-31 16:59 UTC))
        );
        assert_eq!(
            local_time("2026-12-31T23:59:30", UtcOffset::UTC),
            Some(datetime!(2026-12-31 23:59:30 UTC))
        );
        assert_eq!(local_time("tomorrow", UtcOffset::UTC), None);
        assert_eq!(
            local_value(datetime!(2026-12-31 16:59 UTC), jakarta),
            "2026-12-31T23:59"
        );
    }
}
