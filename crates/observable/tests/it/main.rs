#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests of simpul-observable: one table per normaliser (equivalences and rejects),
//! detection, the STIX mapping, and property tests that no normaliser panics.

mod bank;
mod canonical;
mod crypto;
mod detect;
mod hashes;
mod messages;
mod net;
mod phone;
mod props;
mod social;
mod stix;

use simpul_observable::{Context, ObservableError, ObservableType, Region, normalise};

pub fn ctx(region: &str) -> Context {
    Context::with_region(Region::parse(region).unwrap())
}

pub fn none() -> Context {
    Context::new()
}

/// Asserts every `(raw, key)` row normalises as `ty` to `key` with canonical type `want_ty`.
#[track_caller]
pub fn table(ty: ObservableType, want_ty: ObservableType, c: &Context, rows: &[(&str, &str)]) {
    for (raw, key) in rows {
        match normalise(ty, raw, c) {
            Ok(k) => {
                assert_eq!(k.key(), *key, "{ty} {raw:?}");
                assert_eq!(k.ty(), want_ty, "{ty} {raw:?}");
            }
            Err(e) => panic!("{ty} {raw:?}: unexpected error: {e}"),
        }
    }
}

/// Asserts every row is rejected; returns the errors for finer checks.
#[track_caller]
pub fn rejects(ty: ObservableType, c: &Context, rows: &[&str]) -> Vec<ObservableError> {
    rows.iter()
        .map(|raw| match normalise(ty, raw, c) {
            Ok(k) => panic!("{ty} {raw:?}: accepted as {k}"),
            Err(e) => {
                assert_eq!(e.observable_type(), ty, "{raw:?}: {e}");
                e
            }
        })
        .collect()
}

/// Asserts all raw values have one and the same key.
#[track_caller]
pub fn same(ty: ObservableType, c: &Context, raws: &[&str]) {
    let keys: Vec<_> = raws
        .iter()
        .map(|r| normalise(ty, r, c).unwrap_or_else(|e| panic!("{r:?}: {e}")))
        .collect();
    for (k, r) in keys.iter().zip(raws) {
        assert_eq!(k, &keys[0], "{r:?} differs from {:?}", raws[0]);
    }
}

/// The error message of normalising `raw` as `ty`.
#[track_caller]
pub fn message(ty: ObservableType, raw: &str, c: &Context) -> String {
    normalise(ty, raw, c).unwrap_err().to_string()
}
