//! Federation (P1.10): other TAXII 2.1 servers this node exchanges with — national nodes, the
//! regional hub, or any TAXII 2.1 server (MISP, OpenCTI, medallion, OpenTAXII).
//!
//! A **peer** is a remote TAXII server with the credentials this node uses there, a direction
//! (pull, push or both), a map from remote collection ids to local collections, an interval, and
//! the local user it acts as: the account of the peer's organisation on this node. Objects pulled
//! from the peer are shared into the local collection as that user, through the one share pipeline
//! (validation, TLP, audience); objects pushed to it are those that user may see **and** that the
//! forwarding rules ([`crate::access::sharing::may_forward`]) let leave this node.
//!
//! The model is here; the service functions in `service.rs` (a round's bookkeeping — retry queue,
//! status, lease — in `rounds.rs`), the store trait in `store.rs`, the sealing of credentials in
//! `secrets.rs`. The network round itself (the TAXII client) is the
//! binary's: core does no I/O.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Invalid, excerpt};
use crate::intel::CollectionId;
use crate::org::string_enum;
use crate::user::UserId;

mod rounds;
pub mod rows;
pub mod secrets;
pub mod service;
pub mod store;

pub use secrets::FederationKey;

/// A peer's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerId(pub Uuid);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A peer's name: 1 to 64 of `a-z`, `0-9`, `-`, `_`, `.`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PeerName(String);

impl PeerName {
    pub const MAX_CHARS: usize = 64;
    pub const PATTERN: &'static str = "^[a-z0-9][a-z0-9._-]*$";

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_CHARS
            && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new(
                "name",
                format!(
                    "`{}` is not a peer name (1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)",
                    excerpt(s)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PeerName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<PeerName> for String {
    fn from(n: PeerName) -> String {
        n.0
    }
}

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_enum!(
    /// Which way objects travel between this node and a peer.
    Direction, "direction" {
        Pull => "pull",
        Push => "push",
        Both => "both",
    }
);

impl Direction {
    pub fn pulls(self) -> bool {
        matches!(self, Direction::Pull | Direction::Both)
    }

    pub fn pushes(self) -> bool {
        matches!(self, Direction::Push | Direction::Both)
    }
}

/// One remote collection and the local collection it exchanges with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionMap {
    /// The remote TAXII collection id, as the peer names it.
    pub remote: String,
    pub local: CollectionId,
}

impl CollectionMap {
    /// Parses `REMOTE_COLLECTION_ID=LOCAL_COLLECTION_ID` (`path` names the flag or field).
    pub fn parse(path: &str, s: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| Invalid::new(path, format!("`{}`: {why}", excerpt(s)));
        let (remote, local) = s
            .split_once('=')
            .ok_or_else(|| bad("expected REMOTE_COLLECTION_ID=LOCAL_COLLECTION_ID"))?;
        let remote = remote.trim();
        if remote.is_empty()
            || remote.len() > 256
            || !remote
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
        {
            return Err(bad(
                "the remote collection id must be 1-256 URL-safe characters",
            ));
        }
        let local =
            Uuid::parse_str(local.trim()).map_err(|_| bad("the local collection id is no UUID"))?;
        Ok(Self {
            remote: remote.to_owned(),
            local: CollectionId(local),
        })
    }
}

/// How this node signs in at the peer. Never printed: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeerAuth {
    /// `Authorization: Bearer TOKEN`.
    Token { token: String },
    /// HTTP Basic.
    Basic { user: String, password: String },
}

impl PeerAuth {
    /// `token` or `basic`.
    pub fn kind(&self) -> &'static str {
        match self {
            PeerAuth::Token { .. } => "token",
            PeerAuth::Basic { .. } => "basic",
        }
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let bounded = |path: &str, s: &str| {
            if s.is_empty() || s.len() > 4096 || s.chars().any(char::is_control) {
                Err(Invalid::new(
                    path,
                    "must be 1-4096 characters without control characters",
                ))
            } else {
                Ok(())
            }
        };
        match self {
            PeerAuth::Token { token } => bounded("token", token),
            PeerAuth::Basic { user, password } => {
                bounded("user", user)?;
                bounded("password", password)
            }
        }
    }
}

impl fmt::Debug for PeerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAuth::Token { .. } => f.write_str("Token(***)"),
            PeerAuth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
        }
    }
}

/// The shortest and longest sync interval.
pub const MIN_INTERVAL_SECS: u32 = 1;
pub const MAX_INTERVAL_SECS: u32 = 7 * 24 * 3600;
/// The interval when none is given.
pub const DEFAULT_INTERVAL_SECS: u32 = 300;

/// A configured peer, as shown (its credentials are not part of it: see [`PeerAuth`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub id: PeerId,
    pub name: PeerName,
    /// The TAXII discovery URL (`https://hub.example/taxii2/`).
    pub url: String,
    /// `token` or `basic`: how it signs in there (the secret itself is never shown).
    pub auth_kind: String,
    pub direction: Direction,
    pub maps: Vec<CollectionMap>,
    pub interval_secs: u32,
    /// The local account of the peer's organisation, as which pulled objects are shared and whose
    /// view bounds what is pushed.
    pub act_as: UserId,
    pub created_at: OffsetDateTime,
    pub status: PeerStatus,
}

/// How a peer's syncing goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStatus {
    /// When the last round ended (success or not).
    pub last_sync: Option<OffsetDateTime>,
    /// When the last round that ended without error ended.
    pub last_success: Option<OffsetDateTime>,
    /// Objects stored from the peer, over all rounds.
    pub objects_in: u64,
    /// Objects the peer accepted from this node, over all rounds.
    pub objects_out: u64,
    /// Objects refused (by this node's pipeline when pulled, by the peer when pushed), over all
    /// rounds.
    pub refused: u64,
    /// Rounds that failed.
    pub errors: u64,
    /// The last round's error, if it failed.
    pub last_error: Option<String>,
    /// Object versions waiting in the push retry queue.
    pub retrying: u64,
}

impl PeerStatus {
    /// How far behind the peer this node may be: the time since the last successful round
    /// (`None`: never synced).
    pub fn lag(&self, now: OffsetDateTime) -> Option<time::Duration> {
        self.last_success
            .map(|t| (now - t).max(time::Duration::ZERO))
    }
}

/// A new peer (or a changed one: the same name replaces it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPeer {
    pub name: PeerName,
    pub url: String,
    pub auth: PeerAuth,
    pub direction: Direction,
    pub maps: Vec<CollectionMap>,
    pub interval_secs: u32,
    /// The email of the local account the peer acts as.
    pub act_as: String,
}

/// Checks a discovery URL: `http` or `https`, a host, at most 2048 characters, no credentials.
pub fn check_url(url: &str) -> Result<(), Invalid> {
    let bad = |why: &str| Invalid::new("url", format!("`{}`: {why}", excerpt(url)));
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("must be at most 2048 characters without spaces"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must be an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(bad("names no host"));
    }
    if authority.contains('@') {
        return Err(bad(
            "must not carry credentials (use --token or --user with --password-stdin)",
        ));
    }
    Ok(())
}

/// Where a sync round stands for one collection and direction: the resumable cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CursorKind {
    /// The remote collection's `added_after` (the remote's `date_added` of the last object
    /// durably stored here).
    Pull,
    /// The local collection's `date_added` of the last version handed to the peer.
    Push,
}

impl CursorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CursorKind::Pull => "pull",
            CursorKind::Push => "push",
        }
    }
}

/// How many rounds push a version the peer fails before it is given up (and counted refused).
pub const PUSH_RETRY_ATTEMPTS: u32 = 8;

/// How long after its `attempts`-th failed round a queued version is pushed again: the next
/// round after the first, then 1, 2, 4… minutes, at most an hour.
pub fn push_retry_delay(attempts: u32) -> time::Duration {
    if attempts <= 1 {
        return time::Duration::ZERO;
    }
    let minutes = 1i64 << (attempts - 2).min(6);
    time::Duration::minutes(minutes.min(60))
}

/// Where an object version came from: the peer that delivered it, and its original producer as
/// the object names it (`created_by_ref`) or, without one, the peer's organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub collection: CollectionId,
    pub stix_id: String,
    pub producer_org: crate::org::OrgId,
    pub version: OffsetDateTime,
    pub peer: PeerId,
    pub origin: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_retries_back_off_to_an_hour() {
        let d = |n| push_retry_delay(n).whole_minutes();
        assert_eq!(
            (1..=9).map(d).collect::<Vec<_>>(),
            [0, 1, 2, 4, 8, 16, 32, 60, 60]
        );
    }

    #[test]
    fn names_maps_and_urls() {
        assert!(PeerName::parse("hub-1.my").is_ok());
        for bad in ["", "Hub", "-x", "a b", &"x".repeat(65)] {
            assert!(PeerName::parse(bad).is_err(), "{bad}");
        }
        let id = Uuid::new_v4();
        let m = CollectionMap::parse("--map", &format!("abc-1={id}")).unwrap();
        assert_eq!((m.remote.as_str(), m.local.0), ("abc-1", id));
        let e = CollectionMap::parse("--map", "abc").unwrap_err();
        assert_eq!(e.path, "--map");
        assert!(CollectionMap::parse("--map", "a=not-a-uuid").is_err());
        assert!(CollectionMap::parse("--map", &format!("a/b={id}")).is_err());
        check_url("https://hub.example/taxii2/").unwrap();
        check_url("http://127.0.0.1:8080/taxii2/").unwrap();
        assert!(check_url("ftp://x/").is_err());
        assert!(check_url("https://u:p@x/").is_err());
        assert!(check_url("https:///x").is_err());
    }

    #[test]
    fn credentials_are_not_printed() {
        let a = PeerAuth::Basic {
            user: "node".into(),
            password: "hunter2-secret".into(),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
        let t = PeerAuth::Token {
            token: "simpul_abc".into(),
        };
        assert!(!format!("{t:?}").contains("simpul_abc"));
    }
}
