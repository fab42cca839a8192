//! The `[webhooks]` table of the configuration: how the sender runs — `timeout_secs` (the whole
//! exchange with a receiver, 1–300, default 15), `connect_timeout_secs` (1 to `timeout_secs`,
//! default 5), `poll_secs` (1–3600, default 1) and `batch` (deliveries claimed and sent at once
//! per pass, 1–256, default 32) and `allow_private_targets` (default `false`: webhooks may be
//! registered at, and are sent to, public addresses only — no loopback, private, link-local,
//! CGNAT or ULA address, no `localhost`, no `http://` —; `true` for a lab or tests, where
//! `http://` to loopback is allowed too; see `simpul_core::webhooks::target`).

use std::time::Duration;

use serde::Deserialize;

use super::WebhookSettings;
use crate::config::ConfigError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhooksFile {
    timeout_secs: Option<u64>,
    connect_timeout_secs: Option<u64>,
    poll_secs: Option<u64>,
    batch: Option<u32>,
    allow_private_targets: Option<bool>,
}

fn within(key: &str, v: u64, lo: u64, hi: u64) -> Result<u64, ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(ConfigError(format!(
            "[webhooks] {key}: must be between {lo} and {hi} (got {v})"
        )))
    }
}

pub(crate) fn resolve(f: WebhooksFile) -> Result<WebhookSettings, ConfigError> {
    let d = WebhookSettings::default();
    let timeout = within(
        "timeout_secs",
        f.timeout_secs.unwrap_or(d.timeout.as_secs()),
        1,
        300,
    )?;
    let connect = within(
        "connect_timeout_secs",
        f.connect_timeout_secs
            .unwrap_or(d.connect_timeout.as_secs().min(timeout)),
        1,
        timeout,
    )?;
    let poll = within(
        "poll_secs",
        f.poll_secs.unwrap_or(d.poll.as_secs()),
        1,
        3600,
    )?;
    let batch = within("batch", u64::from(f.batch.unwrap_or(d.batch)), 1, 256)?;
    Ok(WebhookSettings {
        poll: Duration::from_secs(poll),
        batch: u32::try_from(batch).unwrap_or(d.batch),
        connect_timeout: Duration::from_secs(connect),
        timeout: Duration::from_secs(timeout),
        allow_private_targets: f.allow_private_targets.unwrap_or(d.allow_private_targets),
    })
}

pub(crate) fn to_toml(s: &WebhookSettings) -> toml::Table {
    let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let mut t = toml::Table::new();
    t.insert("timeout_secs".into(), secs(s.timeout).into());
    t.insert(
        "connect_timeout_secs".into(),
        secs(s.connect_timeout).into(),
    );
    t.insert("poll_secs".into(), secs(s.poll).into());
    t.insert("batch".into(), i64::from(s.batch).into());
    t.insert(
        "allow_private_targets".into(),
        s.allow_private_targets.into(),
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> WebhooksFile {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_bounds_and_errors() {
        assert_eq!(resolve(file("")).unwrap(), WebhookSettings::default());
        let s = resolve(file("timeout_secs = 3\nbatch = 4")).unwrap();
        assert_eq!(
            (s.timeout, s.connect_timeout, s.batch),
            (Duration::from_secs(3), Duration::from_secs(3), 4)
        );
        for bad in [
            "timeout_secs = 0",
            "timeout_secs = 301",
            "timeout_secs = 5\nconnect_timeout_secs = 6",
            "poll_secs = 0",
            "batch = 0",
        ] {
            let e = resolve(file(bad)).unwrap_err();
            assert!(e.0.starts_with("[webhooks] "), "{bad}: {}", e.0);
        }
        assert!(toml::from_str::<WebhooksFile>("retries = 3").is_err());
        assert!(
            !resolve(file("")).unwrap().allow_private_targets,
            "off by default"
        );
        assert!(
            resolve(file("allow_private_targets = true"))
                .unwrap()
                .allow_private_targets
        );
        let round = resolve(file("allow_private_targets = true\nbatch = 7")).unwrap();
        let back: WebhooksFile = to_toml(&round).try_into().unwrap();
        assert_eq!(resolve(back).unwrap(), round, "to_toml reads back");
    }
}
