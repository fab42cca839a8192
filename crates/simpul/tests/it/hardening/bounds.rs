//! The REST API's documented bounds: the lengths, patterns, enums and limits the OpenAPI document
//! states are the ones the server's parsers enforce.

use serde_json::json;
use simpul_core::org::{OrgKind, ShortName};

#[tokio::test]
async fn the_document_states_the_bounds_the_server_enforces() {
    use simpul_core::secret::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
    let doc = serde_json::to_value(simpul_server::api::openapi()).unwrap();
    let s = &doc["components"]["schemas"];
    let short = &s["NewOrganisation"]["properties"]["short_name"];
    assert_eq!(short["minLength"], ShortName::MIN_CHARS);
    assert_eq!(short["maxLength"], ShortName::MAX_CHARS);
    assert_eq!(short["pattern"], ShortName::PATTERN);
    for (schema, field) in [
        ("NewOrganisation", "name"),
        ("OrganisationUpdate", "name"),
        ("NewUser", "display_name"),
        ("UserUpdate", "display_name"),
        ("NewToken", "name"),
    ] {
        let f = &s[schema]["properties"][field];
        assert_eq!(f["minLength"], 1, "{schema}.{field}");
        assert_eq!(
            f["maxLength"],
            simpul_core::org::NAME_MAX_CHARS,
            "{schema}.{field}"
        );
        assert_eq!(
            f["pattern"],
            simpul_core::org::NAME_PATTERN,
            "{schema}.{field}"
        );
    }
    for (schema, field) in [("NewUser", "password"), ("PasswordChange", "new_password")] {
        let f = &s[schema]["properties"][field];
        assert_eq!(f["minLength"], MIN_PASSWORD_CHARS, "{schema}.{field}");
        assert_eq!(f["maxLength"], MAX_PASSWORD_CHARS, "{schema}.{field}");
    }
    let community = &s["NewCommunity"]["properties"]["name"];
    assert_eq!(community["pattern"], simpul_core::CommunityName::PATTERN);
    assert_eq!(
        community["maxLength"],
        simpul_core::CommunityName::MAX_CHARS
    );
    assert_eq!(
        s["NewUser"]["properties"]["email"]["maxLength"],
        simpul_core::Email::MAX_CHARS
    );
    let days = &s["NewToken"]["properties"]["expires_in_days"];
    assert_eq!(days["minimum"], 1);
    assert_eq!(days["maximum"], simpul_core::token::MAX_EXPIRES_IN_DAYS);
    assert_eq!(s["NewToken"]["properties"]["scopes"]["minItems"], 1);
    let kinds: Vec<&str> = OrgKind::ALL.iter().map(OrgKind::as_str).collect();
    assert_eq!(
        s["Organisation"]["properties"]["kind"]["enum"],
        json!(kinds)
    );
    let limit = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(
        limit["schema"]["maximum"],
        simpul_server::api::audit::MAX_LIMIT
    );
    let params = doc["paths"]["/api/v1/objects"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let param = |name: &str| params.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(
        param("limit")["schema"]["maximum"],
        simpul_server::api::objects::MAX_LIMIT
    );
    for name in [
        "type",
        "q",
        "tlp",
        "org",
        "collection",
        "added_after",
        "revoked",
        "observable",
        "next",
    ] {
        assert_eq!(param(name)["in"], "query", "{name}");
    }
    let object_id = &doc["paths"]["/api/v1/objects/{id}"]["get"]["parameters"][0];
    assert_eq!(object_id["name"], "id");
    assert!(
        object_id["schema"]["pattern"].is_string(),
        "a STIX id, not a UUID"
    );
    let alias = &s["NewCollection"]["properties"]["alias"];
    assert_eq!(alias["pattern"], simpul_core::intel::service::ALIAS_PATTERN);
    assert_eq!(
        alias["maxLength"],
        simpul_core::intel::service::ALIAS_MAX_CHARS
    );
    // The patterns say what the parsers say.
    let name_re = regex_lite(simpul_core::org::NAME_PATTERN);
    for (name, ok) in [
        ("SingCERT team", true),
        (" x ", true),
        ("   ", false),
        ("a\u{7}b", false),
    ] {
        assert_eq!(
            name_re.is_valid(&json!(name)),
            ok,
            "{name:?} vs check_name: {:?}",
            simpul_core::org::check_name("n", name)
        );
        assert_eq!(simpul_core::org::check_name("n", name).is_ok(), ok);
    }
    let short_re = regex_lite(ShortName::PATTERN);
    for s in ["SingCERT", "Id-SIRTII/CC", "-lead", "has space", "naïve"] {
        assert_eq!(
            short_re.is_valid(&json!(s)),
            ShortName::parse(s).is_ok(),
            "{s}"
        );
    }
}

/// A validator of strings against `pattern`.
fn regex_lite(pattern: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&json!({"type": "string", "pattern": pattern})).unwrap()
}
