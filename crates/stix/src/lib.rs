//! # simpul-stix
//!
//! The one place in simpul that knows STIX 2.1. It owns the object model (every STIX 2.1 type as a
//! property table in [`schema`], with typed views of the common properties on [`StixObject`]),
//! parsing with exact round trip (unknown and custom properties, property order and values are
//! kept), validation that reports every MUST of the specification as an error and every SHOULD as
//! a warning (each with a JSON pointer, a code and a message), deterministic SCO identifiers,
//! TLP 1.0/2.0 marking definitions and the [`Tlp`] level, versioning rules, and a streaming reader
//! for bundles of any size.
//!
//! It must never do I/O of its own (the streaming reader takes any `impl Read` from its caller),
//! never read the clock, never panic on input, and never decide visibility: what a TLP level
//! *means* for access is `simpul-core`'s sharing policy. Pattern syntax is checked through the
//! [`PatternChecker`] hook, implemented by `simpul-pattern`, so this crate does not depend on it.
//!
//! ```
//! use simpul_stix::{parse_object, validate, ValidateOptions, Severity};
//! let obj = parse_object(br#"{"type":"identity","spec_version":"2.1",
//!   "id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z",
//!   "modified":"2015-12-21T19:59:11.000Z","name":"ACME","identity_class":"organization"}"#).unwrap();
//! assert!(validate(&obj, &ValidateOptions::default()).iter().all(|i| i.severity != Severity::Error));
//! ```

mod fastjson;
mod fnv;
pub mod id;
pub mod json;
pub mod object;
mod relationships;
pub mod report;
pub mod schema;
pub mod sco_id;
pub mod stream;
pub mod timestamp;
pub mod tlp;
pub mod validate;
pub mod version;
pub mod vocab;

pub use id::StixId;
pub use json::{Json, Map};
pub use object::{ParseError, StixObject, parse_json, parse_object};
pub use sco_id::{assign_sco_id, deterministic_sco_id};
pub use timestamp::Timestamp;
pub use tlp::Tlp;
pub use validate::{Issue, PatternChecker, Severity, ValidateOptions, is_valid, validate};
pub use version::{check_new_version, is_revoked, newest, version_key};
