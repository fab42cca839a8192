//! Traffic Light Protocol markings: TLP 2.0 (the extension-based marking definitions published by
//! OASIS) and the four TLP 1.0 marking definitions built into STIX 2.1 (spec §7.2.1.4).
//!
//! The level, the ten marking-definition ids and the extension id are `simpul-vocab`'s (so the
//! matcher and the core's sharing policy use the very same [`Tlp`]); they are re-exported here
//! under their long-standing paths (`simpul_stix::tlp::Tlp`, `simpul_stix::tlp::TLP2_RED`, …).
//! Validation of TLP marking definitions is in [`crate::validate`].

pub use simpul_vocab::tlp::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_definitions_are_valid_stix() {
        for t in Tlp::ALL {
            let text = t.marking_definition_json();
            let obj = crate::parse_object(text.as_bytes()).unwrap();
            let issues = crate::validate(&obj, &crate::ValidateOptions::default());
            assert!(
                issues.iter().all(|i| i.severity != crate::Severity::Error),
                "{t}: {issues:?}"
            );
        }
    }
}
