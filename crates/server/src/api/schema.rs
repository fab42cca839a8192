//! JSON Schemas of the core's validated newtypes and enums, built from the core's own constants
//! (`ShortName::PATTERN`, `OrgKind::ALL`, …) so the document cannot drift from what the server
//! enforces. Used by the resources' `#[schema(schema_with = …)]` attributes.

use serde_json::Value;
use simpul_core::intel::service::{
    ALIAS_MAX_CHARS, ALIAS_MIN_CHARS, ALIAS_PATTERN, MAX_DESCRIPTION_CHARS,
};
use simpul_core::intel::{Pap, Tlp};
use simpul_core::org::{NAME_MAX_CHARS, NAME_PATTERN};
use simpul_core::secret::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use simpul_core::token::MAX_EXPIRES_IN_DAYS;
use simpul_core::{CommunityName, Email, OrgKind, OrgStatus, Role, Scope, ShortName, UserStatus};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type,
};

use crate::error::ErrorCode;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn string_or_null() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(
        [Type::String, Type::Null]
            .into_iter()
            .collect::<SchemaType>(),
    )
}

fn one_of(values: impl IntoIterator<Item = &'static str>) -> Object {
    string().enum_values(Some(values)).build()
}

pub fn org_kind() -> Object {
    one_of(OrgKind::ALL.iter().map(OrgKind::as_str))
}

pub fn org_status() -> Object {
    one_of(OrgStatus::ALL.iter().map(OrgStatus::as_str))
}

pub fn role() -> Object {
    one_of(Role::ALL.iter().map(Role::as_str))
}

pub fn user_status() -> Object {
    one_of(UserStatus::ALL.iter().map(UserStatus::as_str))
}

pub fn scope() -> Object {
    one_of(Scope::ALL.iter().map(|s| s.as_str()))
}

pub fn error_code() -> Object {
    one_of(ErrorCode::ALL.iter().map(|c| c.as_str()))
}

/// A set of scopes (as answered).
pub fn scopes() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(scope())
        .unique_items(true)
        .build()
}

/// At least one scope (as asked for).
pub fn scopes_wanted() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(scope())
        .min_items(Some(1))
        .build()
}

fn name_builder(b: ObjectBuilder) -> ObjectBuilder {
    b.min_length(Some(1))
        .max_length(Some(NAME_MAX_CHARS))
        .pattern(Some(NAME_PATTERN))
}

/// A display name: of an organisation, a user, a token.
pub fn name() -> Object {
    name_builder(string()).build()
}

pub fn short_name() -> Object {
    string()
        .min_length(Some(ShortName::MIN_CHARS))
        .max_length(Some(ShortName::MAX_CHARS))
        .pattern(Some(ShortName::PATTERN))
        .build()
}

pub fn community_name() -> Object {
    string()
        .min_length(Some(CommunityName::MIN_CHARS))
        .max_length(Some(CommunityName::MAX_CHARS))
        .pattern(Some(CommunityName::PATTERN))
        .build()
}

pub fn description() -> Object {
    string()
        .max_length(Some(CommunityName::DESCRIPTION_MAX_CHARS))
        .build()
}

pub fn email() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(Email::MAX_CHARS))
        .build()
}

fn password_builder(b: ObjectBuilder) -> ObjectBuilder {
    b.min_length(Some(MIN_PASSWORD_CHARS))
        .max_length(Some(MAX_PASSWORD_CHARS))
        .description(Some("not one character repeated"))
}

pub fn password() -> Object {
    password_builder(string()).build()
}

pub fn password_or_null() -> Object {
    password_builder(string_or_null()).build()
}

fn countries() -> impl Iterator<Item = Value> {
    simpul_core::country::ASSIGNED
        .split(' ')
        .map(|c| Value::String(c.to_owned()))
}

/// An ISO 3166-1 alpha-2 code, or null.
pub fn country_or_null() -> Object {
    string_or_null()
        .enum_values(Some(countries().chain([Value::Null])))
        .build()
}

pub fn expires_in_days() -> Object {
    ObjectBuilder::new()
        .schema_type(
            [Type::Integer, Type::Null]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .minimum(Some(1))
        .maximum(Some(MAX_EXPIRES_IN_DAYS))
        .description(Some("empty or null: the token never expires"))
        .build()
}

/// A UUID (a query parameter: never null).
pub fn uuid() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .build()
}

/// A 64-bit integer (a query parameter: never null).
pub fn int64() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .build()
}

/// A STIX identifier: `type--UUID`.
pub fn stix_id() -> Object {
    string()
        .pattern(Some("^[a-z][a-z0-9-]*--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))
        .max_length(Some(300))
        .build()
}

/// A TLP level as answered: its label.
pub fn tlp_label() -> Object {
    one_of(Tlp::ALL.iter().map(|t| t.label()))
}

/// A TLP level as asked for: the label, or the level's name in any case (`amber+strict`,
/// `TLP:GREEN`; TLP 1.0 `white` reads as CLEAR).
pub fn tlp_wanted() -> Object {
    string()
        .description(Some(
            "clear, green, amber, amber+strict or red, in any case, with or without `TLP:`",
        ))
        .max_length(Some(32))
        .build()
}

/// A TLP level as answered, or null.
pub fn tlp_label_or_null() -> Object {
    string_or_null()
        .enum_values(Some(
            Tlp::ALL
                .iter()
                .map(|t| Value::String(t.label().to_owned()))
                .chain([Value::Null]),
        ))
        .build()
}

/// A PAP level, or null.
pub fn pap_or_null() -> Object {
    string_or_null()
        .enum_values(Some(
            Pap::ALL
                .iter()
                .map(|p| Value::String(p.as_str().to_owned()))
                .chain([Value::Null]),
        ))
        .build()
}

fn alias_builder(b: ObjectBuilder) -> ObjectBuilder {
    b.min_length(Some(ALIAS_MIN_CHARS))
        .max_length(Some(ALIAS_MAX_CHARS))
        .pattern(Some(ALIAS_PATTERN))
}

/// A collection's alias, or null.
pub fn alias_or_null() -> Object {
    alias_builder(string_or_null()).build()
}

/// A collection's description.
pub fn collection_description() -> Object {
    string().max_length(Some(MAX_DESCRIPTION_CHARS)).build()
}

/// A timestamp (a query parameter).
pub fn date_time() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .build()
}

/// At least one organisation short name.
pub fn short_names() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(short_name())
        .min_items(Some(1))
        .build()
}

/// At least one email address.
pub fn emails() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(email())
        .min_items(Some(1))
        .build()
}

/// Email addresses, possibly none, at most `max`.
pub fn emails_or_none(max: usize) -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(email())
        .max_items(Some(max))
        .build()
}

/// Organisation short names, possibly none.
pub fn short_names_or_none() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(short_name()).build()
}

/// A page size: 1 to `max`, `default` when not given.
pub fn limit(max: u32, default: u32) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(max))
        .default(Some(default.into()))
        .build()
}

/// A sighting's `count` (STIX 2.1: 0 to 999,999,999), or null.
pub fn sighting_count() -> Object {
    ObjectBuilder::new()
        .schema_type(
            [Type::Integer, Type::Null]
                .into_iter()
                .collect::<SchemaType>(),
        )
        .minimum(Some(0))
        .maximum(Some(simpul_core::intel::sightings::MAX_COUNT))
        .build()
}

/// Where a sighting was made, in words, or null.
pub fn sighting_where() -> Object {
    string_or_null()
        .max_length(Some(simpul_core::intel::sightings::MAX_WHERE_CHARS))
        .build()
}

/// A timestamp in a body (RFC 3339), or null.
pub fn date_time_or_null() -> Object {
    string_or_null()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .build()
}

/// A TLP level as asked for, or null.
pub fn tlp_wanted_or_null() -> Object {
    string_or_null()
        .description(Some(
            "clear, green, amber, amber+strict or red, in any case, with or without `TLP:`",
        ))
        .max_length(Some(32))
        .build()
}

/// An observable type (a path parameter): `domain`, `url`, `ipv4`, `phone`, `iban`,
/// `crypto-wallet:bitcoin`, …
pub fn observable_type() -> Object {
    string()
        .description(Some(
            "an observable type of simpul-observable: domain, url, ipv4, ipv6, ipv4-cidr, \
             ipv6-cidr, email, asn, mac, md5, sha1, sha256, sha512, ssdeep, tlsh, phone, \
             sms-sender, iban, bic, bank-account, payment-card, crypto-wallet[:network], \
             social-account[:platform], app-id, ewallet[:provider]",
        ))
        .min_length(Some(1))
        .build()
}

/// An observable value as written (a path parameter: percent-encode `/` as `%2F`).
pub fn observable_value() -> Object {
    string()
        .description(Some(
            "the value as written (percent-encoded); it is normalised before the search, national \
             forms read in your organisation's country",
        ))
        .min_length(Some(1))
        .build()
}

/// A federation peer's name.
pub fn peer_name() -> Object {
    use simpul_core::federation::PeerName;
    string()
        .min_length(Some(1))
        .max_length(Some(PeerName::MAX_CHARS))
        .pattern(Some(PeerName::PATTERN))
        .build()
}

/// Which way a peer exchanges.
pub fn peer_direction() -> Object {
    use simpul_core::federation::Direction;
    one_of(Direction::ALL.iter().map(Direction::as_str))
}

/// A sync interval in seconds.
pub fn peer_interval() -> Object {
    use simpul_core::federation::{MAX_INTERVAL_SECS, MIN_INTERVAL_SECS};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(f64::from(MIN_INTERVAL_SECS)))
        .maximum(Some(f64::from(MAX_INTERVAL_SECS)))
        .build()
}
