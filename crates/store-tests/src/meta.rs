//! What operations and the program ask of any store: the probe and small named settings.

use simpul_core::Store;

use crate::support::tag;

/// The probe answers (migrations were applied on open); meta values are absent, set, overwritten,
/// kept per key, and may be empty or any text.
pub async fn meta(store: &dyn Store) {
    let probe = store.as_probe();
    assert!(
        matches!(probe.backend(), "sqlite" | "postgres"),
        "{}",
        probe.backend()
    );
    probe.ping().await.unwrap();
    let schema = probe.schema_status().await.unwrap();
    assert!(schema.is_current(), "{schema:?}");
    assert!(schema.current >= 1, "{schema:?}");
    let pool = probe.pool_status();
    assert!(
        pool.max >= 1 && pool.idle <= pool.size && pool.size <= pool.max,
        "{pool:?}"
    );

    let t = tag();
    let (k, other) = (format!("{t}.k"), format!("{t}.other"));
    assert_eq!(store.get_meta(&k).await.unwrap(), None);
    store.set_meta(&k, "1").await.unwrap();
    assert_eq!(store.get_meta(&k).await.unwrap().as_deref(), Some("1"));
    store.set_meta(&k, "2").await.unwrap();
    assert_eq!(store.get_meta(&k).await.unwrap().as_deref(), Some("2"));
    assert_eq!(store.get_meta(&other).await.unwrap(), None, "per key");
    let text = "ünïcode, 'quotes'; \"and\" newlines\n";
    store.set_meta(&other, text).await.unwrap();
    assert_eq!(store.get_meta(&other).await.unwrap().as_deref(), Some(text));
    store.set_meta(&other, "").await.unwrap();
    assert_eq!(store.get_meta(&other).await.unwrap().as_deref(), Some(""));
    assert_eq!(store.get_meta(&k).await.unwrap().as_deref(), Some("2"));
}
