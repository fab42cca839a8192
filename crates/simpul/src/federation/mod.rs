//! Federation at the edge of the program (P1.10): the federation key (from the configuration or a
//! key file in the data directory), the TAXII 2.1 client (`client.rs`), one sync round of a peer
//! (`sync.rs`) and the server's scheduler (`schedule.rs`). What may be pulled, stored and pushed is
//! decided by core (`simpul_core::federation`, the sharing policy's forwarding rules); this module
//! only moves bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use simpul_core::federation::FederationKey;

use crate::config::Config;

pub mod client;
pub mod schedule;
pub mod settings;
pub mod sync;

/// The `[federation]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationSettings {
    /// `[[federation.peers]]`: put in the store by `simpul serve` and `simpul peer sync`.
    pub peers: Vec<simpul_core::federation::NewPeer>,
    /// `key` (or `SIMPUL_FEDERATION_KEY`): the key itself, base64 of 32 bytes.
    pub key: Option<FederationKey>,
    /// `key_file`: where the key is kept when not given (default `federation.key` in the data
    /// directory; made, mode 0600, when first needed).
    pub key_file: Option<PathBuf>,
    /// `schedule` (or `SIMPUL_FEDERATION_SCHEDULE`): whether `simpul serve` syncs every peer on
    /// its interval (default true).
    pub schedule: bool,
    /// `lease_secs` (or `SIMPUL_FEDERATION_LEASE_SECS`): how long a round's lease on its peer
    /// lasts unless renewed (a third of it apart), so how soon another node or command may sync a
    /// peer whose round died (default [`sync::LEASE_SECS`]).
    pub lease_secs: u32,
}

impl Default for FederationSettings {
    fn default() -> Self {
        Self {
            peers: Vec::new(),
            key: None,
            key_file: None,
            schedule: true,
            lease_secs: sync::LEASE_SECS,
        }
    }
}

/// The key file of `config`.
pub fn key_file(config: &Config) -> PathBuf {
    config
        .federation
        .key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("federation.key"))
}

/// The federation key of `config`: the configured one, else the key file's, else a new key
/// written to the key file (mode 0600, never overwriting one another process wrote first).
pub fn load_key(config: &Config) -> anyhow::Result<FederationKey> {
    if let Some(k) = &config.federation.key {
        return Ok(k.clone());
    }
    let path = key_file(config);
    match read_key(&path) {
        Ok(Some(k)) => return Ok(k),
        Ok(None) => {}
        Err(e) => return Err(e),
    }
    let key = FederationKey::generate();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut f) => {
            writeln!(f, "{}", key.to_text())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write the federation key {}", path.display()))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(&path)?.with_context(|| format!("federation key {} is empty", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

fn read_key(path: &Path) -> anyhow::Result<Option<FederationKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) => FederationKey::parse(&path.display().to_string(), &text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{e}")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The cause chain of `err` on one line.
pub fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join(": ")
}

/// Puts the configured peers (`[[federation.peers]]`) in the store as the operator.
pub async fn apply_configured_peers(
    svc: &simpul_core::Service,
    config: &Config,
) -> anyhow::Result<()> {
    let op = simpul_core::Principal::operator("config");
    for p in &config.federation.peers {
        svc.add_peer(&op, p.clone())
            .await
            .with_context(|| format!("configured peer {}", p.name))?;
    }
    Ok(())
}

/// The server's `POST /peers/{name}/sync`: one [`sync::leased_round`] now, as the site-admin who
/// asked, under leases of `lease_secs`.
#[derive(Debug, Clone, Copy)]
pub struct RestSync {
    pub lease_secs: u32,
}

impl simpul_server::PeerSync for RestSync {
    fn sync_now<'a>(
        &'a self,
        service: &'a simpul_core::Service,
        principal: &'a simpul_core::Principal,
        peer: &'a str,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<simpul_server::RoundCounts, simpul_server::RoundRefused>,
                > + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            let limits = client::Limits::default();
            match sync::leased_round(service, principal, peer, limits, self.lease_secs).await {
                Ok(Some(r)) => Ok(simpul_server::RoundCounts {
                    pulled: r.pulled,
                    pushed: r.pushed,
                    refused: r.refused,
                    held: r.held,
                    withheld: r.withheld,
                }),
                Ok(None) => Err(simpul_server::RoundRefused::Busy),
                Err(e) => Err(simpul_server::RoundRefused::Failed(one_line(&e))),
            }
        })
    }
}
