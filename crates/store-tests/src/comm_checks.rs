//! What communication checks need of a store, told through the service: a check with its targets
//! stored in one audited transaction (tokens only as hashes), reads filtered per reader, the
//! acknowledgement link (preview records nothing; single use; expiry; unknown tokens), in-app
//! acknowledgements, schedules (created, listed, deleted, audited) and the claim of a due schedule
//! by compare-and-set — several services over one database start it exactly once.

use std::sync::{Arc, Mutex};

use simpul_core::access::{Action, Principal, authorize};
use simpul_core::audit::AuditAction;
use simpul_core::comm_checks::ack::AckError;
use simpul_core::comm_checks::rows::parse_local;
use simpul_core::comm_checks::schedule::NewSchedule;
use simpul_core::comm_checks::schedules::TargetSource;
use simpul_core::comm_checks::{
    AckVia, Channel, Delivery, NewCheck, TargetContact, TargetSpec, TargetState,
};
use simpul_core::contacts::{ContactId, ContactKind};
use simpul_core::mail::{Answer, Attempt};
use simpul_core::org::{OrgId, OrgKind};
use simpul_core::tz::TimeZoneName;
use simpul_core::user::Role;
use simpul_core::{Clock, CoreError, Service, Store};
use time::{Duration, OffsetDateTime};

use crate::support::{
    at, insert_org, insert_user, last_seq, org, signed_in, tag, user, written_after, wrote,
};

/// A clock the story moves.
#[derive(Debug)]
pub struct Manual(Mutex<OffsetDateTime>);

impl Manual {
    pub fn new(t: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for Manual {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

fn contact(org: OrgId, name: &str) -> TargetContact {
    TargetContact {
        contact_id: ContactId::new_random(),
        org_id: org,
        name: name.into(),
        email: format!("{}@example.org", name.to_lowercase()),
    }
}

fn new_check(title: &str, deadline: &str) -> NewCheck {
    NewCheck {
        title: title.into(),
        message: "Please acknowledge.".into(),
        channels: vec![Channel::Email, Channel::InApp],
        kinds: vec![ContactKind::TechnicalPoc],
        targets: TargetSpec::AllMembers,
        deadline: deadline.parse().unwrap(),
    }
}

/// The fixed contacts a schedule's check goes to.
struct Fixed(Vec<TargetContact>);

#[async_trait::async_trait]
impl TargetSource for Fixed {
    async fn targets(
        &self,
        _spec: &TargetSpec,
        _kinds: &[ContactKind],
    ) -> Result<Vec<TargetContact>, CoreError> {
        Ok(self.0.clone())
    }
}

/// [`Fixed`], but a spec naming the organisation `gone` fails, as one whose organisation was
/// removed does.
struct Picky(Vec<TargetContact>);

#[async_trait::async_trait]
impl TargetSource for Picky {
    async fn targets(
        &self,
        spec: &TargetSpec,
        _kinds: &[ContactKind],
    ) -> Result<Vec<TargetContact>, CoreError> {
        match spec {
            TargetSpec::Orgs(o) if o.iter().any(|s| s.as_str() == "gone") => {
                Err(simpul_core::Invalid::new("/targets/orgs/0", "no organisation `gone`").into())
            }
            _ => Ok(self.0.clone()),
        }
    }
}

/// The communication-check story (see the module docs).
pub async fn comm_checks(store: Arc<dyn Store>) {
    let s = &*store;
    let t = tag();
    let regional = org(&format!("{t}-rc"), OrgKind::RegionalCert, Some("ID"));
    let national = org(&format!("{t}-nc"), OrgKind::NationalCert, Some("SG"));
    let other = org(&format!("{t}-oc"), OrgKind::NationalCert, Some("MY"));
    for o in [&regional, &national, &other] {
        insert_org(s, o).await;
    }
    let coord = user(regional.id, &format!("coord@{t}.example"), Role::Analyst);
    let nat = user(national.id, &format!("nat@{t}.example"), Role::OrgAdmin);
    let oth = user(other.id, &format!("oth@{t}.example"), Role::SiteAdmin);
    for u in [&coord, &nat, &oth] {
        insert_user(s, u).await;
    }
    let coord = signed_in(&coord, &regional, vec![]);
    let nat = signed_in(&nat, &national, vec![]);
    let oth = signed_in(&oth, &other, vec![]);

    let start = at(100);
    let clock = Manual::new(start);
    let svc = Service::new(Arc::clone(&store), clock.clone());

    // Only coordinators start checks: a site-admin of a national CERT is refused.
    let ana = contact(national.id, "Ana");
    let budi = contact(national.id, "Budi");
    let cita = contact(regional.id, "Cita");
    let targets = vec![ana.clone(), budi.clone(), cita.clone(), ana.clone()];
    assert!(matches!(
        svc.start_check(&oth, new_check("q", "1h"), targets.clone())
            .await,
        Err(CoreError::Forbidden(_))
    ));
    let seq = last_seq(s).await;
    let started = svc
        .start_check(&coord, new_check("  Quarterly check  ", "1h"), targets)
        .await
        .unwrap();
    let check = started.check.clone();
    assert_eq!(check.title, "Quarterly check");
    assert_eq!(check.deadline_at, start + Duration::hours(1));
    assert_eq!(started.tokens.len(), 3, "a repeated contact is one target");
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(AuditAction::CommCheckStart, &check.id.to_string())]
    );
    assert_eq!(s.get_check(check.id).await.unwrap().unwrap(), check);
    let stored = s.check_targets(check.id).await.unwrap();
    assert_eq!(stored.len(), 3);
    for tok in &started.tokens {
        assert_eq!(tok.token.len(), 43);
        let row = stored.iter().find(|r| r.id == tok.target).unwrap();
        assert_eq!(row.token_hash, simpul_core::secret::secret_hash(&tok.token));
        assert_eq!(row.delivery, Delivery::Queued);
        let (c, by_hash) = s.target_by_token(&row.token_hash).await.unwrap().unwrap();
        assert_eq!((c.id, by_hash.id), (check.id, row.id));
    }
    let token_of = |c: &TargetContact| {
        started
            .tokens
            .iter()
            .find(|x| x.contact.contact_id == c.contact_id)
            .unwrap()
            .token
            .clone()
    };

    // Who sees what: coordinators every check and result; an organisation its own.
    let listed = |p: Principal| {
        let svc = svc.clone();
        async move {
            svc.list_checks(&p)
                .await
                .unwrap()
                .iter()
                .any(|c| c.id == check.id)
        }
    };
    assert!(listed(coord.clone()).await);
    assert!(listed(nat.clone()).await);
    assert!(!listed(oth.clone()).await);
    assert_eq!(
        svc.check_report(&coord, check.id)
            .await
            .unwrap()
            .results
            .len(),
        3
    );
    let mine = svc.check_report(&nat, check.id).await.unwrap();
    assert_eq!(mine.results.len(), 2);
    assert!(mine.results.iter().all(|r| r.contact.org_id == national.id));
    assert_eq!(mine.summary.total.targets, 2);
    assert!(matches!(
        svc.check_report(&oth, check.id).await,
        Err(CoreError::NotFound(_))
    ));

    // The link: a preview records nothing; a confirmation once; unknown tokens are refused.
    clock.set(start + Duration::seconds(90));
    let preview = svc.ack_preview(&token_of(&ana)).await.unwrap();
    assert_eq!(preview.title, "Quarterly check");
    assert_eq!(preview.contact_name, "Ana");
    assert_eq!(preview.org_name, national.name);
    assert_eq!(preview.acknowledged_at, None);
    let seq = last_seq(s).await;
    svc.ack_preview(&token_of(&ana)).await.unwrap();
    assert!(
        written_after(s, seq).await.is_empty(),
        "a preview writes nothing"
    );
    let done = svc
        .acknowledge_by_link(&token_of(&ana), Some("192.0.2.7".into()))
        .await
        .unwrap();
    assert_eq!(done.acknowledged_at, start + Duration::seconds(90));
    assert_eq!(done.response_secs, 90);
    assert_eq!(
        written_after(s, seq).await,
        vec![wrote(
            AuditAction::CommCheckAcknowledge,
            &check.id.to_string()
        )]
    );
    match svc.acknowledge_by_link(&token_of(&ana), None).await {
        Err(AckError::Used { at }) => assert_eq!(at, start + Duration::seconds(90)),
        other => panic!("a second use: {other:?}"),
    }
    let forged = "A".repeat(43);
    for bad in [forged.as_str(), "short", ""] {
        assert!(matches!(svc.ack_preview(bad).await, Err(AckError::Invalid)));
        assert!(matches!(
            svc.acknowledge_by_link(bad, None).await,
            Err(AckError::Invalid)
        ));
    }

    // In the app, by the caller's contact ids: a stranger's ids find nothing.
    assert!(matches!(
        svc.acknowledge_in_app(&oth, check.id, &[ContactId::new_random()])
            .await,
        Err(CoreError::NotFound(_))
    ));
    clock.set(start + Duration::minutes(30));
    let acked = svc
        .acknowledge_in_app(&coord, check.id, &[cita.contact_id])
        .await
        .unwrap();
    assert_eq!(acked.len(), 1);
    assert!(
        svc.acknowledge_in_app(&coord, check.id, &[cita.contact_id])
            .await
            .unwrap()
            .is_empty()
    );

    // The relay takes Budi's message (the outbox records it: the report reads it from there),
    // then the deadline passes: the link expires; Budi did not answer.
    let op = Principal::operator("test");
    let holder = uuid::Uuid::new_v4();
    let claimed = svc
        .claim_due(&op, holder, std::time::Duration::from_secs(60), 100)
        .await
        .unwrap();
    let to_budi = claimed
        .iter()
        .find(|m| m.to.as_str() == budi.email)
        .unwrap();
    let ok = Attempt::Sent(Answer::new(Some(250), "2.0.0 Ok: queued"));
    assert!(
        svc.record_attempt(&op, to_budi, holder, ok, 0.0)
            .await
            .unwrap()
    );
    let budi_sent_at = clock.now();
    let sent = Delivery::Sent {
        answer: "250 2.0.0 Ok: queued".into(),
    };
    clock.set(check.deadline_at + Duration::seconds(1));
    match svc.acknowledge_by_link(&token_of(&budi), None).await {
        Err(AckError::Expired { deadline }) => assert_eq!(deadline, check.deadline_at),
        other => panic!("after the deadline: {other:?}"),
    }
    let report = svc.check_report(&coord, check.id).await.unwrap();
    let state = |c: &TargetContact| {
        report
            .results
            .iter()
            .find(|r| r.contact.contact_id == c.contact_id)
            .unwrap()
            .clone()
    };
    assert_eq!(state(&ana).state, TargetState::Acknowledged);
    assert_eq!(state(&ana).via, Some(AckVia::Link));
    assert_eq!(state(&ana).response_secs, Some(90.0));
    assert_eq!(state(&cita).via, Some(AckVia::InApp));
    assert_eq!(state(&cita).response_secs, Some(1800.0));
    assert_eq!(state(&budi).state, TargetState::NoAnswer);
    assert_eq!(state(&budi).delivery, sent);
    assert_eq!(state(&budi).sent_at, Some(budi_sent_at));
    // Claimed but not answered yet: still queued, never sent.
    assert_eq!(state(&ana).delivery, Delivery::Queued);
    assert_eq!(state(&ana).sent_at, None);
    assert_eq!(report.summary.total.states.acknowledged, 2);
    assert_eq!(report.summary.total.states.no_answer, 1);
    assert_eq!(report.summary.total.median_response_secs, Some(90.0));
    assert_eq!(report.summary.total.p90_response_secs, Some(1800.0));
    // In-app after the deadline is recorded, and late.
    svc.acknowledge_in_app(&nat, check.id, &[budi.contact_id])
        .await
        .unwrap();
    let report = svc.check_report(&nat, check.id).await.unwrap();
    assert_eq!(report.summary.total.states.late, 1);

    schedules(&svc, &clock, &coord, &oth, &national).await;
}

async fn schedules(
    svc: &Service,
    clock: &Manual,
    coord: &Principal,
    oth: &Principal,
    national: &simpul_core::Organisation,
) {
    let now = clock.now();
    let new = NewSchedule {
        check: new_check("Scheduled", "2d"),
        every_days: 90,
        start_local: parse_local("2026-01-05T09:00:00").unwrap(),
        time_zone: TimeZoneName::parse("Asia/Singapore").unwrap(),
    };
    assert!(matches!(
        svc.create_schedule(oth, new.clone()).await,
        Err(CoreError::Forbidden(_))
    ));
    let sched = svc.create_schedule(coord, new).await.unwrap();
    assert!(sched.next_run_at >= now);
    assert_eq!(
        sched.next_run_at.hour(),
        1,
        "09:00 in Singapore is 01:00 UTC"
    );
    assert!(
        svc.list_schedules(coord)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == sched.id && x == &sched)
    );
    let op = Principal::operator("scheduler");
    let grant = authorize(&op, Action::RunCommChecks).unwrap();
    let source = Fixed(vec![contact(national.id, "Dewi")]);
    // Not due yet: nothing runs.
    assert!(
        svc.run_due_schedules(&grant, sched.next_run_at - Duration::seconds(1), &source)
            .await
            .unwrap()
            .iter()
            .all(|c| c.check.schedule != Some(sched.id))
    );
    // A schedule whose targets cannot be resolved any more, due at the same time.
    let mut broken = new_check("Broken", "2d");
    broken.targets = TargetSpec::Orgs(vec![simpul_core::org::ShortName::parse("gone").unwrap()]);
    let broken = svc
        .create_schedule(
            coord,
            NewSchedule {
                check: broken,
                every_days: 90,
                start_local: parse_local("2026-01-05T09:00:00").unwrap(),
                time_zone: TimeZoneName::parse("Asia/Singapore").unwrap(),
            },
        )
        .await
        .unwrap();
    let source = Picky(vec![contact(national.id, "Dewi")]);
    // Down for three periods: one run, and the next is in the future; the broken schedule
    // keeps nobody else from starting and stays due.
    let late = sched.next_run_at + Duration::days(200);
    let ran = svc.run_due_schedules(&grant, late, &source).await.unwrap();
    assert!(ran.iter().all(|c| c.check.schedule != Some(broken.id)));
    let still = svc.list_schedules(coord).await.unwrap();
    let still = still.iter().find(|x| x.id == broken.id).unwrap();
    assert_eq!(still.next_run_at, broken.next_run_at);
    svc.delete_schedule(coord, broken.id).await.unwrap();
    let mine: Vec<_> = ran
        .iter()
        .filter(|c| c.check.schedule == Some(sched.id))
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].tokens.len(), 1);
    assert_eq!(mine[0].check.started_by, format!("schedule:{}", sched.id));
    let moved = svc.list_schedules(coord).await.unwrap();
    let moved = moved.iter().find(|x| x.id == sched.id).unwrap();
    assert!(moved.next_run_at > late);
    assert!(moved.next_run_at - late <= Duration::days(90));
    assert!(
        svc.run_due_schedules(&grant, late, &source)
            .await
            .unwrap()
            .iter()
            .all(|c| c.check.schedule != Some(sched.id))
    );
    assert!(matches!(
        svc.delete_schedule(oth, sched.id).await,
        Err(CoreError::Forbidden(_))
    ));
    svc.delete_schedule(coord, sched.id).await.unwrap();
    assert!(matches!(
        svc.delete_schedule(coord, sched.id).await,
        Err(CoreError::NotFound(_))
    ));
}

/// Several services (app nodes) over one database race to run one due schedule: exactly one
/// check starts, and `next_run_at` moves once.
pub async fn schedule_claim_race(stores: Vec<Arc<dyn Store>>) {
    let clock = Manual::new(at(0));
    let services: Vec<Service> = stores
        .iter()
        .map(|s| Service::new(Arc::clone(s), clock.clone()))
        .collect();
    let t = tag();
    let regional = org(&format!("{t}-rc"), OrgKind::RegionalCert, Some("ID"));
    insert_org(&*stores[0], &regional).await;
    let op = Principal::operator("story");
    let sched = services[0]
        .create_schedule(
            &op,
            NewSchedule {
                check: new_check(&format!("race {t}"), "1h"),
                every_days: 7,
                start_local: parse_local("2026-11-28T01:02:03").unwrap(),
                time_zone: TimeZoneName::parse("UTC").unwrap(),
            },
        )
        .await
        .unwrap();
    let due = sched.next_run_at + Duration::minutes(1);
    let mut tasks = Vec::new();
    for svc in services.iter().cycle().take(services.len() * 4) {
        let svc = svc.clone();
        let regional = regional.id;
        tasks.push(tokio::spawn(async move {
            let op = Principal::operator("node");
            let grant = authorize(&op, Action::RunCommChecks).unwrap();
            let source = Fixed(vec![contact(regional, "Eka")]);
            svc.run_due_schedules(&grant, due, &source)
                .await
                .unwrap()
                .into_iter()
                .filter(|c| c.check.schedule == Some(sched.id))
                .count()
        }));
    }
    let mut started = 0;
    for t in tasks {
        started += t.await.unwrap();
    }
    assert_eq!(started, 1, "exactly one node starts the due check");
    let checks = stores[0].list_checks(None).await.unwrap();
    assert_eq!(
        checks
            .iter()
            .filter(|c| c.schedule == Some(sched.id))
            .count(),
        1
    );
    let after = stores[0].list_schedules().await.unwrap();
    let after = after.iter().find(|x| x.id == sched.id).unwrap();
    assert_eq!(after.next_run_at, sched.next_run_at + Duration::days(7));
}
