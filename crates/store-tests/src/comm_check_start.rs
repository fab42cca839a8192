//! Starting a check from a spec, through the service: targets resolved from the contacts domain
//! (by organisation, by contact id, all members; kinds filter), one message per target queued in
//! the check's transaction with the subject, deadline (UTC and the profile's zone) and the
//! target's link; unknown short names and ids refused with their JSON path, no targets refused.

use std::sync::Arc;

use simpul_core::access::Principal;
use simpul_core::comm_checks::start::NewCommCheckRequest;
use simpul_core::comm_checks::{Channel, TargetSpec};
use simpul_core::contacts::{ContactKind, NewContact};
use simpul_core::directory::profile::TeamProfile;
use simpul_core::org::OrgKind;
use simpul_core::tz::TimeZoneName;
use simpul_core::user::Role;
use simpul_core::{CoreError, Service, Store};

use crate::comm_checks::Manual;
use crate::support::{at, insert_org, insert_user, org, short, signed_in, tag, user};

fn request(targets: TargetSpec, kinds: Vec<ContactKind>) -> NewCommCheckRequest {
    NewCommCheckRequest {
        title: "Quarterly ping".into(),
        message: "Please confirm.".into(),
        channels: vec![Channel::Email, Channel::InApp],
        kinds,
        targets,
        deadline: "4h".parse().unwrap(),
    }
}

fn contact(name: &str, email: Option<&str>, kinds: Vec<ContactKind>) -> NewContact {
    NewContact {
        name: name.into(),
        kinds,
        emails: email.map(|e| vec![e.to_owned()]).unwrap_or_default(),
        ..Default::default()
    }
}

fn path_of<T: std::fmt::Debug>(r: Result<T, CoreError>) -> String {
    match r {
        Err(CoreError::Invalid(i)) => i.path,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The story (see the module docs).
pub async fn comm_check_start(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let regional = org(&format!("{t}-rc"), OrgKind::RegionalCert, Some("ID"));
    let national = org(&format!("{t}-nc"), OrgKind::NationalCert, Some("SG"));
    let vendor = org(&format!("{t}-vd"), OrgKind::Industry, Some("SG"));
    for o in [&regional, &national, &vendor] {
        insert_org(s, o).await;
    }
    let coord = user(regional.id, &format!("coord@{t}.example"), Role::Analyst);
    insert_user(s, &coord).await;
    let coord = signed_in(&coord, &regional, vec![]);
    let op = Principal::operator("test");
    let clock = Manual::new(at(1_000));
    let svc = Service::new(Arc::clone(&store), clock.clone())
        .with_public_url("https://simpul.test/")
        .unwrap();

    let mut profile = TeamProfile::default();
    profile.contact.time_zone = Some(TimeZoneName::parse("Asia/Singapore").unwrap());
    svc.put_profile(&op, national.id, profile).await.unwrap();
    let tech = vec![ContactKind::TechnicalPoc];
    let ana = svc
        .add_contact(
            &op,
            national.id,
            contact("Ana", Some("ana@nc.example"), tech.clone()),
        )
        .await
        .unwrap();
    let duty = vec![ContactKind::Duty24x7];
    let desk = svc
        .add_contact(&op, national.id, contact("Desk", None, duty.clone()))
        .await
        .unwrap();
    let vend = svc
        .add_contact(
            &op,
            vendor.id,
            contact("Vic", Some("vic@vd.example"), tech.clone()),
        )
        .await
        .unwrap();

    // Only coordinators start checks.
    let nat_admin = user(national.id, &format!("adm@{t}.example"), Role::OrgAdmin);
    insert_user(s, &nat_admin).await;
    let nat_admin = signed_in(&nat_admin, &national, vec![]);
    let spec = TargetSpec::Orgs(vec![national.short_name.clone()]);
    assert!(matches!(
        svc.start_comm_check(&nat_admin, request(spec.clone(), vec![]))
            .await,
        Err(CoreError::Forbidden(_))
    ));

    // By organisation: both contacts, one message (the desk has no address).
    let (check, tokens) = svc
        .start_comm_check(&coord, request(spec, vec![]))
        .await
        .unwrap();
    assert_eq!(tokens.len(), 2);
    let report = svc.check_report(&coord, check.id).await.unwrap();
    let mut names: Vec<_> = report
        .results
        .iter()
        .map(|r| r.contact.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Ana", "Desk"]);
    let claimed = svc
        .claim_due(
            &op,
            uuid::Uuid::new_v4(),
            std::time::Duration::from_secs(60),
            100,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "one message: the desk has no address");
    let m = &claimed[0];
    assert_eq!(m.to.as_str(), "ana@nc.example");
    assert_eq!(m.subject.as_str(), "Communication check: Quarterly ping");
    let ana_token = tokens
        .iter()
        .find(|t| t.contact.contact_id == ana.id)
        .unwrap();
    let body = m.body.as_str();
    assert!(
        body.contains(&format!("https://simpul.test/ack/{}", ana_token.token)),
        "{body}"
    );
    assert!(body.contains("Please confirm."), "{body}");
    // The deadline (start + 4 h) in UTC and in Singapore (UTC+8).
    assert_eq!(check.deadline_at, at(1_000) + time::Duration::hours(4));
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let utc = check.deadline_at.format(f).unwrap();
    let sg = (check.deadline_at + time::Duration::hours(8))
        .format(f)
        .unwrap();
    assert!(body.contains(&format!("{utc} UTC (")), "{body}");
    assert!(body.contains(&format!("({sg} Asia/Singapore)")), "{body}");
    // The link is the one the store knows.
    let preview = svc.ack_preview(&ana_token.token).await.unwrap();
    assert_eq!(preview.check_id, check.id);

    // Kinds filter; by id; all members leaves the vendor (a partner) out.
    let (_, only_duty) = svc
        .start_comm_check(
            &coord,
            request(TargetSpec::Orgs(vec![national.short_name.clone()]), duty),
        )
        .await
        .unwrap();
    assert_eq!(only_duty.len(), 1);
    assert_eq!(only_duty[0].contact.contact_id, desk.id);
    let (_, by_id) = svc
        .start_comm_check(&coord, request(TargetSpec::Contacts(vec![vend.id]), vec![]))
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    let (_, all) = svc
        .start_comm_check(&coord, request(TargetSpec::AllMembers, vec![]))
        .await
        .unwrap();
    assert!(all.iter().all(|t| t.contact.contact_id != vend.id));
    assert!(all.iter().any(|t| t.contact.contact_id == ana.id));

    // E-mail not a channel: no message.
    let mut in_app = request(TargetSpec::Contacts(vec![vend.id]), vec![]);
    in_app.channels = vec![Channel::InApp];
    svc.start_comm_check(&coord, in_app).await.unwrap();
    let claimed = svc
        .claim_due(
            &op,
            uuid::Uuid::new_v4(),
            std::time::Duration::from_secs(60),
            1000,
        )
        .await
        .unwrap();
    let to_vic = claimed.iter().filter(|m| m.to.as_str() == "vic@vd.example");
    assert_eq!(to_vic.count(), 1, "the by-id check only");

    // Refusals name the path.
    let unknown = TargetSpec::Orgs(vec![national.short_name.clone(), short(&format!("{t}-zz"))]);
    assert_eq!(
        path_of(svc.start_comm_check(&coord, request(unknown, vec![])).await),
        "/targets/orgs/1"
    );
    let ghost = simpul_core::contacts::ContactId::new_random();
    assert_eq!(
        path_of(
            svc.start_comm_check(&coord, request(TargetSpec::Contacts(vec![ghost]), vec![]))
                .await
        ),
        "/targets/contacts/0"
    );
    let none = TargetSpec::Orgs(vec![regional.short_name.clone()]);
    assert_eq!(
        path_of(svc.start_comm_check(&coord, request(none, vec![])).await),
        "/targets"
    );
}
