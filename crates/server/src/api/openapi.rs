//! The OpenAPI 3.1 document, built from the route table.

use serde_json::{Map, Value, json};

use super::ApiRoute;

fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn nullable(v: Value) -> Value {
    json!({ "oneOf": [v, { "type": "null" }] })
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}

fn list(key: &str, item: &str) -> Value {
    json!({ "type": "object", "required": [key], "properties": { key: { "type": "array", "items": r(item) } } })
}

fn schemas() -> Value {
    let kinds = json!({ "type": "string", "enum": ["regional-cert", "national-cert", "sector-cert", "government", "international-org", "industry", "academia", "other"] });
    let roles =
        json!({ "type": "string", "enum": ["site-admin", "org-admin", "analyst", "read-only"] });
    let scope = json!({ "type": "string", "enum": ["read", "write", "sync", "admin"] });
    json!({
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                "detail": { "type": "string" }, "code": { "type": "string" }, "request_id": { "type": "string" },
                "errors": { "type": "array", "items": { "type": "object", "properties": { "pointer": { "type": "string" }, "detail": { "type": "string" } } } }
            }
        },
        "Empty": { "type": "null" },
        "Organisation": object(&["id", "name", "short_name", "kind", "country", "status", "created_at"], json!({
            "id": uuid(), "name": { "type": "string" }, "short_name": { "type": "string" }, "kind": kinds,
            "country": nullable(json!({ "type": "string", "pattern": "^[A-Z]{2}$" })),
            "status": { "type": "string", "enum": ["active", "suspended"] }, "created_at": time()
        })),
        "OrganisationList": list("organisations", "Organisation"),
        "NewOrganisation": object(&["name", "short_name", "kind"], json!({
            "name": { "type": "string" }, "short_name": { "type": "string" }, "kind": kinds, "country": nullable(json!({ "type": "string" }))
        })),
        "OrganisationUpdate": object(&[], json!({
            "name": { "type": "string" }, "country": nullable(json!({ "type": "string" })), "kind": kinds,
            "status": { "type": "string", "enum": ["active", "suspended"] }
        })),
        "Community": object(&["id", "name", "description", "members", "created_at"], json!({
            "id": uuid(), "name": { "type": "string" }, "description": { "type": "string" },
            "members": { "type": "array", "items": uuid() }, "created_at": time()
        })),
        "CommunityList": list("communities", "Community"),
        "NewCommunity": object(&["name"], json!({ "name": { "type": "string" }, "description": { "type": "string" } })),
        "Members": object(&["members"], json!({ "members": { "type": "array", "items": uuid() } })),
        "User": object(&["id", "email", "display_name", "org_id", "role", "status", "created_at"], json!({
            "id": uuid(), "email": { "type": "string", "format": "email" }, "display_name": { "type": "string" },
            "org_id": uuid(), "role": roles, "status": { "type": "string", "enum": ["active", "disabled"] }, "created_at": time()
        })),
        "UserList": list("users", "User"),
        "NewUser": object(&["email", "display_name", "role"], json!({
            "email": { "type": "string" }, "display_name": { "type": "string" }, "org_id": nullable(uuid()), "role": roles,
            "password": nullable(json!({ "type": "string", "minLength": 12 }))
        })),
        "CreatedUser": object(&["user", "password"], json!({ "user": r("User"), "password": nullable(json!({ "type": "string" })) })),
        "UserUpdate": object(&[], json!({
            "display_name": { "type": "string" }, "role": roles, "status": { "type": "string", "enum": ["active", "disabled"] }
        })),
        "Password": object(&["password"], json!({ "password": { "type": "string" } })),
        "PasswordChange": object(&["current_password", "new_password"], json!({
            "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 12 }
        })),
        "Token": object(&["id", "user_id", "name", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"], json!({
            "id": uuid(), "user_id": uuid(), "name": { "type": "string" }, "scopes": { "type": "array", "items": scope },
            "created_at": time(), "expires_at": nullable(time()), "last_used_at": nullable(time()), "revoked_at": nullable(time())
        })),
        "TokenList": list("tokens", "Token"),
        "NewToken": object(&["name", "scopes"], json!({
            "name": { "type": "string" }, "scopes": { "type": "array", "items": scope, "minItems": 1 },
            "expires_in_days": nullable(json!({ "type": "integer", "minimum": 1, "maximum": 3650 }))
        })),
        "CreatedToken": object(&["token", "secret"], json!({ "token": r("Token"), "secret": { "type": "string" } })),
        "AuditEntry": object(&["seq", "at", "actor", "action", "details", "prev_hash", "hash"], json!({
            "seq": { "type": "integer" }, "at": time(), "actor": { "type": "string" }, "actor_org": nullable(uuid()),
            "source": nullable(json!({ "type": "string" })), "action": { "type": "string" },
            "target": nullable(json!({ "type": "string" })), "target_org": nullable(uuid()),
            "details": { "type": "string", "description": "JSON text" }, "prev_hash": { "type": "string" }, "hash": { "type": "string" }
        })),
        "AuditList": list("entries", "AuditEntry"),
        "Me": { "type": "object", "required": ["user", "organisation", "communities", "auth", "scopes"], "properties": {
            "user": r("User"), "organisation": r("Organisation"), "communities": { "type": "array", "items": uuid() },
            "auth": { "type": "string", "enum": ["session", "token"] }, "scopes": { "type": "array", "items": scope },
            "csrf_token": nullable(json!({ "type": "string" }))
        } }
    })
}

fn parameters(route: &ApiRoute) -> Vec<Value> {
    let mut out: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "id" {
                uuid()
            } else {
                json!({ "type": "string" })
            };
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
        .collect();
    let query: &[(&str, Value)] = match route.path {
        "/users" => &[("org", uuid())],
        "/audit" => &[
            ("org", uuid()),
            ("before", json!({ "type": "integer" })),
            (
                "limit",
                json!({ "type": "integer", "minimum": 1, "maximum": 1000 }),
            ),
        ],
        _ => &[],
    };
    if route.method == axum::http::Method::GET {
        for (name, schema) in query {
            out.push(json!({ "name": name, "in": "query", "required": false, "schema": schema }));
        }
    }
    out
}

/// The document.
pub fn document(routes: &[ApiRoute]) -> Value {
    let problem = json!({ "description": "Error", "content": { "application/problem+json": { "schema": r("Problem") } } });
    let mut paths = Map::new();
    for route in routes {
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        let mut responses = Map::new();
        let ok = if route.response == "Empty" {
            json!({ "description": route.summary })
        } else {
            json!({ "description": route.summary, "content": { "application/json": { "schema": r(route.response) } } })
        };
        responses.insert(route.success.as_u16().to_string(), ok);
        for code in [
            "400", "401", "403", "404", "409", "413", "415", "429", "503",
        ] {
            responses.insert(code.into(), problem.clone());
        }
        let mut op = json!({
            "operationId": format!("{}{}", route.method.as_str().to_lowercase(), route.path.replace(['/', '{', '}', '-'], "_")),
            "summary": route.summary,
            "description": format!("Allowed: {}.", route.who),
            "parameters": parameters(route),
            "responses": responses,
        });
        if let Some(req) = route.request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": r(req) } } });
        }
        entry[route.method.as_str().to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "simpul REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of simpul, the ASEAN Regional CERT platform. Errors are RFC 9457 problem+json with a stable `code`."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token (`simpul_…`)" },
                "session": { "type": "apiKey", "in": "cookie", "name": "simpul_session", "description": "A web session; writes need the X-CSRF-Token header" }
            }
        }
    })
}
