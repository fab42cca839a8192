//! Matrix rows of communication checks: every signed-in caller lists checks (coordinators see all,
//! an organisation those with a target of it); a check's results are read by coordinators and by
//! the organisations it targeted (another organisation: 404); schedules are the coordinators'
//! (the regional CERT's site-admin here; a national CERT's org-admin is refused), and so is
//! starting a check. Every signed-in caller reads their pending checks; only a check's target
//! acknowledges it (our analyst is the contact of `{my_check}`; others: 404).

use serde_json::json;
use simpul_core::comm_checks::schedule::NewSchedule;
use simpul_core::comm_checks::{Channel, NewCheck, TargetContact, TargetSpec};
use simpul_core::contacts::ContactId;
use simpul_core::tz::TimeZoneName;

use super::{Ids, Row, row};
use crate::world::{World, operator};

/// The placeholders [`fill`] replaces: a check with a target of our organisation, one with
/// targets of the other organisation only, and a schedule.
pub const OWN_CHECK: &str = "{own_check}";
pub const OTHER_CHECK: &str = "{other_check}";
pub const SCHEDULE: &str = "{schedule}";
/// A check asking our analyst (a contact with the analyst's e-mail).
pub const MY_CHECK: &str = "{my_check}";

fn new_check(title: &str) -> NewCheck {
    NewCheck {
        title: title.into(),
        message: String::new(),
        channels: vec![Channel::Email],
        kinds: vec![],
        targets: TargetSpec::AllMembers,
        deadline: "4h".parse().unwrap(),
    }
}

fn contact(org: simpul_core::OrgId, name: &str) -> TargetContact {
    TargetContact {
        contact_id: ContactId::new_random(),
        org_id: org,
        name: name.into(),
        email: format!("{name}@example.org"),
    }
}

/// The two checks and the schedule the rows read.
pub async fn setup(w: &World) {
    let op = operator();
    w.service
        .start_check(&op, new_check("matrix own"), vec![contact(w.own.id, "own")])
        .await
        .unwrap();
    w.service
        .start_check(
            &op,
            new_check("matrix other"),
            vec![contact(w.other.id, "other")],
        )
        .await
        .unwrap();
    let me = w
        .service
        .add_contact(
            &op,
            w.own.id,
            simpul_core::contacts::NewContact {
                name: "matrix me".into(),
                emails: vec![w.own_analyst.email.as_str().into()],
                kinds: vec![simpul_core::contacts::ContactKind::Duty24x7],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut mine = contact(w.own.id, "me");
    mine.contact_id = me.id;
    w.service
        .start_check(&op, new_check("matrix mine"), vec![mine])
        .await
        .unwrap();
    w.service
        .create_schedule(
            &op,
            NewSchedule {
                check: new_check("matrix schedule"),
                every_days: 90,
                start_local: simpul_core::comm_checks::rows::parse_local("2026-01-05T09:00:00")
                    .unwrap(),
                time_zone: TimeZoneName::parse("Asia/Jakarta").unwrap(),
            },
        )
        .await
        .unwrap();
}

/// `path` with the placeholders replaced by the setup's ids.
pub async fn fill(w: &World, path: String) -> String {
    if ![OWN_CHECK, OTHER_CHECK, SCHEDULE, MY_CHECK]
        .iter()
        .any(|p| path.contains(p))
    {
        return path;
    }
    let op = operator();
    let checks = w.service.list_checks(&op).await.unwrap();
    let id = |title: &str| {
        checks
            .iter()
            .find(|c| c.title == title)
            .map(|c| c.id.to_string())
            .unwrap()
    };
    let schedule = w.service.list_schedules(&op).await.unwrap()[0]
        .id
        .to_string();
    path.replace(OWN_CHECK, &id("matrix own"))
        .replace(OTHER_CHECK, &id("matrix other"))
        .replace(SCHEDULE, &schedule)
        .replace(MY_CHECK, &id("matrix mine"))
}

pub fn rows(_: &Ids) -> Vec<Row> {
    let coordinators = |ok| [401, 401, ok, 403, 403, 403];
    vec![
        row!(
            "GET /comm-checks",
            "/api/v1/comm-checks".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /comm-checks/{id}",
            format!("/api/v1/comm-checks/{OWN_CHECK}"),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "GET /comm-checks/{id}",
            format!("/api/v1/comm-checks/{OTHER_CHECK}"),
            None,
            [401, 401, 200, 404, 404, 404]
        ),
        row!(
            "POST /comm-checks",
            "/api/v1/comm-checks".into(),
            Some(json!({
                "title": "matrix start {n}", "targets": {"all_members": true}, "deadline": "4h",
                "channels": ["in-app"]
            })),
            coordinators(201)
        ),
        row!(
            "GET /comm-checks/pending",
            "/api/v1/comm-checks/pending".into(),
            None,
            [401, 401, 200, 200, 200, 200]
        ),
        row!(
            "POST /comm-checks/{id}/acknowledge",
            format!("/api/v1/comm-checks/{MY_CHECK}/acknowledge"),
            None,
            [401, 401, 404, 404, 200, 404]
        ),
        row!(
            "GET /comm-check-schedules",
            "/api/v1/comm-check-schedules".into(),
            None,
            coordinators(200)
        ),
        row!(
            "POST /comm-check-schedules",
            "/api/v1/comm-check-schedules".into(),
            Some(json!({
                "title": "quarterly {n}", "targets": {"all_members": true}, "deadline": "2d",
                "every_days": 90, "start": "2026-01-05T09:00:00", "time_zone": "Asia/Singapore"
            })),
            coordinators(201)
        ),
        // The coordinator's removal of a schedule that is not there; the contract test removes one.
        row!(
            "DELETE /comm-check-schedules/{id}",
            "/api/v1/comm-check-schedules/00000000-0000-4000-8000-000000000001".into(),
            None,
            coordinators(404)
        ),
    ]
}
