//! Permissible Actions Protocol markings: what a recipient may *do* with information (TLP says who
//! may see it). PAP comes from MISP's `PAP` taxonomy (`PAP:WHITE`/`CLEAR`, `GREEN`, `AMBER`,
//! `RED`); its STIX 2.1 form is the PAP marking-definition extension published in OASIS's
//! `cti-stix-common-objects` (`extension-definition-specifications/pap-marking-definition-f8d`,
//! extension `extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b`, draft of 28 November
//! 2022), which fixes one marking-definition id per level: "the only instances of PAP marking
//! definitions permitted are those defined here". `PAP:WHITE` (the MISP name before TLP 2.0
//! renamed WHITE) reads as CLEAR, as TLP 1.0 WHITE does.

use std::fmt;

/// The PAP marking-definition extension id.
pub const PAP_EXTENSION_ID: &str = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b";

/// PAP:CLEAR marking-definition id.
pub const PAP_CLEAR: &str = "marking-definition--ad15a0cd-55b6-4588-a14c-a66105329b92";
/// PAP:WHITE marking-definition id (read as CLEAR).
pub const PAP_WHITE: &str = "marking-definition--a3bea94c-b469-41dc-9cfe-d6e7daba7730";
/// PAP:GREEN marking-definition id.
pub const PAP_GREEN: &str = "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9";
/// PAP:AMBER marking-definition id.
pub const PAP_AMBER: &str = "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab";
/// PAP:RED marking-definition id.
pub const PAP_RED: &str = "marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e";

/// A PAP level, ordered from least to most restrictive: where several apply, the strictest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pap {
    /// PAP:CLEAR (PAP:WHITE maps here): no restriction.
    Clear,
    /// PAP:GREEN: active actions allowed.
    Green,
    /// PAP:AMBER: passive cross-checks only.
    Amber,
    /// PAP:RED: non-detectable actions only.
    Red,
}

impl Pap {
    /// All levels, least restrictive first.
    pub const ALL: [Pap; 4] = [Pap::Clear, Pap::Green, Pap::Amber, Pap::Red];

    /// The marking-definition id of this level.
    #[must_use]
    pub const fn marking_id(self) -> &'static str {
        match self {
            Pap::Clear => PAP_CLEAR,
            Pap::Green => PAP_GREEN,
            Pap::Amber => PAP_AMBER,
            Pap::Red => PAP_RED,
        }
    }

    /// The level named by a marking-definition id (PAP:WHITE's id reads as CLEAR); `None` for any
    /// other marking.
    #[must_use]
    pub fn from_marking_id(id: &str) -> Option<Pap> {
        match id {
            PAP_CLEAR | PAP_WHITE => Some(Pap::Clear),
            PAP_GREEN => Some(Pap::Green),
            PAP_AMBER => Some(Pap::Amber),
            PAP_RED => Some(Pap::Red),
            _ => None,
        }
    }

    /// The most restrictive level among marking ids (ignores ids that are not PAP markings).
    pub fn most_restrictive<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<Pap> {
        ids.into_iter().filter_map(Pap::from_marking_id).max()
    }

    /// The level's name as the extension's `pap` property writes it: `clear`, `green`, `amber`,
    /// `red`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Pap::Clear => "clear",
            Pap::Green => "green",
            Pap::Amber => "amber",
            Pap::Red => "red",
        }
    }

    /// The label: `PAP:CLEAR`, `PAP:GREEN`, `PAP:AMBER`, `PAP:RED` (also the MISP tag, whose
    /// taxonomy writes it upper-case).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Pap::Clear => "PAP:CLEAR",
            Pap::Green => "PAP:GREEN",
            Pap::Amber => "PAP:AMBER",
            Pap::Red => "PAP:RED",
        }
    }
}

impl fmt::Display for Pap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_and_the_strictest_wins() {
        for p in Pap::ALL {
            assert_eq!(Pap::from_marking_id(p.marking_id()), Some(p));
        }
        assert_eq!(Pap::from_marking_id(PAP_WHITE), Some(Pap::Clear));
        assert_eq!(Pap::from_marking_id(crate::tlp::TLP2_RED), None);
        assert_eq!(
            Pap::most_restrictive([PAP_GREEN, crate::tlp::TLP2_RED, PAP_AMBER]),
            Some(Pap::Amber)
        );
        assert_eq!(Pap::most_restrictive([crate::tlp::TLP2_RED]), None);
    }
}
