//! Case templates: the tasks a case of a common kind starts with, some for the owner and some for
//! every invited party, each due some hours after the case is opened. The texts are ours,
//! written for national CERTs coordinating across borders; an organisation edits or cancels the
//! tasks it does not need like any other.

use time::{Duration, OffsetDateTime};

use super::Category;
use super::tasks::PlannedTask;
use crate::org::{OrgId, string_enum};

string_enum!(
    /// A case template.
    TemplateKind, "template" {
        PhishingCampaign => "phishing-campaign",
        Ransomware => "ransomware",
        ScamOperation => "scam-operation",
    }
);

/// Whom a planned task is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    Owner,
    EachParty,
}

/// One task of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub title: &'static str,
    pub details: &'static str,
    pub for_: For,
    /// Due this many hours after the case is opened.
    pub due_hours: i64,
}

const fn plan(for_: For, due_hours: i64, title: &'static str, details: &'static str) -> Plan {
    Plan {
        title,
        details,
        for_,
        due_hours,
    }
}

use For::{EachParty, Owner};

const PHISHING: &[Plan] = &[
    plan(
        Owner,
        4,
        "Collect the lures and landing pages",
        "Gather the messages reported so far with their full headers, and every landing URL; put them on the timeline as observables and attachments.",
    ),
    plan(
        Owner,
        24,
        "Share the indicators with the parties",
        "Release the sender addresses, domains, URLs and kit fingerprints to the case so that each party can search for them.",
    ),
    plan(
        Owner,
        24,
        "Ask for the landing pages to be taken down",
        "Raise a takedown request from this case for each landing page, to the CERT of the country that hosts it.",
    ),
    plan(
        EachParty,
        24,
        "Look for the lures in your constituency",
        "Search your reports, mail gateways and partner feeds for the case's indicators; if nothing turns up, set your status to not-affected.",
    ),
    plan(
        EachParty,
        48,
        "Block or sinkhole the landing domains",
        "Where your mandate allows, have the domains blocked at resolvers or sinkholed, and note on the timeline what was done.",
    ),
    plan(
        EachParty,
        72,
        "Warn the people being targeted",
        "Publish an advisory or alert the sectors the lures imitate, in your own language.",
    ),
    plan(
        Owner,
        168,
        "Write the after-action summary",
        "When every party has resolved or is not affected, close the case and review the timings of its summary.",
    ),
];

const RANSOMWARE: &[Plan] = &[
    plan(
        Owner,
        24,
        "Identify the strain and the way in",
        "Name the ransomware family and how the first victims were entered (exposed service, phishing, stolen credentials); record it on the timeline.",
    ),
    plan(
        Owner,
        24,
        "Share the indicators and detection rules",
        "Release hashes, infrastructure and detection rules to the case, marked with the TLP their source allows.",
    ),
    plan(
        EachParty,
        24,
        "Search your constituency for the indicators",
        "Check sensors and reports for the case's indicators and tell the case whether organisations you serve are hit.",
    ),
    plan(
        EachParty,
        48,
        "Notify the organisations at risk",
        "Warn the organisations in your constituency that run the exploited product or show the indicators.",
    ),
    plan(
        EachParty,
        168,
        "Report recovery options you find",
        "Share the decryptors and recovery advice you learn of, without naming victims.",
    ),
    plan(
        Owner,
        336,
        "Write the after-action summary",
        "When every party has resolved or is not affected, close the case and review the timings of its summary.",
    ),
];

const SCAM: &[Plan] = &[
    plan(
        Owner,
        24,
        "Map the operation",
        "List the phone numbers, bank and e-wallet accounts, websites and social-media accounts the scammers use, each as an observable.",
    ),
    plan(
        Owner,
        24,
        "Raise the freeze and block requests",
        "From this case, ask the CERT of each country concerned to freeze the mule accounts and block the numbers, with a deadline.",
    ),
    plan(
        EachParty,
        48,
        "Trace the numbers and accounts in your country",
        "Find out which operators and banks hold the numbers and accounts of your country, and who holds them.",
    ),
    plan(
        EachParty,
        72,
        "Block the numbers and take the sites down",
        "Have the operators block the numbers and the hosters take the sites down where they are in your country; note the outcome on the timeline.",
    ),
    plan(
        EachParty,
        168,
        "Warn the public",
        "Publish a warning with the scam's script and the channels it uses, so that people recognise it.",
    ),
    plan(
        Owner,
        336,
        "Write the after-action summary",
        "When every party has resolved or is not affected, close the case and review the timings of its summary.",
    ),
];

impl TemplateKind {
    /// The category of the cases the template is for.
    pub fn category(self) -> Category {
        match self {
            TemplateKind::PhishingCampaign => Category::PhishingCampaign,
            TemplateKind::Ransomware => Category::Ransomware,
            TemplateKind::ScamOperation => Category::ScamOperation,
        }
    }

    /// The template's tasks, in order.
    pub fn plans(self) -> &'static [Plan] {
        match self {
            TemplateKind::PhishingCampaign => PHISHING,
            TemplateKind::Ransomware => RANSOMWARE,
            TemplateKind::ScamOperation => SCAM,
        }
    }
}

/// The tasks a case opened at `now` by `owner` with `parties` starts with: the template's tasks
/// in order, a party task once per party (in the order of `parties`).
pub fn tasks(
    kind: TemplateKind,
    owner: OrgId,
    parties: &[OrgId],
    now: OffsetDateTime,
) -> Vec<PlannedTask> {
    let mut out = Vec::new();
    for p in kind.plans() {
        let orgs: &[OrgId] = match p.for_ {
            For::Owner => std::slice::from_ref(&owner),
            For::EachParty => parties,
        };
        for &org in orgs {
            out.push(PlannedTask {
                title: p.title.to_owned(),
                details: p.details.to_owned(),
                owner_org: org,
                due: now + Duration::hours(p.due_hours),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::tasks::{NewTask, limits};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    #[test]
    fn every_template_is_a_valid_task_list() {
        for &kind in TemplateKind::ALL {
            let plans = kind.plans();
            let owners = plans.iter().filter(|p| p.for_ == For::Owner).count();
            let each = plans.len() - owners;
            assert!(owners >= 2 && each >= 2, "{kind}");
            assert_eq!(kind.to_string(), kind.category().to_string());
            let mut titles: Vec<_> = plans.iter().map(|p| p.title).collect();
            titles.sort();
            titles.dedup();
            assert_eq!(titles.len(), plans.len(), "{kind}: a title twice");
            for p in plans {
                // Each planned task passes the same validation as a written one.
                let t = NewTask {
                    title: p.title.into(),
                    details: p.details.into(),
                    owner: None,
                    assignee: None,
                    due: Some(NOW + Duration::hours(p.due_hours)),
                }
                .validate(NOW)
                .unwrap();
                assert!(t.title.chars().count() <= limits::TITLE_CHARS);
                assert!(!t.details.is_empty());
                assert!(p.due_hours > 0 && p.due_hours <= limits::MAX_DUE_DAYS * 24);
            }
            // The after-action summary comes last.
            assert_eq!(
                plans.last().unwrap().title,
                "Write the after-action summary"
            );
        }
    }

    #[test]
    fn party_tasks_are_made_once_per_party() {
        let (owner, a, b) = (
            OrgId::new_random(),
            OrgId::new_random(),
            OrgId::new_random(),
        );
        let kind = TemplateKind::ScamOperation;
        let made = tasks(kind, owner, &[a, b], NOW);
        let owners = kind.plans().iter().filter(|p| p.for_ == For::Owner).count();
        let each = kind.plans().len() - owners;
        assert_eq!(made.len(), owners + 2 * each);
        assert_eq!(made.iter().filter(|t| t.owner_org == owner).count(), owners);
        assert_eq!(made.iter().filter(|t| t.owner_org == a).count(), each);
        assert_eq!(made[0].title, "Map the operation");
        assert_eq!(made[0].due, datetime!(2026-03-02 10:00 UTC));
        let trace: Vec<_> = made
            .iter()
            .filter(|t| t.title == "Trace the numbers and accounts in your country")
            .map(|t| (t.owner_org, t.due))
            .collect();
        let due = datetime!(2026-03-03 10:00 UTC);
        assert_eq!(trace, [(a, due), (b, due)]);
        // Without parties, only the owner's tasks.
        let alone = tasks(TemplateKind::Ransomware, owner, &[], NOW);
        assert!(alone.iter().all(|t| t.owner_org == owner));
        assert_eq!(alone.len(), 3);
    }

    #[test]
    fn templates_are_named() {
        assert_eq!(TemplateKind::ALL.len(), 3);
        assert_eq!(
            "ransomware".parse::<TemplateKind>().unwrap(),
            TemplateKind::Ransomware
        );
        assert_eq!("ddos".parse::<TemplateKind>().unwrap_err().path, "template");
    }
}
