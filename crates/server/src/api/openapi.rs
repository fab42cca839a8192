//! The OpenAPI 3.1 document, built from the route table and the schemas of its Rust types.

use std::collections::BTreeMap;

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required, ResponseBuilder, SecurityRequirement, ServerBuilder,
};

use super::ApiRoute;
use crate::error::PROBLEM_JSON;

/// The error statuses every route may answer (with a problem body); `default` covers the rest.
const ERROR_STATUSES: &[&str] = &[
    "400", "401", "403", "404", "408", "409", "413", "415", "429", "503",
];

fn http_method(m: &axum::http::Method) -> HttpMethod {
    match *m {
        axum::http::Method::POST => HttpMethod::Post,
        axum::http::Method::PUT => HttpMethod::Put,
        axum::http::Method::PATCH => HttpMethod::Patch,
        axum::http::Method::DELETE => HttpMethod::Delete,
        axum::http::Method::HEAD => HttpMethod::Head,
        axum::http::Method::OPTIONS => HttpMethod::Options,
        _ => HttpMethod::Get,
    }
}

/// The path parameters of `path` (`{id}` is a UUID, or a STIX id under `/objects`; `{type}` and
/// `{value}` an observable's; `{name}` a community name).
fn path_parameters(path: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "id" && path.starts_with("/objects/") {
                super::schema::stix_id()
            } else if name == "type" {
                super::schema::observable_type()
            } else if name == "value" {
                super::schema::observable_value()
            } else if name == "event" {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(
                        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.json$",
                    ))
                    .description(Some("`<event uuid>.json`"))
                    .build()
            } else if name == "id" || name == "collection" {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .build()
            } else {
                super::schema::community_name()
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema))
                .build()
        })
        .collect()
}

fn json_ref(name: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(name)))
        .build()
}

/// The document.
pub fn document(routes: &[ApiRoute]) -> OpenApi {
    let mut schemas = Vec::new();
    let (problem, problem_schema) = crate::error::problem_schema();
    schemas.push((problem.clone(), problem_schema));
    crate::error::problem_schemas(&mut schemas);
    let error = ResponseBuilder::new()
        .description("Error (RFC 9457 problem details)")
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(&problem)))
                .build(),
        )
        .build();
    let mut paths = PathsBuilder::new().build();
    for route in routes {
        let mut ok = ResponseBuilder::new().description(route.summary);
        if let Some(res) = &route.response {
            res.collect(&mut schemas);
            ok = ok.content(route.response_type, json_ref(&res.name()));
        }
        let mut op = OperationBuilder::new()
            .operation_id(Some(format!(
                "{}{}",
                route.method.as_str().to_lowercase(),
                route.path.replace(['/', '{', '}', '-'], "_")
            )))
            .summary(Some(route.summary))
            .description(Some(format!("Allowed: {}.", route.who)))
            .parameters(Some(
                path_parameters(route.path)
                    .into_iter()
                    .chain((route.query)()),
            ))
            .response(route.success.as_u16().to_string(), ok.build());
        for status in ERROR_STATUSES {
            op = op.response(*status, error.clone());
        }
        op = op.response("default", error.clone());
        if let Some(req) = &route.request {
            req.collect(&mut schemas);
            let mut body = RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", json_ref(&req.name()));
            if let Some(what) = route.text_request {
                let text = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(what))
                    .build();
                body = body.content(
                    "text/plain",
                    ContentBuilder::new().schema(Some(text)).build(),
                );
            }
            op = op.request_body(Some(body.build()));
        }
        paths.add_path_operation(
            route.full_path(),
            vec![http_method(&route.method)],
            op.build(),
        );
    }
    let schemas: BTreeMap<String, RefOr<utoipa::openapi::schema::Schema>> =
        schemas.into_iter().collect();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`simpul_…`)"))
                    .build(),
            ),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "A web session; every write needs the session's CSRF token in X-CSRF-Token",
            ))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("simpul REST API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The REST API of simpul, the ASEAN Regional CERT platform. Errors are RFC 9457 \
                     problem+json with a stable `code`; request bodies are one JSON value of the \
                     documented schema and nothing else.",
                )),
        )
        .servers(Some([ServerBuilder::new().url("/").build()]))
        .security(Some([
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]))
        .paths(paths)
        .components(Some(components))
        .build()
}
