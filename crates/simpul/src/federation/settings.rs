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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FederationFile {
    key: Option<String>,
    key_file: Option<PathBuf>,
    schedule: Option<bool>,
    #[serde(default)]
    peers: Vec<PeerFile>,
}

/// One `[[federation.peers]]`: as `simpul peer add` takes it.
#[derive(Debug, Deserialize)]
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
