#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::read::{oid_to_string, small_uint};
use super::write::{generalized_time, octets, oid, seq, set_of, tlv, uint, utf8};
use super::*;

fn read_one(input: &[u8]) -> Result<Tlv<'_>, DerError> {
    Reader::new(input).read_any("x")
}

// ---------------------------------------------------------------- reader

#[test]
fn truncated_input_is_an_error() {
    for (bad, why) in [
        (&[][..], "unexpected end of data"),
        (&[0x30], "truncated length"),
        (&[0x30, 0x05, 1], "length exceeds the available data"),
        (&[0x30, 0x82, 1], "truncated length"),
        (
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            "length exceeds the available data",
        ),
    ] {
        let e = read_one(bad).expect_err("truncated");
        assert_eq!(e.to_string(), format!("x: {why}"), "{bad:?}");
    }
}

#[test]
fn only_der_forms_are_read() {
    for (bad, why) in [
        (
            &[0x30, 0x80, 0x00, 0x00][..],
            "indefinite length is not DER",
        ),
        (&[0x30, 0x85, 1, 0, 0, 0, 0], "length field too long"),
        (&[0x30, 0x85, 1, 1, 1, 1, 1], "length field too long"),
        (&[0x1F, 0x01, 0x00], "high tag numbers are not supported"),
        (&[0x1F, 0], "high tag numbers are not supported"),
    ] {
        let e = read_one(bad).expect_err("not DER");
        assert_eq!(e, DerError::new("x", why), "{bad:?}");
    }
}

#[test]
fn elements_keep_their_exact_bytes() {
    let data = [0x30, 0x81, 0x03, 0x02, 0x01, 0x07, 0x05, 0x00];
    let mut r = Reader::new(&data);
    let s = r.read(TAG_SEQUENCE, "s").unwrap();
    assert_eq!(s.raw, &data[..6]);
    assert_eq!(s.value, &[0x02, 0x01, 0x07]);
    assert_eq!(s.reader().read_small_uint("i").unwrap(), 7);
    assert_eq!(r.peek_tag(), Some(0x05));
    assert_eq!(
        r.finish("s").unwrap_err().to_string(),
        "s: unexpected trailing data"
    );
    assert!(r.read_optional(TAG_SEQUENCE, "s").unwrap().is_none());
    assert_eq!(
        r.read(TAG_INTEGER, "n").unwrap_err().to_string(),
        "n: expected tag 0x02, found 0x05"
    );
    // The mismatched element was consumed.
    assert!(r.is_empty());
    r.finish("s").unwrap();
}

#[test]
fn integers() {
    assert_eq!(small_uint(&[0x00, 0x80]), Some(0x80));
    assert_eq!(small_uint(&[0x80]), None, "negative");
    assert_eq!(small_uint(&[]), None);
    assert_eq!(small_uint(&[1; 9]), None, "wider than u64");
    assert_eq!(normalize_integer(&[0, 0, 0x8F]), &[0x8F]);
    assert_eq!(normalize_integer(&[0, 0]), &[0]);
    assert_eq!(normalize_integer(&[]), &[] as &[u8]);
    let mut r = Reader::new(&[0x02, 0x00]);
    assert_eq!(
        r.read_integer_bytes("serial").unwrap_err().to_string(),
        "serial: empty INTEGER"
    );
    let mut r = Reader::new(&[0x02, 0x01, 0xFF]);
    assert_eq!(
        r.read_small_uint("version").unwrap_err().to_string(),
        "version: not a small non-negative INTEGER"
    );
}

#[test]
fn object_identifiers() {
    assert_eq!(
        oid_to_string(&[0x2A, 0x86, 0x48]).as_deref(),
        Some("1.2.840")
    );
    assert_eq!(oid_to_string(&[0x2A, 0x86]), None, "truncated arc");
    assert_eq!(oid_to_string(&[0x80, 0x01]), None, "non-minimal arc");
    assert_eq!(oid_to_string(&[]), None);
    assert_eq!(oid_to_string(&[0xFF; 11]), None, "arc beyond u64");
    let mut r = Reader::new(&[0x06, 0x01, 0x80]);
    assert_eq!(
        r.read_oid("policy").unwrap_err().to_string(),
        "policy: invalid OBJECT IDENTIFIER"
    );
}

#[test]
fn generalized_times() {
    /// 2025-01-01T00:00:00Z
    const T2025: i64 = 1_735_689_600;
    assert!(parse_generalized_time(b"20250101000000", "t").is_err());
    assert!(parse_generalized_time(b"20251301000000Z", "t").is_err());
    assert!(parse_generalized_time(b"20250101000000.Z", "t").is_err());
    assert_eq!(
        parse_generalized_time(b"20250101000000Z", "t").unwrap(),
        T2025
    );
    assert_eq!(
        parse_generalized_time(b"20250101000000.999Z", "t").unwrap(),
        T2025
    );
    assert_eq!(
        parse_generalized_time(b"2025", "TSTInfo.genTime")
            .unwrap_err()
            .to_string(),
        "TSTInfo.genTime: not a GeneralizedTime of the form YYYYMMDDHHMMSS[.f]Z"
    );
}

// ---------------------------------------------------------------- writer

#[test]
fn lengths_are_minimal() {
    assert_eq!(tlv(0x04, &[1; 3])[..2], [0x04, 3]);
    assert_eq!(tlv(0x04, &[1; 127])[..2], [0x04, 127]);
    assert_eq!(tlv(0x04, &[1; 128])[..3], [0x04, 0x81, 128]);
    assert_eq!(tlv(0x04, &[1; 200])[..3], [0x04, 0x81, 200]);
    assert_eq!(tlv(0x04, &[1; 300])[..4], [0x04, 0x82, 1, 44]);
    assert_eq!(tlv(0x04, &[1; 0x10000])[..5], [0x04, 0x83, 1, 0, 0]);
    assert_eq!(tlv(0x05, &[]), [0x05, 0]);
}

#[test]
fn unsigned_integers() {
    assert_eq!(uint(&[]), [0x02, 0x01, 0x00]);
    assert_eq!(uint(&[0, 0]), [0x02, 0x01, 0x00]);
    assert_eq!(uint(&[1]), [0x02, 0x01, 0x01]);
    assert_eq!(uint(&[0, 0, 0x7F]), [0x02, 0x01, 0x7F]);
    assert_eq!(uint(&[0x80, 0x01]), [0x02, 0x03, 0x00, 0x80, 0x01]);
    assert_eq!(uint(&[0, 0x80]), [0x02, 0x02, 0x00, 0x80]);
}

#[test]
fn object_identifiers_from_dotted() {
    assert_eq!(
        oid("1.2.840.113549.1.7.2").unwrap(),
        [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]
    );
    assert_eq!(
        oid("2.16.840.1.101.3.4.2.1").unwrap(),
        [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
    );
    assert_eq!(oid("2.999").unwrap(), [0x06, 0x02, 0x88, 0x37]);
    assert_eq!(oid("0.0").unwrap(), [0x06, 0x01, 0x00]);
    for bad in [
        "",
        "1",
        "1.",
        "1..2",
        "1.2.x",
        "1.+2",
        "3.1",
        "1.40",
        "2.18446744073709551615",
        "1.2.-1",
        "1.2.18446744073709551616",
    ] {
        let e = oid(bad).expect_err(bad);
        assert!(e.what.contains(&format!("{bad:?}")), "{e}");
    }
}

#[test]
fn sets_are_sorted() {
    let a = octets(&[2]);
    let b = octets(&[1, 1]);
    let c = uint(&[9]);
    assert_eq!(
        set_of(&[&a, &b, &c]),
        tlv(TAG_SET, &[c.clone(), a, b].concat())
    );
    assert_eq!(set_of(&[]), [TAG_SET, 0]);
}

#[test]
fn generalized_time_written() {
    assert_eq!(
        generalized_time(1_735_689_600).unwrap(),
        tlv(TAG_GENERALIZED_TIME, b"20250101000000Z")
    );
    assert!(generalized_time(i64::MAX).is_err());
    assert!(generalized_time(-62_167_219_201).is_err(), "year -1");
    assert!(generalized_time(253_402_300_800).is_err(), "year 10000");
}

// ---------------------------------------------------------------- round trips

#[test]
fn written_elements_read_back() {
    let big = vec![0xAB; 70_000];
    for dotted in [
        "1.2.840.113549.1.9.16.2.47",
        "2.5.29.37",
        "1.3.6.1.4.1.57264.2",
        "2.999.1",
    ] {
        let enc = oid(dotted).unwrap();
        let mut r = Reader::new(&enc);
        assert_eq!(r.read_oid("oid").unwrap(), dotted);
    }
    let time = generalized_time(1_735_689_599).unwrap();
    let doc = seq(&[
        &uint(&[0, 0x80, 0]),
        &octets(&big),
        &utf8("ünïcode"),
        &set_of(&[&uint(&[3]), &uint(&[1])]),
        &time,
    ]);
    let mut top = Reader::new(&doc);
    let s = top.read(TAG_SEQUENCE, "doc").unwrap();
    top.finish("doc").unwrap();
    assert_eq!(s.raw, doc.as_slice());
    let mut r = s.reader();
    // Compared by value: the sign octet is dropped.
    assert_eq!(r.read_integer_bytes("i").unwrap(), [0x80, 0x00]);
    assert_eq!(r.read(TAG_OCTET_STRING, "o").unwrap().value, big.as_slice());
    assert_eq!(
        r.read(TAG_UTF8_STRING, "u").unwrap().value,
        "ünïcode".as_bytes()
    );
    let set = r.read(TAG_SET, "set").unwrap();
    let items = set.children("item").unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].raw, uint(&[1]).as_slice());
    let t = r.read(TAG_GENERALIZED_TIME, "t").unwrap();
    assert_eq!(parse_generalized_time(t.value, "t").unwrap(), 1_735_689_599);
    r.finish("doc").unwrap();
}

#[test]
fn every_truncation_of_a_written_element_fails() {
    let doc = seq(&[&octets(&[7; 300]), &oid("1.2.3").unwrap()]);
    for cut in 0..doc.len() {
        let prefix = &doc[..cut];
        let mut r = Reader::new(prefix);
        let whole = r
            .read(TAG_SEQUENCE, "doc")
            .and_then(|s| s.children("field"));
        assert!(whole.is_err(), "cut at {cut}");
    }
}
