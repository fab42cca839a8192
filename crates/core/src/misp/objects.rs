//! MISP objects: each attribute of an object maps by its type ([`super::types`]), except the
//! relations a template types loosely (`text`), which the template names here. Attributes that
//! map to no observable (free text, dates, amounts) are kept on the STIX object as
//! `x_misp_object_attributes`.

use serde_json::{Value, json};

use super::model::Attribute;
use super::types::{self, Cmp, Lit, Mapped};

/// The comparison a template gives a relation, where the attribute type alone would not say.
fn by_template(template: &str, relation: &str, value: &str) -> Option<Vec<Cmp>> {
    let s = |sco: &'static str, path: &'static str| Cmp {
        sco,
        path,
        value: Lit::Str(value.trim().to_owned()),
    };
    Some(match (template, relation) {
        ("telegram-account", "username") => vec![
            Cmp {
                sco: "user-account",
                path: "account_type",
                value: Lit::Str("telegram".into()),
            },
            s("user-account", "account_login"),
        ],
        ("telegram-account", "id") => vec![
            Cmp {
                sco: "user-account",
                path: "account_type",
                value: Lit::Str("telegram".into()),
            },
            s("user-account", "user_id"),
        ],
        ("telegram-account", "phone") => vec![s("phone-number", "value")],
        ("android-app", "appid") => vec![s("mobile-app", "value")],
        ("android-app", "name") => vec![s("mobile-app", "name")],
        ("android-app", "certificate") => vec![s("x509-certificate", "hashes.'SHA-1'")],
        ("android-app", "certificate-sha256") => vec![s("x509-certificate", "hashes.'SHA-256'")],
        ("coin-address", "address-crypto") => vec![s("cryptocurrency-wallet", "value")],
        ("phone" | "phone-number", "phone-number" | "phone") => vec![s("phone-number", "value")],
        ("bank-account", "swift") => vec![s("bank-account", "bic")],
        ("bank-account", "account") => vec![s("bank-account", "account_number")],
        ("email", "from") => vec![s("email-message", "from_ref.value")],
        ("email", "to") => vec![s("email-message", "to_refs[*].value")],
        ("email", "cc") => vec![s("email-message", "cc_refs[*].value")],
        ("email", "subject") => vec![s("email-message", "subject")],
        _ => return None,
    })
}

/// The comparisons of an object's attributes (those kept), and the attributes that map to no
/// observable, as `{relation, type, value}`.
pub fn compose(template: &str, attributes: &[&Attribute]) -> (Vec<Cmp>, Vec<Value>) {
    let mut cmps: Vec<Cmp> = Vec::new();
    let mut rest = Vec::new();
    for a in attributes {
        let relation = a.object_relation.as_deref().unwrap_or_default();
        let mapped = by_template(template, relation, &a.value).or_else(|| {
            match types::map(&a.kind, &a.value) {
                Mapped::Observable(c) => Some(c),
                Mapped::Note | Mapped::Custom(_) => None,
            }
        });
        match mapped {
            Some(c) => {
                for c in c {
                    // One account_type per account, whichever relation brought it.
                    if !cmps.contains(&c) || c.path != "account_type" {
                        cmps.push(c);
                    }
                }
            }
            None => rest.push(json!({
                "relation": relation,
                "type": a.kind,
                "value": a.value,
            })),
        }
    }
    (cmps, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::misp::sco::pattern;

    fn attr(relation: &str, kind: &str, value: &str) -> Attribute {
        Attribute {
            object_relation: Some(relation.into()),
            kind: kind.into(),
            value: value.into(),
            ..Attribute::default()
        }
    }

    #[test]
    fn templates_name_the_loosely_typed_relations() {
        let a = [
            attr("username", "text", "scam_support"),
            attr("id", "text", "777000"),
            attr("first_name", "text", "Support"),
        ];
        let refs: Vec<&Attribute> = a.iter().collect();
        let (cmps, rest) = compose("telegram-account", &refs);
        assert_eq!(
            pattern(&cmps),
            "[user-account:account_type = 'telegram' AND user-account:account_login = \
             'scam_support' AND user-account:user_id = '777000']"
        );
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0]["relation"], "first_name");
    }
}
