//! The one decoding of stored check, target and schedule columns into domain types (both backends
//! fill these rows and call `decode`). Lists and the target spec are stored as JSON text.

use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use crate::comm_checks::schedule::Schedule;
use crate::comm_checks::{
    AckVia, Check, CheckDuration, CheckId, Delivery, ScheduleId, Target, TargetContact, TargetId,
};
use crate::contacts::ContactId;
use crate::org::OrgId;
use crate::store::StoreError;
use crate::tz::TimeZoneName;

pub const CHECK_COLUMNS: &str = "id, title, message, channels, kinds, targets, started_at, \
     started_by, deadline_at, schedule_id";

pub const TARGET_COLUMNS: &str = "id, check_id, contact_id, org_id, contact_name, \
     contact_email, token_hash, sent_at, delivery, delivery_detail, acknowledged_at, via";

pub const SCHEDULE_COLUMNS: &str = "id, title, message, channels, kinds, targets, deadline, \
     every_days, start_local, time_zone, next_run_at, created_by, created_at";

/// The local start of a schedule as stored: `YYYY-MM-DDTHH:MM:SS`.
const LOCAL: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

fn corrupt(table: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{what}: {e}"))
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A local date-time as stored.
pub fn local_text(t: PrimitiveDateTime) -> String {
    t.format(LOCAL).unwrap_or_default()
}

/// Reads a local date-time as stored (or as a user writes it, `2026-01-05T09:00:00`).
pub fn parse_local(s: &str) -> Result<PrimitiveDateTime, time::error::Parse> {
    PrimitiveDateTime::parse(s, LOCAL)
}

/// The columns of `comm_checks`, in [`CHECK_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    pub channels: String,
    pub kinds: String,
    pub targets: String,
    pub started_at: OffsetDateTime,
    pub started_by: String,
    pub deadline_at: OffsetDateTime,
    pub schedule_id: Option<Uuid>,
}

impl From<&Check> for CheckRow {
    fn from(c: &Check) -> Self {
        Self {
            id: c.id.0,
            title: c.title.clone(),
            message: c.message.clone(),
            channels: json(&c.channels),
            kinds: json(&c.kinds),
            targets: json(&c.targets),
            started_at: c.started_at,
            started_by: c.started_by.clone(),
            deadline_at: c.deadline_at,
            schedule_id: c.schedule.map(|s| s.0),
        }
    }
}

impl CheckRow {
    pub fn decode(self) -> Result<Check, StoreError> {
        let t = "comm_checks";
        Ok(Check {
            id: CheckId(self.id),
            title: self.title,
            message: self.message,
            channels: serde_json::from_str(&self.channels)
                .map_err(|e| corrupt(t, "channels", e))?,
            kinds: serde_json::from_str(&self.kinds).map_err(|e| corrupt(t, "kinds", e))?,
            targets: serde_json::from_str(&self.targets).map_err(|e| corrupt(t, "targets", e))?,
            started_at: self.started_at,
            started_by: self.started_by,
            deadline_at: self.deadline_at,
            schedule: self.schedule_id.map(ScheduleId),
        })
    }
}

/// The columns of `comm_check_targets`, in [`TARGET_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    pub id: Uuid,
    pub check_id: Uuid,
    pub contact_id: Uuid,
    pub org_id: Uuid,
    pub contact_name: String,
    pub contact_email: String,
    pub token_hash: Vec<u8>,
    pub sent_at: Option<OffsetDateTime>,
    /// `queued`, `sent` or `undeliverable`.
    pub delivery: String,
    /// The relay's answer (`sent`) or the reason (`undeliverable`).
    pub delivery_detail: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub via: Option<String>,
}

/// A delivery as stored: its status and detail.
pub fn delivery_columns(d: &Delivery) -> (&'static str, Option<String>) {
    match d {
        Delivery::Queued => ("queued", None),
        Delivery::Sent { answer } => ("sent", Some(answer.clone())),
        Delivery::Undeliverable { reason } => ("undeliverable", Some(reason.clone())),
    }
}

impl From<&Target> for TargetRow {
    fn from(t: &Target) -> Self {
        let (delivery, detail) = delivery_columns(&t.delivery);
        Self {
            id: t.id.0,
            check_id: t.check.0,
            contact_id: t.contact.contact_id.0,
            org_id: t.contact.org_id.0,
            contact_name: t.contact.name.clone(),
            contact_email: t.contact.email.clone(),
            token_hash: t.token_hash.to_vec(),
            sent_at: t.sent_at,
            delivery: delivery.into(),
            delivery_detail: detail,
            acknowledged_at: t.acknowledged_at,
            via: t.via.map(|v| v.as_str().into()),
        }
    }
}

impl TargetRow {
    pub fn decode(self) -> Result<Target, StoreError> {
        let t = "comm_check_targets";
        let detail = self.delivery_detail.unwrap_or_default();
        let delivery = match self.delivery.as_str() {
            "queued" => Delivery::Queued,
            "sent" => Delivery::Sent { answer: detail },
            "undeliverable" => Delivery::Undeliverable { reason: detail },
            other => return Err(corrupt(t, "delivery", other)),
        };
        Ok(Target {
            id: TargetId(self.id),
            check: CheckId(self.check_id),
            contact: TargetContact {
                contact_id: ContactId(self.contact_id),
                org_id: OrgId(self.org_id),
                name: self.contact_name,
                email: self.contact_email,
            },
            token_hash: self
                .token_hash
                .try_into()
                .map_err(|_| corrupt(t, "token_hash", "not 32 bytes"))?,
            sent_at: self.sent_at,
            delivery,
            acknowledged_at: self.acknowledged_at,
            via: self
                .via
                .map(|v| v.parse::<AckVia>())
                .transpose()
                .map_err(|e| corrupt(t, "via", e))?,
        })
    }
}

/// The columns of `comm_check_schedules`, in [`SCHEDULE_COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    pub channels: String,
    pub kinds: String,
    pub targets: String,
    pub deadline: String,
    pub every_days: i64,
    pub start_local: String,
    pub time_zone: String,
    pub next_run_at: OffsetDateTime,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

impl From<&Schedule> for ScheduleRow {
    fn from(s: &Schedule) -> Self {
        Self {
            id: s.id.0,
            title: s.title.clone(),
            message: s.message.clone(),
            channels: json(&s.channels),
            kinds: json(&s.kinds),
            targets: json(&s.targets),
            deadline: s.deadline.as_str().into(),
            every_days: i64::from(s.every_days),
            start_local: local_text(s.start_local),
            time_zone: s.time_zone.as_str().into(),
            next_run_at: s.next_run_at,
            created_by: s.created_by.clone(),
            created_at: s.created_at,
        }
    }
}

impl ScheduleRow {
    pub fn decode(self) -> Result<Schedule, StoreError> {
        let t = "comm_check_schedules";
        Ok(Schedule {
            id: ScheduleId(self.id),
            title: self.title,
            message: self.message,
            channels: serde_json::from_str(&self.channels)
                .map_err(|e| corrupt(t, "channels", e))?,
            kinds: serde_json::from_str(&self.kinds).map_err(|e| corrupt(t, "kinds", e))?,
            targets: serde_json::from_str(&self.targets).map_err(|e| corrupt(t, "targets", e))?,
            deadline: self
                .deadline
                .parse::<CheckDuration>()
                .map_err(|e| corrupt(t, "deadline", e))?,
            every_days: u32::try_from(self.every_days).map_err(|e| corrupt(t, "every_days", e))?,
            start_local: parse_local(&self.start_local)
                .map_err(|e| corrupt(t, "start_local", e))?,
            time_zone: TimeZoneName::parse(&self.time_zone)
                .map_err(|e| corrupt(t, "time_zone", e))?,
            next_run_at: self.next_run_at,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}
