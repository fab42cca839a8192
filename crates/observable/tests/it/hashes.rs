use simpul_observable::{ObservableError, ObservableType as T};

use crate::{message, none, rejects, table};

#[test]
fn digests() {
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    table(
        T::Md5,
        T::Md5,
        &none(),
        &[
            (md5, md5),
            (&md5.to_uppercase(), md5),
            (&format!(" {md5}\n"), md5),
        ],
    );
    table(T::Sha1, T::Sha1, &none(), &[(&sha1.to_uppercase(), sha1)]);
    table(
        T::Sha256,
        T::Sha256,
        &none(),
        &[(&sha256.to_uppercase(), sha256)],
    );
    table(
        T::Sha512,
        T::Sha512,
        &none(),
        &[(&sha512.to_uppercase(), sha512)],
    );
    rejects(
        T::Md5,
        &none(),
        &[
            "",
            sha1,
            &md5[1..],
            &format!("{}g", &md5[1..]),
            &format!("0x{md5}"),
        ],
    );
    rejects(T::Sha256, &none(), &[md5, sha512]);
    assert_eq!(
        message(T::Sha1, md5, &none()),
        "invalid sha1: length 32, expected 40 hex digits"
    );
    assert!(matches!(
        simpul_observable::normalise(T::Md5, "zz", &none()).unwrap_err(),
        ObservableError::BadChar { ch: 'z', .. }
    ));
}

#[test]
fn ssdeep() {
    let h = "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO";
    table(
        T::Ssdeep,
        T::Ssdeep,
        &none(),
        &[(h, h), (&format!("  {h},\"/tmp/x.bin\""), h)],
    );
    rejects(
        T::Ssdeep,
        &none(),
        &[
            "",
            "3::",
            "5:abc:def",
            "0:abc:def",
            "96:abc",
            "96:abc:def:ghi",
            "96:ab!c:def",
            &format!("96:{}:a", "a".repeat(65)),
        ],
    );
}

#[test]
fn tlsh() {
    let body = "1D3A2DF91E6F42B6E4B7051C7B1BDEE7238B15A13C5DC8BE7B2D4B30D1AF0B0A2E5A9F";
    assert_eq!(body.len(), 70);
    let want = format!("T1{body}");
    table(
        T::Tlsh,
        T::Tlsh,
        &none(),
        &[
            (&want, &want),
            (&want.to_lowercase(), &want),
            (body, &want),
            (&body.to_lowercase(), &want),
        ],
    );
    rejects(
        T::Tlsh,
        &none(),
        &[
            "",
            "T1",
            &body[1..],
            &format!("T2{body}"),
            &format!("T1{}X", &body[1..]),
        ],
    );
}
