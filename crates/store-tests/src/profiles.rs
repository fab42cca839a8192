//! Team profiles: one row per organisation, replaced on each save, audited with the save.

use simpul_core::Store;
use simpul_core::audit::AuditAction;
use simpul_core::directory::profile::TeamProfile;
use simpul_core::directory::profile_store::ProfileRow;
use simpul_core::org::{OrgId, OrgKind};

use crate::support::{at, event, insert_org, last_seq, org, tag, written_after, wrote};

fn row(org: OrgId, team: &str, publish: bool, secs: i64) -> ProfileRow {
    let mut p = TeamProfile::skeleton(team, None);
    p.document.publish = publish;
    p.contact.languages = vec!["en".into(), "ms-MY".into()];
    ProfileRow {
        org_id: org,
        document: serde_json::to_string(&p).unwrap(),
        publish,
        updated_at: at(secs),
        updated_by: "cli:story".into(),
    }
}

/// A profile is written with its audit entry, read back whole (the document decodes, with
/// `last_updated` and `publish` from the columns), replaced by the next save, and listed by age;
/// a profile of no organisation is refused with no audit entry.
pub async fn profiles(store: &dyn Store) {
    let t = tag();
    let a = org(&format!("{t}-pa"), OrgKind::NationalCert, Some("SG"));
    let b = org(&format!("{t}-pb"), OrgKind::Industry, None);
    insert_org(store, &a).await;
    insert_org(store, &b).await;
    assert_eq!(store.get_profile(a.id).await.unwrap(), None);

    let start = last_seq(store).await;
    let target = format!("org:{}", a.short_name);
    let e = event(AuditAction::OrgProfileUpdate, &target, Some(a.id));
    let first = row(a.id, "Team A", true, 100);
    store.put_profile(&first, &e).await.unwrap();
    assert_eq!(
        written_after(store, start).await,
        [wrote(AuditAction::OrgProfileUpdate, &target)]
    );
    let got = store.get_profile(a.id).await.unwrap().unwrap();
    assert!(got.publish);
    assert_eq!(got.updated_at, at(100));
    let decoded = got.clone().decode().unwrap();
    assert_eq!(decoded.profile.contact.team_name, "Team A");
    assert_eq!(decoded.profile.contact.languages, ["en", "ms-MY"]);
    assert_eq!(decoded.profile.document.last_updated, Some(at(100)));

    // The next save replaces the row.
    let second = row(a.id, "Team A renamed", false, 300);
    store.put_profile(&second, &e).await.unwrap();
    let got = store
        .get_profile(a.id)
        .await
        .unwrap()
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(got.profile.contact.team_name, "Team A renamed");
    assert!(!got.profile.document.publish);
    assert_eq!(got.updated_at, at(300));
    store
        .put_profile(&row(b.id, "Team B", false, 200), &e)
        .await
        .unwrap();

    // By age, oldest first; only those saved before the instant.
    let mine = |v: Vec<(OrgId, time::OffsetDateTime)>| -> Vec<(OrgId, time::OffsetDateTime)> {
        v.into_iter()
            .filter(|(o, _)| *o == a.id || *o == b.id)
            .collect()
    };
    assert_eq!(
        mine(store.profiles_updated_before(at(301)).await.unwrap()),
        [(b.id, at(200)), (a.id, at(300))]
    );
    assert_eq!(
        mine(store.profiles_updated_before(at(300)).await.unwrap()),
        [(b.id, at(200))]
    );

    // No such organisation: refused, and the audit entry with it.
    let before = last_seq(store).await;
    let ghost = row(OrgId::new_random(), "Ghost", false, 1);
    assert!(store.put_profile(&ghost, &e).await.is_err());
    assert_eq!(last_seq(store).await, before);
}
