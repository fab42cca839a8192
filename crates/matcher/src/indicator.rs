//! Reading the parts of a STIX 2.1 `indicator` that the index and its hits need.

use serde_json::Value;
use simpul_vocab::Tlp;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Why an object was not taken into the index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    /// Not a JSON object of type `indicator`.
    #[error("not an indicator (type {0:?})")]
    NotIndicator(String),
    /// A required property is missing or has the wrong JSON type.
    #[error("indicator {id}: property {property} is missing or not a {expected}")]
    Property {
        /// The indicator id (or `?`).
        id: String,
        /// The property.
        property: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// `pattern_type` other than `stix` (e.g. `sigma`, `snort`, `yara`): ignored.
    #[error("indicator {id}: pattern_type {pattern_type:?} is not stix: ignored")]
    PatternType {
        /// The indicator id.
        id: String,
        /// Its pattern type.
        pattern_type: String,
    },
    /// The pattern does not parse.
    #[error("indicator {id}: bad pattern: {message}")]
    Pattern {
        /// The indicator id.
        id: String,
        /// The parser's message with its byte offset.
        message: String,
    },
    /// A timestamp property is not an RFC 3339 timestamp.
    #[error("indicator {id}: {property} is not a timestamp")]
    Timestamp {
        /// The indicator id.
        id: String,
        /// The property.
        property: &'static str,
    },
}

/// Microseconds since the Unix epoch of an RFC 3339 timestamp.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

pub(crate) fn format_micros(m: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// The fields of an indicator object, read and checked.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub pattern: &'a str,
    pub modified: i64,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub revoked: bool,
    pub created_by_ref: Option<&'a str>,
    pub tlp: Option<Tlp>,
}

pub(crate) fn read(v: &Value) -> Result<Parsed<'_>, IndicatorError> {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or_default();
    if ty != "indicator" {
        return Err(IndicatorError::NotIndicator(ty.to_owned()));
    }
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .ok_or(IndicatorError::Property {
            id: "?".into(),
            property: "id",
            expected: "string",
        })?;
    let prop = |property, expected| IndicatorError::Property {
        id: id.to_owned(),
        property,
        expected,
    };
    let pattern_type = v
        .get("pattern_type")
        .and_then(Value::as_str)
        .ok_or_else(|| prop("pattern_type", "string"))?;
    if pattern_type != "stix" {
        return Err(IndicatorError::PatternType {
            id: id.to_owned(),
            pattern_type: pattern_type.to_owned(),
        });
    }
    let pattern = v
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or_else(|| prop("pattern", "string"))?;
    let ts = |property: &'static str| -> Result<Option<i64>, IndicatorError> {
        match v.get(property) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339)
                .map(|t| Some(micros(t)))
                .map_err(|_| IndicatorError::Timestamp {
                    id: id.to_owned(),
                    property,
                }),
            Some(_) => Err(IndicatorError::Timestamp {
                id: id.to_owned(),
                property,
            }),
        }
    };
    let modified = ts("modified")?.or(ts("created")?).unwrap_or(i64::MIN);
    let valid_from = ts("valid_from")?.unwrap_or(i64::MIN);
    let valid_until = ts("valid_until")?;
    let revoked = v.get("revoked").and_then(Value::as_bool).unwrap_or(false);
    // Several TLP markings: the most restrictive applies.
    let tlp = Tlp::most_restrictive(
        v.get("object_marking_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    Ok(Parsed {
        id,
        name: v.get("name").and_then(Value::as_str),
        pattern,
        modified,
        valid_from,
        valid_until,
        revoked,
        created_by_ref: v.get("created_by_ref").and_then(Value::as_str),
        tlp,
    })
}
