//! Decay: how much an indicator is still worth acting on, as a score from 0 to 100 that falls with
//! its age and that the sightings a reader may see move up (true sightings) or down (false
//! positives). The model is documented, with its formula and its table of lifetimes, in
//! `DECAY.md` beside this file.
//!
//! [`score`] is a pure function of the indicator's facts ([`Facts`]: its observable kinds, when it
//! became valid, its STIX `confidence`), what the reader sees of its sightings ([`Sighted`]) and
//! `now`; the model's parameters ([`DecayModel`]: a lifetime per observable kind, the threshold)
//! have defaults and are overridden by the configuration file's `[decay]` table. Who may see which
//! sighting is the sharing policy's decision, made by the store in the same statement that counts
//! them (`service.rs`), so a score never reflects a sighting its reader may not see.
//!
//! Must never read the clock (`now` is a parameter) or the store (`service.rs` does, through the
//! sharing filter).

mod facts;
pub mod service;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;
use simpul_observable::ObservableType;
use time::{Duration, OffsetDateTime};

use crate::error::Invalid;

pub use facts::{Facts, kinds_of_entries, kinds_of_pattern};

/// The base score of an indicator without a STIX `confidence`: shared by a CERT, but unrated.
pub const DEFAULT_BASE: f64 = 80.0;
/// The default threshold: an indicator whose score is not above it is left out of exports and its
/// hits are marked decayed.
pub const DEFAULT_THRESHOLD: f64 = 30.0;
/// What each true sighting adds to the base score, up to [`MAX_SIGHTING_BONUS`].
pub const SIGHTING_BONUS: f64 = 5.0;
/// The most the true sightings add to the base score.
pub const MAX_SIGHTING_BONUS: f64 = 20.0;
/// What each false-positive sighting takes from the base score.
pub const FALSE_POSITIVE_PENALTY: f64 = 25.0;
/// The longest lifetime a configuration may set, in days (100 years).
pub const MAX_LIFETIME_DAYS: f64 = 36_500.0;
/// The name of the kind that stands for every observable kind without a lifetime of its own.
pub const OTHER: &str = "other";

/// How fast one observable kind decays: the score reaches zero `days` after the indicator's
/// reference time, along `(t/τ)^(1/speed)` (speed 1 is a straight line; above 1 it falls fast at
/// first and then slowly, below 1 slowly at first).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lifetime {
    /// τ, in days.
    pub days: f64,
    /// δ.
    pub speed: f64,
}

impl Lifetime {
    /// A lifetime of `days` (more than 0, at most [`MAX_LIFETIME_DAYS`]) and `speed` (more than 0,
    /// at most 10); `path` names the setting in errors.
    pub fn new(path: &str, days: f64, speed: f64) -> Result<Self, Invalid> {
        if !(days > 0.0 && days <= MAX_LIFETIME_DAYS) {
            return Err(Invalid::new(
                format!("{path}.days"),
                format!("must be more than 0 and at most {MAX_LIFETIME_DAYS} (got {days})"),
            ));
        }
        if !(speed > 0.0 && speed <= 10.0) {
            return Err(Invalid::new(
                format!("{path}.speed"),
                format!("must be more than 0 and at most 10 (got {speed})"),
            ));
        }
        Ok(Self { days, speed })
    }

    fn seconds(self) -> f64 {
        self.days * 86_400.0
    }
}

/// The default lifetimes, by observable kind (the family name of [`ObservableType`], or
/// [`OTHER`]): days, speed. The reasons are in DECAY.md.
pub const DEFAULT_LIFETIMES: &[(&str, f64, f64)] = &[
    ("ipv4", 30.0, 2.0),
    ("ipv6", 30.0, 2.0),
    ("ipv4-cidr", 60.0, 2.0),
    ("ipv6-cidr", 60.0, 2.0),
    ("url", 45.0, 1.5),
    ("domain", 120.0, 1.0),
    ("email", 180.0, 1.0),
    ("sms-sender", 60.0, 1.5),
    ("phone", 120.0, 1.0),
    ("social-account", 120.0, 1.0),
    ("app-id", 180.0, 1.0),
    ("bank-account", 240.0, 1.0),
    ("iban", 240.0, 1.0),
    ("ewallet", 240.0, 1.0),
    ("payment-card", 120.0, 1.0),
    ("bic", 730.0, 0.5),
    ("crypto-wallet", 365.0, 0.5),
    ("md5", 730.0, 0.5),
    ("sha1", 730.0, 0.5),
    ("sha256", 730.0, 0.5),
    ("sha512", 730.0, 0.5),
    ("ssdeep", 365.0, 0.5),
    ("tlsh", 365.0, 0.5),
    ("asn", 365.0, 1.0),
    ("mac", 90.0, 1.0),
    (OTHER, 90.0, 1.0),
];

/// The model's parameters: a lifetime per observable kind and the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct DecayModel {
    lifetimes: BTreeMap<&'static str, Lifetime>,
    threshold: f64,
}

// Every number in a model is checked finite (never NaN), so equality is an equivalence.
impl Eq for DecayModel {}

impl Default for DecayModel {
    fn default() -> Self {
        Self {
            lifetimes: DEFAULT_LIFETIMES
                .iter()
                .map(|&(k, days, speed)| (k, Lifetime { days, speed }))
                .collect(),
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl DecayModel {
    /// The kinds a lifetime may be set for: every observable family and [`OTHER`].
    pub fn kinds(&self) -> impl Iterator<Item = (&'static str, Lifetime)> + '_ {
        self.lifetimes.iter().map(|(k, l)| (*k, *l))
    }

    /// The same model with `kind`'s lifetime replaced; an unknown kind is an error at
    /// `decay.lifetimes.<kind>` naming the known ones.
    pub fn with_lifetime(mut self, kind: &str, lifetime: Lifetime) -> Result<Self, Invalid> {
        let Some(slot) = self.lifetimes.iter_mut().find(|(k, _)| **k == kind) else {
            let known: Vec<&str> = self.lifetimes.keys().copied().collect();
            return Err(Invalid::new(
                format!("decay.lifetimes.{kind}"),
                format!("unknown observable kind; one of {}", known.join(", ")),
            ));
        };
        *slot.1 = lifetime;
        Ok(self)
    }

    /// The same model with another threshold (0 to less than 100).
    pub fn with_threshold(mut self, threshold: f64) -> Result<Self, Invalid> {
        self.threshold = checked_threshold("decay.threshold", threshold)?;
        Ok(self)
    }

    /// The threshold: a score must be above it.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The lifetime of `kind` (the [`OTHER`] one for a kind without its own).
    pub fn lifetime(&self, kind: &str) -> (&'static str, Lifetime) {
        self.lifetimes
            .get_key_value(kind)
            .or_else(|| self.lifetimes.get_key_value(OTHER))
            .map_or(
                (
                    OTHER,
                    Lifetime {
                        days: 90.0,
                        speed: 1.0,
                    },
                ),
                |(k, l)| (*k, *l),
            )
    }

    /// Of `kinds`, the one that decays first (the shortest lifetime; [`OTHER`] when none).
    fn governing<'k>(&self, kinds: impl Iterator<Item = &'k str>) -> (&'static str, Lifetime) {
        kinds
            .map(|k| self.lifetime(k))
            .min_by(|a, b| a.1.days.total_cmp(&b.1.days))
            .unwrap_or_else(|| self.lifetime(OTHER))
    }
}

/// A threshold from 0 to less than 100, or an error at `path`.
pub fn checked_threshold(path: &str, threshold: f64) -> Result<f64, Invalid> {
    if (0.0..100.0).contains(&threshold) {
        Ok(threshold)
    } else {
        Err(Invalid::new(
            path,
            format!("must be at least 0 and less than 100 (got {threshold})"),
        ))
    }
}

/// The kind name of an observable type, as the lifetimes are keyed.
pub fn kind_of(ty: ObservableType) -> &'static str {
    ty.family()
}

/// What a reader sees of an indicator's sightings (the latest version of each, revoked ones left
/// out, only those the sharing policy shows them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sighted {
    /// True sightings.
    pub sightings: u64,
    /// Sightings that say they were a false positive.
    pub false_positives: u64,
    /// When the latest true sighting was seen (its `last_seen`, else `first_seen`, else `created`).
    pub last_sighting: Option<OffsetDateTime>,
    /// When the latest false positive was seen (the same way).
    pub last_false_positive: Option<OffsetDateTime>,
}

/// An indicator's decay, for one reader at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decay {
    /// 0 to 100.
    pub score: f64,
    /// When the score falls (or fell) to the threshold; for a score held at zero by a false
    /// positive, when that false positive was seen.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// What the score was computed with.
    pub model: ModelUsed,
}

impl Decay {
    /// Whether the score is above `threshold`.
    pub fn above(&self, threshold: f64) -> bool {
        self.score > threshold
    }
}

/// The parameters a [`Decay`] was computed with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelUsed {
    /// `polynomial` (the only model).
    pub name: &'static str,
    /// The observable kind whose lifetime applied (the shortest of the indicator's kinds).
    pub kind: &'static str,
    pub lifetime_days: f64,
    pub speed: f64,
    /// The base score after sightings and false positives, before decay.
    pub base: f64,
    pub threshold: f64,
}

/// The score of an indicator with `facts`, sighted as `seen`, at `now` (see DECAY.md):
///
/// ```text
///   b   = clamp(confidence (or 80) + min(20, 5·sightings) − 25·false_positives, 0, 100)
///   t   = now − max(valid_from, last true sighting), at least 0
///   s   = b · (1 − (t/τ)^(1/δ))   while t < τ, else 0
///   s   = 0 when a false positive was seen, and no true sighting after it
/// ```
pub fn score(model: &DecayModel, facts: &Facts, seen: &Sighted, now: OffsetDateTime) -> Decay {
    let (kind, lifetime) = model.governing(facts.kinds.iter().copied());
    let threshold = model.threshold;
    let confidence = facts.confidence.map_or(DEFAULT_BASE, f64::from);
    let bonus = (SIGHTING_BONUS * seen.sightings as f64).min(MAX_SIGHTING_BONUS);
    let penalty = FALSE_POSITIVE_PENALTY * seen.false_positives as f64;
    let base = (confidence + bonus - penalty).clamp(0.0, 100.0);
    let vetoed = seen.false_positives > 0
        && match (seen.last_false_positive, seen.last_sighting) {
            (Some(fp), Some(true_)) => fp >= true_,
            (_, None) => true,
            (None, Some(_)) => false,
        };
    // A sighting said to be seen after `now` counts as seen now.
    let start = seen
        .last_sighting
        .map_or(facts.valid_from, |s| s.min(now).max(facts.valid_from));
    let used = ModelUsed {
        name: "polynomial",
        kind,
        lifetime_days: lifetime.days,
        speed: lifetime.speed,
        base,
        threshold,
    };
    if vetoed {
        return Decay {
            score: 0.0,
            expires_at: seen.last_false_positive.unwrap_or(start).min(now),
            model: used,
        };
    }
    let tau = lifetime.seconds();
    let age = ((now - start).as_seconds_f64()).max(0.0);
    let left = if age >= tau {
        0.0
    } else {
        1.0 - (age / tau).powf(1.0 / lifetime.speed)
    };
    let expires_at = if base > threshold {
        let at = tau * (1.0 - threshold / base).powf(lifetime.speed);
        // Past year 9999 (a `valid_from` at the end of time): the latest instant there is.
        start
            .checked_add(Duration::seconds_f64(at.min(tau)))
            .unwrap_or_else(|| time::PrimitiveDateTime::MAX.assume_utc())
    } else {
        start
    };
    Decay {
        score: (base * left).clamp(0.0, 100.0),
        expires_at,
        model: used,
    }
}
