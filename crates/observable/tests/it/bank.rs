use simpul_observable::{
    ObservableError, ObservableType as T, Region, bank_account_key, iban_length, normalise,
};

use crate::{ctx, message, none, rejects, same, table};

#[test]
fn ibans() {
    table(
        T::Iban,
        T::Iban,
        &none(),
        &[
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("gb82west12345698765432", "GB82WEST12345698765432"),
            ("IBAN DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("TL38 0080 0123 4567 8910 157", "TL380080012345678910157"),
            ("NO93 8601 1117 947", "NO9386011117947"),
        ],
    );
    same(
        T::Iban,
        &none(),
        &[
            "GB82WEST12345698765432",
            "GB82-WEST-1234-5698-7654-32",
            " gb82 west 1234 5698 7654 32 ",
        ],
    );
    let errs = rejects(
        T::Iban,
        &none(),
        &[
            "",
            "GB82WEST12345698765433",
            "GB82WEST1234569876543",
            "XX82WEST12345698765432",
            "82GBWEST12345698765432",
            "GB82WEST1234569876543$",
        ],
    );
    assert!(matches!(errs[1], ObservableError::BadChecksum { .. }));
    assert_eq!(
        message(T::Iban, "GB82WEST12345698765433", &none()),
        "invalid iban: IBAN mod-97 checksum does not match"
    );
    assert_eq!(
        message(T::Iban, "GB82WEST1234569876543", &none()),
        "invalid iban: length 21, expected the IBAN length of its country"
    );
    assert_eq!(iban_length("TL"), Some(23));
    assert_eq!(iban_length("ID"), None);
}

#[test]
fn bics() {
    table(
        T::Bic,
        T::Bic,
        &none(),
        &[
            ("DEUTDEFF", "DEUTDEFF"),
            ("deutdeffxxx", "DEUTDEFF"),
            ("DEUTDEFF500", "DEUTDEFF500"),
            ("CENA ID JA", "CENAIDJA"),
        ],
    );
    rejects(
        T::Bic,
        &none(),
        &["", "DEUTDEF", "DEUTDEFF5", "DEU1DEFF", "DEUTDEFF50000"],
    );
}

#[test]
fn bank_accounts() {
    table(
        T::BankAccount,
        T::BankAccount,
        &ctx("ID"),
        &[
            ("ID:BCA:123-456-7890", "ID/BCA/1234567890"),
            ("id/014/1234 567 890", "ID/014/1234567890"),
            ("BCA:1234567890", "ID/BCA/1234567890"),
            ("1234567890", "ID//1234567890"),
            ("MY:MBBEMYKL:5140 1234 5678", "MY/MBBEMYKL/514012345678"),
        ],
    );
    // An IBAN given as a bank account is the IBAN.
    table(
        T::BankAccount,
        T::Iban,
        &none(),
        &[("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432")],
    );
    // A mistyped IBAN is an error, not a national account number.
    let e = normalise(T::BankAccount, "GB82 WEST 1234 5698 7654 33", &ctx("ID")).unwrap_err();
    assert!(
        matches!(
            e,
            ObservableError::BadChecksum {
                ty: T::BankAccount,
                ..
            }
        ),
        "{e}"
    );
    rejects(
        T::BankAccount,
        &none(),
        &[
            "",
            "1234567890",
            "BCA:1234567890",
            "I:BCA:1234",
            "ID:BCA:12",
            "ID:BCA:12!34",
            "a:b:c:d",
        ],
    );
    let k = bank_account_key(Region::parse("th").unwrap(), "SCB", "123-4-56789-0").unwrap();
    assert_eq!(k.key(), "TH/SCB/1234567890");
}

#[test]
fn payment_cards() {
    table(
        T::PaymentCard,
        T::PaymentCard,
        &none(),
        &[
            ("4111 1111 1111 1111", "4111111111111111"),
            ("5555-5555-5555-4444", "5555555555554444"),
            ("378282246310005", "378282246310005"),
        ],
    );
    let errs = rejects(
        T::PaymentCard,
        &none(),
        &[
            "",
            "4111 1111 1111 1112",
            "4111",
            "4111-1111-1111-111a",
            "41111111111111111111",
        ],
    );
    assert!(matches!(
        errs[1],
        ObservableError::BadChecksum { which: "Luhn", .. }
    ));
    let _ = normalise;
}
