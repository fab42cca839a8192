//! The `[directory]` table: the POC directory's freshness and the server's communication-check
//! scheduler.
//!
//! ```toml
//! [directory]
//! verify_after_days = 183     # SIMPUL_DIRECTORY_VERIFY_AFTER_DAYS
//! check_interval_secs = 60    # SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS
//! ```

use serde::Deserialize;

use super::ConfigError;

/// How often `simpul serve` looks for due scheduled checks, by default.
pub const DEFAULT_CHECK_INTERVAL_SECS: u64 = 60;
/// The longest interval between two looks (a day).
pub const MAX_CHECK_INTERVAL_SECS: u64 = 86_400;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DirectoryFile {
    /// Days after which a contact not verified (by a check's acknowledgement) is flagged.
    verify_after_days: Option<u32>,
    /// Seconds between two looks of the server for due scheduled checks.
    check_interval_secs: Option<u64>,
}

/// The `[directory]` table resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DirectorySettings {
    pub(super) verify_after_days: u32,
    pub(super) check_interval_secs: u64,
}

/// `var` from the environment as a whole number, when set and not empty.
fn env_number<T: std::str::FromStr>(var: &str, what: &str) -> Result<Option<T>, ConfigError> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v.trim().parse::<T>().map(Some).map_err(|_| {
            ConfigError(format!(
                "{var} must be a whole number of {what} (got `{v}`)"
            ))
        }),
        _ => Ok(None),
    }
}

pub(super) fn resolve(f: DirectoryFile) -> Result<DirectorySettings, ConfigError> {
    let verify_after_days = env_number("SIMPUL_DIRECTORY_VERIFY_AFTER_DAYS", "days")?
        .or(f.verify_after_days)
        .unwrap_or(simpul_core::directory::freshness::DEFAULT_VERIFY_AFTER_DAYS);
    if !(1..=3650).contains(&verify_after_days) {
        return Err(ConfigError(format!(
            "directory.verify_after_days must be 1 to 3650 (got {verify_after_days})"
        )));
    }
    let check_interval_secs = env_number("SIMPUL_DIRECTORY_CHECK_INTERVAL_SECS", "seconds")?
        .or(f.check_interval_secs)
        .unwrap_or(DEFAULT_CHECK_INTERVAL_SECS);
    if !(1..=MAX_CHECK_INTERVAL_SECS).contains(&check_interval_secs) {
        return Err(ConfigError(format!(
            "directory.check_interval_secs must be 1 to {MAX_CHECK_INTERVAL_SECS} (got {check_interval_secs})"
        )));
    }
    Ok(DirectorySettings {
        verify_after_days,
        check_interval_secs,
    })
}

/// The table as `simpul config` prints it.
pub(super) fn to_toml(verify_after_days: u32, check_interval_secs: u64) -> toml::Table {
    let mut t = toml::Table::new();
    t.insert(
        "verify_after_days".into(),
        i64::from(verify_after_days).into(),
    );
    t.insert(
        "check_interval_secs".into(),
        i64::try_from(check_interval_secs)
            .unwrap_or(i64::MAX)
            .into(),
    );
    t
}

#[cfg(test)]
mod tests {
    use super::super::{Config, StoreArgs};

    #[test]
    fn directory_table() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        let store = StoreArgs {
            config: Some(p.clone()),
            ..StoreArgs::default()
        };
        std::fs::write(&p, "").unwrap();
        let c = Config::resolve(&store, None).unwrap();
        assert_eq!(c.check_interval_secs, super::DEFAULT_CHECK_INTERVAL_SECS);
        std::fs::write(
            &p,
            "[directory]\ncheck_interval_secs = 2\nverify_after_days = 30\n",
        )
        .unwrap();
        let c = Config::resolve(&store, None).unwrap();
        assert_eq!((c.check_interval_secs, c.verify_after_days), (2, 30));
        let printed = c.to_toml();
        assert!(printed.contains("check_interval_secs = 2"), "{printed}");
        for (bad, says) in [
            (
                "[directory]\ncheck_interval_secs = 0\n",
                "check_interval_secs must be 1 to 86400",
            ),
            ("[directory]\ncheck_interval_secs = 86401\n", "(got 86401)"),
            ("[directory]\ncheck_interval_secs = \"1m\"\n", "line 2"),
            ("[directory]\nverify_after_days = 0\n", "verify_after_days"),
        ] {
            std::fs::write(&p, bad).unwrap();
            let e = Config::resolve(&store, None).unwrap_err();
            assert!(e.0.contains(says) && !e.0.contains('\n'), "{bad}: {e}");
        }
    }
}
