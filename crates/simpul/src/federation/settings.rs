//! The `[federation]` table of the configuration: the key that seals peer credentials (`key`, or
//! `SIMPUL_FEDERATION_KEY`, or `key_file`), whether `simpul serve` syncs on its own (`schedule`,
//! or `SIMPUL_FEDERATION_SCHEDULE`), and peers (`[[federation.peers]]`), which `simpul serve` and
//! `simpul peer sync` put in the store at start (replacing a peer of the same name; unchanged ones
//! are left as they are). `simpul config` shows every secret as `***`.

use std::path::PathBuf;

use serde::Deserialize;
use simpul_core::federation::{
    CollectionMap, DEFAULT_INTERVAL_SECS, FederationKey, NewPeer, PeerAuth, PeerName,
};

use super::FederationSettings;
use crate::config::ConfigError;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FederationFile {
    key: Option<String>,
    key_file: Option<PathBuf>,
    schedule: Option<bool>,
    lease_secs: Option<u32>,
    #[serde(default)]
    peers: Vec<PeerFile>,
}

/// One `[[federation.peers]]`: as `simpul peer add` takes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerFile {
    name: String,
    url: String,
    token: Option<String>,
    user: Option<String>,
    password: Option<String>,
    direction: String,
    map: Vec<String>,
    interval: Option<u32>,
    #[serde(rename = "as")]
    act_as: String,
}

/// `***` for a secret that is set, `None` for one that is not: what `Debug` shows of it.
fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

// `Debug` by hand: the key, tokens and passwords never reach a log or a panic message.
impl std::fmt::Debug for FederationFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederationFile")
            .field("key", &redacted(&self.key))
            .field("key_file", &self.key_file)
            .field("schedule", &self.schedule)
            .field("lease_secs", &self.lease_secs)
            .field("peers", &self.peers)
            .finish()
    }
}

impl std::fmt::Debug for PeerFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerFile")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("token", &redacted(&self.token))
            .field("user", &self.user)
            .field("password", &redacted(&self.password))
            .field("direction", &self.direction)
            .field("map", &self.map)
            .field("interval", &self.interval)
            .field("as", &self.act_as)
            .finish()
    }
}

/// The settings of the table (each error names its key).
pub(crate) fn resolve(f: FederationFile) -> Result<FederationSettings, ConfigError> {
    let text = std::env::var("SIMPUL_FEDERATION_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .or(f.key);
    let key = text
        .map(|k| FederationKey::parse("federation.key", &k))
        .transpose()
        .map_err(|e| ConfigError(e.to_string()))?;
    let schedule = match std::env::var("SIMPUL_FEDERATION_SCHEDULE").ok().as_deref() {
        Some("false" | "0" | "no") => false,
        Some("true" | "1" | "yes") => true,
        Some(other) => {
            return Err(ConfigError(format!(
                "SIMPUL_FEDERATION_SCHEDULE must be true or false (got `{other}`)"
            )));
        }
        None => f.schedule.unwrap_or(true),
    };
    let lease_secs = match std::env::var("SIMPUL_FEDERATION_LEASE_SECS").ok() {
        Some(v) => v.parse::<u32>().map_err(|_| {
            ConfigError(format!(
                "SIMPUL_FEDERATION_LEASE_SECS must be a number of seconds (got `{v}`)"
            ))
        })?,
        None => f.lease_secs.unwrap_or(super::sync::LEASE_SECS),
    };
    if !(3..=3600).contains(&lease_secs) {
        return Err(ConfigError(format!(
            "federation.lease_secs must be 3 to 3600 (got {lease_secs})"
        )));
    }
    let mut peers: Vec<NewPeer> = Vec::new();
    for (i, p) in f.peers.into_iter().enumerate() {
        let at = |what: &str| format!("federation.peers[{i}].{what}");
        let bad = |what: &str, msg: String| ConfigError(format!("{}: {msg}", at(what)));
        let name = PeerName::parse(&p.name).map_err(|e| bad("name", e.message))?;
        if peers.iter().any(|q| q.name == name) {
            return Err(bad("name", format!("`{name}` twice")));
        }
        let auth = match (p.token, p.user, p.password) {
            (Some(token), None, None) => PeerAuth::Token { token },
            (None, Some(user), Some(password)) => PeerAuth::Basic { user, password },
            _ => {
                return Err(bad(
                    "token",
                    "give either `token`, or `user` and `password`".into(),
                ));
            }
        };
        let maps = p
            .map
            .iter()
            .map(|m| CollectionMap::parse(&at("map"), m))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError(e.to_string()))?;
        peers.push(NewPeer {
            name,
            url: p.url,
            auth,
            direction: p
                .direction
                .parse()
                .map_err(|e: simpul_core::Invalid| bad("direction", e.message))?,
            maps,
            interval_secs: p.interval.unwrap_or(DEFAULT_INTERVAL_SECS),
            act_as: p.act_as,
        });
    }
    Ok(FederationSettings {
        key,
        key_file: f.key_file,
        schedule,
        lease_secs,
        peers,
    })
}

impl FederationSettings {
    /// The `[federation]` table as `simpul config` prints it: secrets `***`.
    pub fn to_toml(&self) -> toml::Table {
        let mut t = toml::Table::new();
        if self.key.is_some() {
            t.insert("key".into(), "***".into());
        }
        t.insert("schedule".into(), self.schedule.into());
        t.insert("lease_secs".into(), i64::from(self.lease_secs).into());
        if let Some(f) = &self.key_file {
            t.insert("key_file".into(), f.display().to_string().into());
        }
        let peers: Vec<toml::Value> = self
            .peers
            .iter()
            .map(|p| {
                let mut v = toml::Table::new();
                v.insert("name".into(), p.name.to_string().into());
                v.insert("url".into(), p.url.clone().into());
                match &p.auth {
                    PeerAuth::Token { .. } => {
                        v.insert("token".into(), "***".into());
                    }
                    PeerAuth::Basic { user, .. } => {
                        v.insert("user".into(), user.clone().into());
                        v.insert("password".into(), "***".into());
                    }
                }
                v.insert("direction".into(), p.direction.as_str().into());
                let maps: Vec<toml::Value> = p
                    .maps
                    .iter()
                    .map(|m| format!("{}={}", m.remote, m.local).into())
                    .collect();
                v.insert("map".into(), maps.into());
                v.insert("interval".into(), i64::from(p.interval_secs).into());
                v.insert("as".into(), p.act_as.clone().into());
                v.into()
            })
            .collect();
        if !peers.is_empty() {
            t.insert("peers".into(), peers.into());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let f: FederationFile = toml::from_str(
            r#"
            key = "the-key-itself"
            [[peers]]
            name = "hub"
            url = "https://hub.example/taxii2/"
            token = "the-token-itself"
            direction = "pull"
            map = ["r=l"]
            as = "node@sg.example"
            [[peers]]
            name = "basic"
            url = "https://b.example/taxii2/"
            user = "sg"
            password = "the-password-itself"
            direction = "push"
            map = ["r=l"]
            as = "node@sg.example"
            "#,
        )
        .unwrap();
        let shown = format!("{f:?}");
        for secret in ["the-key-itself", "the-token-itself", "the-password-itself"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("hub") && shown.contains("***"), "{shown}");
    }
}
