//! The audit log viewer: the entries `GET /api/v1/audit` gives the reader (all of them for a
//! site-admin, their organisation's for an org-admin), newest first, filtered by actor, action,
//! target and time range (days in the reader's zone), a page at a time; and the hash chain's
//! verification (`simpul audit verify`'s walk, [`Service::verify_audit`]), which reads the whole
//! log and so is the site-admin's.
//!
//! [`Service::verify_audit`]: simpul_core::Service::verify_audit

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use simpul_core::audit::service::MAX_AUDIT_PAGE;
use simpul_core::{AuditAction, AuditEntry, OrgId};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::super::view::{Chrome, Field, NavItem, Prefs, When};
use super::super::{WebUser, bad_request, error_page, html};
use super::{AdminChrome, Choice, St, chrome, need_admin, site_admin};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// Entries a page.
const PER_PAGE: usize = 50;
/// The most entries one request reads looking for matches; past it, the page links on.
const MAX_SCAN: usize = 20 * MAX_AUDIT_PAGE as usize;
/// The longest details text a row shows.
const DETAILS_CHARS: usize = 240;

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

struct Row {
    seq: i64,
    at: When,
    actor: String,
    actor_org: String,
    source: String,
    action: String,
    target: String,
    details: String,
}

/// The chain's verification as the page says it.
struct Chain {
    ok: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    sections: Vec<NavItem>,
    chain: Chain,
    actor: Field,
    action: Choice,
    target: Field,
    from: Field,
    to: Field,
    rows: Vec<Row>,
    scanned_out: bool,
    newest: Option<String>,
    older: Option<String>,
}

/// `YYYY-MM-DD` as the start of that day in the reader's zone.
fn day_start(prefs: &Prefs, field: &str, s: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "{field}: must be a date as YYYY-MM-DD (got `{}`)",
                crate::error::bound_message(s)
            ),
        )
    };
    let mut parts = s.splitn(3, '-');
    let mut num = || parts.next().and_then(|p| p.parse::<i32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(), num(), num()) else {
        return Err(bad());
    };
    let month = u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok());
    let day = u8::try_from(d).ok();
    let date = match (month, day) {
        (Some(m), Some(d)) => Date::from_calendar_date(y, m, d).map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    Ok(Some(
        PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(prefs.offset()),
    ))
}

/// `q`'s filters (without the cursor) as a query string, with `before` when given.
fn href(q: &AuditQuery, before: Option<i64>) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("actor", &q.actor),
        ("action", &q.action),
        ("target", &q.target),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.trim().to_owned()))
    .collect();
    if let Some(b) = before {
        pairs.push(("before", b.to_string()));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() {
        "/admin/audit".to_owned()
    } else {
        format!("/admin/audit?{qs}")
    }
}

/// `GET /admin/audit`.
pub(super) async fn audit(
    St(state): St<AppState>,
    w: WebUser,
    prefs: Prefs,
    Query(q): Query<AuditQuery>,
) -> Response {
    let p = &w.principal;
    if let Err(r) = need_admin(p) {
        return error_page(&r, None);
    }
    let action = q.action.trim();
    if !action.is_empty() && !AuditAction::ALL.iter().any(|a| a.as_str() == action) {
        return bad_request(format!(
            "action: not an audited action (got `{}`)",
            crate::error::bound_message(action)
        ));
    }
    let (from, to) = match (
        day_start(&prefs, "from", &q.from),
        day_start(&prefs, "to", &q.to),
    ) {
        (Ok(f), Ok(t)) => (f, t.map(|t| t + time::Duration::days(1))),
        (Err(e), _) | (_, Err(e)) => return error_page(&e, None),
    };
    let before = match q.before.trim() {
        "" => None,
        b => match b.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return bad_request(format!(
                    "before: must be an entry's number (got `{}`)",
                    crate::error::bound_message(b)
                ));
            }
        },
    };
    // Names for the ids entries carry: the users and organisations the reader manages.
    let fail = |e: simpul_core::CoreError| error_page(&ApiError::from(e), None);
    let users: HashMap<String, String> = match state.service.list_users(p, None).await {
        Ok(us) => us
            .into_iter()
            .map(|u| (format!("user:{}", u.id), u.email.to_string()))
            .collect(),
        Err(e) => return fail(e),
    };
    let orgs: HashMap<OrgId, String> = match state.service.list_orgs(p).await {
        Ok(os) => os
            .into_iter()
            .map(|o| (o.id, o.short_name.as_str().to_owned()))
            .collect(),
        Err(e) => return fail(e),
    };
    let name = |s: &str| -> String {
        match (users.get(s), s.strip_prefix("cli:")) {
            (Some(email), _) => email.clone(),
            (None, Some(os)) => format!("{os} (command line)"),
            _ => s.to_owned(),
        }
    };
    let actor_q = q.actor.trim().to_lowercase();
    let target_q = q.target.trim().to_lowercase();
    let matches = |e: &AuditEntry| {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(needle);
        (actor_q.is_empty() || has(&e.actor, &actor_q) || has(&name(&e.actor), &actor_q))
            && (action.is_empty() || e.action == action)
            && (target_q.is_empty()
                || e.target
                    .as_deref()
                    .is_some_and(|t| has(t, &target_q) || has(&name(t), &target_q)))
            && from.is_none_or(|f| e.at >= f)
            && to.is_none_or(|t| e.at < t)
    };
    // Newest first, a page of the log at a time, until the page is full.
    let mut found: Vec<AuditEntry> = Vec::new();
    let mut cursor = before;
    let mut scanned = 0;
    let mut exhausted = false;
    while found.len() <= PER_PAGE && scanned < MAX_SCAN {
        let page = match state
            .service
            .list_audit(p, None, cursor, MAX_AUDIT_PAGE)
            .await
        {
            Ok(pg) => pg,
            Err(e) => return fail(e),
        };
        let Some(last) = page.last() else {
            exhausted = true;
            break;
        };
        cursor = Some(last.seq);
        scanned += page.len();
        let short = page.len() < MAX_AUDIT_PAGE as usize;
        for e in page {
            if matches(&e) {
                found.push(e);
                if found.len() > PER_PAGE {
                    break;
                }
            }
        }
        if short {
            exhausted = true;
            break;
        }
    }
    let more = found.len() > PER_PAGE;
    found.truncate(PER_PAGE);
    let scanned_out = !more && !exhausted;
    let older = if more {
        found.last().map(|e| href(&q, Some(e.seq)))
    } else if scanned_out {
        cursor.map(|c| href(&q, Some(c)))
    } else {
        None
    };
    let rows = found
        .into_iter()
        .map(|e| Row {
            seq: e.seq,
            at: prefs.when(e.at),
            actor: name(&e.actor),
            actor_org: e
                .actor_org
                .map(|o| orgs.get(&o).cloned().unwrap_or_else(|| o.to_string()))
                .unwrap_or_default(),
            source: e.source.unwrap_or_default(),
            action: e.action,
            target: e.target.as_deref().map(name).unwrap_or_default(),
            details: if e.details.chars().count() > DETAILS_CHARS {
                let cut: String = e.details.chars().take(DETAILS_CHARS).collect();
                format!("{cut}…")
            } else {
                e.details
            },
        })
        .collect();

    let chain = if site_admin(p) {
        match state.service.verify_audit(p).await {
            Ok(Ok(n)) => Chain {
                ok: true,
                text: format!("Chain intact: {n} entries verified."),
            },
            Ok(Err(b)) => Chain {
                ok: false,
                text: format!("Chain broken at entry {}: {}.", b.seq, b.reason),
            },
            Err(e) => return fail(e),
        }
    } else {
        Chain {
            ok: true,
            text: "The chain's verification walks the whole log, so a site-admin runs it \
                   (here, or `simpul audit verify`)."
                .into(),
        }
    };
    let actor = Field::new("f-actor", "actor", "Actor")
        .help("Part of an email, or user:ID, cli:NAME.")
        .value(q.actor.clone());
    let action_choice = Choice::new(
        "f-action",
        "action",
        "Action",
        std::iter::once((String::new(), "Any action".to_owned())).chain(
            AuditAction::ALL
                .iter()
                .map(|a| (a.as_str().to_owned(), a.as_str().to_owned())),
        ),
        action,
    );
    let target = Field::new("f-target", "target", "Target")
        .help("Part of it: an email, org:SHORT, collection:ID…")
        .value(q.target.clone());
    let from_field = Field::new("f-from", "from", "From")
        .kind("date")
        .value(q.from.trim().to_owned());
    let to_field = Field::new("f-to", "to", "To")
        .kind("date")
        .help("Days in your time zone, both included.")
        .value(q.to.trim().to_owned());
    let AdminChrome { chrome, sections } = chrome("Audit log", &w, prefs, "/admin/audit");
    let page = AuditPage {
        chrome,
        sections,
        chain,
        actor,
        action: action_choice,
        target,
        from: from_field,
        to: to_field,
        rows,
        scanned_out,
        newest: before.map(|_| href(&q, None)),
        older,
    };
    html(StatusCode::OK, page.render())
}
