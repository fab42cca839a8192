//! The demo's generated objects: indicators of phishing and scams in each national format, by
//! every producing organisation, with sightings from other countries and a pool of values several
//! countries report. Drawn from a fixed seed (splitmix64), so every machine gets the same ids,
//! values and times.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::intel::Tlp;

use super::ORGANISATIONS;
use super::intel::{DUTY, DUTY_ORGS, INTEL, MEKONG, MEKONG_ORGS, MY_SG, MY_SG_ORGS, PUBLIC, SCAMS};

/// The indicators each producing organisation shares.
pub const INDICATORS_PER_ORG: usize = 240;

/// The seed every value is drawn from.
const SEED: u64 = 0x5173_7075_6c2d_6465;

/// The first day of the demo's activity: objects are created over the 180 days after it.
const START: OffsetDateTime = datetime!(2026-06-01 00:00:00 UTC);

/// The demo objects, grouped by who shares them where.
#[derive(Debug)]
pub struct Plan {
    pub batches: Vec<Batch>,
}

/// Objects one organisation shares into one collection.
#[derive(Debug)]
pub struct Batch {
    pub producer: &'static str,
    pub collection: u128,
    pub objects: Vec<Value>,
}

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `n` decimal digits.
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn uuid(&mut self) -> Uuid {
        let bytes = (u128::from(self.next()) << 64) | u128::from(self.next());
        uuid::Builder::from_random_bytes(bytes.to_be_bytes()).into_uuid()
    }
}

/// The national form of a random mobile number in a country, and its international form.
fn phone(rng: &mut Rng, country: &str) -> (String, String) {
    let (cc, national) = match country {
        "MY" => (
            "60",
            format!(
                "01{}-{} {}",
                rng.pick(&["2", "6", "9"]),
                rng.digits(3),
                rng.digits(4)
            ),
        ),
        "SG" => (
            "65",
            format!(
                "{}{} {}",
                rng.pick(&["81", "83", "86", "90", "91", "93", "96", "97"]),
                rng.digits(2),
                rng.digits(4)
            ),
        ),
        "TH" => (
            "66",
            format!(
                "0{}{} {} {}",
                rng.pick(&["8", "9", "6"]),
                rng.pick(&["1", "2", "5"]),
                rng.digits(3),
                rng.digits(4)
            ),
        ),
        "PH" => (
            "63",
            format!(
                "0{} {} {}",
                rng.pick(&["917", "918", "927", "945", "955", "977", "995"]),
                rng.digits(3),
                rng.digits(4)
            ),
        ),
        "ID" => (
            "62",
            format!(
                "08{}{}-{}-{}",
                rng.pick(&["1", "5", "7"]),
                rng.digits(1),
                rng.digits(4),
                rng.digits(4)
            ),
        ),
        "VN" => (
            "84",
            format!(
                "09{} {} {} {}",
                rng.pick(&["0", "1", "3", "4", "8"]),
                rng.digits(3),
                rng.digits(2),
                rng.digits(2)
            ),
        ),
        "KH" => (
            "855",
            format!(
                "0{} {} {}",
                rng.pick(&["12", "17", "77", "92"]),
                rng.digits(3),
                rng.digits(3)
            ),
        ),
        "LA" => (
            "856",
            format!(
                "020 {}{} {}",
                rng.pick(&["5", "7", "9"]),
                rng.digits(3),
                rng.digits(4)
            ),
        ),
        "MM" => (
            "95",
            format!(
                "09 7{}{} {}",
                rng.pick(&["5", "6", "7", "8", "9"]),
                rng.digits(2),
                rng.digits(5)
            ),
        ),
        "BN" => (
            "673",
            format!(
                "{}{} {}",
                rng.pick(&["7", "8"]),
                rng.digits(2),
                rng.digits(4)
            ),
        ),
        // TL and the regional CERT's own (SG) numbers
        _ => (
            "670",
            format!(
                "7{}{} {}",
                rng.pick(&["2", "3", "7"]),
                rng.digits(2),
                rng.digits(4)
            ),
        ),
    };
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    let subscriber = digits.strip_prefix('0').unwrap_or(&digits);
    let international = format!("+{cc} {subscriber}");
    (national, international)
}

const LURES: &[&str] = &[
    "secure-login",
    "account-verify",
    "parcel-redelivery",
    "tax-refund",
    "e-wallet-bonus",
    "bank-alert",
    "prize-claim",
    "job-offer",
    "investment-club",
    "customs-fee",
    "toll-payment",
    "loan-approval",
];
const BRANDS: &[&str] = &[
    "nusantara-bank",
    "mekong-post",
    "siam-pay",
    "lion-city-wallet",
    "merlion-bank",
    "borneo-telco",
    "archipelago-air",
    "irrawaddy-mobile",
    "angkor-finance",
    "luzon-express",
    "lanexang-bank",
    "padi-pay",
];
const TLDS: &[&str] = &["example", "example.com", "example.net", "example.org"];
const APPS: &[&str] = &[
    "com.example.fastloan",
    "com.example.parcel.track",
    "com.example.walletbonus",
    "com.example.securebank",
    "com.example.taxrefund",
    "com.example.dating.chat",
];

/// One observable of a scam or phishing campaign, as the pattern's object path and the values each
/// country writes (the producer's own country writes its national form).
#[derive(Debug, Clone)]
struct Observable {
    kind: Kind,
    path: &'static str,
    /// The value as written in the observable's home country.
    national: String,
    /// The value as written elsewhere.
    international: String,
    home: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Domain,
    Url,
    Ip,
    Phone,
    Account,
    Wallet,
    App,
}

impl Kind {
    /// Scams go to the scam collection; phishing infrastructure to the threat collection.
    fn is_scam(self) -> bool {
        matches!(self, Kind::Phone | Kind::Account | Kind::Wallet | Kind::App)
    }
}

fn observable(rng: &mut Rng, home: &'static str) -> Observable {
    let kind = match rng.below(100) {
        0..=24 => Kind::Domain,
        25..=44 => Kind::Url,
        45..=51 => Kind::Ip,
        52..=71 => Kind::Phone,
        72..=83 => Kind::Account,
        84..=91 => Kind::Wallet,
        _ => Kind::App,
    };
    let same = |path: &'static str, v: String| Observable {
        kind,
        path,
        national: v.clone(),
        international: v,
        home,
    };
    match kind {
        Kind::Domain => {
            let d = format!(
                "{}-{}{}.{}",
                rng.pick(BRANDS),
                rng.pick(LURES),
                rng.below(100),
                rng.pick(TLDS)
            );
            same("domain-name:value", d)
        }
        Kind::Url => {
            let d = format!(
                "{}-{}.{}",
                rng.pick(BRANDS),
                rng.pick(LURES),
                rng.pick(TLDS)
            );
            let path = rng.pick(&["login", "verify", "pay", "track", "claim"]);
            same(
                "url:value",
                format!("https://{d}/{path}?ref={}", rng.digits(6)),
            )
        }
        Kind::Ip => {
            let net = rng.pick(&["192.0.2", "198.51.100", "203.0.113"]);
            same("ipv4-addr:value", format!("{net}.{}", 1 + rng.below(254)))
        }
        Kind::Phone => {
            let (national, international) = phone(rng, home);
            Observable {
                kind,
                path: "phone-number:value",
                national,
                international,
                home,
            }
        }
        Kind::Account => {
            let number = format!("{}-{}-{}", rng.digits(4), rng.digits(4), rng.digits(4));
            let international = format!("{home}::{number}");
            Observable {
                kind,
                path: "bank-account:account_number",
                national: number,
                international,
                home,
            }
        }
        Kind::Wallet => {
            let hex: String = (0..40)
                .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
                .collect();
            same("cryptocurrency-wallet:value", format!("0x{hex}"))
        }
        Kind::App => {
            let app = format!("{}{}", rng.pick(APPS), rng.below(50));
            same("mobile-app:value", app)
        }
    }
}

/// The TLP an indicator is marked with (`None`: left unmarked, to take its collection's default).
fn marking(rng: &mut Rng) -> Option<Tlp> {
    match rng.below(100) {
        0..=44 => Some(Tlp::Green),
        45..=79 => Some(Tlp::Amber),
        80..=89 => Some(Tlp::AmberStrict),
        _ => None,
    }
}

fn stamp(t: OffsetDateTime) -> String {
    let ms = t.millisecond();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn marked(mut v: Value, tlp: Option<Tlp>) -> Value {
    if let Some(t) = tlp {
        v["object_marking_refs"] = json!([t.marking_id()]);
    }
    v
}

/// The name, description and labels of an indicator of `o`, shared by `producer`.
fn describe(o: &Observable, producer: &str) -> (String, String, Vec<&'static str>) {
    let v = &o.national;
    match o.kind {
        Kind::Domain => (
            format!("Phishing domain {v}"),
            format!(
                "Credential-phishing site reported to {producer}; impersonates a regional brand."
            ),
            vec!["phishing"],
        ),
        Kind::Url => (
            format!("Phishing URL {v}"),
            format!("Link sent in SMS and messaging-app lures, reported to {producer}."),
            vec!["phishing", "smishing"],
        ),
        Kind::Ip => (
            format!("Phishing kit host {v}"),
            "Server hosting phishing kits for several lures.".to_owned(),
            vec!["phishing", "infrastructure"],
        ),
        Kind::Phone => (
            format!("Scam phone number {v}"),
            format!(
                "Number used in impersonation calls (fake police, bank or courier), reported to {producer}'s hotline."
            ),
            vec!["scam", "phone"],
        ),
        Kind::Account => (
            format!("Mule bank account {v}"),
            "Account receiving victims' transfers; freeze requested.".to_owned(),
            vec!["scam", "money-mule"],
        ),
        Kind::Wallet => (
            format!("Scam wallet {v}"),
            "Wallet receiving payments from investment-scam victims.".to_owned(),
            vec!["scam", "investment-scam"],
        ),
        Kind::App => (
            format!("Malicious app {v}"),
            "Android app distributed outside the store: steals banking one-time passwords."
                .to_owned(),
            vec!["scam", "malicious-app"],
        ),
    }
}

/// How the producer writes the observable: its national form at home, the international form
/// abroad.
fn written_by(o: &Observable, producer_country: &str) -> String {
    if producer_country == o.home {
        o.national.clone()
    } else {
        o.international.clone()
    }
}

impl Plan {
    /// The demo objects, the same on every call.
    pub fn generate() -> Plan {
        let mut rng = Rng(SEED);
        let national: Vec<_> = ORGANISATIONS
            .iter()
            .filter_map(|o| o.country.map(|c| (o.short_name, c)))
            .collect();
        // Values several countries report: a regional campaign's phone numbers, accounts, sites.
        let pool: Vec<Observable> = (0..120)
            .map(|_| {
                let home = rng.pick(&national).1;
                observable(&mut rng, home)
            })
            .collect();
        let mut groups: std::collections::BTreeMap<(usize, u128), Vec<Value>> = Default::default();
        let mut sightable = Vec::new();
        for (p, (producer, country)) in national.iter().enumerate() {
            for _ in 0..INDICATORS_PER_ORG {
                let o = if rng.below(100) < 15 {
                    rng.pick(&pool).clone()
                } else {
                    observable(&mut rng, country)
                };
                let roll = rng.below(100);
                let (collection, tlp) = if DUTY_ORGS.contains(producer) && roll < 4 {
                    (DUTY, Some(Tlp::Red))
                } else if MY_SG_ORGS.contains(producer) && roll < 14 {
                    (MY_SG, Some(*rng.pick(&[Tlp::Amber, Tlp::AmberStrict])))
                } else if MEKONG_ORGS.contains(producer) && roll < 16 {
                    (MEKONG, marking(&mut rng).filter(|t| *t != Tlp::Green))
                } else if roll >= 92 {
                    (PUBLIC, None)
                } else if o.kind.is_scam() {
                    (SCAMS, marking(&mut rng))
                } else {
                    (INTEL, marking(&mut rng))
                };
                let created = START
                    + Duration::minutes(rng.below(180 * 24 * 60) as i64)
                    + Duration::milliseconds(rng.below(1000) as i64);
                let id = format!("indicator--{}", rng.uuid());
                let (name, description, labels) = describe(&o, producer);
                let value = written_by(&o, country);
                let indicator = json!({
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": id,
                    "created": stamp(created),
                    "modified": stamp(created),
                    "name": name,
                    "description": description,
                    "indicator_types": ["malicious-activity"],
                    "pattern": format!("[{} = '{value}']", o.path),
                    "pattern_type": "stix",
                    "valid_from": stamp(created),
                    "labels": labels,
                });
                groups
                    .entry((p, collection))
                    .or_default()
                    .push(marked(indicator, tlp));
                let effective = tlp.unwrap_or(match collection {
                    PUBLIC => Tlp::Clear,
                    SCAMS => Tlp::Green,
                    _ => Tlp::Amber,
                });
                if [INTEL, SCAMS, PUBLIC].contains(&collection) && rng.below(100) < 20 {
                    sightable.push((id, p, collection, effective, created));
                }
            }
        }
        let mut sightings: std::collections::BTreeMap<(usize, u128), Vec<Value>> =
            Default::default();
        for (of, producer, collection, tlp, created) in sightable {
            for _ in 0..1 + rng.below(3) {
                let by = rng.below(national.len());
                if by == producer {
                    continue;
                }
                let first = created + Duration::hours(1 + rng.below(24 * 20) as i64);
                let last = first + Duration::hours(rng.below(24 * 10) as i64);
                let sighting = json!({
                    "type": "sighting",
                    "spec_version": "2.1",
                    "id": format!("sighting--{}", rng.uuid()),
                    "created": stamp(last),
                    "modified": stamp(last),
                    "sighting_of_ref": of,
                    "count": 1 + rng.below(40),
                    "first_seen": stamp(first),
                    "last_seen": stamp(last),
                    "description": rng.pick(&[
                        "Reported by victims to the national scam hotline",
                        "Seen in SMS traffic filtered by a national operator",
                        "Observed in government mail gateway logs",
                        "Blocked by a national protective DNS resolver",
                    ]).to_string(),
                });
                sightings
                    .entry((by, collection))
                    .or_default()
                    .push(marked(sighting, Some(tlp)));
            }
        }
        let batches = groups
            .into_iter()
            .chain(sightings)
            .map(|((p, collection), objects)| Batch {
                producer: national[p].0,
                collection,
                objects,
            })
            .collect();
        Plan { batches }
    }

    /// How many objects the plan shares.
    pub fn len(&self) -> usize {
        self.batches.iter().map(|b| b.objects.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_the_same_every_time() {
        let a = Plan::generate();
        let b = Plan::generate();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.batches.iter().zip(&b.batches) {
            assert_eq!(x.objects, y.objects);
        }
    }

    #[test]
    fn every_value_is_a_valid_observable_in_its_producers_country() {
        let plan = Plan::generate();
        let mut patterns = 0;
        let mut bad = Vec::new();
        for b in &plan.batches {
            let country = ORGANISATIONS
                .iter()
                .find(|o| o.short_name == b.producer)
                .and_then(|o| o.country)
                .unwrap();
            let ctx = simpul_observable::Context::with_region(country.parse().unwrap());
            for o in &b.objects {
                if o["type"] != "indicator" {
                    continue;
                }
                patterns += 1;
                let text = o.to_string();
                let json = simpul_stix::parse_json(text.as_bytes()).unwrap();
                let obj = simpul_stix::StixObject::from_json(json).unwrap();
                let keys = crate::intel::observables::keys_of(&obj, &ctx);
                if keys.len() != 1 {
                    bad.push(format!("{} by {}: {}", o["id"], b.producer, o["pattern"]));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} of {patterns}:\n{}",
            bad.len(),
            bad.join("\n")
        );
        assert_eq!(patterns, INDICATORS_PER_ORG * 12);
    }

    /// The key of `o` as written by a producer in `country`.
    fn key(o: &Observable, country: &str) -> String {
        let ctx = simpul_observable::Context::with_region(country.parse().unwrap());
        let v = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--11111111-1111-4111-8111-111111111111",
            "created": "2026-06-01T00:00:00.000Z", "modified": "2026-06-01T00:00:00.000Z",
            "pattern": format!("[{} = '{}']", o.path, written_by(o, country)),
            "pattern_type": "stix", "valid_from": "2026-06-01T00:00:00.000Z",
        })
        .to_string();
        let obj =
            simpul_stix::StixObject::from_json(simpul_stix::parse_json(v.as_bytes()).unwrap())
                .unwrap();
        crate::intel::observables::keys_of(&obj, &ctx)
            .pop()
            .unwrap_or_else(|| panic!("no key for {o:?} in {country}"))
    }

    #[test]
    fn a_value_reported_at_home_and_abroad_correlates() {
        let mut rng = Rng(SEED);
        for home in [
            "MY", "SG", "TH", "PH", "ID", "VN", "KH", "LA", "MM", "BN", "TL",
        ] {
            for _ in 0..200 {
                let o = observable(&mut rng, home);
                let abroad = if home == "TH" { "MY" } else { "TH" };
                assert_eq!(key(&o, home), key(&o, abroad), "{o:?}");
            }
        }
    }
}
