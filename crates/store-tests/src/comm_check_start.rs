//! Starting a check from a spec, through the service: targets resolved from the contacts domain
//! (by organisation, by contact id, all members; kinds filter), one message per target queued in
//! the check's transaction with the subject, deadline (UTC and the profile's zone) and the
//! target's link; unknown short names and ids refused with their JSON path, no targets refused.

use std::sync::Arc;

use simpul_core::access::Principal;
use simpul_core::access::directory::Reader;
use simpul_core::audit::AuditAction;
use simpul_core::comm_checks::service::CheckReport;
use simpul_core::comm_checks::start::NewCommCheckRequest;
use simpul_core::comm_checks::{Channel, Delivery, TargetSpec, TargetState};
use simpul_core::contacts::{ContactId, ContactKind, NewContact};
use simpul_core::directory::profile::TeamProfile;
use simpul_core::mail::{Answer, Attempt};
use simpul_core::org::OrgKind;
use simpul_core::tz::TimeZoneName;
use simpul_core::user::Role;
use simpul_core::{Clock, CoreError, Service, Store};

use crate::comm_checks::Manual;
use crate::support::{
    at, insert_org, insert_user, last_seq, org, short, signed_in, tag, user, written_after, wrote,
};

fn reader(p: &Principal) -> Reader<'_> {
    Reader::Signed(p)
}

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
    let holder = uuid::Uuid::new_v4();
    let claimed = svc
        .claim_due(&op, holder, std::time::Duration::from_secs(60), 100)
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

    // The relay takes Ana's message at 1 010; the report reads that from the outbox.
    clock.set(at(1_010));
    let ok = Attempt::Sent(Answer::new(Some(250), "2.0.0 Ok: queued as 1A2B"));
    assert!(svc.record_attempt(&op, m, holder, ok, 0.0).await.unwrap());
    let result_of = |r: &CheckReport, id: ContactId| {
        r.results
            .iter()
            .find(|t| t.contact.contact_id == id)
            .unwrap()
            .clone()
    };
    let report = svc.check_report(&coord, check.id).await.unwrap();
    let ana_result = result_of(&report, ana.id);
    assert_eq!(ana_result.sent_at, Some(at(1_010)));
    assert_eq!(
        ana_result.delivery,
        Delivery::Sent {
            answer: "250 2.0.0 Ok: queued as 1A2B".into()
        }
    );
    // The desk had no message: queued, never sent.
    assert_eq!(result_of(&report, desk.id).delivery, Delivery::Queued);
    assert_eq!(result_of(&report, desk.id).sent_at, None);
    // Her own organisation's admin sees the same delivery (not a coordinator: the read is
    // ReadCheckResults, filtered to the organisation's own targets).
    let own = svc.check_report(&nat_admin, check.id).await.unwrap();
    assert_eq!(result_of(&own, ana.id).sent_at, Some(at(1_010)));

    // Ana confirms a minute after sending: acknowledged in 60 s, and her contact is verified then
    // (audited as contact.verified after the acknowledgement).
    assert_eq!(
        svc.get_contact(reader(&coord), ana.id)
            .await
            .unwrap()
            .last_verified,
        None
    );
    clock.set(at(1_070));
    let seq = last_seq(s).await;
    let done = svc
        .acknowledge_by_link(&ana_token.token, None)
        .await
        .unwrap();
    assert_eq!(done.response_secs, 60);
    assert_eq!(
        written_after(s, seq).await,
        vec![
            wrote(AuditAction::CommCheckAcknowledge, &check.id.to_string()),
            wrote(AuditAction::ContactVerified, &format!("contact:{}", ana.id)),
        ]
    );
    let ana_now = svc.get_contact(reader(&coord), ana.id).await.unwrap();
    assert_eq!(ana_now.last_verified, Some(at(1_070)));
    let report = svc.check_report(&coord, check.id).await.unwrap();
    assert_eq!(result_of(&report, ana.id).response_secs, Some(60.0));
    assert_eq!(result_of(&report, ana.id).state, TargetState::Acknowledged);
    assert_eq!(
        svc.get_contact(reader(&coord), desk.id)
            .await
            .unwrap()
            .last_verified,
        None,
        "the desk did not answer"
    );

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
    let (by_id_check, by_id) = svc
        .start_comm_check(&coord, request(TargetSpec::Contacts(vec![vend.id]), vec![]))
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    // Vic, signed in with the contact's address, answers in the app after the deadline: late,
    // and still verified (an answer proves the contact reachable).
    let vic = user(vendor.id, "Vic@VD.example", Role::Analyst);
    insert_user(s, &vic).await;
    let vic = signed_in(&vic, &vendor, vec![]);
    clock.set(by_id_check.deadline_at + time::Duration::minutes(1));
    let acked = svc.acknowledge_as_me(&vic, by_id_check.id).await.unwrap();
    assert_eq!(acked, [by_id[0].target]);
    let vic_now = svc.get_contact(reader(&vic), vend.id).await.unwrap();
    assert_eq!(vic_now.last_verified, Some(clock.now()));
    let mine = svc.check_report(&vic, by_id_check.id).await.unwrap();
    assert_eq!(mine.results[0].state, TargetState::Late);
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
