//! MISP distribution and sharing groups against the audience of the collection imported into.
//! simpul never widens what MISP allowed: each level is accepted only where the collection's
//! audience stays within it (the table is in `MAPPING.md`).

use uuid::Uuid;

use super::model::SharingGroup;

/// An organisation as the check compares it: its id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName {
    pub id: Uuid,
    pub name: String,
}

/// Who would see what is imported: the importing organisation and every organisation of the
/// collection's audience (or of the named recipients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub importer: OrgName,
    pub audience: Vec<OrgName>,
}

/// A MISP distribution level, read from its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// 0: your organisation only.
    Organisation,
    /// 1, 2, 3: this community, connected communities, all communities.
    Community(i64),
    /// 4: the organisations of a sharing group.
    SharingGroup,
    /// 5: as the event (attributes, objects, reports).
    Inherit,
}

impl Distribution {
    /// The level of `n`; an absent level reads as 0 (the narrowest), so nothing unmarked is
    /// widened.
    pub fn of(n: Option<i64>) -> Result<Distribution, String> {
        Ok(match n.unwrap_or(0) {
            0 => Distribution::Organisation,
            n @ 1..=3 => Distribution::Community(n),
            4 => Distribution::SharingGroup,
            5 => Distribution::Inherit,
            n => return Err(format!("unknown MISP distribution {n} (expected 0–5)")),
        })
    }
}

impl Target {
    /// Whether content at `level` (with its sharing group, for 4) may enter the collection; the
    /// reason when not.
    pub fn admits(&self, level: Distribution, group: Option<&SharingGroup>) -> Result<(), String> {
        match level {
            Distribution::Community(_) => Ok(()),
            Distribution::Inherit => Ok(()),
            Distribution::Organisation => {
                if self.audience.iter().all(|o| o.id == self.importer.id) {
                    Ok(())
                } else {
                    Err(format!(
                        "MISP distribution 0 (your organisation only) may only be imported into a \
                         collection whose whole audience is {}; this collection reaches {} \
                         organisations",
                        self.importer.name,
                        self.audience.len()
                    ))
                }
            }
            Distribution::SharingGroup => {
                let Some(g) = group else {
                    return Err(
                        "MISP distribution 4 (sharing group) without the sharing group's \
                                organisations in the event: refused"
                            .into(),
                    );
                };
                let outside: Vec<&str> = self
                    .audience
                    .iter()
                    .filter(|o| !in_group(o, g))
                    .map(|o| o.name.as_str())
                    .collect();
                if outside.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "MISP sharing group '{}' does not include {} of this collection's \
                         audience: refused (simpul never widens a MISP distribution)",
                        crate::error::excerpt(g.name.as_deref().unwrap_or("?")),
                        outside.join(", ")
                    ))
                }
            }
        }
    }
}

/// Whether `org` is one of the group's organisations, by uuid or (case-insensitively) name.
fn in_group(org: &OrgName, g: &SharingGroup) -> bool {
    g.orgs
        .iter()
        .filter_map(|o| o.organisation.as_ref())
        .any(|o| {
            o.uuid
                .as_deref()
                .and_then(|u| Uuid::parse_str(u).ok())
                .is_some_and(|u| u == org.id)
                || o.name
                    .as_deref()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(org.name.trim()))
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::misp::model::{Organisation, SharingGroupOrg};

    fn org(n: u128, name: &str) -> OrgName {
        OrgName {
            id: Uuid::from_u128(n),
            name: name.into(),
        }
    }

    fn group(orgs: &[(&str, Option<u128>)]) -> SharingGroup {
        SharingGroup {
            name: Some("fraud-sg".into()),
            orgs: orgs
                .iter()
                .map(|(n, u)| SharingGroupOrg {
                    organisation: Some(Organisation {
                        name: Some((*n).into()),
                        uuid: u.map(|u| Uuid::from_u128(u).to_string()),
                    }),
                })
                .collect(),
            ..SharingGroup::default()
        }
    }

    #[test]
    fn distribution_is_never_widened() {
        let me = org(1, "CERT-A");
        let alone = Target {
            importer: me.clone(),
            audience: vec![me.clone()],
        };
        let shared = Target {
            importer: me.clone(),
            audience: vec![me.clone(), org(2, "Bank B")],
        };
        let d0 = Distribution::of(Some(0)).unwrap();
        assert_eq!(Distribution::of(None).unwrap(), d0);
        assert!(alone.admits(d0, None).is_ok());
        let why = shared.admits(d0, None).unwrap_err();
        assert!(why.contains("whole audience is CERT-A"), "{why}");
        for n in 1..=3 {
            let d = Distribution::of(Some(n)).unwrap();
            assert!(shared.admits(d, None).is_ok());
        }
        let d4 = Distribution::SharingGroup;
        // By uuid for one, by name (any case) for the other.
        let both = group(&[("cert-a", None), ("Other name", Some(2))]);
        assert!(shared.admits(d4, Some(&both)).is_ok());
        let why = shared
            .admits(d4, Some(&group(&[("CERT-A", Some(1))])))
            .unwrap_err();
        assert!(why.contains("does not include Bank B"), "{why}");
        assert!(shared.admits(d4, None).is_err());
        assert!(Distribution::of(Some(7)).is_err());
    }
}
