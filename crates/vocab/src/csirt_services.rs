//! The FIRST CSIRT Services Framework, version 2.1 (FIRST, 2019): its five service areas and the
//! services in each, as a fixed vocabulary. A team profile names the services it offers by id.
//!
//! The ids are ours (stable, lower-case, `area/service`); the names are the framework's.

/// A service area of the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceArea {
    /// Stable id, e.g. `incident-management`.
    pub id: &'static str,
    /// The framework's name of the area.
    pub name: &'static str,
    /// The services of the area, in the framework's order.
    pub services: &'static [Service],
}

/// A service of the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Stable id, `area/service`, e.g. `incident-management/incident-coordination`.
    pub id: &'static str,
    /// The framework's name of the service.
    pub name: &'static str,
}

const fn s(id: &'static str, name: &'static str) -> Service {
    Service { id, name }
}

/// The five service areas of the framework, in its order.
pub const AREAS: &[ServiceArea] = &[
    ServiceArea {
        id: "event-management",
        name: "Information Security Event Management",
        services: &[
            s(
                "event-management/monitoring-and-detection",
                "Monitoring and detection",
            ),
            s("event-management/event-analysis", "Event analysis"),
        ],
    },
    ServiceArea {
        id: "incident-management",
        name: "Information Security Incident Management",
        services: &[
            s(
                "incident-management/incident-report-acceptance",
                "Information security incident report acceptance",
            ),
            s(
                "incident-management/incident-analysis",
                "Information security incident analysis",
            ),
            s(
                "incident-management/artifact-and-forensic-evidence-analysis",
                "Artifact and forensic evidence analysis",
            ),
            s(
                "incident-management/mitigation-and-recovery",
                "Mitigation and recovery",
            ),
            s(
                "incident-management/incident-coordination",
                "Information security incident coordination",
            ),
            s(
                "incident-management/crisis-management-support",
                "Crisis management support",
            ),
        ],
    },
    ServiceArea {
        id: "vulnerability-management",
        name: "Vulnerability Management",
        services: &[
            s(
                "vulnerability-management/vulnerability-discovery",
                "Vulnerability discovery/research",
            ),
            s(
                "vulnerability-management/vulnerability-report-intake",
                "Vulnerability report intake",
            ),
            s(
                "vulnerability-management/vulnerability-analysis",
                "Vulnerability analysis",
            ),
            s(
                "vulnerability-management/vulnerability-coordination",
                "Vulnerability coordination",
            ),
            s(
                "vulnerability-management/vulnerability-disclosure",
                "Vulnerability disclosure",
            ),
            s(
                "vulnerability-management/vulnerability-response",
                "Vulnerability response",
            ),
        ],
    },
    ServiceArea {
        id: "situational-awareness",
        name: "Situational Awareness",
        services: &[
            s("situational-awareness/data-acquisition", "Data acquisition"),
            s(
                "situational-awareness/analysis-and-synthesis",
                "Analysis and synthesis",
            ),
            s("situational-awareness/communication", "Communication"),
        ],
    },
    ServiceArea {
        id: "knowledge-transfer",
        name: "Knowledge Transfer",
        services: &[
            s(
                "knowledge-transfer/awareness-building",
                "Awareness building",
            ),
            s(
                "knowledge-transfer/training-and-education",
                "Training and education",
            ),
            s("knowledge-transfer/exercises", "Exercises"),
            s(
                "knowledge-transfer/technical-and-policy-advisory",
                "Technical and policy advisory",
            ),
        ],
    },
];

/// The service with this id, if the framework has one.
#[must_use]
pub fn service(id: &str) -> Option<&'static Service> {
    AREAS.iter().flat_map(|a| a.services).find(|s| s.id == id)
}

/// The area a service id belongs to.
#[must_use]
pub fn area_of(id: &str) -> Option<&'static ServiceArea> {
    AREAS.iter().find(|a| a.services.iter().any(|s| s.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_prefixed_by_their_area() {
        let mut ids: Vec<&str> = AREAS.iter().map(|a| a.id).collect();
        for a in AREAS {
            for s in a.services {
                assert!(s.id.starts_with(&format!("{}/", a.id)), "{}", s.id);
                ids.push(s.id);
            }
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        assert_eq!(AREAS.len(), 5);
        assert_eq!(n, 5 + 21);
    }

    #[test]
    fn lookup() {
        let s = service("incident-management/incident-coordination").map(|s| s.name);
        assert_eq!(s, Some("Information security incident coordination"));
        assert_eq!(service("incident-management"), None);
        assert_eq!(
            area_of("knowledge-transfer/exercises").map(|a| a.id),
            Some("knowledge-transfer")
        );
    }
}
