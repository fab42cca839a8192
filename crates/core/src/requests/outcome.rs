//! The outcome the target reports when it has acted: `{"result": "done" | "partial" |
//! "not-possible", "details", "reference", "amount": {"value", "currency"}, "observables": [{"key",
//! "result", "details", "amount"}]}`. Amounts are for freeze requests only: a positive decimal of
//! at most 14 integer and 4 fraction digits (kept exactly, in ten-thousandths, never a float) and
//! an ISO 4217-shaped currency code. A per-observable entry names one of the request's observables
//! by its canonical key, where its result differs from the whole.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::{RequestKind, bounded, limits, text};
use crate::error::{Invalid, excerpt};
use crate::org::string_enum;

/// The longest details of an outcome, in characters.
pub const DETAILS_CHARS: usize = 4_000;
/// The longest reference (the target's own case or ticket number), in characters.
pub const REFERENCE_CHARS: usize = 200;

string_enum!(
    /// What the target achieved.
    OutcomeResult, "result" {
        Done => "done",
        Partial => "partial",
        NotPossible => "not-possible",
    }
);

/// An outcome as the target gives it (unvalidated).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub result: OutcomeResult,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub amount: Option<AmountInput>,
    #[serde(default)]
    pub observables: Vec<ObservableOutcomeInput>,
}

/// An amount as given: the value as a JSON string (`"1500.50"`) or number, and the currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountInput {
    pub value: Value,
    pub currency: String,
}

/// One observable's outcome as given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservableOutcomeInput {
    /// The observable's canonical key (`iban|GB82WEST12345698765432`), as the request shows it.
    pub key: String,
    pub result: OutcomeResult,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub amount: Option<AmountInput>,
}

/// A validated outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub result: OutcomeResult,
    pub details: String,
    pub reference: Option<String>,
    pub amount: Option<Amount>,
    pub observables: Vec<ObservableOutcome>,
}

/// A validated per-observable outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservableOutcome {
    pub key: String,
    pub result: OutcomeResult,
    pub details: String,
    pub amount: Option<Amount>,
}

/// An ISO 4217-shaped currency code: three letters, upper case (`MYR`, `SGD`, `USD`). Only the
/// shape is checked: whether the code is assigned is not this module's to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(path: &str, s: &str) -> Result<Self, Invalid> {
        let up = s.trim().to_ascii_uppercase();
        match up.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(Invalid::new(
                path,
                format!(
                    "`{}` is not an ISO 4217 currency code (three letters, e.g. MYR)",
                    excerpt(s)
                ),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A positive amount of a currency, exactly: in ten-thousandths of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    ten_thousandths: i64,
    currency: Currency,
}

impl Amount {
    /// The most integer digits of a value.
    pub const INT_DIGITS: usize = 14;
    /// The most fraction digits of a value.
    pub const FRACTION_DIGITS: usize = 4;

    /// Reads `{"value", "currency"}` at `path`.
    pub fn parse(path: &str, a: &AmountInput) -> Result<Self, Invalid> {
        let at = format!("{path}/value");
        let text = match &a.value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(Invalid::new(
                    at,
                    "give the amount as a decimal string (\"1500.50\") or number",
                ));
            }
        };
        let ten_thousandths = decimal(&text).ok_or_else(|| {
            Invalid::new(
                &at,
                format!(
                    "`{}` is not a positive amount (up to {} digits and {} decimals)",
                    excerpt(&text),
                    Self::INT_DIGITS,
                    Self::FRACTION_DIGITS
                ),
            )
        })?;
        let currency = Currency::parse(&format!("{path}/currency"), &a.currency)?;
        Ok(Self {
            ten_thousandths,
            currency,
        })
    }

    pub fn ten_thousandths(&self) -> i64 {
        self.ten_thousandths
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The value as a decimal without trailing zeros (`1500.5`, `20`).
    pub fn value(&self) -> String {
        decimal_text(i128::from(self.ten_thousandths))
    }
}

/// A non-negative number of ten-thousandths as a decimal without trailing zeros (`1500.5`, `20`,
/// `0.0001`); also the form of sums of amounts (`requests::stats`), which can exceed an `i64`.
pub(crate) fn decimal_text(ten_thousandths: i128) -> String {
    let (int, frac) = (ten_thousandths / 10_000, ten_thousandths % 10_000);
    if frac == 0 {
        return int.to_string();
    }
    let f = format!("{frac:04}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Amount", 2)?;
        st.serialize_field("value", &self.value())?;
        st.serialize_field("currency", self.currency.as_str())?;
        st.end()
    }
}

/// A positive decimal `123.4567` in ten-thousandths.
fn decimal(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || int.len() > Amount::INT_DIGITS
        || frac.len() > Amount::FRACTION_DIGITS
        || (s.contains('.') && frac.is_empty())
        || !digits(int)
        || !digits(frac)
    {
        return None;
    }
    let scaled = int.parse::<i64>().ok()? * 10_000 + format!("{frac:0<4}").parse::<i64>().ok()?;
    (scaled > 0).then_some(scaled)
}

impl Outcome {
    /// What the outcome counts as frozen (`requests::stats`): its amount for the whole when given
    /// (it is the total), else the amounts of its per-observable entries. Nothing for other kinds
    /// than freezes (validation refuses amounts there) or a `not-possible` result.
    pub fn frozen(&self) -> Vec<Amount> {
        match self.amount {
            Some(a) => vec![a],
            None => self.observables.iter().filter_map(|o| o.amount).collect(),
        }
    }
}

impl OutcomeInput {
    /// Checks the outcome of a request of `kind` whose observables have the canonical `keys`;
    /// `path` is the outcome's JSON pointer (`/outcome`).
    pub fn validate(
        &self,
        path: &str,
        kind: RequestKind,
        keys: &[String],
    ) -> Result<Outcome, Invalid> {
        let details = text(
            &format!("{path}/details"),
            &self.details,
            DETAILS_CHARS,
            false,
            false,
        )?;
        let reference = text(
            &format!("{path}/reference"),
            &self.reference,
            REFERENCE_CHARS,
            false,
            true,
        )?;
        let amount = amount_of(
            &format!("{path}/amount"),
            self.amount.as_ref(),
            kind,
            self.result,
        )?;
        bounded(
            &format!("{path}/observables"),
            self.observables.len(),
            None,
            limits::OBSERVABLES,
            "entries",
        )?;
        let mut observables: Vec<ObservableOutcome> = Vec::new();
        for (i, o) in self.observables.iter().enumerate() {
            let at = format!("{path}/observables/{i}");
            let key = o.key.trim();
            if !keys.iter().any(|k| k == key) {
                return Err(Invalid::new(
                    format!("{at}/key"),
                    format!(
                        "`{}` is not the key of one of the request's observables",
                        excerpt(key)
                    ),
                ));
            }
            if let Some(j) = observables.iter().position(|seen| seen.key == key) {
                return Err(Invalid::new(
                    format!("{at}/key"),
                    format!("is given twice (also {path}/observables/{j})"),
                ));
            }
            observables.push(ObservableOutcome {
                key: key.to_owned(),
                result: o.result,
                details: text(
                    &format!("{at}/details"),
                    &o.details,
                    DETAILS_CHARS,
                    false,
                    false,
                )?,
                amount: amount_of(&format!("{at}/amount"), o.amount.as_ref(), kind, o.result)?,
            });
        }
        Ok(Outcome {
            result: self.result,
            details,
            reference: (!reference.is_empty()).then_some(reference),
            amount,
            observables,
        })
    }
}

fn amount_of(
    path: &str,
    a: Option<&AmountInput>,
    kind: RequestKind,
    result: OutcomeResult,
) -> Result<Option<Amount>, Invalid> {
    let Some(a) = a else { return Ok(None) };
    if kind != RequestKind::Freeze {
        return Err(Invalid::new(
            path,
            "an amount is reported for freeze requests only",
        ));
    }
    if result == OutcomeResult::NotPossible {
        return Err(Invalid::new(
            path,
            "nothing was frozen: a not-possible result has no amount",
        ));
    }
    Amount::parse(path, a).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const IBAN: &str = "iban|GB82WEST12345698765432";
    const PHONE: &str = "phone|+6281234567890";

    fn keys() -> Vec<String> {
        vec![IBAN.to_owned(), PHONE.to_owned()]
    }

    fn check(v: Value, kind: RequestKind) -> Result<Outcome, Invalid> {
        serde_json::from_value::<OutcomeInput>(v)
            .unwrap()
            .validate("/outcome", kind, &keys())
    }

    #[test]
    fn a_freeze_outcome_with_amounts() {
        let o = check(
            json!({
                "result": "partial",
                "details": "One account frozen;\nthe other was closed.",
                "reference": " MY-2026-0042 ",
                "amount": {"value": "15000.50", "currency": "myr"},
                "observables": [
                    {"key": IBAN, "result": "done", "amount": {"value": 15000.5, "currency": "MYR"}},
                    {"key": PHONE, "result": "not-possible", "details": "prepaid, unregistered"}
                ]
            }),
            RequestKind::Freeze,
        )
        .unwrap();
        assert_eq!(o.reference.as_deref(), Some("MY-2026-0042"));
        let a = o.amount.unwrap();
        assert_eq!(
            (a.value(), a.currency().as_str()),
            ("15000.5".into(), "MYR")
        );
        assert_eq!(a.ten_thousandths(), 150_005_000);
        assert_eq!(o.observables[0].amount, Some(a));
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            json!({"value": "15000.5", "currency": "MYR"})
        );
        let bare = check(json!({"result": "done"}), RequestKind::Takedown).unwrap();
        assert_eq!(bare.reference, None);
        assert!(bare.observables.is_empty());
    }

    #[test]
    fn amounts_are_exact_decimals() {
        for (v, want) in [
            ("1", 10_000),
            ("0.0001", 1),
            ("12.34", 123_400),
            ("99999999999999.9999", 999_999_999_999_999_999),
        ] {
            assert_eq!(decimal(v), Some(want), "{v}");
        }
        for v in [
            "0",
            "0.0000",
            "-1",
            "1.",
            ".5",
            "1.23456",
            "1e3",
            "",
            "1,000",
            "100000000000000",
            "+1",
        ] {
            assert_eq!(decimal(v), None, "{v}");
        }
        let a = |v: Value| {
            Amount::parse(
                "/a",
                &AmountInput {
                    value: v,
                    currency: "SGD".into(),
                },
            )
        };
        assert_eq!(a(json!("20.00")).unwrap().value(), "20");
        assert_eq!(a(json!(0.05)).unwrap().value(), "0.05");
        assert_eq!(a(json!(true)).unwrap_err().path, "/a/value");
        assert_eq!(a(json!("-3")).unwrap_err().path, "/a/value");
        for c in ["SG", "SGDX", "S1D", "€€€", ""] {
            let e = Amount::parse(
                "/a",
                &AmountInput {
                    value: json!("1"),
                    currency: c.into(),
                },
            )
            .unwrap_err();
            assert_eq!(e.path, "/a/currency", "{c}");
        }
    }

    #[test]
    fn each_refusal_has_its_pointer() {
        let cases = [
            (
                json!({"result": "done", "amount": {"value": "1", "currency": "MYR"}}),
                RequestKind::Takedown,
                "/outcome/amount",
            ),
            (
                json!({"result": "not-possible", "amount": {"value": "1", "currency": "MYR"}}),
                RequestKind::Freeze,
                "/outcome/amount",
            ),
            (
                json!({"result": "done", "reference": "a\nb"}),
                RequestKind::Block,
                "/outcome/reference",
            ),
            (
                json!({"result": "done", "reference": "r".repeat(REFERENCE_CHARS + 1)}),
                RequestKind::Block,
                "/outcome/reference",
            ),
            (
                json!({"result": "done", "details": "d".repeat(DETAILS_CHARS + 1)}),
                RequestKind::Block,
                "/outcome/details",
            ),
            (
                json!({"result": "done", "observables": [{"key": "domain|other.example", "result": "done"}]}),
                RequestKind::Block,
                "/outcome/observables/0/key",
            ),
            (
                json!({"result": "done", "observables": [
                    {"key": IBAN, "result": "done"}, {"key": IBAN, "result": "partial"}
                ]}),
                RequestKind::Freeze,
                "/outcome/observables/1/key",
            ),
            (
                json!({"result": "done", "observables": [
                    {"key": PHONE, "result": "done", "amount": {"value": "1", "currency": "MYR"}}
                ]}),
                RequestKind::Block,
                "/outcome/observables/0/amount",
            ),
            (
                json!({"result": "done", "observables": [
                    {"key": PHONE, "result": "done", "amount": {"value": "1", "currency": "RM"}}
                ]}),
                RequestKind::Freeze,
                "/outcome/observables/0/amount/currency",
            ),
        ];
        for (v, kind, path) in cases {
            assert_eq!(check(v.clone(), kind).unwrap_err().path, path, "{v}");
        }
        let many = vec![json!({"key": IBAN, "result": "done"}); limits::OBSERVABLES + 1];
        let e = check(
            json!({"result": "done", "observables": many}),
            RequestKind::Block,
        )
        .unwrap_err();
        assert_eq!(e.path, "/outcome/observables");
        for bad in [
            json!({"result": "maybe"}),
            json!({"details": "x"}),
            json!({"result": "done", "extra": 1}),
        ] {
            assert!(serde_json::from_value::<OutcomeInput>(bad).is_err());
        }
    }

    #[test]
    fn what_an_outcome_counts_as_frozen() {
        let outcome = |v: Value| check(v, RequestKind::Freeze).unwrap();
        let amount = |v: &str, c: &str| {
            let input = AmountInput {
                value: json!(v),
                currency: c.into(),
            };
            Amount::parse("/amount", &input).unwrap()
        };
        let whole = outcome(json!({"result": "done",
            "amount": {"value": "100", "currency": "MYR"},
            "observables": [{"key": IBAN, "result": "done", "amount": {"value": "60", "currency": "MYR"}}]}));
        assert_eq!(whole.frozen(), [amount("100", "MYR")]);
        let parts = outcome(json!({"result": "partial", "observables": [
            {"key": IBAN, "result": "done", "amount": {"value": "60", "currency": "MYR"}},
            {"key": PHONE, "result": "not-possible"}]}));
        assert_eq!(parts.frozen(), [amount("60", "MYR")]);
        assert!(
            outcome(json!({"result": "not-possible"}))
                .frozen()
                .is_empty()
        );
    }
}
