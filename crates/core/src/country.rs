//! ISO 3166-1 alpha-2 country codes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, excerpt};

/// The officially assigned ISO 3166-1 alpha-2 codes, sorted.
pub const ASSIGNED: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER \
ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM \
IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF \
MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK \
PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD \
TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// A validated ISO 3166-1 alpha-2 code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    /// Parses a code, accepting either case.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let up = s.trim().to_ascii_uppercase();
        if up.len() == 2 && ASSIGNED.split(' ').any(|c| c == up) {
            let b = up.as_bytes();
            Ok(Self([b[0], b[1]]))
        } else {
            Err(Invalid::new(
                "country",
                format!("`{}` is not an ISO 3166-1 alpha-2 country code", excerpt(s)),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Country {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asean_members_parse() {
        for cc in [
            "BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL",
        ] {
            assert_eq!(Country::parse(cc).unwrap().as_str(), cc);
        }
        assert_eq!(Country::parse("sg").unwrap().as_str(), "SG");
    }

    #[test]
    fn rejects_unassigned_and_malformed() {
        for bad in ["XX", "S", "SGP", "", "1A", "ÄÖ"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_is_sorted_and_unique() {
        let codes: Vec<&str> = ASSIGNED.split(' ').collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 249);
    }
}
