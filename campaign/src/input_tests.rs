use std::io::Write;

use super::*;

fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

fn rows(bytes: &[u8], format: InputFormat, encoding: Encoding) -> Result<Vec<InputRow>> {
    let f = file(bytes);
    RowReader::open(f.path(), format, encoding)?.collect()
}

#[test]
fn csv_with_and_without_bom_reads_the_same_rows() {
    let plain = rows(
        b"user_id,memo\n2088000000000001,hi\n",
        InputFormat::Csv,
        Encoding::Auto,
    )
    .unwrap();
    let bom = rows(
        b"\xEF\xBB\xBFuser_id,memo\r\n2088000000000001,hi\r\n",
        InputFormat::Csv,
        Encoding::Auto,
    )
    .unwrap();
    assert_eq!(plain, bom);
    assert_eq!(plain[0].line, 2);
    assert_eq!(plain[0].get("user_id"), Some("2088000000000001"));
}

#[test]
fn gbk_is_detected_and_decoded() {
    let (gbk, _, _) = encoding_rs::GBK.encode("user_id,memo\n2088000000000001,新客礼券\n");
    let r = rows(&gbk, InputFormat::Csv, Encoding::Auto).unwrap();
    assert_eq!(r[0].get("memo"), Some("新客礼券"));
    let r = rows(&gbk, InputFormat::Csv, Encoding::Gbk).unwrap();
    assert_eq!(r[0].get("memo"), Some("新客礼券"));
}

#[test]
fn gbk_read_as_utf8_names_the_line_and_the_fix() {
    let (gbk, _, _) =
        encoding_rs::GBK.encode("user_id,memo\n2088000000000001,ok\n2088000000000002,新客礼券\n");
    let e = rows(&gbk, InputFormat::Csv, Encoding::Utf8).unwrap_err();
    let m = e.message();
    assert!(
        m.contains("line 3") && m.contains("\"memo\"") && m.contains("encoding = \"gbk\""),
        "{m}"
    );
}

#[test]
fn a_truncated_last_line_is_named() {
    let e = rows(
        b"user_id,memo,amount\n2088000000000001,a,1.00\n2088000000000002,b",
        InputFormat::Csv,
        Encoding::Auto,
    )
    .unwrap_err();
    assert!(
        e.message().contains("line 3") && e.message().contains("truncated"),
        "{e}"
    );
    let e = rows(
        b"{\"user_id\":\"2088000000000001\"}\n{\"user_id\":\"20880",
        InputFormat::Jsonl,
        Encoding::Auto,
    )
    .unwrap_err();
    assert!(
        e.message().contains("line 2") && e.message().contains("truncated"),
        "{e}"
    );
}

#[test]
fn a_short_row_in_the_middle_is_not_called_truncated() {
    let e = rows(b"a,b\n1\n2,3\n", InputFormat::Csv, Encoding::Auto).unwrap_err();
    assert!(
        e.message().contains("line 2") && !e.message().contains("truncated"),
        "{e}"
    );
}

#[test]
fn an_empty_file_is_an_error() {
    for format in [InputFormat::Csv, InputFormat::Jsonl] {
        let e = rows(b"", format, Encoding::Auto).unwrap_err();
        assert!(e.message().contains("is empty"), "{e}");
    }
}

#[test]
fn jsonl_values_are_strings_numbers_or_null() {
    let r = rows(b"{\"user_id\":\"2088000000000001\",\"trans_amount\":10,\"memo\":null}\n\n{\"user_id\":\"x\"}\n", InputFormat::Jsonl, Encoding::Auto)
        .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].get("trans_amount"), Some("10"));
    assert_eq!(r[0].get("memo"), Some(""));
    assert_eq!(r[1].line, 3);
    let e = rows(b"{\"a\":[1]}\n", InputFormat::Jsonl, Encoding::Auto).unwrap_err();
    assert!(e.message().contains("\"a\""), "{e}");
}

#[test]
fn the_digest_is_the_files_sha256() {
    let f = file(b"user_id\n2088000000000001\n");
    let mut reader = RowReader::open(f.path(), InputFormat::Csv, Encoding::Auto).unwrap();
    for row in reader.by_ref() {
        row.unwrap();
    }
    assert_eq!(reader.digest(), file_digest(f.path()).unwrap());
}
