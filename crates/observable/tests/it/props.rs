//! No normaliser panics, on arbitrary strings and on strings built from the characters that
//! matter to them; and normalising a key again gives the same key (idempotence).

use proptest::prelude::*;
use simpul_observable::{Canonical, ObservableType, detect_canonical, normalise};

use crate::{ctx, none};

fn interesting() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-fA-F:./\\[\\]%@+ -]{0,80}",
        "[a-zA-Z0-9._~:/?#@!$&'()*+,;=%\\[\\]-]{0,120}",
        "(https?|hxxp|ftp)://[a-zA-Zü0-9.:@\\[\\]-]{0,30}(/[a-zA-Z0-9%._~-]{0,10}){0,4}(\\?[a-z=&%0-9]{0,20})?(#.*)?",
        "\\+?[0-9 ()./-]{0,30}",
        "(bc1|BC1|1|3|T|0x|ltc1)[a-zA-Z0-9]{0,70}",
        "[A-Z]{2}[0-9]{2}[A-Z0-9 ]{0,40}",
        "[0-9]{1,4}:[A-Za-z0-9+/]{0,70}:[A-Za-z0-9+/]{0,70}",
        "(https://)?(www\\.)?(facebook|t|wa|x|tiktok|line|zalo|youtube|play\\.google|apps\\.apple)\\.(com|me)/[@~a-zA-Z0-9._?=&/+-]{0,40}",
    ]
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=20000 for a soak run.

    #[test]
    fn no_normaliser_panics_and_keys_are_stable(raw in interesting()) {
        for ty in ObservableType::all() {
            for c in [none(), ctx("ID")] {
                if let Ok(k) = normalise(ty, &raw, &c) {
                    prop_assert!(!k.key().is_empty(), "{ty} {raw:?}");
                    // Re-normalising the key under its canonical type, without a context, is a
                    // fixed point; so is the Display/FromStr round trip.
                    let again = normalise(k.ty(), k.key(), &none());
                    prop_assert_eq!(again.as_ref().ok(), Some(&k), "{} {:?} -> {} -> {:?}", ty, raw, k, again);
                    prop_assert_eq!(k.to_string().parse::<Canonical>().ok(), Some(k.clone()));
                }
            }
        }
        if let Some(k) = detect_canonical(&raw) {
            prop_assert_eq!(normalise(k.ty(), &raw, &none()).ok(), Some(k));
        }
    }
}

proptest! {
    /// Plain words, sentences and numbers (national phone numbers, account numbers, counters)
    /// are never auto-detected.
    #[test]
    fn detect_is_conservative(
        word in "[a-zA-Z]{1,24}",
        sentence in "[A-Za-z]{1,12}( [A-Za-z,]{1,12}){1,6}",
        number in "[0-9]{1,24}",
        dashed in "0[0-9]{2,4}(-[0-9]{3,4}){1,3}",
        decimal in "[0-9]{1,6}\\.[0-9]{1,6}",
    ) {
        prop_assert_eq!(simpul_observable::detect(&word), None);
        prop_assert_eq!(simpul_observable::detect(&sentence), None);
        prop_assert_eq!(simpul_observable::detect(&number), None);
        prop_assert_eq!(simpul_observable::detect(&dashed), None);
        prop_assert_eq!(simpul_observable::detect(&decimal), None);
    }
}
