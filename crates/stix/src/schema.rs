//! The STIX 2.1 object model as data: for every object type, its category, its properties and
//! their kinds, and which are required. Validation walks these tables; typed accessors in
//! [`crate::object`] read the common properties.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::fnv::FnvBuild;
use crate::vocab::{self, Vocab};

/// Which family an object type belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// STIX Domain Object (spec §4).
    Sdo,
    /// STIX Relationship Object (spec §5).
    Sro,
    /// STIX Cyber-observable Object (spec §6).
    Sco,
    /// Meta objects: language-content, marking-definition, extension-definition (spec §7).
    Meta,
    /// The bundle envelope (spec §8).
    Bundle,
}

/// The kind of a property value.
#[derive(Debug)]
pub(crate) enum K {
    Str,
    Bool,
    Int,
    /// Integer in an inclusive range.
    IntR(i64, i64),
    /// Any JSON number in an inclusive range.
    NumR(f64, f64),
    Num,
    /// Timestamp.
    Ts,
    /// `created`/`modified`: timestamp with at least millisecond precision.
    TsMs,
    /// A reference to one of the given types (`~sco`, `~sdo` match categories; empty = any type).
    Ref(&'static [&'static str]),
    /// A non-empty list of references.
    Refs(&'static [&'static str]),
    /// A non-empty list of strings.
    StrList,
    /// A (possibly empty) list of strings.
    StrList0,
    /// A closed enumeration.
    Enum(&'static Vocab),
    /// An open vocabulary value.
    Ov(&'static Vocab),
    /// A list of open vocabulary values.
    OvList(&'static Vocab),
    KillChain,
    ExtRefs,
    Granular,
    Hashes,
    /// A dictionary (non-empty object, keys of 1–250 `[a-zA-Z0-9_-]`).
    Dict,
    /// Base64 binary.
    Bin,
    /// Hex string.
    Hex,
    Url,
    /// RFC 5646 language tag.
    Lang,
    /// A nested object with its own properties.
    Obj(&'static Sub),
    /// A non-empty list of nested objects.
    ObjList(&'static Sub),
    /// The `extensions` dictionary.
    Extensions,
    /// Any JSON value (checked by a type-specific rule).
    Any,
}

/// A nested structure (an embedded type or a predefined extension).
#[derive(Debug)]
pub(crate) struct Sub {
    pub name: &'static str,
    pub props: &'static [(&'static str, K)],
    pub required: &'static [&'static str],
    /// At least one of these must be present (empty: no such rule).
    pub any_of: &'static [&'static str],
}

/// The model of one object type.
#[derive(Debug)]
pub struct TypeSpec {
    /// The `type` value.
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    pub(crate) props: &'static [(&'static str, K)],
    pub(crate) required: &'static [&'static str],
    pub(crate) any_of: &'static [&'static str],
    /// Predefined extensions for this SCO type (`*-ext` keys).
    pub(crate) extensions: &'static [&'static Sub],
    /// Properties whose values make the deterministic id of an SCO (spec §6, "ID Contributing Properties").
    pub id_contributing: &'static [&'static str],
}

impl TypeSpec {
    pub(crate) fn prop(&self, name: &str) -> Option<&'static K> {
        self.props.iter().find(|(n, _)| *n == name).map(|(_, k)| k)
    }
}

use K::*;

/// Common properties of SDOs, SROs, language-content and extension-definition (spec §3.2).
pub(crate) static SDO_COMMON: &[(&str, K)] = &[
    ("type", Str),
    ("spec_version", Str),
    ("id", Str),
    ("created_by_ref", Ref(&["identity"])),
    ("created", TsMs),
    ("modified", TsMs),
    ("revoked", Bool),
    ("labels", StrList),
    ("confidence", IntR(0, 100)),
    ("lang", Lang),
    ("external_references", ExtRefs),
    ("object_marking_refs", Refs(&["marking-definition"])),
    ("granular_markings", Granular),
    ("extensions", Extensions),
];

/// Common properties of SCOs (spec §3.2, §6).
pub(crate) static SCO_COMMON: &[(&str, K)] = &[
    ("type", Str),
    ("spec_version", Str),
    ("id", Str),
    ("object_marking_refs", Refs(&["marking-definition"])),
    ("granular_markings", Granular),
    ("defanged", Bool),
    ("extensions", Extensions),
];

pub(crate) static MARKING_COMMON: &[(&str, K)] = &[
    ("type", Str),
    ("spec_version", Str),
    ("id", Str),
    ("created_by_ref", Ref(&["identity"])),
    ("created", Ts),
    ("external_references", ExtRefs),
    ("object_marking_refs", Refs(&["marking-definition"])),
    ("granular_markings", Granular),
    ("extensions", Extensions),
    ("name", Str),
    ("definition_type", Str),
    ("definition", Any),
];

/// SCO types defined by STIX 2.1.
pub static SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// SDO types defined by STIX 2.1.
pub static SDO_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

const fn sdo(
    name: &'static str,
    props: &'static [(&'static str, K)],
    required: &'static [&'static str],
) -> TypeSpec {
    TypeSpec {
        name,
        category: Category::Sdo,
        props,
        required,
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    }
}

const fn sco(
    name: &'static str,
    props: &'static [(&'static str, K)],
    required: &'static [&'static str],
    any_of: &'static [&'static str],
    extensions: &'static [&'static Sub],
    id_contributing: &'static [&'static str],
) -> TypeSpec {
    TypeSpec {
        name,
        category: Category::Sco,
        props,
        required,
        any_of,
        extensions,
        id_contributing,
    }
}

static ANY_SCO: &[&str] = &["~sco"];

static ALT_DATA_STREAM: Sub = Sub {
    name: "alternate-data-stream",
    props: &[
        ("name", Str),
        ("hashes", Hashes),
        ("size", IntR(0, i64::MAX)),
    ],
    required: &["name"],
    any_of: &[],
};
static NTFS_EXT: Sub = Sub {
    name: "ntfs-ext",
    props: &[
        ("sid", Str),
        ("alternate_data_streams", ObjList(&ALT_DATA_STREAM)),
    ],
    required: &[],
    any_of: &["sid", "alternate_data_streams"],
};
static RASTER_EXT: Sub = Sub {
    name: "raster-image-ext",
    props: &[
        ("image_height", Int),
        ("image_width", Int),
        ("bits_per_pixel", Int),
        ("exif_tags", Dict),
    ],
    required: &[],
    any_of: &["image_height", "image_width", "bits_per_pixel", "exif_tags"],
};
static PDF_EXT: Sub = Sub {
    name: "pdf-ext",
    props: &[
        ("version", Str),
        ("is_optimized", Bool),
        ("document_info_dict", Dict),
        ("pdfid0", Str),
        ("pdfid1", Str),
    ],
    required: &[],
    any_of: &[
        "version",
        "is_optimized",
        "document_info_dict",
        "pdfid0",
        "pdfid1",
    ],
};
static ARCHIVE_EXT: Sub = Sub {
    name: "archive-ext",
    props: &[
        ("contains_refs", Refs(&["file", "directory"])),
        ("comment", Str),
    ],
    required: &["contains_refs"],
    any_of: &[],
};
static PE_OPTIONAL_HEADER: Sub = Sub {
    name: "windows-pe-optional-header-type",
    props: &[
        ("magic_hex", Hex),
        ("major_linker_version", Int),
        ("minor_linker_version", Int),
        ("size_of_code", IntR(0, i64::MAX)),
        ("size_of_initialized_data", IntR(0, i64::MAX)),
        ("size_of_uninitialized_data", IntR(0, i64::MAX)),
        ("address_of_entry_point", Int),
        ("base_of_code", Int),
        ("base_of_data", Int),
        ("image_base", Int),
        ("section_alignment", Int),
        ("file_alignment", Int),
        ("major_os_version", Int),
        ("minor_os_version", Int),
        ("major_image_version", Int),
        ("minor_image_version", Int),
        ("major_subsystem_version", Int),
        ("minor_subsystem_version", Int),
        ("win32_version_value_hex", Hex),
        ("size_of_image", IntR(0, i64::MAX)),
        ("size_of_headers", IntR(0, i64::MAX)),
        ("checksum_hex", Hex),
        ("subsystem_hex", Hex),
        ("dll_characteristics_hex", Hex),
        ("size_of_stack_reserve", IntR(0, i64::MAX)),
        ("size_of_stack_commit", IntR(0, i64::MAX)),
        ("size_of_heap_reserve", Int),
        ("size_of_heap_commit", Int),
        ("loader_flags_hex", Hex),
        ("number_of_rva_and_sizes", Int),
        ("hashes", Hashes),
    ],
    required: &[],
    any_of: &[],
};
static PE_SECTION: Sub = Sub {
    name: "windows-pe-section",
    props: &[
        ("name", Str),
        ("size", IntR(0, i64::MAX)),
        ("entropy", Num),
        ("hashes", Hashes),
    ],
    required: &["name"],
    any_of: &[],
};
static PEBINARY_EXT: Sub = Sub {
    name: "windows-pebinary-ext",
    props: &[
        ("pe_type", Ov(&vocab::WINDOWS_PEBINARY_TYPE)),
        ("imphash", Str),
        ("machine_hex", Hex),
        ("number_of_sections", IntR(0, i64::MAX)),
        ("time_date_stamp", Ts),
        ("pointer_to_symbol_table_hex", Hex),
        ("number_of_symbols", IntR(0, i64::MAX)),
        ("size_of_optional_header", IntR(0, i64::MAX)),
        ("characteristics_hex", Hex),
        ("file_header_hashes", Hashes),
        ("optional_header", Obj(&PE_OPTIONAL_HEADER)),
        ("sections", ObjList(&PE_SECTION)),
    ],
    required: &["pe_type"],
    any_of: &[],
};
static HTTP_REQUEST_EXT: Sub = Sub {
    name: "http-request-ext",
    props: &[
        ("request_method", Str),
        ("request_value", Str),
        ("request_version", Str),
        ("request_header", Dict),
        ("message_body_length", Int),
        ("message_body_data_ref", Ref(&["artifact"])),
    ],
    required: &["request_method", "request_value"],
    any_of: &[],
};
static ICMP_EXT: Sub = Sub {
    name: "icmp-ext",
    props: &[("icmp_type_hex", Hex), ("icmp_code_hex", Hex)],
    required: &["icmp_type_hex", "icmp_code_hex"],
    any_of: &[],
};
static SOCKET_EXT: Sub = Sub {
    name: "socket-ext",
    props: &[
        ("address_family", Enum(&vocab::SOCKET_ADDRESS_FAMILY)),
        ("is_blocking", Bool),
        ("is_listening", Bool),
        ("options", Dict),
        ("socket_type", Enum(&vocab::SOCKET_TYPE)),
        ("socket_descriptor", IntR(0, i64::MAX)),
        ("socket_handle", Int),
    ],
    required: &["address_family"],
    any_of: &[],
};
static TCP_EXT: Sub = Sub {
    name: "tcp-ext",
    props: &[("src_flags_hex", Hex), ("dst_flags_hex", Hex)],
    required: &[],
    any_of: &["src_flags_hex", "dst_flags_hex"],
};
static WINDOWS_PROCESS_EXT: Sub = Sub {
    name: "windows-process-ext",
    props: &[
        ("aslr_enabled", Bool),
        ("dep_enabled", Bool),
        ("priority", Str),
        ("owner_sid", Str),
        ("window_title", Str),
        ("startup_info", Dict),
        ("integrity_level", Enum(&vocab::WINDOWS_INTEGRITY_LEVEL)),
    ],
    required: &[],
    any_of: &[
        "aslr_enabled",
        "dep_enabled",
        "priority",
        "owner_sid",
        "window_title",
        "startup_info",
        "integrity_level",
    ],
};
static WINDOWS_SERVICE_EXT: Sub = Sub {
    name: "windows-service-ext",
    props: &[
        ("service_name", Str),
        ("descriptions", StrList),
        ("display_name", Str),
        ("group_name", Str),
        ("start_type", Enum(&vocab::WINDOWS_SERVICE_START_TYPE)),
        ("service_dll_refs", Refs(&["file"])),
        ("service_type", Enum(&vocab::WINDOWS_SERVICE_TYPE)),
        ("service_status", Enum(&vocab::WINDOWS_SERVICE_STATUS)),
    ],
    required: &[],
    any_of: &[
        "service_name",
        "descriptions",
        "display_name",
        "group_name",
        "start_type",
        "service_dll_refs",
        "service_type",
        "service_status",
    ],
};
static UNIX_ACCOUNT_EXT: Sub = Sub {
    name: "unix-account-ext",
    props: &[
        ("gid", Int),
        ("groups", StrList),
        ("home_dir", Str),
        ("shell", Str),
    ],
    required: &[],
    any_of: &["gid", "groups", "home_dir", "shell"],
};
static MIME_PART: Sub = Sub {
    name: "mime-part-type",
    props: &[
        ("body", Str),
        ("body_raw_ref", Ref(&["artifact", "file"])),
        ("content_type", Str),
        ("content_disposition", Str),
    ],
    required: &[],
    any_of: &["body", "body_raw_ref"],
};
static REGISTRY_VALUE: Sub = Sub {
    name: "windows-registry-value-type",
    props: &[
        ("name", Str),
        ("data", Str),
        ("data_type", Enum(&vocab::WINDOWS_REGISTRY_DATATYPE)),
    ],
    required: &[],
    any_of: &["name", "data", "data_type"],
};
static X509_V3: Sub = Sub {
    name: "x509-v3-extensions-type",
    props: &[
        ("basic_constraints", Str),
        ("name_constraints", Str),
        ("policy_constraints", Str),
        ("key_usage", Str),
        ("extended_key_usage", Str),
        ("subject_key_identifier", Str),
        ("authority_key_identifier", Str),
        ("subject_alternative_name", Str),
        ("issuer_alternative_name", Str),
        ("subject_directory_attributes", Str),
        ("crl_distribution_points", Str),
        ("inhibit_any_policy", Str),
        ("private_key_usage_period_not_before", Ts),
        ("private_key_usage_period_not_after", Ts),
        ("certificate_policies", Str),
        ("policy_mappings", Str),
    ],
    required: &[],
    any_of: &[],
};

/// Every STIX 2.1 object type.
pub static TYPES: &[TypeSpec] = &[
    sdo(
        "attack-pattern",
        &[
            ("name", Str),
            ("description", Str),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
        ],
        &["name"],
    ),
    sdo(
        "campaign",
        &[
            ("name", Str),
            ("description", Str),
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("objective", Str),
        ],
        &["name"],
    ),
    sdo(
        "course-of-action",
        &[("name", Str), ("description", Str), ("action", Any)],
        &["name"],
    ),
    sdo(
        "grouping",
        &[
            ("name", Str),
            ("description", Str),
            ("context", Ov(&vocab::GROUPING_CONTEXT)),
            ("object_refs", Refs(&[])),
        ],
        &["context", "object_refs"],
    ),
    sdo(
        "identity",
        &[
            ("name", Str),
            ("description", Str),
            ("roles", StrList),
            ("identity_class", Ov(&vocab::IDENTITY_CLASS)),
            ("sectors", OvList(&vocab::INDUSTRY_SECTOR)),
            ("contact_information", Str),
        ],
        &["name"],
    ),
    sdo(
        "incident",
        &[
            ("name", Str),
            ("description", Str),
            ("kill_chain_phases", KillChain),
        ],
        &["name"],
    ),
    sdo(
        "indicator",
        &[
            ("name", Str),
            ("description", Str),
            ("indicator_types", OvList(&vocab::INDICATOR_TYPE)),
            ("pattern", Str),
            ("pattern_type", Ov(&vocab::PATTERN_TYPE)),
            ("pattern_version", Str),
            ("valid_from", Ts),
            ("valid_until", Ts),
            ("kill_chain_phases", KillChain),
        ],
        &["pattern", "pattern_type", "valid_from"],
    ),
    sdo(
        "infrastructure",
        &[
            ("name", Str),
            ("description", Str),
            ("infrastructure_types", OvList(&vocab::INFRASTRUCTURE_TYPE)),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Ts),
            ("last_seen", Ts),
        ],
        &["name"],
    ),
    sdo(
        "intrusion-set",
        &[
            ("name", Str),
            ("description", Str),
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("goals", StrList),
            ("resource_level", Ov(&vocab::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", Ov(&vocab::ATTACK_MOTIVATION)),
            ("secondary_motivations", OvList(&vocab::ATTACK_MOTIVATION)),
        ],
        &["name"],
    ),
    sdo(
        "location",
        &[
            ("name", Str),
            ("description", Str),
            ("latitude", NumR(-90.0, 90.0)),
            ("longitude", NumR(-180.0, 180.0)),
            ("precision", Num),
            ("region", Ov(&vocab::REGION)),
            ("country", Str),
            ("administrative_area", Str),
            ("city", Str),
            ("street_address", Str),
            ("postal_code", Str),
        ],
        &[],
    ),
    sdo(
        "malware",
        &[
            ("name", Str),
            ("description", Str),
            ("malware_types", OvList(&vocab::MALWARE_TYPE)),
            ("is_family", Bool),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("operating_system_refs", Refs(&["software"])),
            (
                "architecture_execution_envs",
                OvList(&vocab::PROCESSOR_ARCHITECTURE),
            ),
            (
                "implementation_languages",
                OvList(&vocab::IMPLEMENTATION_LANGUAGE),
            ),
            ("capabilities", OvList(&vocab::MALWARE_CAPABILITIES)),
            ("sample_refs", Refs(&["file", "artifact"])),
        ],
        &["is_family"],
    ),
    sdo(
        "malware-analysis",
        &[
            ("product", Str),
            ("version", Str),
            ("host_vm_ref", Ref(&["software"])),
            ("operating_system_ref", Ref(&["software"])),
            ("installed_software_refs", Refs(&["software"])),
            ("configuration_version", Str),
            ("modules", StrList),
            ("analysis_engine_version", Str),
            ("analysis_definition_version", Str),
            ("submitted", Ts),
            ("analysis_started", Ts),
            ("analysis_ended", Ts),
            ("result_name", Str),
            ("result", Ov(&vocab::MALWARE_RESULT)),
            ("analysis_sco_refs", Refs(ANY_SCO)),
            ("sample_ref", Ref(&["file", "artifact", "network-traffic"])),
        ],
        &["product"],
    ),
    sdo(
        "note",
        &[
            ("abstract", Str),
            ("content", Str),
            ("authors", StrList),
            ("object_refs", Refs(&[])),
        ],
        &["content", "object_refs"],
    ),
    sdo(
        "observed-data",
        &[
            ("first_observed", Ts),
            ("last_observed", Ts),
            ("number_observed", IntR(1, 999_999_999)),
            ("objects", Any),
            ("object_refs", Refs(&["~sco", "relationship", "sighting"])),
        ],
        &["first_observed", "last_observed", "number_observed"],
    ),
    sdo(
        "opinion",
        &[
            ("explanation", Str),
            ("authors", StrList),
            ("opinion", Enum(&vocab::OPINION)),
            ("object_refs", Refs(&[])),
        ],
        &["opinion", "object_refs"],
    ),
    sdo(
        "report",
        &[
            ("name", Str),
            ("description", Str),
            ("report_types", OvList(&vocab::REPORT_TYPE)),
            ("published", Ts),
            ("object_refs", Refs(&[])),
        ],
        &["name", "published", "object_refs"],
    ),
    sdo(
        "threat-actor",
        &[
            ("name", Str),
            ("description", Str),
            ("threat_actor_types", OvList(&vocab::THREAT_ACTOR_TYPE)),
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("roles", OvList(&vocab::THREAT_ACTOR_ROLE)),
            ("goals", StrList),
            ("sophistication", Ov(&vocab::THREAT_ACTOR_SOPHISTICATION)),
            ("resource_level", Ov(&vocab::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", Ov(&vocab::ATTACK_MOTIVATION)),
            ("secondary_motivations", OvList(&vocab::ATTACK_MOTIVATION)),
            ("personal_motivations", OvList(&vocab::ATTACK_MOTIVATION)),
        ],
        &["name"],
    ),
    sdo(
        "tool",
        &[
            ("name", Str),
            ("description", Str),
            ("tool_types", OvList(&vocab::TOOL_TYPE)),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("tool_version", Str),
        ],
        &["name"],
    ),
    sdo(
        "vulnerability",
        &[("name", Str), ("description", Str)],
        &["name"],
    ),
    TypeSpec {
        name: "relationship",
        category: Category::Sro,
        props: &[
            ("relationship_type", Str),
            ("description", Str),
            ("source_ref", Ref(&[])),
            ("target_ref", Ref(&[])),
            ("start_time", Ts),
            ("stop_time", Ts),
        ],
        required: &["relationship_type", "source_ref", "target_ref"],
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    },
    TypeSpec {
        name: "sighting",
        category: Category::Sro,
        props: &[
            ("description", Str),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("count", IntR(0, 999_999_999)),
            ("sighting_of_ref", Ref(&[])),
            ("observed_data_refs", Refs(&["observed-data"])),
            ("where_sighted_refs", Refs(&["identity", "location"])),
            ("summary", Bool),
        ],
        required: &["sighting_of_ref"],
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    },
    sco(
        "artifact",
        &[
            ("mime_type", Str),
            ("payload_bin", Bin),
            ("url", Url),
            ("hashes", Hashes),
            ("encryption_algorithm", Enum(&vocab::ENCRYPTION_ALGORITHM)),
            ("decryption_key", Str),
        ],
        &[],
        &[],
        &[],
        &["hashes", "payload_bin"],
    ),
    sco(
        "autonomous-system",
        &[("number", Int), ("name", Str), ("rir", Str)],
        &["number"],
        &[],
        &[],
        &["number"],
    ),
    sco(
        "directory",
        &[
            ("path", Str),
            ("path_enc", Str),
            ("ctime", Ts),
            ("mtime", Ts),
            ("atime", Ts),
            ("contains_refs", Refs(&["file", "directory"])),
        ],
        &["path"],
        &[],
        &[],
        &["path"],
    ),
    sco(
        "domain-name",
        &[
            ("value", Str),
            (
                "resolves_to_refs",
                Refs(&["ipv4-addr", "ipv6-addr", "domain-name"]),
            ),
        ],
        &["value"],
        &[],
        &[],
        &["value"],
    ),
    sco(
        "email-addr",
        &[
            ("value", Str),
            ("display_name", Str),
            ("belongs_to_ref", Ref(&["user-account"])),
        ],
        &["value"],
        &[],
        &[],
        &["value"],
    ),
    sco(
        "email-message",
        &[
            ("is_multipart", Bool),
            ("date", Ts),
            ("content_type", Str),
            ("from_ref", Ref(&["email-addr"])),
            ("sender_ref", Ref(&["email-addr"])),
            ("to_refs", Refs(&["email-addr"])),
            ("cc_refs", Refs(&["email-addr"])),
            ("bcc_refs", Refs(&["email-addr"])),
            ("message_id", Str),
            ("subject", Str),
            ("received_lines", StrList0),
            ("additional_header_fields", Dict),
            ("body", Str),
            ("body_multipart", ObjList(&MIME_PART)),
            ("raw_email_ref", Ref(&["artifact"])),
        ],
        &["is_multipart"],
        &[],
        &[],
        &["from_ref", "subject", "body"],
    ),
    sco(
        "file",
        &[
            ("hashes", Hashes),
            ("size", IntR(0, i64::MAX)),
            ("name", Str),
            ("name_enc", Str),
            ("magic_number_hex", Hex),
            ("mime_type", Str),
            ("ctime", Ts),
            ("mtime", Ts),
            ("atime", Ts),
            ("parent_directory_ref", Ref(&["directory"])),
            ("contains_refs", Refs(ANY_SCO)),
            ("content_ref", Ref(&["artifact"])),
        ],
        &[],
        &["hashes", "name"],
        &[
            &NTFS_EXT,
            &RASTER_EXT,
            &PDF_EXT,
            &ARCHIVE_EXT,
            &PEBINARY_EXT,
        ],
        &["hashes", "name", "extensions", "parent_directory_ref"],
    ),
    sco(
        "ipv4-addr",
        &[
            ("value", Str),
            ("resolves_to_refs", Refs(&["mac-addr"])),
            ("belongs_to_refs", Refs(&["autonomous-system"])),
        ],
        &["value"],
        &[],
        &[],
        &["value"],
    ),
    sco(
        "ipv6-addr",
        &[
            ("value", Str),
            ("resolves_to_refs", Refs(&["mac-addr"])),
            ("belongs_to_refs", Refs(&["autonomous-system"])),
        ],
        &["value"],
        &[],
        &[],
        &["value"],
    ),
    sco(
        "mac-addr",
        &[("value", Str)],
        &["value"],
        &[],
        &[],
        &["value"],
    ),
    sco("mutex", &[("name", Str)], &["name"], &[], &[], &["name"]),
    sco(
        "network-traffic",
        &[
            ("start", Ts),
            ("end", Ts),
            ("is_active", Bool),
            (
                "src_ref",
                Ref(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]),
            ),
            (
                "dst_ref",
                Ref(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]),
            ),
            ("src_port", IntR(0, 65535)),
            ("dst_port", IntR(0, 65535)),
            ("protocols", StrList),
            ("src_byte_count", IntR(0, i64::MAX)),
            ("dst_byte_count", IntR(0, i64::MAX)),
            ("src_packets", IntR(0, i64::MAX)),
            ("dst_packets", IntR(0, i64::MAX)),
            ("ipfix", Dict),
            ("src_payload_ref", Ref(&["artifact"])),
            ("dst_payload_ref", Ref(&["artifact"])),
            ("encapsulates_refs", Refs(&["network-traffic"])),
            ("encapsulated_by_ref", Ref(&["network-traffic"])),
        ],
        &["protocols"],
        &["src_ref", "dst_ref"],
        &[&HTTP_REQUEST_EXT, &ICMP_EXT, &SOCKET_EXT, &TCP_EXT],
        &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
    ),
    sco(
        "process",
        &[
            ("is_hidden", Bool),
            ("pid", Int),
            ("created_time", Ts),
            ("cwd", Str),
            ("command_line", Str),
            ("environment_variables", Dict),
            ("opened_connection_refs", Refs(&["network-traffic"])),
            ("creator_user_ref", Ref(&["user-account"])),
            ("image_ref", Ref(&["file"])),
            ("parent_ref", Ref(&["process"])),
            ("child_refs", Refs(&["process"])),
        ],
        &[],
        &[
            "is_hidden",
            "pid",
            "created_time",
            "cwd",
            "command_line",
            "environment_variables",
            "opened_connection_refs",
            "creator_user_ref",
            "image_ref",
            "parent_ref",
            "child_refs",
            "extensions",
        ],
        &[&WINDOWS_PROCESS_EXT, &WINDOWS_SERVICE_EXT],
        &[],
    ),
    sco(
        "software",
        &[
            ("name", Str),
            ("cpe", Str),
            ("swid", Str),
            ("languages", StrList),
            ("vendor", Str),
            ("version", Str),
        ],
        &["name"],
        &[],
        &[],
        &["name", "cpe", "swid", "vendor", "version"],
    ),
    sco("url", &[("value", Url)], &["value"], &[], &[], &["value"]),
    sco(
        "user-account",
        &[
            ("user_id", Str),
            ("credential", Str),
            ("account_login", Str),
            ("account_type", Ov(&vocab::ACCOUNT_TYPE)),
            ("display_name", Str),
            ("is_service_account", Bool),
            ("is_privileged", Bool),
            ("can_escalate_privs", Bool),
            ("is_disabled", Bool),
            ("account_created", Ts),
            ("account_expires", Ts),
            ("credential_last_changed", Ts),
            ("account_first_login", Ts),
            ("account_last_login", Ts),
        ],
        &[],
        &[],
        &[&UNIX_ACCOUNT_EXT],
        &["account_type", "user_id", "account_login"],
    ),
    sco(
        "windows-registry-key",
        &[
            ("key", Str),
            ("values", ObjList(&REGISTRY_VALUE)),
            ("modified_time", Ts),
            ("creator_user_ref", Ref(&["user-account"])),
            ("number_of_subkeys", Int),
        ],
        &[],
        &[],
        &[],
        &["key", "values"],
    ),
    sco(
        "x509-certificate",
        &[
            ("is_self_signed", Bool),
            ("hashes", Hashes),
            ("version", Str),
            ("serial_number", Str),
            ("signature_algorithm", Str),
            ("issuer", Str),
            ("validity_not_before", Ts),
            ("validity_not_after", Ts),
            ("subject", Str),
            ("subject_public_key_algorithm", Str),
            ("subject_public_key_modulus", Str),
            ("subject_public_key_exponent", Int),
            ("x509_v3_extensions", Obj(&X509_V3)),
        ],
        &[],
        &[
            "is_self_signed",
            "hashes",
            "version",
            "serial_number",
            "signature_algorithm",
            "issuer",
            "validity_not_before",
            "validity_not_after",
            "subject",
            "subject_public_key_algorithm",
            "subject_public_key_modulus",
            "subject_public_key_exponent",
            "x509_v3_extensions",
        ],
        &[],
        &["hashes", "serial_number"],
    ),
    TypeSpec {
        name: "language-content",
        category: Category::Meta,
        props: &[
            ("object_ref", Ref(&[])),
            ("object_modified", Ts),
            ("contents", Any),
        ],
        required: &["object_ref", "contents"],
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    },
    TypeSpec {
        name: "extension-definition",
        category: Category::Meta,
        props: &[
            ("name", Str),
            ("description", Str),
            ("schema", Str),
            ("version", Str),
            ("extension_types", Any),
            ("extension_properties", StrList),
        ],
        required: &[
            "name",
            "schema",
            "version",
            "extension_types",
            "created_by_ref",
        ],
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    },
    TypeSpec {
        name: "marking-definition",
        category: Category::Meta,
        props: &[],
        required: &["id", "type", "created"],
        any_of: &[],
        extensions: &[],
        id_contributing: &[],
    },
];

/// The model of a STIX 2.1 type, or `None` for a custom type.
pub fn type_spec(name: &str) -> Option<&'static TypeSpec> {
    static BY_NAME: OnceLock<HashMap<&'static str, &'static TypeSpec, FnvBuild>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| TYPES.iter().map(|t| (t.name, t)).collect())
        .get(name)
        .copied()
}

/// Property kinds by the address and length of the interned property name (see
/// [`crate::json::canonical_name`]): a lookup is one multiply and one probe, no string hashing.
pub(crate) type PropIndex = HashMap<(usize, usize), &'static K, AddrBuild>;

/// The lookup key of a map key in a [`PropIndex`].
pub(crate) fn addr_key(name: &str) -> (usize, usize) {
    (name.as_ptr() as usize, name.len())
}

fn index_of(props: impl IntoIterator<Item = (&'static str, &'static K)>) -> PropIndex {
    let mut idx = PropIndex::default();
    for (n, k) in props {
        if let Some(c) = crate::json::canonical_name(n) {
            idx.entry(addr_key(c)).or_insert(k);
        }
    }
    idx
}

/// The kinds of every property an object may have: its category's common properties plus its
/// type's own (built once per type).
pub(crate) fn property_index(
    spec: Option<&'static TypeSpec>,
    common: &'static [(&'static str, K)],
) -> &'static PropIndex {
    static BY_TYPE: OnceLock<HashMap<(&'static str, usize), PropIndex, FnvBuild>> = OnceLock::new();
    let all = BY_TYPE.get_or_init(|| {
        let mut all = HashMap::default();
        let commons: [&'static [(&'static str, K)]; 3] = [SDO_COMMON, SCO_COMMON, MARKING_COMMON];
        for c in commons {
            let base = c.iter().map(|(n, k)| (*n, k));
            all.insert(("", c.as_ptr() as usize), index_of(base.clone()));
            for t in TYPES {
                let own = t.props.iter().map(|(n, k)| (*n, k));
                all.insert(
                    (t.name, c.as_ptr() as usize),
                    index_of(base.clone().chain(own)),
                );
            }
        }
        all
    });
    let key = (spec.map_or("", |s| s.name), common.as_ptr() as usize);
    static EMPTY: OnceLock<PropIndex> = OnceLock::new();
    all.get(&key)
        .unwrap_or_else(|| EMPTY.get_or_init(PropIndex::default))
}

/// Hashes (address, length) pairs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AddrBuild;

/// A multiply-rotate hasher for machine words.
#[derive(Debug)]
pub(crate) struct AddrHasher(u64);

impl std::hash::BuildHasher for AddrBuild {
    type Hasher = AddrHasher;
    fn build_hasher(&self) -> AddrHasher {
        AddrHasher(0)
    }
}

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(26) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The category of a type name; custom types are guessed from their shape by the caller.
pub fn category_of(name: &str) -> Option<Category> {
    if name == "bundle" {
        return Some(Category::Bundle);
    }
    type_spec(name).map(|t| t.category)
}

/// True for the 18 SCO types.
pub fn is_sco_type(name: &str) -> bool {
    SCO_TYPES.contains(&name)
}

/// True for the 19 SDO types.
pub fn is_sdo_type(name: &str) -> bool {
    SDO_TYPES.contains(&name)
}

/// Every property name the model defines (common properties, type properties, embedded types and
/// extensions), unsorted, with repetitions.
pub(crate) fn all_property_names() -> Vec<&'static str> {
    fn sub_names(k: &'static K, out: &mut Vec<&'static str>) {
        if let K::Obj(s) | K::ObjList(s) = k {
            for (n, kk) in s.props {
                out.push(n);
                sub_names(kk, out);
            }
        }
    }
    let mut out: Vec<&'static str> = Vec::new();
    let tables: [&'static [(&'static str, K)]; 3] = [SDO_COMMON, SCO_COMMON, MARKING_COMMON];
    for t in tables {
        out.extend(t.iter().map(|(n, _)| *n));
    }
    for t in TYPES {
        for (n, k) in t.props {
            out.push(n);
            sub_names(k, &mut out);
        }
        for e in t.extensions {
            out.push(e.name);
            for (n, k) in e.props {
                out.push(n);
                sub_names(k, &mut out);
            }
        }
    }
    out.extend([
        "objects",
        "source_name",
        "external_id",
        "url",
        "hashes",
        "kill_chain_name",
        "phase_name",
        "selectors",
        "marking_ref",
        "extension_type",
        "statement",
        "tlp",
        "MD5",
        "SHA-1",
        "SHA-256",
        "SHA-512",
    ]);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The pattern linter keeps its own table of SCO types and top-level properties (the pattern
    /// crate may not depend on this one): it must name exactly what this schema defines.
    #[test]
    fn pattern_linter_knows_the_same_scos_and_properties() {
        let scos: Vec<&TypeSpec> = TYPES
            .iter()
            .filter(|t| t.category == Category::Sco)
            .collect();
        let names: BTreeSet<&str> = scos.iter().map(|t| t.name).collect();
        assert_eq!(names, SCO_TYPES.iter().copied().collect::<BTreeSet<_>>());
        assert_eq!(names, simpul_pattern::sco_types().collect::<BTreeSet<_>>());
        for t in scos {
            assert!(simpul_pattern::is_known_sco_type(t.name), "{}", t.name);
            let schema: BTreeSet<&str> =
                t.props.iter().chain(SCO_COMMON).map(|(n, _)| *n).collect();
            let linter: BTreeSet<&str> = simpul_pattern::sco_properties(t.name)
                .unwrap_or_default()
                .into_iter()
                .collect();
            assert_eq!(linter, schema, "properties of {}", t.name);
        }
    }
}
