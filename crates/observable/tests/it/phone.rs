use simpul_observable::{ObservableError, ObservableType as T, normalise};

use crate::{ctx, message, none, rejects, same, table};

#[test]
fn indonesian_national_and_international_forms_are_one_key() {
    same(
        T::Phone,
        &ctx("ID"),
        &[
            "0812-3456-7890",
            "+62 812 3456 7890",
            "+6281234567890",
            "(0812) 3456 7890",
            "tel:+62-812-3456-7890",
        ],
    );
    table(
        T::Phone,
        T::Phone,
        &ctx("ID"),
        &[("0812-3456-7890", "+6281234567890")],
    );
    // The international form needs no region; any region reads it the same.
    table(
        T::Phone,
        T::Phone,
        &none(),
        &[("+62 812 3456 7890", "+6281234567890")],
    );
    table(
        T::Phone,
        T::Phone,
        &ctx("SG"),
        &[("+62 812 3456 7890", "+6281234567890")],
    );
}

/// libphonenumber's own example mobile number of each of the 11 ASEAN member states, in
/// national form with the member's region, and in international form without one.
#[test]
fn every_asean_member_state() {
    let cases = [
        ("BN", "712 3456", "+6737123456"),
        ("KH", "091 234 567", "+85591234567"),
        ("ID", "0812-345-678", "+62812345678"),
        ("LA", "020 2312 3456", "+8562023123456"),
        ("MY", "012-345 6789", "+60123456789"),
        ("MM", "09 212 3456", "+9592123456"),
        ("PH", "0905 123 4567", "+639051234567"),
        ("SG", "8123 4567", "+6581234567"),
        ("TH", "081 234 5678", "+66812345678"),
        ("VN", "0912 345 678", "+84912345678"),
        ("TL", "7721 2345", "+67077212345"),
    ];
    for (region, national, e164) in cases {
        table(T::Phone, T::Phone, &ctx(region), &[(national, e164)]);
        table(T::Phone, T::Phone, &none(), &[(e164, e164)]);
    }
}

#[test]
fn phone_rejects() {
    rejects(
        T::Phone,
        &ctx("ID"),
        &[
            "",
            "abc",
            "+62 812 CALL NOW",
            "12",
            "+999 1234 5678",
            "0812",
            "+62 812 3456 7890 ext 12",
            "++62812345678",
            "+0812345678",
        ],
    );
    let e = normalise(T::Phone, "0812-3456-7890", &none()).unwrap_err();
    assert!(matches!(e, ObservableError::MissingRegion { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "phone \"0812-3456-7890\" is in national format and no default region is set"
    );
    assert_eq!(
        message(T::Phone, "+62 812 CALL", &none()),
        "invalid phone: character 'C' not allowed"
    );
    assert!(matches!(
        normalise(T::Phone, "0812 3456 7890", &ctx("ZZ")).unwrap_err(),
        ObservableError::UnknownCountry { .. }
    ));
}

/// The inputs of the phonenumber crate's published RFC 3966 parsing panics
/// (GHSA-whhr-7f2w-qqj2, GHSA-mjw4-jj88-v687) are stopped by our character filter before they
/// reach the parser.
#[test]
fn phonenumber_advisory_inputs_are_rejected_up_front() {
    for raw in [
        ".;phone-context=",
        "+dwPAA;phone-context=AA",
        "tel:+;phone-context=",
        "+1;phone-context=ééé",
        "+\u{1F4A9};phone-context=\u{1F4A9}",
    ] {
        let e = normalise(T::Phone, raw, &ctx("ID")).unwrap_err();
        assert!(
            matches!(
                e,
                ObservableError::BadChar { .. }
                    | ObservableError::BadLength { .. }
                    | ObservableError::Empty { .. }
            ),
            "{raw:?}: {e}"
        );
    }
}

#[test]
fn sms_senders() {
    table(
        T::SmsSender,
        T::SmsSender,
        &ctx("SG"),
        &[
            ("DBS Bank", "dbs bank"),
            ("DBS  Bank", "dbs bank"),
            ("DBS-SG", "dbs-sg"),
            ("72345", "SG/72345"),
            ("GoTo", "goto"),
        ],
    );
    // A sender that is a phone number is keyed as the phone.
    table(
        T::SmsSender,
        T::Phone,
        &ctx("ID"),
        &[
            ("0812-3456-7890", "+6281234567890"),
            ("+6281234567890", "+6281234567890"),
        ],
    );
    rejects(
        T::SmsSender,
        &none(),
        &["", "72345", "ABCDEFGHIJKL", "12", "bank!", "---"],
    );
}

#[test]
fn written_forms_seen_in_reports() {
    same(
        T::Phone,
        &ctx("MY"),
        &[
            "+60 (0)12-345 6789",
            "+60 12-345 6789",
            "012-345 6789",
            "012.345.6789",
            "60123456789",
        ],
    );
}

/// Fixed lines and mobile numbers of other lengths, as written locally in each member state.
#[test]
fn local_forms_across_asean() {
    let cases = [
        ("ID", "0811-1234-567", "+628111234567"),
        ("ID", "0813-1234-56789", "+62813123456789"),
        ("ID", "(021) 2555 1234", "+622125551234"),
        ("PH", "0917 123 4567", "+639171234567"),
        ("TH", "02 123 4567", "+6621234567"),
        ("VN", "028 3822 1234", "+842838221234"),
        ("MY", "03-2161 1234", "+60321611234"),
        ("SG", "6123 4567", "+6561234567"),
        ("TL", "331 1234", "+6703311234"),
        ("KH", "012 345 678", "+85512345678"),
        ("LA", "020 5551 2345", "+8562055512345"),
        ("MM", "09 4500 12345", "+959450012345"),
        ("BN", "873 1234", "+6738731234"),
    ];
    for (region, local, e164) in cases {
        table(T::Phone, T::Phone, &ctx(region), &[(local, e164)]);
    }
}
