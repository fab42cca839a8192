//! The audit log: an append-only, hash-chained record of security-relevant events.
//!
//! Each entry's hash is the SHA-256 of the previous entry's hash and the entry's own fields, each
//! length-prefixed so that no two different entries hash alike. The first entry's previous hash is 64
//! zeros. [`verify`] walks the chain and names the first entry that does not verify; a changed field, a
//! changed hash, a removed or inserted entry all break it.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::org::OrgId;

mod action;
pub mod service;
pub mod store;

pub use action::AuditAction;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Something that happened, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    /// `user:<uuid>`, `cli:<os user>` or `anonymous`.
    pub actor: String,
    pub actor_org: Option<OrgId>,
    /// The client address, when the event came over the network.
    pub source: Option<String>,
    /// What happened (stored as its dotted verb, e.g. `login.failure`).
    pub action: AuditAction,
    /// What was acted on, e.g. `user:<uuid>`, `org:SingCERT`.
    pub target: Option<String>,
    /// The organisation the target belongs to (its org-admins see the entry).
    pub target_org: Option<OrgId>,
    /// Further facts as a JSON object (never a secret).
    pub details: serde_json::Value,
}

/// A written entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_org: Option<OrgId>,
    pub source: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub target_org: Option<OrgId>,
    /// The details exactly as stored (JSON text).
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry with these fields following `prev_hash`.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: OffsetDateTime,
    actor: &str,
    actor_org: Option<OrgId>,
    source: Option<&str>,
    action: &str,
    target: Option<&str>,
    target_org: Option<OrgId>,
    details: &str,
) -> String {
    let mut h = Sha256::new();
    let org = actor_org.map(|o| o.to_string());
    let torg = target_org.map(|o| o.to_string());
    let fields: [Option<&str>; 10] = [
        Some(prev_hash),
        Some(&seq.to_string()),
        Some(&crate::clock::rfc3339_micros(at)),
        Some(actor),
        org.as_deref(),
        source,
        Some(action),
        target,
        torg.as_deref(),
        Some(details),
    ];
    for f in fields {
        match f {
            Some(v) => {
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
            None => h.update(u64::MAX.to_be_bytes()),
        }
    }
    hex::encode(h.finalize())
}

impl AuditEvent {
    /// The entry this event becomes when appended after `prev` (`None` for the first).
    pub fn into_entry(&self, prev: Option<(i64, &str)>) -> AuditEntry {
        let (seq, prev_hash) = match prev {
            Some((s, h)) => (s + 1, h.to_owned()),
            None => (1, GENESIS.to_owned()),
        };
        let details = self.details.to_string();
        let at = crate::clock::to_micros(self.at);
        let hash = chain_hash(
            &prev_hash,
            seq,
            at,
            &self.actor,
            self.actor_org,
            self.source.as_deref(),
            self.action.as_str(),
            self.target.as_deref(),
            self.target_org,
            &details,
        );
        AuditEntry {
            seq,
            at,
            actor: self.actor.clone(),
            actor_org: self.actor_org,
            source: self.source.clone(),
            action: self.action.as_str().to_owned(),
            target: self.target.clone(),
            target_org: self.target_org,
            details,
            prev_hash,
            hash,
        }
    }
}

impl AuditEntry {
    fn recomputed(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            self.actor_org,
            self.source.as_deref(),
            &self.action,
            self.target.as_deref(),
            self.target_org,
            &self.details,
        )
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq} does not verify: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Walks a chain in ascending order, carrying state between pages.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl Verifier {
    /// Checks the next entry.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let fail = |reason: String| ChainBreak { seq: e.seq, reason };
        if e.seq != self.expected_seq {
            return Err(fail(format!(
                "expected entry {} next (an entry is missing or was inserted)",
                self.expected_seq
            )));
        }
        if e.prev_hash != self.prev_hash {
            return Err(fail(
                "its previous-hash does not match the entry before it".into(),
            ));
        }
        if e.recomputed() != e.hash {
            return Err(fail(
                "its contents do not match its hash (the entry was changed)".into(),
            ));
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&e.hash);
        Ok(())
    }

    /// How many entries verified so far.
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }
}

/// Verifies a whole chain given in ascending order; returns how many entries verified.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<i64, ChainBreak> {
    let mut v = Verifier::default();
    for e in entries {
        v.check(e)?;
    }
    Ok(v.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize) -> AuditEvent {
        AuditEvent {
            at: time::macros::datetime!(2026-11-28 01:02:03.456789 UTC),
            actor: "cli:root".into(),
            actor_org: None,
            source: None,
            action: AuditAction::ALL[i % AuditAction::ALL.len()],
            target: Some("org:SingCERT".into()),
            target_org: None,
            details: serde_json::json!({"k": 1}),
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = event(i).into_entry(prev);
            out.push(e);
        }
        out
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)).unwrap(), 5);
        assert_eq!(verify(&[]).unwrap(), 0);
    }

    #[test]
    fn any_change_is_named() {
        let mut c = chain(5);
        c[2].details = r#"{"k":2}"#.into();
        assert_eq!(verify(&c).unwrap_err().seq, 3);

        let mut c = chain(5);
        c[1].hash = GENESIS.into();
        assert_eq!(verify(&c).unwrap_err().seq, 2);

        let mut c = chain(5);
        c.remove(3);
        assert_eq!(verify(&c).unwrap_err().seq, 5);

        let mut c = chain(5);
        c[0].actor_org = Some(OrgId(uuid::Uuid::nil()));
        assert_eq!(verify(&c).unwrap_err().seq, 1);
    }

    #[test]
    fn none_and_empty_hash_differently() {
        let a = chain_hash(
            GENESIS,
            1,
            time::OffsetDateTime::UNIX_EPOCH,
            "x",
            None,
            None,
            "a",
            None,
            None,
            "{}",
        );
        let b = chain_hash(
            GENESIS,
            1,
            time::OffsetDateTime::UNIX_EPOCH,
            "x",
            None,
            Some(""),
            "a",
            None,
            None,
            "{}",
        );
        assert_ne!(a, b);
    }
}
