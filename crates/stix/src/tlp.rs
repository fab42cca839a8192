//! Traffic Light Protocol markings: TLP 2.0 (the extension-based marking definitions published by
//! OASIS, extension `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`) and the four TLP 1.0
//! marking definitions built into STIX 2.1 (spec §7.2.1.4).

use std::fmt;
use std::str::FromStr;

/// The TLP 2.0 marking-definition extension id.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// TLP 2.0 CLEAR marking-definition id.
pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
/// TLP 2.0 GREEN marking-definition id.
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
/// TLP 2.0 AMBER marking-definition id.
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
/// TLP 2.0 AMBER+STRICT marking-definition id.
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// TLP 2.0 RED marking-definition id.
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// TLP 1.0 WHITE marking-definition id (STIX 2.1 §7.2.1.4).
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
/// TLP 1.0 GREEN marking-definition id.
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
/// TLP 1.0 AMBER marking-definition id.
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
/// TLP 1.0 RED marking-definition id.
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

/// The `created` of the TLP 1.0 marking definitions.
pub const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";
/// The `created`/`modified` of the TLP 2.0 marking definitions.
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// A TLP 2.0 level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// TLP:CLEAR (TLP 1.0 WHITE maps here).
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT.
    AmberStrict,
    /// TLP:RED.
    Red,
}

/// A string that names no TLP level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a TLP level (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")]
pub struct UnknownTlp(pub String);

impl Tlp {
    /// All levels, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The TLP 2.0 marking-definition id of this level.
    pub fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => TLP2_CLEAR,
            Tlp::Green => TLP2_GREEN,
            Tlp::Amber => TLP2_AMBER,
            Tlp::AmberStrict => TLP2_AMBER_STRICT,
            Tlp::Red => TLP2_RED,
        }
    }

    /// The level named by a marking-definition id: TLP 2.0 ids, and TLP 1.0 ids mapped to their
    /// TLP 2.0 equivalents (WHITE→CLEAR, AMBER→AMBER).
    pub fn from_marking_id(id: &str) -> Option<Tlp> {
        match id {
            TLP2_CLEAR | TLP1_WHITE => Some(Tlp::Clear),
            TLP2_GREEN | TLP1_GREEN => Some(Tlp::Green),
            TLP2_AMBER | TLP1_AMBER => Some(Tlp::Amber),
            TLP2_AMBER_STRICT => Some(Tlp::AmberStrict),
            TLP2_RED | TLP1_RED => Some(Tlp::Red),
            _ => None,
        }
    }

    /// The label as TLP 2.0 writes it (`TLP:AMBER+STRICT`).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The value of the `tlp_2_0` property in the TLP 2.0 extension (`clear`, `amber+strict`, …).
    pub fn extension_value(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The most restrictive level among marking ids (ignores ids that are not TLP markings).
    pub fn most_restrictive<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<Tlp> {
        ids.into_iter().filter_map(Tlp::from_marking_id).max()
    }

    /// The full TLP 2.0 marking-definition object for this level, as JSON text.
    pub fn marking_definition_json(self) -> String {
        format!(
            concat!(
                r#"{{"type":"marking-definition","spec_version":"2.1","id":"{id}","created":"{c}","name":"{label}","#,
                r#""extensions":{{"{ext}":{{"extension_type":"property-extension","tlp_2_0":"{v}"}}}}}}"#
            ),
            id = self.marking_id(),
            c = TLP2_CREATED,
            label = self.label(),
            ext = TLP2_EXTENSION_ID,
            v = self.extension_value(),
        )
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Tlp {
    type Err = UnknownTlp;
    /// Accepts `CLEAR`, `tlp:clear`, `TLP:AMBER+STRICT`, `amber-strict`, and TLP 1.0 `WHITE` (→ CLEAR).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t
            .strip_prefix("TLP:")
            .or_else(|| t.strip_prefix("tlp:"))
            .unwrap_or(t);
        match t.to_ascii_lowercase().as_str() {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber+strict" | "amber-strict" | "amber_strict" => Ok(Tlp::AmberStrict),
            "red" => Ok(Tlp::Red),
            _ => Err(UnknownTlp(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_maps() {
        assert_eq!("TLP:AMBER+STRICT".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!("white".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert!("purple".parse::<Tlp>().is_err());
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_marking_id(t.marking_id()), Some(t));
            assert_eq!(t.label().parse::<Tlp>().unwrap(), t);
        }
        assert_eq!(Tlp::from_marking_id(TLP1_AMBER), Some(Tlp::Amber));
        assert_eq!(
            Tlp::most_restrictive([TLP2_GREEN, "marking-definition--x", TLP1_RED]),
            Some(Tlp::Red)
        );
    }

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
