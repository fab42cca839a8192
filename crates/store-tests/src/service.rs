//! The service over a store: what the program does with the store, end to end (sign-in, tokens,
//! lock-outs, the demo seed, verifying the log), as the story in the binary's tests told it.

use std::sync::Arc;

use simpul_core::org::{NewOrganisation, OrgKind, OrgStatus, ShortName};
use simpul_core::service::{NewToken, NewUser, OrgUpdate, UserUpdate};
use simpul_core::{CoreError, Principal, Role, Scopes, Service, Store, SystemClock, UserStatus};

/// The service layer over `store`, which must be empty (the demo seed counts what it creates).
pub async fn service(store: Arc<dyn Store>) {
    let service = Service::new(Arc::clone(&store), Arc::new(SystemClock));
    let op = Principal::operator("story");

    // Create and find by short name in any case; a duplicate in another case is a conflict.
    let new_sg = || NewOrganisation {
        name: "Singapore Computer Emergency Response Team".into(),
        short_name: ShortName::parse("SingCERT").unwrap(),
        kind: OrgKind::NationalCert,
        country: Some(simpul_core::country::Country::parse("SG").unwrap()),
    };
    let sg = service.create_org(&op, new_sg()).await.unwrap();
    assert_eq!(sg.status, OrgStatus::Active);
    assert_eq!(store.get_org(sg.id).await.unwrap().as_ref(), Some(&sg));
    let found = service.org_by_short_name(&op, "singcert").await.unwrap();
    assert_eq!(found.id, sg.id);
    let upper = NewOrganisation {
        short_name: ShortName::parse("SINGCERT").unwrap(),
        ..new_sg()
    };
    let dup = service.create_org(&op, upper).await;
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");
    assert_eq!(store.list_orgs().await.unwrap().len(), 1);

    // Users: a generated password verifies; a duplicate email in any case is a conflict.
    let new_user = |email: &str, password: Option<&str>| NewUser {
        email: simpul_core::Email::parse(email).unwrap(),
        display_name: "An Analyst".into(),
        org_id: Some(sg.id),
        role: Role::Analyst,
        password: password.map(str::to_owned),
    };
    let (analyst, generated) = service
        .create_user(&op, new_user("Analyst@SingCERT.example", None))
        .await
        .unwrap();
    let generated = generated.expect("a password is generated");
    let (found, hash) = store.credentials(&analyst.email).await.unwrap().unwrap();
    assert_eq!(found, analyst);
    assert!(simpul_core::secret::verify_password(&generated, &hash));
    let dup = service
        .create_user(
            &op,
            new_user("ANALYST@singcert.example", Some("long enough password")),
        )
        .await;
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");

    // Sign in: a session; a wrong password counts a failure; a token; disabling the user ends both.
    let email = "analyst@singcert.example";
    let addr = Some("192.0.2.1".to_owned());
    let logged_in = service
        .login(email, &generated, addr.clone())
        .await
        .unwrap();
    let via_session = service
        .authenticate_session(&logged_in.session_secret, None)
        .await
        .unwrap();
    assert_eq!(via_session.as_user().unwrap().user.id, analyst.id);
    let wrong = service.login(email, "wrong password!", addr).await;
    assert!(
        matches!(wrong, Err(CoreError::Unauthenticated(_))),
        "{wrong:?}"
    );
    let failures = store
        .login_failures(&format!("account:{email}"))
        .await
        .unwrap();
    assert_eq!(failures.map(|f| f.count), Some(1));
    let new_token = NewToken {
        name: "siem".into(),
        scopes: Scopes::parse("read,sync").unwrap(),
        expires_in_days: Some(30),
    };
    let (token, secret) = service
        .create_token_for(&op, email, new_token)
        .await
        .unwrap();
    let via_token = service.authenticate_token(&secret, None).await.unwrap();
    assert_eq!(via_token.as_user().unwrap().user.id, analyst.id);
    let used = store.get_token(token.id).await.unwrap().unwrap();
    assert!(used.last_used_at.is_some(), "use is recorded");
    let status = |s| UserUpdate {
        status: Some(s),
        ..UserUpdate::default()
    };
    service
        .update_user(&op, analyst.id, status(UserStatus::Disabled))
        .await
        .unwrap();
    let ended = service
        .authenticate_session(&logged_in.session_secret, None)
        .await;
    assert!(ended.is_err(), "sessions end");
    assert!(service.authenticate_token(&secret, None).await.is_err());
    service
        .update_user(&op, analyst.id, status(UserStatus::Active))
        .await
        .unwrap();
    assert!(service.authenticate_token(&secret, None).await.is_ok());

    // Suspending the organisation locks its users out at once; revocation is final.
    let org_status = |s| OrgUpdate {
        status: Some(s),
        ..OrgUpdate::default()
    };
    service
        .update_org(&op, sg.id, org_status(OrgStatus::Suspended))
        .await
        .unwrap();
    assert!(service.authenticate_token(&secret, None).await.is_err());
    service
        .update_org(&op, sg.id, org_status(OrgStatus::Active))
        .await
        .unwrap();
    service.revoke_token(&op, token.id).await.unwrap();
    let err = service.authenticate_token(&secret, None).await.unwrap_err();
    assert_eq!(err.to_string(), "the token has been revoked");

    // The demo seed creates the regional CERT, the 11 national CERTs and 3 partners once, keeping
    // what exists, with an admin and an analyst each and the asean-cert community.
    let all_demo = simpul_core::demo::ORGANISATIONS.len() + simpul_core::demo::PARTNERS.len();
    let first = simpul_core::demo::seed(&service).await.unwrap();
    assert!(first.seeded);
    assert_eq!(
        first.organisations_created,
        all_demo - 1,
        "SingCERT existed"
    );
    assert_eq!(
        first.logins.len(),
        all_demo * 2 - 1,
        "SingCERT's analyst existed"
    );
    let second = simpul_core::demo::seed(&service).await.unwrap();
    assert!(!second.seeded && second.logins.is_empty());
    // Three contacts per CERT, two per partner, and SingCERT's analyst as its technical POC.
    let cert_orgs = simpul_core::demo::ORGANISATIONS.len();
    let partners = simpul_core::demo::PARTNERS.len();
    assert_eq!(first.contacts, cert_orgs * 3 + partners * 2 + 1);
    // A store seeded by an earlier version is seeded again, gaining only what is missing.
    store
        .set_meta(simpul_core::demo::SEEDED_KEY, "2")
        .await
        .unwrap();
    let upgraded = simpul_core::demo::seed(&service).await.unwrap();
    assert!(upgraded.seeded && upgraded.logins.is_empty());
    assert_eq!(
        (
            upgraded.organisations_created,
            upgraded.profiles,
            upgraded.contacts
        ),
        (0, 0, 0)
    );
    assert_eq!(upgraded.intel.objects_stored, 0);
    let plan = simpul_core::demo::plan::Plan::generate();
    assert_eq!(first.intel.collections_created, 6);
    assert_eq!(first.intel.objects_stored, plan.len());
    assert!(plan.len() > 3000, "{}", plan.len());
    assert_eq!(second.intel, Default::default());
    // The demo follows the sharing rules: a partner outside the community sees what is CLEAR —
    // the public collection — and nothing else; a duty officer sees the RED collection too.
    let all = simpul_core::intel::store::ObjectQuery {
        limit: 1000,
        ..Default::default()
    };
    let in_collection = |c: u128| -> usize {
        plan.batches
            .iter()
            .filter(|b| b.collection == c)
            .map(|b| b.objects.len())
            .sum()
    };
    let partner = service.act_as(&op, "analyst@pca.example").await.unwrap();
    let seen = service.count_objects(&partner, &all).await.unwrap();
    assert_eq!(
        seen as usize,
        in_collection(simpul_core::demo::intel::PUBLIC)
    );
    let duty = simpul_core::intel::store::ObjectQuery {
        collection: Some(simpul_core::intel::CollectionId(uuid::Uuid::from_u128(
            simpul_core::demo::intel::DUTY,
        ))),
        ..all.clone()
    };
    let officer = service.act_as(&op, "analyst@mycert.example").await.unwrap();
    // (The producers of RED objects see their own; CERT-PH shares none there.)
    let admin = service.act_as(&op, "admin@cert-ph.example").await.unwrap();
    let red = in_collection(simpul_core::demo::intel::DUTY);
    assert!(red > 0);
    assert_eq!(
        service.count_objects(&officer, &duty).await.unwrap() as usize,
        red
    );
    assert_eq!(
        service.count_objects(&admin, &duty).await.unwrap(),
        0,
        "not named"
    );
    let orgs = store.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), all_demo);
    let national = orgs.iter().filter(|o| o.kind == OrgKind::NationalCert);
    assert_eq!(national.count(), 11);
    let communities = store.list_communities().await.unwrap();
    assert_eq!(communities.len(), 1);
    assert_eq!(
        communities[0].members.len(),
        12,
        "the regional CERT and the 11 national CERTs"
    );
    assert_eq!(
        store.communities_of_org(sg.id).await.unwrap(),
        vec![communities[0].id]
    );

    // The audit chain verifies; an organisation's view holds only its entries, newest first.
    let verified = service.verify_audit(&op).await.unwrap().unwrap();
    assert!(verified > 40, "{verified}");
    let sg_entries = service
        .list_audit(&op, Some(sg.id), None, 1000)
        .await
        .unwrap();
    assert!(!sg_entries.is_empty());
    let sg_only =
        |e: &simpul_core::AuditEntry| e.actor_org == Some(sg.id) || e.target_org == Some(sg.id);
    assert!(sg_entries.iter().all(sg_only));
    assert!(
        sg_entries.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
}
