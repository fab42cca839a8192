//! The `simpul` program as a library: configuration, opening the store chosen by URL, and booting the
//! server. `main.rs` and the command modules are thin over this; the integration tests drive it too.
//!
//! Must never: hold domain logic (that is the core's), or print secrets.

use std::sync::Arc;

use anyhow::Context;
use simpul_core::{Service, SharedClock, Store, StoreError, SystemClock};
use simpul_store_postgres::PostgresStore;
use simpul_store_sqlite::SqliteStore;

pub mod comm_checks;
pub mod config;
pub mod federation;
pub mod mail;
pub mod request_notices;
pub mod webhooks;

use config::{Config, DatabaseKind, DatabaseUrl};

/// Opens the store named by `url`. For SQLite, creates the database file's directory (mode 0700).
pub async fn open_store(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    match url.kind().map_err(|e| StoreError::Backend(e.0))? {
        DatabaseKind::Sqlite => {
            let path = simpul_store_sqlite::path_from_url(url.expose())?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))??;
            Ok(Arc::new(store))
        }
        DatabaseKind::Postgres => Ok(Arc::new(PostgresStore::open(url.expose()).await?)),
    }
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The service over `store` with the wall clock.
pub fn service(store: Arc<dyn Store>) -> Service {
    let clock: SharedClock = Arc::new(SystemClock);
    Service::new(store, clock)
}

/// The MISP warninglists `config` names (none when it names no directory). Lists and entries that
/// cannot be read are logged and left out; a directory that cannot be read is an error.
pub fn load_warninglists(
    config: &Config,
) -> anyhow::Result<Arc<simpul_core::warninglist::Warninglists>> {
    let Some(dir) = &config.warninglists else {
        return Ok(Arc::default());
    };
    let (lists, report) = simpul_core::warninglist::compile(read_lists(dir)?);
    for w in &report.warnings {
        tracing::warn!(warning = %w, "warninglists");
    }
    let entries: usize = lists.lists().iter().map(|l| l.entries).sum();
    tracing::info!(
        lists = lists.lists().len(),
        entries,
        left_out = report.warnings.len(),
        "warninglists loaded"
    );
    Ok(Arc::new(lists))
}

/// The `list.json` of each folder of `dir` (one level, as MISP lays them out), in name order,
/// labelled by path. A file that cannot be read is left for `compile` to report (an empty text is
/// no list); a directory that cannot be listed, or holds no list, is an error.
fn read_lists(dir: &std::path::Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    use anyhow::Context as _;
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("warninglists {}: cannot read the directory", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path().join("list.json"))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        anyhow::bail!(
            "warninglists {}: no list found (expected one folder per list, each with a list.json)",
            dir.display()
        );
    }
    Ok(paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read(&p).unwrap_or_default();
            (p.display().to_string(), text)
        })
        .collect())
}

/// The HTTP application for `service` under `config`.
pub fn app(service: Service, config: &Config) -> simpul_server::Router {
    let settings = simpul_server::Settings {
        max_body_bytes: config.max_body_bytes,
        secure_cookies: config.secure_cookies,
        max_import_bytes: config.max_import_bytes,
        spool_dir: config.data_dir.join("imports"),
        taxii: config.taxii.clone(),
        metrics_token: config.metrics_token.clone(),
    };
    simpul_server::app(
        simpul_server::AppState::new(service, settings).with_peer_sync(std::sync::Arc::new(
            federation::RestSync {
                lease_secs: config.federation.lease_secs,
            },
        )),
        simpul_server::routes(),
    )
}

/// Binds the listening socket, naming the address on failure.
pub async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// STIX validation options with pattern syntax checking: what every simpul input path uses (the
/// core's, so the CLI and the server validate alike).
pub use simpul_core::intel::service::{PatternSyntax, stix_validate_options};
