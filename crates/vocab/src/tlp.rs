//! Traffic Light Protocol markings: TLP 2.0 (the extension-based marking definitions published by
//! OASIS, extension `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`) and the four TLP 1.0
//! marking definitions built into STIX 2.1 (spec §7.2.1.4), read as their TLP 2.0 levels.
//!
//! The level is written three ways, each with its own parser:
//!
//! | form | example | read by |
//! |---|---|---|
//! | label (TLP 2.0, also the serde form) | `TLP:AMBER+STRICT` | [`Tlp::from_label`] |
//! | tag (MISP taxonomy) | `tlp:amber+strict`, `tlp:white` | [`Tlp::from_tag`] |
//! | marking-definition id | `marking-definition--939a9414-…` | [`Tlp::from_marking_id`] |
//!
//! [`FromStr`] is the lenient reader for people (command lines, configuration).

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

/// A TLP 2.0 level, ordered from least to most restrictive: where several apply, the greatest
/// (strictest) wins, so `max` picks it.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTlp(pub String);

impl fmt::Display for UnknownTlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a TLP level (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)",
            self.0
        )
    }
}

impl std::error::Error for UnknownTlp {}

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
    #[must_use]
    pub const fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => TLP2_CLEAR,
            Tlp::Green => TLP2_GREEN,
            Tlp::Amber => TLP2_AMBER,
            Tlp::AmberStrict => TLP2_AMBER_STRICT,
            Tlp::Red => TLP2_RED,
        }
    }

    /// The level named by a marking-definition id: TLP 2.0 ids, and TLP 1.0 ids mapped to their
    /// TLP 2.0 equivalents (WHITE→CLEAR, GREEN, AMBER, RED); `None` for any other marking.
    #[must_use]
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

    /// The label as TLP 2.0 writes it: `TLP:CLEAR`, `TLP:GREEN`, `TLP:AMBER`, `TLP:AMBER+STRICT`,
    /// `TLP:RED`. Also the `Display` and serde form.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The same as [`Tlp::as_str`] (the name `simpul_stix::Tlp` has always had).
    #[must_use]
    pub const fn label(self) -> &'static str {
        self.as_str()
    }

    /// The level a TLP 2.0 label names, exactly as [`Tlp::as_str`] writes it (case-sensitive).
    #[must_use]
    pub fn from_label(label: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|t| t.as_str() == label)
    }

    /// The value of the `tlp_2_0` property in the TLP 2.0 extension (`clear`, `amber+strict`, …).
    #[must_use]
    pub const fn extension_value(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The tag form of the MISP `tlp` taxonomy: `tlp:clear`, …, `tlp:amber+strict`, `tlp:red`.
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            Tlp::Clear => "tlp:clear",
            Tlp::Green => "tlp:green",
            Tlp::Amber => "tlp:amber",
            Tlp::AmberStrict => "tlp:amber+strict",
            Tlp::Red => "tlp:red",
        }
    }

    /// The level of a MISP-style tag, `tlp:` followed by a level name in any case; TLP 1.0
    /// `tlp:white` reads as CLEAR. Other tags (`tlp:ex:chr`, `misp:tlp`, …) are `None`.
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Tlp> {
        let (prefix, name) = (tag.get(..4)?, tag.get(4..)?);
        if prefix.eq_ignore_ascii_case("tlp:") {
            from_name(name)
        } else {
            None
        }
    }

    /// The most restrictive level among marking ids (ignores ids that are not TLP markings).
    pub fn most_restrictive<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<Tlp> {
        ids.into_iter().filter_map(Tlp::from_marking_id).max()
    }

    /// The full TLP 2.0 marking-definition object for this level, as JSON text (the object OASIS
    /// publishes, with its members in this order).
    #[must_use]
    pub fn marking_definition_json(self) -> String {
        format!(
            concat!(
                r#"{{"type":"marking-definition","spec_version":"2.1","id":"{id}","created":"{c}","name":"{label}","#,
                r#""extensions":{{"{ext}":{{"extension_type":"property-extension","tlp_2_0":"{v}"}}}}}}"#
            ),
            id = self.marking_id(),
            c = TLP2_CREATED,
            label = self.as_str(),
            ext = TLP2_EXTENSION_ID,
            v = self.extension_value(),
        )
    }
}

/// A level name without prefix, in any case: the TLP 2.0 names and TLP 1.0 `white`.
fn from_name(name: &str) -> Option<Tlp> {
    match name.to_ascii_lowercase().as_str() {
        "clear" | "white" => Some(Tlp::Clear),
        "green" => Some(Tlp::Green),
        "amber" => Some(Tlp::Amber),
        "amber+strict" => Some(Tlp::AmberStrict),
        "red" => Some(Tlp::Red),
        _ => None,
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tlp {
    type Err = UnknownTlp;
    /// Accepts, after trimming, a level name with or without a `TLP:`/`tlp:` prefix in any case
    /// (`CLEAR`, `tlp:clear`, `TLP:AMBER+STRICT`), `amber-strict`/`amber_strict`, and TLP 1.0
    /// `WHITE` (→ CLEAR).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t
            .strip_prefix("TLP:")
            .or_else(|| t.strip_prefix("tlp:"))
            .unwrap_or(t);
        match t.to_ascii_lowercase().as_str() {
            "amber-strict" | "amber_strict" => Ok(Tlp::AmberStrict),
            name => from_name(name).ok_or_else(|| UnknownTlp(s.to_owned())),
        }
    }
}

impl serde::Serialize for Tlp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Tlp {
    /// Reads the label only (`TLP:AMBER+STRICT`), as [`Tlp::from_label`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Label;
        impl serde::de::Visitor<'_> for Label {
            type Value = Tlp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a TLP 2.0 label such as \"TLP:AMBER+STRICT\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Tlp, E> {
                Tlp::from_label(v).ok_or_else(|| E::custom(UnknownTlp(v.to_owned())))
            }
        }
        d.deserialize_str(Label)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn marking_ids_round_trip_and_tlp1_maps_to_tlp2() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_marking_id(t.marking_id()), Some(t));
        }
        assert_eq!(Tlp::from_marking_id(TLP1_WHITE), Some(Tlp::Clear));
        assert_eq!(Tlp::from_marking_id(TLP1_GREEN), Some(Tlp::Green));
        assert_eq!(Tlp::from_marking_id(TLP1_AMBER), Some(Tlp::Amber));
        assert_eq!(Tlp::from_marking_id(TLP1_RED), Some(Tlp::Red));
        assert_eq!(Tlp::from_marking_id("marking-definition--x"), None);
        assert_eq!(Tlp::from_marking_id(TLP2_EXTENSION_ID), None);
    }

    #[test]
    fn nine_distinct_marking_ids_and_the_extension_id() {
        // Four TLP 1.0 and five TLP 2.0 marking definitions, plus the TLP 2.0 extension: ten ids.
        let mut ids = vec![TLP1_WHITE, TLP1_GREEN, TLP1_AMBER, TLP1_RED];
        ids.extend(Tlp::ALL.map(Tlp::marking_id));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 9);
        assert!(ids.iter().all(|id| id.starts_with("marking-definition--")));
        assert!(TLP2_EXTENSION_ID.starts_with("extension-definition--"));
    }

    #[test]
    fn strictest_wins() {
        assert!(Tlp::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            Tlp::most_restrictive([TLP2_GREEN, "marking-definition--x", TLP1_RED]),
            Some(Tlp::Red)
        );
        assert_eq!(
            Tlp::most_restrictive([TLP2_AMBER_STRICT, TLP1_AMBER]),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(Tlp::most_restrictive(["marking-definition--x"]), None);
    }

    #[test]
    fn label_form() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_label(t.as_str()), Some(t));
            assert_eq!(t.label(), t.as_str());
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(Tlp::from_label("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::from_label("tlp:amber"), None);
        assert_eq!(Tlp::from_label("TLP:WHITE"), None);
        assert_eq!(Tlp::from_label("AMBER"), None);
    }

    #[test]
    fn tag_form() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_tag(t.tag()), Some(t));
            assert_eq!(t.tag(), format!("tlp:{}", t.extension_value()));
        }
        assert_eq!(Tlp::from_tag("tlp:white"), Some(Tlp::Clear));
        assert_eq!(Tlp::from_tag("tlp:amber+strict"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::from_tag("TLP:Red"), Some(Tlp::Red));
        assert_eq!(Tlp::from_tag("tlp:ex:chr"), None);
        assert_eq!(Tlp::from_tag("tlp:"), None);
        assert_eq!(Tlp::from_tag("tl"), None);
        assert_eq!(Tlp::from_tag("red"), None);
        // A multi-byte character where the prefix would end is not a panic.
        assert_eq!(Tlp::from_tag("tlpé:red"), None);
    }

    #[test]
    fn lenient_from_str() {
        assert_eq!("TLP:AMBER+STRICT".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!(" amber-strict ".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!("amber_strict".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!("tlp:clear".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert_eq!("white".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert_eq!("Green".parse::<Tlp>().unwrap(), Tlp::Green);
        let e = "purple".parse::<Tlp>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`purple` is not a TLP level (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)"
        );
        for t in Tlp::ALL {
            assert_eq!(t.as_str().parse::<Tlp>().unwrap(), t);
            assert_eq!(t.tag().parse::<Tlp>().unwrap(), t);
        }
    }

    #[test]
    fn serde_is_the_label() {
        for t in Tlp::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<Tlp>(&json).unwrap(), t);
        }
        let e = serde_json::from_str::<Tlp>("\"tlp:red\"").unwrap_err();
        assert!(e.to_string().contains("is not a TLP level"), "{e}");
        assert!(serde_json::from_str::<Tlp>("3").is_err());
    }

    #[test]
    fn marking_definition_json_names_the_level() {
        let text = Tlp::AmberStrict.marking_definition_json();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["id"], TLP2_AMBER_STRICT);
        assert_eq!(v["name"], "TLP:AMBER+STRICT");
        assert_eq!(v["created"], TLP2_CREATED);
        assert_eq!(
            v["extensions"][TLP2_EXTENSION_ID]["tlp_2_0"],
            "amber+strict"
        );
    }
}
