#![allow(clippy::unwrap_used, clippy::float_cmp)]

use time::Duration;
use time::macros::datetime;

use super::*;

const T0: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);

fn facts(kinds: &[&'static str], confidence: Option<u8>) -> Facts {
    Facts {
        kinds: kinds.to_vec(),
        valid_from: T0,
        confidence,
    }
}

fn days(n: f64) -> Duration {
    Duration::seconds_f64(n * 86_400.0)
}

fn at(model: &DecayModel, f: &Facts, seen: &Sighted, after_days: f64) -> Decay {
    score(model, f, seen, T0 + days(after_days))
}

fn none() -> Sighted {
    Sighted::default()
}

#[test]
fn table_of_scores_by_kind_and_age() {
    let m = DecayModel::default();
    // kind, confidence, age in days, the score (exact to 1e-9), the kind that applied.
    type Case = (&'static [&'static str], Option<u8>, f64, f64, &'static str);
    let cases: &[Case] = &[
        (&["ipv4"], None, 0.0, 80.0, "ipv4"),
        // δ = 2: 80 · (1 − √(7.5/30)) = 80 · 0.5
        (&["ipv4"], None, 7.5, 40.0, "ipv4"),
        (&["ipv4"], None, 30.0, 0.0, "ipv4"),
        (&["ipv4"], None, 300.0, 0.0, "ipv4"),
        // δ = 1: a straight line, 100 · (1 − 60/120)
        (&["domain"], Some(100), 60.0, 50.0, "domain"),
        // δ = 0.5: 60 · (1 − (365/730)²) = 60 · 0.75
        (&["sha256"], Some(60), 365.0, 45.0, "sha256"),
        (&["crypto-wallet"], Some(100), 0.0, 100.0, "crypto-wallet"),
        (&["phone"], Some(90), 30.0, 67.5, "phone"),
        (&["iban"], Some(100), 120.0, 50.0, "iban"),
        // An IP and a domain: the IP's lifetime governs.
        (&["domain", "ipv4"], None, 7.5, 40.0, "ipv4"),
        // No kind: other (90 days, a straight line).
        (&[], None, 45.0, 40.0, OTHER),
        // A kind without a lifetime of its own: other.
        (&["no-such-kind"], None, 45.0, 40.0, OTHER),
        // Confidence 0: nothing to act on, whatever the age.
        (&["domain"], Some(0), 0.0, 0.0, "domain"),
    ];
    for &(kinds, conf, age, want, kind) in cases {
        let d = at(&m, &facts(kinds, conf), &none(), age);
        assert!(
            (d.score - want).abs() < 1e-9,
            "{kinds:?} {conf:?} after {age} days: {} not {want}",
            d.score
        );
        assert_eq!(d.model.kind, kind, "{kinds:?}");
    }
}

#[test]
fn every_default_lifetime_is_a_known_kind_and_every_family_has_one() {
    let m = DecayModel::default();
    for ty in ObservableType::all() {
        assert_eq!(m.lifetime(kind_of(ty)).0, kind_of(ty), "{ty}");
    }
    for (k, l) in m.kinds() {
        assert!(Lifetime::new(k, l.days, l.speed).is_ok(), "{k}");
    }
    // Volatile infrastructure decays before names, names before hashes.
    let d = |k| m.lifetime(k).1.days;
    assert!(d("ipv4") < d("url") && d("url") < d("domain") && d("domain") < d("sha256"));
}

#[test]
fn monotonic_in_time() {
    let m = DecayModel::default();
    for kinds in [&["ipv4"][..], &["domain"], &["sha256"], &["phone"], &[]] {
        let f = facts(kinds, Some(90));
        let mut last = f64::INFINITY;
        for h in 0..(24 * 800) {
            let s = at(&m, &f, &none(), f64::from(h) / 24.0).score;
            assert!(s <= last, "{kinds:?} rose at hour {h}: {last} → {s}");
            assert!((0.0..=100.0).contains(&s));
            last = s;
        }
        assert_eq!(last, 0.0, "{kinds:?} reaches zero");
    }
}

#[test]
fn expires_at_is_where_the_score_crosses_the_threshold() {
    let m = DecayModel::default();
    for kinds in [
        &["ipv4"][..],
        &["url"],
        &["domain"],
        &["md5"],
        &["bank-account"],
    ] {
        let f = facts(kinds, None);
        let d = at(&m, &f, &none(), 0.0);
        let just_before = score(&m, &f, &none(), d.expires_at - Duration::seconds(1));
        let just_after = score(&m, &f, &none(), d.expires_at + Duration::seconds(1));
        assert!(
            just_before.above(m.threshold()),
            "{kinds:?} {just_before:?}"
        );
        assert!(!just_after.above(m.threshold()), "{kinds:?} {just_after:?}");
        // expires_at does not depend on when it is asked.
        assert_eq!(at(&m, &f, &none(), 3.0).expires_at, d.expires_at);
    }
    // 80 · (1 − √(t/30)) = 30 ⇔ t = 30 · (5/8)² days
    let d = at(&m, &facts(&["ipv4"], None), &none(), 0.0);
    assert_eq!(d.expires_at, T0 + days(30.0 * 0.625 * 0.625));
    // A base at or below the threshold is expired from the start.
    let low = at(&m, &facts(&["domain"], Some(30)), &none(), 1.0);
    assert_eq!(low.expires_at, T0);
    assert!(!low.above(m.threshold()));
}

#[test]
fn a_true_sighting_resets_the_age_and_adds() {
    let m = DecayModel::default();
    let f = facts(&["ipv4"], None);
    let aged = at(&m, &f, &none(), 20.0);
    assert!(!aged.above(m.threshold()), "{aged:?}");
    let seen = Sighted {
        sightings: 1,
        last_sighting: Some(T0 + days(19.0)),
        ..none()
    };
    let back = at(&m, &f, &seen, 20.0);
    assert!(
        back.score > aged.score && back.above(m.threshold()),
        "{back:?}"
    );
    assert_eq!(back.model.base, 85.0);
    // δ = 2, one day after the sighting: 85 · (1 − √(1/30))
    assert!((back.score - 85.0 * (1.0 - (1.0f64 / 30.0).sqrt())).abs() < 1e-9);
    assert!(back.expires_at > aged.expires_at);
    // More sightings add, up to the cap; never above 100.
    let many = Sighted {
        sightings: 50,
        ..seen
    };
    assert_eq!(at(&m, &f, &many, 20.0).model.base, 100.0);
    let sure = facts(&["ipv4"], Some(95));
    assert_eq!(at(&m, &sure, &many, 0.0).score, 100.0);
    // Every extra sighting (same last time) raises or keeps the score.
    let mut last = 0.0;
    for n in 0..10 {
        let s = at(
            &m,
            &f,
            &Sighted {
                sightings: n,
                ..seen
            },
            20.0,
        )
        .score;
        assert!(s >= last, "{n}: {s} < {last}");
        last = s;
    }
}

#[test]
fn a_sighting_before_valid_from_or_in_the_future_changes_nothing_or_counts_as_now() {
    let m = DecayModel::default();
    let f = facts(&["domain"], Some(100));
    let early = Sighted {
        sightings: 1,
        last_sighting: Some(T0 - days(10.0)),
        ..none()
    };
    // Only the bonus: the age is still from valid_from.
    let d = at(&m, &f, &early, 60.0);
    assert_eq!(d.score, 50.0);
    let future = Sighted {
        last_sighting: Some(T0 + days(400.0)),
        ..early
    };
    let now = at(&m, &f, &future, 60.0);
    assert_eq!(now.score, 100.0);
    let want = T0 + days(60.0) + days(120.0 * 0.7);
    assert!(
        (now.expires_at - want).abs() < Duration::milliseconds(1),
        "{now:?}"
    );
}

#[test]
fn false_positives_lower_the_score_and_the_latest_word_zeroes_it() {
    let m = DecayModel::default();
    let f = facts(&["domain"], None);
    let fresh = at(&m, &f, &none(), 1.0);
    assert!(fresh.above(m.threshold()));
    // One false positive with no true sighting after it: zero.
    let fp = Sighted {
        false_positives: 1,
        last_false_positive: Some(T0 + days(0.5)),
        ..none()
    };
    let zero = at(&m, &f, &fp, 1.0);
    assert_eq!(zero.score, 0.0);
    assert_eq!(zero.expires_at, T0 + days(0.5));
    // A true sighting after it lifts the zero, but the false positive still costs.
    let later = Sighted {
        sightings: 1,
        last_sighting: Some(T0 + days(0.75)),
        ..fp
    };
    let d = at(&m, &f, &later, 1.0);
    assert_eq!(d.model.base, 80.0 + 5.0 - 25.0);
    assert!(d.score > 0.0 && d.score < fresh.score, "{d:?}");
    // A true sighting at the same instant as the false positive does not.
    let same = Sighted {
        last_sighting: fp.last_false_positive,
        ..later
    };
    assert_eq!(at(&m, &f, &same, 1.0).score, 0.0);
    // Each further false positive lowers it, to zero.
    let mut last = f64::INFINITY;
    for n in 0..6 {
        let s = at(
            &m,
            &f,
            &Sighted {
                false_positives: n,
                ..later
            },
            1.0,
        )
        .score;
        assert!(s <= last, "{n}");
        last = s;
    }
    assert_eq!(last, 0.0);
}

#[test]
fn the_model_is_configurable_and_checked() {
    let m = DecayModel::default()
        .with_lifetime(
            "ipv4",
            Lifetime::new("decay.lifetimes.ipv4", 10.0, 1.0).unwrap(),
        )
        .unwrap()
        .with_threshold(50.0)
        .unwrap();
    let f = facts(&["ipv4"], Some(100));
    assert_eq!(at(&m, &f, &none(), 5.0).score, 50.0);
    assert!(!at(&m, &f, &none(), 5.0).above(m.threshold()));
    assert!(at(&m, &f, &none(), 4.9).above(m.threshold()));
    let e = DecayModel::default()
        .with_lifetime(
            "ipv5",
            Lifetime {
                days: 1.0,
                speed: 1.0,
            },
        )
        .unwrap_err();
    assert_eq!(e.path, "decay.lifetimes.ipv5");
    assert!(e.message.contains("ipv4"), "{}", e.message);
    for (days, speed, path) in [
        (0.0, 1.0, "x.days"),
        (-1.0, 1.0, "x.days"),
        (f64::NAN, 1.0, "x.days"),
        (MAX_LIFETIME_DAYS + 1.0, 1.0, "x.days"),
        (1.0, 0.0, "x.speed"),
        (1.0, 11.0, "x.speed"),
        (1.0, f64::INFINITY, "x.speed"),
    ] {
        assert_eq!(Lifetime::new("x", days, speed).unwrap_err().path, path);
    }
    for bad in [-0.1, 100.0, f64::NAN] {
        assert_eq!(
            DecayModel::default().with_threshold(bad).unwrap_err().path,
            "decay.threshold"
        );
    }
}

#[test]
fn times_at_the_ends_of_the_calendar_do_not_panic() {
    let m = DecayModel::default();
    for from in [
        datetime!(9999-12-31 23:59:59 UTC),
        datetime!(0001-01-01 00:00 UTC),
    ] {
        let f = Facts {
            valid_from: from,
            ..facts(&["sha256"], Some(100))
        };
        for now in [from, T0, datetime!(9999-12-31 23:59:59 UTC)] {
            let d = score(&m, &f, &none(), now);
            assert!((0.0..=100.0).contains(&d.score), "{d:?}");
        }
    }
}

#[test]
fn facts_of_stored_indicators() {
    let json = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":"[ipv4-addr:value = '203.0.113.9'] OR [domain-name:value = 'evil.example'] OR [domain-name:value LIKE '%.bad.example']","valid_from":"2026-02-01T00:00:00Z","confidence":70}"#;
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let f = Facts::with_kinds(&v, kinds_of_pattern(v["pattern"].as_str().unwrap()), T0);
    assert_eq!(f.kinds, ["ipv4", "domain"]);
    assert_eq!(f.valid_from, datetime!(2026-02-01 00:00 UTC));
    assert_eq!(f.confidence, Some(70));
    let residual = kinds_of_pattern("[file:name = 'a.exe' AND file:size > 10]");
    assert_eq!(residual, ["sha256"]);
    assert!(kinds_of_pattern("not a pattern").is_empty());
    let bare: serde_json::Value =
        serde_json::json!({"created": "2026-01-05T00:00:00Z", "confidence": 300});
    let f = Facts::with_kinds(&bare, Vec::new(), T0);
    assert_eq!(f.valid_from, datetime!(2026-01-05 00:00 UTC));
    assert_eq!(f.confidence, None);
    assert_eq!(
        Facts::with_kinds(&serde_json::json!({}), Vec::new(), T0).valid_from,
        T0
    );
}

/// The cost of one decay computation on the export path (the pattern is compiled there anyway;
/// this is the model alone): `cargo test -p simpul-core decay_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement that prints nanoseconds per indicator; no threshold"]
fn decay_cost() {
    let m = DecayModel::default();
    let kinds: [&[&'static str]; 4] = [&["ipv4"], &["domain"], &["sha256", "md5"], &["phone"]];
    let n = 1_000_000u32;
    let start = std::time::Instant::now();
    let mut sum = 0.0;
    for i in 0..n {
        let f = facts(kinds[(i % 4) as usize], Some((i % 101) as u8));
        let seen = Sighted {
            sightings: u64::from(i % 3),
            false_positives: u64::from(i % 17 == 0),
            last_sighting: Some(T0 + Duration::hours(i64::from(i % 500))),
            last_false_positive: Some(T0),
        };
        sum += score(&m, &f, &seen, T0 + Duration::days(i64::from(i % 90))).score;
    }
    let each = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("decay: {n} scores, {each:.0} ns each (sum {sum:.0})");
}
