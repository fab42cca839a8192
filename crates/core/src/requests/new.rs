//! The body of `POST /api/v1/requests` ([`NewRequest`], as given) and its validation into a
//! [`ValidRequest`]: every text bounded ([`super::limits`]), 1 to 100 observables each
//! normalised with the requester's region into its canonical key (`type|key`, the same key the
//! intelligence is indexed by), the due time defaulting from the [`Sla`] and refused in the past,
//! named users only for TLP:RED (and then at least one), personal data in its own entries. Every
//! error is an [`Invalid`] whose path is the JSON pointer of the field (`/observables/3/value`).

use serde::{Deserialize, Serialize};
use simpul_observable::{Context, ObservableType};
use time::OffsetDateTime;

use super::{CaseId, RequestKind, RequestTarget, Sla, Urgency, bounded, limits, named_users, text};
use crate::error::{Invalid, excerpt};
use crate::intel::{Tlp, parse_tlp};
use crate::org::string_enum;
use crate::user::Email;

/// The latest due time a request may ask for, from its creation.
pub const MAX_DUE_DAYS: i64 = 365;

/// A request as its requester gives it (unvalidated).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub to: RequestTarget,
    pub observables: Vec<ObservableInput>,
    pub summary: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub legal_basis: String,
    pub urgency: Urgency,
    /// RFC 3339; the [`Sla`] of the urgency when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due: Option<OffsetDateTime>,
    /// A TLP level as people write it (`amber`, `TLP:AMBER+STRICT`).
    pub tlp: String,
    #[serde(default)]
    pub case: Option<CaseId>,
    /// For TLP:RED only: the e-mail addresses of the users of the two organisations who may see
    /// it (besides the requesting user).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Names and identifiers of victims and account holders: shown only to the two parties and
    /// purged after the retention period.
    #[serde(default)]
    pub personal_data: Vec<PersonalInput>,
}

/// One observable as given: `{"type": "iban", "value": "GB82 WEST …"}`; `personal` marks a value
/// that identifies a victim or an account holder (shown only to the two parties).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservableInput {
    #[serde(rename = "type")]
    pub ty: String,
    pub value: String,
    #[serde(default)]
    pub personal: bool,
}

string_enum!(
    /// Whose personal data an entry holds.
    PersonalRole, "role" {
        Victim => "victim",
        AccountHolder => "account-holder",
        Other => "other",
    }
);

/// One person as given: a role and a name, an identifier (national id, account number) or both.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalInput {
    pub role: PersonalRole,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
}

/// A validated person entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalData {
    pub role: PersonalRole,
    pub name: Option<String>,
    pub identifier: Option<String>,
}

/// A validated observable: the type and value as given (trimmed), and the canonical key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestObservable {
    /// The canonical type (can be more specific than the one given: an IBAN given as a bank
    /// account is an `iban`).
    #[serde(rename = "type")]
    pub ty: String,
    pub value: String,
    /// `type|key`, as [`simpul_observable::Canonical`] writes it.
    pub key: String,
    pub personal: bool,
}

/// A request whose every field is checked; what the store keeps (with the routed target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub kind: RequestKind,
    pub to: RequestTarget,
    pub observables: Vec<RequestObservable>,
    pub summary: String,
    pub details: String,
    pub legal_basis: String,
    pub urgency: Urgency,
    pub due: OffsetDateTime,
    pub tlp: Tlp,
    pub case: Option<CaseId>,
    pub recipients: Vec<Email>,
    pub personal_data: Vec<PersonalData>,
}

impl NewRequest {
    /// Checks every field. `ctx` is the requester's normalisation context (their organisation's
    /// country as the region of national phone numbers and bank accounts:
    /// `crate::intel::service::observable_context`), `now` the service clock's time.
    pub fn validate(
        &self,
        ctx: &Context,
        sla: &Sla,
        now: OffsetDateTime,
    ) -> Result<ValidRequest, Invalid> {
        let summary = text("/summary", &self.summary, limits::SUMMARY_CHARS, true, true)?;
        let details = text(
            "/details",
            &self.details,
            limits::DETAILS_CHARS,
            false,
            false,
        )?;
        let legal_basis = text(
            "/legal_basis",
            &self.legal_basis,
            limits::LEGAL_BASIS_CHARS,
            false,
            false,
        )?;
        let observables = observables(&self.observables, ctx)?;
        let due = match self.due {
            None => sla.due(self.urgency, now),
            Some(due) if due <= now => {
                return Err(Invalid::new(
                    "/due",
                    "is in the past: give a time after now, or none for the urgency's default",
                ));
            }
            Some(due) if due > now + time::Duration::days(MAX_DUE_DAYS) => {
                return Err(Invalid::new(
                    "/due",
                    format!("is more than {MAX_DUE_DAYS} days away"),
                ));
            }
            Some(due) => due,
        };
        let tlp = parse_tlp("/tlp", &self.tlp)?;
        let recipients = recipients(&self.recipients, tlp)?;
        bounded(
            "/personal_data",
            self.personal_data.len(),
            None,
            limits::PERSONAL,
            "entries",
        )?;
        let personal_data = self
            .personal_data
            .iter()
            .enumerate()
            .map(|(i, p)| p.validate(&format!("/personal_data/{i}")))
            .collect::<Result<_, _>>()?;
        Ok(ValidRequest {
            kind: self.kind,
            to: self.to.clone(),
            observables,
            summary,
            details,
            legal_basis,
            urgency: self.urgency,
            due,
            tlp,
            case: self.case,
            recipients,
            personal_data,
        })
    }
}

impl PersonalInput {
    fn validate(&self, path: &str) -> Result<PersonalData, Invalid> {
        let field = |name: &str, v: &Option<String>| -> Result<Option<String>, Invalid> {
            v.as_deref()
                .map(|s| {
                    text(
                        &format!("{path}/{name}"),
                        s,
                        limits::PERSONAL_CHARS,
                        true,
                        true,
                    )
                })
                .transpose()
        };
        let name = field("name", &self.name)?;
        let identifier = field("identifier", &self.identifier)?;
        if name.is_none() && identifier.is_none() {
            return Err(Invalid::new(path, "give a name, an identifier or both"));
        }
        Ok(PersonalData {
            role: self.role,
            name,
            identifier,
        })
    }
}

/// 1 to [`limits::OBSERVABLES`] observables, each normalised; the same canonical key twice is
/// refused at the second.
fn observables(list: &[ObservableInput], ctx: &Context) -> Result<Vec<RequestObservable>, Invalid> {
    bounded(
        "/observables",
        list.len(),
        Some("give at least one observable ({\"type\", \"value\"})"),
        limits::OBSERVABLES,
        "observables in one request",
    )?;
    let mut out: Vec<RequestObservable> = Vec::with_capacity(list.len());
    for (i, o) in list.iter().enumerate() {
        let at = format!("/observables/{i}");
        let ty: ObservableType =
            o.ty.trim()
                .parse()
                .map_err(|e: simpul_observable::UnknownName| {
                    Invalid::new(format!("{at}/type"), e.to_string())
                })?;
        let value = o.value.trim();
        if value.chars().count() > limits::VALUE_CHARS {
            return Err(Invalid::new(
                format!("{at}/value"),
                format!("is longer than {} characters", limits::VALUE_CHARS),
            ));
        }
        let canonical = simpul_observable::normalise(ty, value, ctx).map_err(|e| {
            Invalid::new(format!("{at}/value"), format!("`{}`: {e}", excerpt(value)))
        })?;
        let key = canonical.to_string();
        if let Some(j) = out.iter().position(|seen| seen.key == key) {
            return Err(Invalid::new(
                format!("{at}/value"),
                format!("is the same observable as /observables/{j} ({key})"),
            ));
        }
        out.push(RequestObservable {
            ty: canonical.ty().to_string(),
            value: value.to_owned(),
            key,
            personal: o.personal,
        });
    }
    Ok(out)
}

/// Named users: only for TLP:RED, where at least one is needed (the target's reader).
fn recipients(list: &[String], tlp: Tlp) -> Result<Vec<Email>, Invalid> {
    named_users(
        list,
        tlp,
        limits::RECIPIENTS,
        "users are named only for TLP:RED; at other levels both organisations see the request",
        "a TLP:RED request names the users who may see it (at least one of the target)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use simpul_observable::Region;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    fn body(json: serde_json::Value) -> NewRequest {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({
            "kind": "freeze",
            "to": {"country": "MY"},
            "observables": [
                {"type": "iban", "value": "gb82 west 1234 5698 7654 32"},
                {"type": "phone", "value": "0812-3456-7890", "personal": true}
            ],
            "summary": "Mule account of a scam call centre",
            "details": "Victims paid on\n2026-02-28.",
            "legal_basis": "Stop-payment request under the MLA treaty",
            "urgency": "critical",
            "tlp": "amber"
        })
    }

    fn indonesia() -> Context {
        Context::with_region(Region::parse("ID").unwrap())
    }

    fn check(json: serde_json::Value) -> Result<ValidRequest, Invalid> {
        body(json).validate(&indonesia(), &Sla::default(), NOW)
    }

    fn with(key: &str, v: serde_json::Value) -> serde_json::Value {
        let mut b = base();
        b[key] = v;
        b
    }

    #[test]
    fn a_request_is_normalised_with_the_requesters_region() {
        let r = check(base()).unwrap();
        assert_eq!(r.kind, RequestKind::Freeze);
        assert_eq!(r.tlp, Tlp::Amber);
        assert_eq!(r.due, datetime!(2026-03-01 14:00 UTC), "critical: 4 h");
        assert_eq!(r.details, "Victims paid on\n2026-02-28.");
        let keys: Vec<_> = r.observables.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            keys,
            ["iban|GB82WEST12345698765432", "phone|+6281234567890"]
        );
        assert_eq!(r.observables[0].value, "gb82 west 1234 5698 7654 32");
        assert!(r.observables[1].personal);
        assert!(r.recipients.is_empty() && r.personal_data.is_empty() && r.case.is_none());
        // Without a region a national number has no key.
        let e = body(base())
            .validate(&Context::new(), &Sla::default(), NOW)
            .unwrap_err();
        assert_eq!(e.path, "/observables/1/value");
    }

    #[test]
    fn the_type_can_be_refined() {
        let r = check(with(
            "observables",
            serde_json::json!([{"type": "bank-account", "value": "GB82WEST12345698765432"}]),
        ))
        .unwrap();
        assert_eq!(r.observables[0].ty, "iban");
    }

    #[test]
    fn observables_are_bounded_and_each_error_has_its_pointer() {
        let one = serde_json::json!({"type": "domain", "value": "evil.example"});
        let many: Vec<_> = (0..=limits::OBSERVABLES)
            .map(|i| serde_json::json!({"type": "domain", "value": format!("d{i}.example")}))
            .collect();
        let cases = [
            (serde_json::json!([]), "/observables"),
            (serde_json::json!(many), "/observables"),
            (
                serde_json::json!([one, {"type": "planet", "value": "x"}]),
                "/observables/1/type",
            ),
            (
                serde_json::json!([one, one, {"type": "iban", "value": "GB00WEST12345698765432"}]),
                "/observables/1/value",
            ),
            (
                serde_json::json!([one, {"type": "domain", "value": "EVIL.example."}]),
                "/observables/1/value",
            ),
            (
                serde_json::json!([one, one, one, {"type": "iban", "value": "GB00WEST12345698765432"}]),
                "/observables/1/value",
            ),
            (
                serde_json::json!([{"type": "url", "value": "x".repeat(limits::VALUE_CHARS + 1)}]),
                "/observables/0/value",
            ),
            (
                serde_json::json!([{"type": "ipv4", "value": " "}]),
                "/observables/0/value",
            ),
        ];
        for (list, path) in cases {
            let e = check(with("observables", list.clone())).unwrap_err();
            assert_eq!(e.path, path, "{list}: {}", e.message);
        }
        let e = check(with(
            "observables",
            serde_json::json!([one, {"type": "iban", "value": "GB00WEST12345698765432"}]),
        ))
        .unwrap_err();
        assert_eq!(e.path, "/observables/1/value");
        assert!(
            e.message.contains("GB00WEST12345698765432"),
            "{}",
            e.message
        );
        let exactly: Vec<_> = many[..limits::OBSERVABLES].to_vec();
        assert_eq!(
            check(with("observables", serde_json::json!(exactly)))
                .unwrap()
                .observables
                .len(),
            limits::OBSERVABLES
        );
    }

    #[test]
    fn texts_are_bounded() {
        let cases = [
            ("summary", serde_json::json!(" "), "/summary"),
            ("summary", serde_json::json!("a\nb"), "/summary"),
            (
                "summary",
                serde_json::json!("s".repeat(limits::SUMMARY_CHARS + 1)),
                "/summary",
            ),
            (
                "details",
                serde_json::json!("d".repeat(limits::DETAILS_CHARS + 1)),
                "/details",
            ),
            ("details", serde_json::json!("bell \u{7}"), "/details"),
            (
                "legal_basis",
                serde_json::json!("l".repeat(limits::LEGAL_BASIS_CHARS + 1)),
                "/legal_basis",
            ),
            ("tlp", serde_json::json!("purple"), "/tlp"),
        ];
        for (field, v, path) in cases {
            assert_eq!(check(with(field, v)).unwrap_err().path, path, "{field}");
        }
        let mut b = base();
        b.as_object_mut().unwrap().remove("details");
        b.as_object_mut().unwrap().remove("legal_basis");
        let r = check(b).unwrap();
        assert_eq!((r.details.as_str(), r.legal_basis.as_str()), ("", ""));
        let r = check(with("tlp", serde_json::json!("TLP:AMBER+STRICT"))).unwrap();
        assert_eq!(r.tlp, Tlp::AmberStrict);
    }

    #[test]
    fn due_defaults_from_the_sla_and_is_refused_in_the_past() {
        let mut sla = Sla::default();
        sla.set("sla", Urgency::Normal, "2d").unwrap();
        let b = body(with("urgency", serde_json::json!("normal")));
        assert_eq!(
            b.validate(&indonesia(), &sla, NOW).unwrap().due,
            datetime!(2026-03-03 10:00 UTC)
        );
        let r = check(with("due", serde_json::json!("2026-03-01T12:30:00+02:00"))).unwrap();
        assert_eq!(r.due, datetime!(2026-03-01 10:30 UTC));
        for (due, why) in [
            ("2026-03-01T10:00:00Z", "in the past"),
            ("2026-02-01T00:00:00Z", "in the past"),
            ("2027-03-02T10:00:00Z", "365 days"),
        ] {
            let e = check(with("due", serde_json::json!(due))).unwrap_err();
            assert_eq!(e.path, "/due");
            assert!(e.message.contains(why), "{due}: {}", e.message);
        }
        assert!(
            serde_json::from_value::<NewRequest>(with("due", serde_json::json!("tomorrow")))
                .is_err()
        );
    }

    #[test]
    fn only_red_names_users() {
        let e = check(with("recipients", serde_json::json!(["a@mycert.my"]))).unwrap_err();
        assert_eq!(e.path, "/recipients");
        let red = |list: serde_json::Value| {
            let mut b = with("tlp", serde_json::json!("red"));
            b["recipients"] = list;
            check(b)
        };
        assert_eq!(red(serde_json::json!([])).unwrap_err().path, "/recipients");
        let r = red(serde_json::json!(["duty@mycert.my", " b@mycert.my"])).unwrap();
        assert_eq!(r.recipients.len(), 2);
        assert_eq!(
            red(serde_json::json!(["duty@mycert.my", "nope"]))
                .unwrap_err()
                .path,
            "/recipients/1"
        );
        assert_eq!(
            red(serde_json::json!(["duty@mycert.my", "duty@mycert.my"]))
                .unwrap_err()
                .path,
            "/recipients/1"
        );
        let many: Vec<_> = (0..=limits::RECIPIENTS)
            .map(|i| format!("u{i}@mycert.my"))
            .collect();
        assert_eq!(
            red(serde_json::json!(many)).unwrap_err().path,
            "/recipients"
        );
    }

    #[test]
    fn personal_data_is_bounded() {
        let ok = serde_json::json!([
            {"role": "victim", "name": "Siti"},
            {"role": "account-holder", "identifier": "880101-14-5566", "name": "A. Holder"}
        ]);
        let r = check(with("personal_data", ok)).unwrap();
        assert_eq!(r.personal_data[1].role, PersonalRole::AccountHolder);
        for (list, path) in [
            (serde_json::json!([{"role": "victim"}]), "/personal_data/0"),
            (
                serde_json::json!([{"role": "victim", "name": " "}]),
                "/personal_data/0/name",
            ),
            (
                serde_json::json!([{"role": "victim", "name": "x", "identifier": "i".repeat(limits::PERSONAL_CHARS + 1)}]),
                "/personal_data/0/identifier",
            ),
            (
                serde_json::json!(vec![
                    serde_json::json!({"role": "other", "name": "n"});
                    limits::PERSONAL + 1
                ]),
                "/personal_data",
            ),
        ] {
            assert_eq!(check(with("personal_data", list)).unwrap_err().path, path);
        }
    }

    #[test]
    fn the_body_shape_is_strict() {
        for (key, v) in [
            ("kind", serde_json::json!("arrest")),
            ("urgency", serde_json::json!("urgent")),
            ("to", serde_json::json!({"org": "-"})),
            ("case", serde_json::json!("not-a-uuid")),
            ("colour", serde_json::json!("red")),
        ] {
            assert!(
                serde_json::from_value::<NewRequest>(with(key, v)).is_err(),
                "{key}"
            );
        }
        let mut b = base();
        b.as_object_mut().unwrap().remove("summary");
        assert!(serde_json::from_value::<NewRequest>(b).is_err());
        let case = uuid::Uuid::new_v4();
        let r = check(with("case", serde_json::json!(case))).unwrap();
        assert_eq!(r.case, Some(CaseId(case)));
    }
}
