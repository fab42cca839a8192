//! The `[decay]` table: the decay model's threshold and per-kind lifetimes
//! (`simpul_core::decay`, documented in its `DECAY.md`), over the model's defaults.
//!
//! ```toml
//! [decay]
//! threshold = 40
//! [decay.lifetimes]
//! ipv4 = { days = 14 }
//! domain = { days = 90, speed = 1.5 }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use simpul_core::decay::{DecayModel, Lifetime};

use super::ConfigError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DecayFile {
    threshold: Option<f64>,
    #[serde(default)]
    lifetimes: BTreeMap<String, LifetimeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LifetimeFile {
    days: f64,
    /// The kind's default speed when not given.
    speed: Option<f64>,
}

/// The model the table describes; a bad value is an error naming its key.
pub(super) fn model(f: DecayFile) -> Result<DecayModel, ConfigError> {
    let bad = |e: simpul_core::Invalid| ConfigError(format!("{}: {}", e.path, e.message));
    let mut m = DecayModel::default();
    if let Some(t) = f.threshold {
        m = m.with_threshold(t).map_err(bad)?;
    }
    for (kind, l) in f.lifetimes {
        let path = format!("decay.lifetimes.{kind}");
        let speed = l.speed.unwrap_or_else(|| m.lifetime(&kind).1.speed);
        let lifetime = Lifetime::new(&path, l.days, speed).map_err(bad)?;
        m = m.with_lifetime(&kind, lifetime).map_err(bad)?;
    }
    Ok(m)
}

/// The effective model as a TOML table (what `simpul config` prints).
pub(super) fn to_toml(m: &DecayModel) -> toml::Table {
    let mut lifetimes = toml::Table::new();
    for (kind, l) in m.kinds() {
        let mut t = toml::Table::new();
        t.insert("days".into(), l.days.into());
        t.insert("speed".into(), l.speed.into());
        lifetimes.insert(kind.into(), t.into());
    }
    let mut decay = toml::Table::new();
    decay.insert("threshold".into(), m.threshold().into());
    decay.insert("lifetimes".into(), lifetimes.into());
    decay
}

#[cfg(test)]
mod tests {
    use super::super::{Config, StoreArgs};

    #[test]
    fn decay_table() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        let store = StoreArgs {
            config: Some(p.clone()),
            ..StoreArgs::default()
        };
        std::fs::write(&p, "").unwrap();
        let c = Config::resolve(&store, None).unwrap();
        assert_eq!(c.decay, simpul_core::decay::DecayModel::default());
        std::fs::write(
            &p,
            "[decay]\nthreshold = 40\n[decay.lifetimes]\nipv4 = { days = 14 }\n\
             domain = { days = 90, speed = 1.5 }\n",
        )
        .unwrap();
        let c = Config::resolve(&store, None).unwrap();
        assert_eq!(c.decay.threshold(), 40.0);
        let (_, ip) = c.decay.lifetime("ipv4");
        assert_eq!((ip.days, ip.speed), (14.0, 2.0), "the default speed stays");
        let (_, d) = c.decay.lifetime("domain");
        assert_eq!((d.days, d.speed), (90.0, 1.5));
        let printed = c.to_toml();
        assert!(
            printed.contains("[decay]") && printed.contains("threshold = 40"),
            "{printed}"
        );
        for (bad, says) in [
            ("[decay]\nthreshold = 100\n", "decay.threshold"),
            (
                "[decay.lifetimes]\nipv5 = { days = 1 }\n",
                "decay.lifetimes.ipv5",
            ),
            (
                "[decay.lifetimes]\nurl = { days = 0 }\n",
                "decay.lifetimes.url.days",
            ),
            (
                "[decay.lifetimes]\nurl = { days = 3, speed = -1 }\n",
                "decay.lifetimes.url.speed",
            ),
            ("[decay]\nthreshhold = 3\n", "threshhold"),
        ] {
            std::fs::write(&p, bad).unwrap();
            let e = Config::resolve(&store, None).unwrap_err();
            assert!(e.0.contains(says) && !e.0.contains('\n'), "{bad}: {e}");
        }
    }
}
