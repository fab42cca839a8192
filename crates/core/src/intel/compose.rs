//! STIX objects composed from observables a person typed (the web UI's submit forms): an
//! indicator whose pattern tests the canonical key, an observation (observed-data and the
//! cyber-observable carrying the key), or a scam report (a `report` over one indicator per
//! observable). What is composed is then shared like any other STIX input
//! ([`crate::Service::share_document`]): the same validation, sharing rules and store.
//!
//! The value written is always the canonical key at the object path where simpul writes its type
//! ([`simpul_observable::stix::stix_property`]), so the stored object is keyed, matched and
//! correlated under exactly the key the person was shown.

use serde_json::{Map, Value, json};
use simpul_observable::{Canonical, ObservableType as T, stix};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::rfc3339_micros;
use crate::intel::Tlp;

/// What the objects say besides the observable.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub tlp: Tlp,
    /// The indicator's `valid_from` (an observation's first and last observed); `None`: `now`.
    pub valid_from: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
}

impl Draft<'_> {
    fn common(&self, ty: &str) -> Map<String, Value> {
        let now = rfc3339_micros(self.now);
        let mut m = Map::new();
        m.insert("type".into(), ty.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), format!("{ty}--{}", Uuid::new_v4()).into());
        m.insert("created".into(), now.clone().into());
        m.insert("modified".into(), now.into());
        if !self.name.trim().is_empty() {
            m.insert("name".into(), self.name.trim().into());
        }
        if !self.description.trim().is_empty() {
            m.insert("description".into(), self.description.trim().into());
        }
        m.insert("object_marking_refs".into(), json!([self.tlp.marking_id()]));
        m
    }

    fn from(&self) -> String {
        rfc3339_micros(self.valid_from.unwrap_or(self.now))
    }
}

/// A STIX pattern literal.
fn literal(c: &Canonical) -> String {
    if c.ty() == T::Asn
        && let Some(n) = c
            .key()
            .strip_prefix("AS")
            .filter(|n| n.parse::<u64>().is_ok())
    {
        return n.to_owned();
    }
    format!("'{}'", c.key().replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX pattern of an indicator for `c`: `[phone-number:value = '+6561234567']`. One
/// comparison, so the pattern is indexed by its key: a social account's platform (an e-wallet's
/// provider) is not tested, as the store keys accounts and e-wallets under the `other` one.
pub fn pattern(c: &Canonical) -> String {
    let (sco, path) = stix::stix_property(c.ty());
    format!("[{sco}:{path} = {}]", literal(c))
}

/// An indicator for `c`.
pub fn indicator(c: &Canonical, d: &Draft<'_>) -> Value {
    let mut m = d.common("indicator");
    m.insert("pattern".into(), pattern(c).into());
    m.insert("pattern_type".into(), "stix".into());
    m.insert("valid_from".into(), d.from().into());
    Value::Object(m)
}

/// An observation of `c`: the observed-data (first), then the cyber-observable it refers to
/// (deterministic id, simpul's extension for the scam types, the draft's marking).
pub fn observation(c: &Canonical, d: &Draft<'_>) -> Vec<Value> {
    let mut props = match simpul_matcher::sco::sco(c, "") {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let ty = props
        .remove("type")
        .and_then(|t| t.as_str().map(str::to_owned))
        .unwrap_or_default();
    props.remove("spec_version");
    props.remove("id");
    let sco = crate::misp::sco::finish(&ty, props, &[d.tlp.marking_id().to_owned()]);
    let mut m = d.common("observed-data");
    // STIX 2.1 gives observed-data no name or description: neither is written.
    m.remove("name");
    m.remove("description");
    let at = d.from();
    m.insert("first_observed".into(), at.clone().into());
    m.insert("last_observed".into(), at.into());
    m.insert("number_observed".into(), 1.into());
    m.insert("object_refs".into(), json!([sco["id"]]));
    vec![Value::Object(m), sco]
}

/// A scam report over `items`: the report (first), then one indicator per observable, all with
/// the draft's marking and description; each indicator is named after its key.
pub fn scam_report(items: &[Canonical], d: &Draft<'_>) -> Vec<Value> {
    let indicators: Vec<Value> = items
        .iter()
        .map(|c| {
            let name = format!("Scam {} {}", c.ty(), c.key());
            indicator(
                c,
                &Draft {
                    name: &name,
                    ..d.clone()
                },
            )
        })
        .collect();
    let mut report = d.common("report");
    report.insert("report_types".into(), json!(["threat-report"]));
    report.insert("published".into(), rfc3339_micros(d.now).into());
    report.insert(
        "object_refs".into(),
        indicators.iter().map(|i| i["id"].clone()).collect(),
    );
    let mut out = vec![Value::Object(report)];
    out.extend(indicators);
    out
}

/// A bundle of `objects`.
pub fn bundle(objects: Vec<Value>) -> Value {
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", Uuid::new_v4()),
        "objects": objects,
    })
}

/// The canonical keys (`type|key`) a stored object's JSON yields, as the store keys it.
pub fn keys_in(json: &str) -> Vec<String> {
    simpul_stix::parse_json(json.as_bytes())
        .ok()
        .and_then(|j| simpul_stix::StixObject::from_json(j).ok())
        .map(|o| crate::intel::observables::keys_of(&o, &simpul_observable::Context::new()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use simpul_observable::{Context, CryptoNetwork, EwalletProvider, SocialPlatform, normalise};
    use time::macros::datetime;

    use super::*;

    fn draft() -> Draft<'static> {
        Draft {
            name: "n",
            description: "d",
            tlp: Tlp::Green,
            valid_from: None,
            now: datetime!(2026-11-28 08:00 UTC),
        }
    }

    #[test]
    fn what_is_composed_is_keyed_as_the_key_it_was_made_from() {
        let cases = [
            (T::Ipv4, "192.0.2.1"),
            (T::Url, "HTTP://Example.COM/a"),
            (T::Domain, "Example.COM."),
            (T::Phone, "+65 6123 4567"),
            (T::Asn, "as 64500"),
            (T::Sha256, &"A".repeat(64)),
            (T::Iban, "GB82 WEST 1234 5698 7654 32"),
            (T::BankAccount, "ID:BCA:123-456-7890"),
            (
                T::CryptoWallet(CryptoNetwork::Ethereum),
                "0x52908400098527886E0F7030069857D2E4169EE7",
            ),
            (
                T::SocialAccount(SocialPlatform::Facebook),
                "https://www.facebook.com/Scam.Page",
            ),
            (T::AppId, "com.example.loan"),
            (T::Ewallet(EwalletProvider::GoPay), "Scam.Wallet-1"),
        ];
        for (ty, raw) in cases {
            let c = normalise(ty, raw, &Context::new()).unwrap();
            let ind = indicator(&c, &draft());
            // The store keys an account or e-wallet under the `other` platform (provider).
            let keyed = match ty {
                T::SocialAccount(_) => format!("social-account|{}", c.key()),
                T::Ewallet(_) => format!("ewallet|{}", c.key()),
                _ => c.to_string(),
            };
            assert_eq!(
                keys_in(&ind.to_string()),
                std::slice::from_ref(&keyed),
                "{ty}: {}",
                ind["pattern"]
            );
            let obs = observation(&c, &draft());
            assert_eq!(keys_in(&obs[1].to_string()), [keyed], "{ty}: {}", obs[1]);
            assert_eq!(obs[0]["object_refs"][0], obs[1]["id"]);
        }
    }

    #[test]
    fn a_literal_is_escaped_and_a_report_refers_to_its_indicators() {
        let c = normalise(T::Url, "http://x.example/it's", &Context::new()).unwrap();
        assert_eq!(pattern(&c), "[url:value = 'http://x.example/it\\'s']");
        let c = normalise(T::Asn, "AS64500", &Context::new()).unwrap();
        assert_eq!(pattern(&c), "[autonomous-system:number = 64500]");
        let a = normalise(T::Phone, "+65 6123 4567", &Context::new()).unwrap();
        let b = normalise(T::AppId, "com.example.loan", &Context::new()).unwrap();
        let objs = scam_report(&[a, b], &draft());
        assert_eq!(objs.len(), 3);
        assert_eq!(objs[0]["type"], "report");
        assert_eq!(
            objs[0]["object_refs"],
            json!([objs[1]["id"], objs[2]["id"]])
        );
        assert_eq!(objs[1]["name"], "Scam phone +6561234567");
        assert_eq!(
            objs[2]["object_marking_refs"],
            json!([Tlp::Green.marking_id()])
        );
    }
}
