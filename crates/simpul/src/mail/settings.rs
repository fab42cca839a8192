//! The `[mail]` table of the configuration: the SMTP relay (`smtp_url`: `smtp://host:port`, plain
//! or with `tls = "starttls"`, or `smtps://host:port`, implicit TLS), the sender address (`from`),
//! optional `username` and `password` (a secret: `***` in `Debug` and `simpul config`) and
//! `timeout_secs` (connect and each reply). `SIMPUL_SMTP_URL` and `SIMPUL_MAIL_FROM` override the
//! file. Without a relay, mail stays queued and `simpul serve` says so in its log.

use serde::Deserialize;
use simpul_core::Email;

use crate::config::{ConfigError, FileSecret};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailFile {
    smtp_url: Option<String>,
    tls: Option<String>,
    from: Option<String>,
    username: Option<String>,
    password: Option<FileSecret>,
    timeout_secs: Option<u64>,
    poll_secs: Option<u64>,
    batch: Option<u32>,
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS, required.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

impl SmtpTls {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::StartTls => "starttls",
            Self::Implicit => "implicit",
        }
    }
}

/// The relay simpul sends through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub from: Email,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpSettings {
    /// The URL as configured (no secret in it).
    pub fn url(&self) -> String {
        let scheme = if self.tls == SmtpTls::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

/// The `[mail]` table resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The relay; `None`: mail stays queued.
    pub smtp: Option<SmtpSettings>,
    /// How often the sender looks for due mail.
    pub poll: std::time::Duration,
    /// How many messages one pass claims (and sends at once).
    pub batch: u32,
}

pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

fn bad(key: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("[mail] {key}: {why}"))
}

/// `smtp://host:port` / `smtps://host:port` → host, port, whether implicit TLS.
fn parse_url(url: &str) -> Result<(String, u16, bool), ConfigError> {
    let (implicit, rest) = if let Some(r) = url.strip_prefix("smtps://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("smtp://") {
        (false, r)
    } else {
        return Err(bad(
            "smtp_url",
            format!("`{url}`: expected smtp://HOST:PORT or smtps://HOST:PORT"),
        ));
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains(['@', '/', '?']) {
        return Err(bad(
            "smtp_url",
            "give only HOST:PORT (credentials go in username and password)",
        ));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|e| bad("smtp_url", format!("port `{p}`: {e}")))?,
        ),
        None => (rest, if implicit { 465 } else { 25 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("smtp_url", "no host"));
    }
    Ok((host.to_owned(), port, implicit))
}

pub(crate) fn resolve(f: MailFile) -> Result<MailSettings, ConfigError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let url = env("SIMPUL_SMTP_URL").or(f.smtp_url);
    let from = env("SIMPUL_MAIL_FROM").or(f.from);
    let poll = std::time::Duration::from_secs(f.poll_secs.unwrap_or(1).max(1));
    let batch = f.batch.unwrap_or(16).clamp(1, 256);
    let Some(url) = url else {
        if from.is_some() || f.username.is_some() {
            return Err(bad(
                "smtp_url",
                "missing (the other [mail] keys need a relay)",
            ));
        }
        return Ok(MailSettings {
            smtp: None,
            poll,
            batch,
        });
    };
    let (host, port, implicit) = parse_url(&url)?;
    let tls = match (implicit, f.tls.as_deref()) {
        (true, None | Some("implicit")) => SmtpTls::Implicit,
        (false, None | Some("none")) => SmtpTls::None,
        (false, Some("starttls")) => SmtpTls::StartTls,
        (_, Some(other)) => {
            return Err(bad(
                "tls",
                format!(
                    "`{other}`: expected `starttls` or `none` with smtp://; smtps:// is implicit TLS"
                ),
            ));
        }
    };
    let from = from.ok_or_else(|| bad("from", "missing: the sender address"))?;
    let from = Email::parse(&from).map_err(|e| bad("from", e.message))?;
    let password = f.password.map(|s| s.0);
    if password.is_some() != f.username.is_some() {
        return Err(bad("username", "username and password go together"));
    }
    let timeout = f.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if timeout == 0 {
        return Err(bad("timeout_secs", "must be at least 1"));
    }
    Ok(MailSettings {
        smtp: Some(SmtpSettings {
            host,
            port,
            tls,
            from,
            username: f.username,
            password,
            timeout: std::time::Duration::from_secs(timeout),
        }),
        poll,
        batch,
    })
}

/// The table as `simpul config` prints it, the password as `***`.
pub(crate) fn to_toml(s: &MailSettings) -> toml::Table {
    let mut t = toml::Table::new();
    if let Some(smtp) = &s.smtp {
        t.insert("smtp_url".into(), smtp.url().into());
        t.insert("tls".into(), smtp.tls.as_str().into());
        t.insert("from".into(), smtp.from.as_str().into());
        if let Some(u) = &smtp.username {
            t.insert("username".into(), u.clone().into());
            t.insert("password".into(), "***".into());
        }
        t.insert(
            "timeout_secs".into(),
            i64::try_from(smtp.timeout.as_secs())
                .unwrap_or(i64::MAX)
                .into(),
        );
    }
    t.insert(
        "poll_secs".into(),
        i64::try_from(s.poll.as_secs()).unwrap_or(i64::MAX).into(),
    );
    t.insert("batch".into(), i64::from(s.batch).into());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(url: &str, tls: Option<&str>) -> MailFile {
        MailFile {
            smtp_url: Some(url.into()),
            tls: tls.map(Into::into),
            from: Some("cert@example.org".into()),
            ..MailFile::default()
        }
    }

    #[test]
    fn urls_and_tls() {
        let s = resolve(file("smtp://127.0.0.1:2525", None))
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("127.0.0.1", 2525, SmtpTls::None)
        );
        let s = resolve(file("smtp://relay.example.org:587", Some("starttls")))
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!(s.tls, SmtpTls::StartTls);
        let s = resolve(file("smtps://relay.example.org", None))
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!((s.port, s.tls), (465, SmtpTls::Implicit));
        for (url, tls) in [
            ("http://x:1", None),
            ("smtp://u:p@x:1", None),
            ("smtp://x:99999", None),
            ("smtps://x:1", Some("none")),
            ("smtp://x:1", Some("tls")),
        ] {
            assert!(resolve(file(url, tls)).is_err(), "{url} {tls:?}");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let mut f = file("smtp://x.example:25", None);
        f.username = Some("u".into());
        f.password = Some(FileSecret("hunter2".into()));
        assert!(!format!("{f:?}").contains("hunter2"));
        let s = resolve(f).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!to_toml(&s).to_string().contains("hunter2"));
    }
}
