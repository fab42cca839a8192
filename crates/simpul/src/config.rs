//! Configuration, layered: defaults → TOML file → `SIMPUL_*` environment → command-line flags.
//!
//! clap reads each flag and its `SIMPUL_*` variable (the flag wins); the TOML file fills what neither
//! gave; defaults fill the rest. Unknown keys in the file are rejected, naming the key and its line.
//! Secrets (the password in a database URL) are redacted in `Debug`, `Display` and logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod decay;
mod directory;
pub mod public_url;

pub use directory::DEFAULT_CHECK_INTERVAL_SECS;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The flags that locate the database; shared by `serve` and every admin command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreArgs {
    /// TOML configuration file.
    #[arg(long, env = "SIMPUL_CONFIG", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory (holds the SQLite database by default).
    #[arg(long, env = "SIMPUL_DATA", value_name = "DIR", global = true)]
    pub data: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    #[arg(long, env = "SIMPUL_DATABASE", value_name = "URL", global = true)]
    pub database: Option<String>,
    /// MISP warninglists: a directory with one folder per list, each with its `list.json`.
    #[arg(long, env = "SIMPUL_WARNINGLISTS", value_name = "DIR", global = true)]
    pub warninglists: Option<PathBuf>,
}

/// The flags of `serve` beyond [`StoreArgs`].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeFlags {
    /// Address to listen on.
    #[arg(long, env = "SIMPUL_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Log format.
    #[arg(long, env = "SIMPUL_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter (tracing `EnvFilter` syntax, e.g. `info` or `simpul=debug,info`).
    #[arg(long, env = "SIMPUL_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Request bodies larger than this many bytes get 413.
    #[arg(long, env = "SIMPUL_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Mark cookies Secure (set when served over TLS or behind a TLS-terminating proxy).
    #[arg(long, env = "SIMPUL_SECURE_COOKIES", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub secure_cookies: Option<bool>,
    /// Uploads to an import job larger than this many bytes get 413 (spooled to the data directory).
    #[arg(long, env = "SIMPUL_MAX_IMPORT_BYTES", value_name = "BYTES")]
    pub max_import_bytes: Option<u64>,
    /// Seconds an import job's heartbeat may be silent before the job counts as interrupted.
    #[arg(long, env = "SIMPUL_IMPORT_LEASE_SECS", value_name = "SECS")]
    pub import_lease_secs: Option<u64>,
}

/// The TOML file. Every key is optional; unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    data: Option<PathBuf>,
    database: Option<String>,
    log_format: Option<LogFormat>,
    log_level: Option<String>,
    max_body_bytes: Option<usize>,
    secure_cookies: Option<bool>,
    max_import_bytes: Option<u64>,
    import_lease_secs: Option<u64>,
    warninglists: Option<PathBuf>,
    metrics_token: Option<FileSecret>,
    #[serde(default)]
    taxii: TaxiiFile,
    #[serde(default)]
    decay: decay::DecayFile,
    #[serde(default)]
    federation: crate::federation::settings::FederationFile,
    #[serde(default)]
    mail: crate::mail::settings::MailFile,
    #[serde(default)]
    webhooks: crate::webhooks::settings::WebhooksFile,
    #[serde(default)]
    directory: directory::DirectoryFile,
}

/// A secret in the file: `Debug` shows `***`.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct FileSecret(pub(crate) String);

impl std::fmt::Debug for FileSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The `[taxii]` table: the TAXII 2.1 server's API roots and limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxiiFile {
    /// `[[taxii.roots]]`, each `name` (the path segment), `title`, `description`; the first is the
    /// default root. Default: one root, `api`.
    roots: Option<Vec<RootFile>>,
    max_content_length: Option<usize>,
    max_page: Option<u32>,
    status_retention_hours: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RootFile {
    name: String,
    title: Option<String>,
    description: Option<String>,
}

/// A database URL whose password never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its secret, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> Result<DatabaseKind, ConfigError> {
        if self.0.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err(ConfigError(format!(
                "database URL `{self}` has an unknown scheme (expected sqlite:// or postgres://)"
            )))
        }
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some(scheme_end) = url.find("://") else {
            return url.clone();
        };
        let rest = &url[scheme_end + 3..];
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..auth_end];
        let mut out = url.clone();
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            out.replace_range(scheme_end + 3 + colon + 1..scheme_end + 3 + at, "***");
        }
        // `password=` in the query string too
        if let Some(q) = out.find("password=") {
            let end = out[q..].find('&').map_or(out.len(), |e| q + e);
            out.replace_range(q + "password=".len()..end, "***");
        }
        out
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// A configuration problem: one line, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where people reach this server, no trailing `/`: the base of the links in its mail
    /// (`public_url`, or `SIMPUL_PUBLIC_URL`; default `http://{listen}`, see [`public_url`]).
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub log_format: LogFormat,
    pub log_level: String,
    pub max_body_bytes: usize,
    pub secure_cookies: bool,
    pub max_import_bytes: u64,
    pub import_lease_secs: u64,
    /// The TAXII 2.1 server (`[taxii]`).
    pub taxii: simpul_server::taxii::TaxiiSettings,
    /// The MISP warninglists directory, when configured.
    pub warninglists: Option<PathBuf>,
    /// The decay model (`[decay]` over the defaults).
    pub decay: simpul_core::decay::DecayModel,
    /// Federation (`[federation]`).
    pub federation: crate::federation::FederationSettings,
    /// Outgoing mail (`[mail]`).
    pub mail: crate::mail::settings::MailSettings,
    /// The webhook sender (`[webhooks]`).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// The token `/metrics` wants (`metrics_token`, or `SIMPUL_METRICS_TOKEN`); open without.
    pub metrics_token: Option<simpul_server::MetricsToken>,
    /// Days after which a contact counts as not verified (`[directory] verify_after_days`, or
    /// `SIMPUL_DIRECTORY_VERIFY_AFTER_DAYS`; default 183).
    pub verify_after_days: u32,
    /// Seconds between two looks of `simpul serve` for due scheduled communication checks
    /// (`[directory] check_interval_secs`, or `SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS`; default 60).
    pub check_interval_secs: u64,
}

pub const DEFAULT_MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;
pub const DEFAULT_IMPORT_LEASE_SECS: u64 = 60;
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA: &str = "./simpul-data";
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

impl Config {
    /// Resolves the layers. `serve` is `None` for admin commands (they only need the store).
    pub fn resolve(store: &StoreArgs, serve: Option<&ServeFlags>) -> Result<Self, ConfigError> {
        let file = match &store.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let serve = serve.cloned().unwrap_or_default();
        let data_dir = store
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
        let database = store
            .database
            .clone()
            .or(file.database)
            .map(DatabaseUrl::new)
            .unwrap_or_else(|| {
                DatabaseUrl::new(format!("sqlite://{}", data_dir.join("simpul.db").display()))
            });
        database.kind()?;
        let listen = match serve.listen.or(file.listen) {
            Some(a) => a,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|e| ConfigError(format!("default listen address: {e}")))?,
        };
        let max_body_bytes = serve
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 1024 {
            return Err(ConfigError(format!(
                "max_body_bytes must be at least 1024 (got {max_body_bytes})"
            )));
        }
        let max_import_bytes = serve
            .max_import_bytes
            .or(file.max_import_bytes)
            .unwrap_or(DEFAULT_MAX_IMPORT_BYTES);
        let import_lease_secs = serve
            .import_lease_secs
            .or(file.import_lease_secs)
            .unwrap_or(DEFAULT_IMPORT_LEASE_SECS);
        if import_lease_secs == 0 {
            return Err(ConfigError("import_lease_secs must be at least 1".into()));
        }
        let taxii = taxii_settings(file.taxii)?;
        let decay = decay::model(file.decay)?;
        let federation = crate::federation::settings::resolve(file.federation)?;
        let mail = crate::mail::settings::resolve(file.mail)?;
        let webhooks = crate::webhooks::settings::resolve(file.webhooks)?;
        let metrics_token = std::env::var("SIMPUL_METRICS_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .or(file.metrics_token.map(|s| s.0))
            .map(|t| simpul_server::MetricsToken::new(&t).map_err(ConfigError))
            .transpose()?;
        let directory = directory::resolve(file.directory)?;
        let public_url = public_url::resolve(file.public_url, listen)?;
        Ok(Self {
            verify_after_days: directory.verify_after_days,
            check_interval_secs: directory.check_interval_secs,
            public_url,
            metrics_token,
            decay,
            listen,
            data_dir,
            database,
            log_format: serve.log_format.or(file.log_format).unwrap_or_default(),
            log_level: serve
                .log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".to_owned()),
            max_body_bytes,
            secure_cookies: serve
                .secure_cookies
                .or(file.secure_cookies)
                .unwrap_or(false),
            max_import_bytes,
            import_lease_secs,
            taxii,
            warninglists: store.warninglists.clone().or(file.warninglists),
            federation,
            mail,
            webhooks,
        })
    }

    /// The effective configuration as TOML, secrets redacted (what `simpul config` prints).
    pub fn to_toml(&self) -> String {
        let mut t = toml::Table::new();
        t.insert("listen".into(), self.listen.to_string().into());
        t.insert("data".into(), self.data_dir.display().to_string().into());
        t.insert("database".into(), self.database.redacted().into());
        t.insert(
            "log_format".into(),
            if self.log_format == LogFormat::Json {
                "json"
            } else {
                "text"
            }
            .into(),
        );
        t.insert("log_level".into(), self.log_level.clone().into());
        t.insert("secure_cookies".into(), self.secure_cookies.into());
        t.insert("public_url".into(), self.public_url.clone().into());
        t.insert(
            "directory".into(),
            directory::to_toml(self.verify_after_days, self.check_interval_secs).into(),
        );
        if self.metrics_token.is_some() {
            t.insert("metrics_token".into(), "***".into());
        }
        t.insert(
            "max_body_bytes".into(),
            i64::try_from(self.max_body_bytes)
                .unwrap_or(i64::MAX)
                .into(),
        );
        for (key, n) in [
            ("max_import_bytes", self.max_import_bytes),
            ("import_lease_secs", self.import_lease_secs),
        ] {
            t.insert(key.into(), i64::try_from(n).unwrap_or(i64::MAX).into());
        }
        if let Some(w) = &self.warninglists {
            t.insert("warninglists".into(), w.display().to_string().into());
        }
        let mut taxii = toml::Table::new();
        let roots: Vec<toml::Value> = self
            .taxii
            .roots
            .iter()
            .map(|r| {
                let mut root = toml::Table::new();
                root.insert("name".into(), r.name.clone().into());
                root.insert("title".into(), r.title.clone().into());
                root.insert("description".into(), r.description.clone().into());
                root.into()
            })
            .collect();
        taxii.insert("roots".into(), roots.into());
        taxii.insert(
            "max_content_length".into(),
            i64::try_from(self.taxii.max_content_length)
                .unwrap_or(i64::MAX)
                .into(),
        );
        taxii.insert("max_page".into(), i64::from(self.taxii.max_page).into());
        taxii.insert(
            "status_retention_hours".into(),
            self.taxii.status_retention.whole_hours().into(),
        );
        t.insert("taxii".into(), taxii.into());
        t.insert("decay".into(), decay::to_toml(&self.decay).into());
        let federation = self.federation.to_toml();
        t.insert("federation".into(), federation.into());
        t.insert(
            "mail".into(),
            crate::mail::settings::to_toml(&self.mail).into(),
        );
        t.insert(
            "webhooks".into(),
            crate::webhooks::settings::to_toml(&self.webhooks).into(),
        );
        t.to_string()
    }
}

/// The TAXII settings from the `[taxii]` table, defaults for what it does not set.
fn taxii_settings(f: TaxiiFile) -> Result<simpul_server::taxii::TaxiiSettings, ConfigError> {
    use simpul_server::taxii::{ApiRoot, TaxiiSettings};
    let mut t = TaxiiSettings::default();
    if let Some(roots) = f.roots {
        if roots.is_empty() {
            return Err(ConfigError(
                "taxii.roots must name at least one API root".into(),
            ));
        }
        let mut out: Vec<ApiRoot> = Vec::new();
        for r in roots {
            let ok = !r.name.is_empty()
                && r.name.len() <= 64
                && r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !ok {
                return Err(ConfigError(format!(
                    "taxii.roots: `{}` is no API root name (1-64 of a-z, 0-9, '-', '_')",
                    r.name
                )));
            }
            if out.iter().any(|o| o.name == r.name) {
                return Err(ConfigError(format!("taxii.roots: `{}` twice", r.name)));
            }
            out.push(ApiRoot {
                title: r.title.unwrap_or_else(|| r.name.clone()),
                description: r.description.unwrap_or_default(),
                name: r.name,
            });
        }
        t.roots = out;
    }
    if let Some(n) = f.max_content_length {
        if n < 1024 {
            return Err(ConfigError(format!(
                "taxii.max_content_length must be at least 1024 (got {n})"
            )));
        }
        t.max_content_length = n;
    }
    if let Some(n) = f.max_page {
        let max = simpul_core::intel::store::MAX_PAGE;
        if !(1..=max).contains(&n) {
            return Err(ConfigError(format!(
                "taxii.max_page must be between 1 and {max} (got {n})"
            )));
        }
        t.max_page = n;
    }
    if let Some(h) = f.status_retention_hours {
        if !(1..=8784).contains(&h) {
            return Err(ConfigError(format!(
                "taxii.status_retention_hours must be between 1 and 8784 (got {h})"
            )));
        }
        t.status_retention = time::Duration::hours(i64::from(h));
    }
    Ok(t)
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(" at line {line}")
            })
            .unwrap_or_default();
        let msg = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .trim_end_matches('.');
        let msg = msg.replace("unknown field", "unknown key");
        ConfigError(format!("config file {}{at}: {msg}", path.display()))
    })
}

#[cfg(test)]
mod tests;
