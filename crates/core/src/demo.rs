//! The demo data set that `simpul serve --demo` seeds on first start.

use crate::country::Country;
use crate::error::CoreError;
use crate::org::{NewOrganisation, OrgKind, ShortName};
use crate::service::Service;

/// The meta key recording that the demo seed ran, and which version of it.
pub const SEEDED_KEY: &str = "demo_seed_version";
const SEED_VERSION: &str = "1";

/// One demo organisation: short name, full name, kind, country.
#[derive(Debug)]
pub struct DemoOrg {
    pub short_name: &'static str,
    pub name: &'static str,
    pub kind: OrgKind,
    pub country: Option<&'static str>,
}

/// The ASEAN Regional CERT and the national CERTs of the 11 Member States.
pub const ORGANISATIONS: &[DemoOrg] = &[
    DemoOrg {
        short_name: "ASEAN-CERT",
        name: "ASEAN Regional CERT",
        kind: OrgKind::RegionalCert,
        country: Some("SG"),
    },
    DemoOrg {
        short_name: "BruCERT",
        name: "Brunei Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("BN"),
    },
    DemoOrg {
        short_name: "CamCERT",
        name: "Cambodia Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("KH"),
    },
    DemoOrg {
        short_name: "Id-SIRTII/CC",
        name: "Indonesia Security Incident Response Team on Internet Infrastructure / Coordination Center (BSSN)",
        kind: OrgKind::NationalCert,
        country: Some("ID"),
    },
    DemoOrg {
        short_name: "LaoCERT",
        name: "Lao Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("LA"),
    },
    DemoOrg {
        short_name: "MyCERT",
        name: "Malaysia Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("MY"),
    },
    DemoOrg {
        short_name: "mmCERT",
        name: "Myanmar Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("MM"),
    },
    DemoOrg {
        short_name: "CERT-PH",
        name: "Philippine National Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("PH"),
    },
    DemoOrg {
        short_name: "SingCERT",
        name: "Singapore Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("SG"),
    },
    DemoOrg {
        short_name: "ThaiCERT",
        name: "Thailand Computer Emergency Response Team",
        kind: OrgKind::NationalCert,
        country: Some("TH"),
    },
    DemoOrg {
        short_name: "VNCERT/CC",
        name: "Viet Nam Computer Emergency Response Team / Coordination Center",
        kind: OrgKind::NationalCert,
        country: Some("VN"),
    },
    DemoOrg {
        short_name: "TLCERT",
        name: "Timor-Leste national CERT",
        kind: OrgKind::NationalCert,
        country: Some("TL"),
    },
];

/// What seeding did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// False when the data directory had been seeded before and nothing was touched.
    pub seeded: bool,
    pub organisations_created: usize,
}

/// Seeds the demo data once. A second call on the same store changes nothing.
pub async fn seed(service: &Service) -> Result<SeedReport, CoreError> {
    let store = service.store();
    if store.get_meta(SEEDED_KEY).await?.is_some() {
        return Ok(SeedReport::default());
    }
    let mut report = SeedReport {
        seeded: true,
        ..SeedReport::default()
    };
    for demo in ORGANISATIONS {
        let short_name = ShortName::parse(demo.short_name)?;
        if store.get_org_by_short_name(&short_name).await?.is_some() {
            continue;
        }
        let country = demo.country.map(Country::parse).transpose()?;
        service
            .create_org(NewOrganisation {
                name: demo.name.to_owned(),
                short_name,
                kind: demo.kind,
                country,
            })
            .await?;
        report.organisations_created += 1;
    }
    store.set_meta(SEEDED_KEY, SEED_VERSION).await?;
    Ok(report)
}
