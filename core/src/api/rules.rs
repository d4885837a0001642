//! Field checks that several requests share. Each error names the field, the rule or limit, and what to do, and
//! never repeats a personal value (mobile, user id) in its message, because errors end up in logs.

use serde::Serialize;

use crate::{Error, Result};

/// The `biz_content` text of a request model: compact JSON, fields in declaration order, non-ASCII unescaped.
pub(super) fn biz_json(model: &impl Serialize) -> Result<String> {
    // Cannot fail for the plain string models of this module; mapped rather than unwrapped all the same.
    serde_json::to_string(model).map_err(|e| {
        Error::invalid_request("biz_content", format!("cannot be serialised as JSON: {e}"))
    })
}

/// Fails when a required field is empty or whitespace only.
pub(super) fn required(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_request(field, "is empty; it is required"));
    }
    Ok(())
}

/// Fails when an optional field was set to an empty or whitespace-only string.
pub(super) fn not_blank_if_set(field: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::invalid_request(
            field,
            "is set but empty; give a value or leave it unset (None)",
        )),
        _ => Ok(()),
    }
}

/// Fails when a field is longer than `max` characters (not bytes: the gateway counts characters).
pub(super) fn max_chars(field: &str, value: &str, max: usize) -> Result<()> {
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid_request(
            field,
            format!("is {len} characters; the gateway allows at most {max}"),
        ));
    }
    Ok(())
}

/// Free text such as `memo` or `ext_info`: at most `max` characters, and no control character (NUL, newline,
/// tab…), which the gateway would store or echo as is.
pub(super) fn free_text(field: &str, value: &str, max: usize) -> Result<()> {
    max_chars(field, value, max)?;
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_request(
            field,
            format!(
                "contains the control character U+{:04X}; use printable characters only (write JSON compactly, \
                 on one line)",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// An identifier such as `out_biz_no`: not blank, at most `max` characters, printable, and no leading or trailing
/// whitespace (the gateway compares identifiers exactly, so a stray space makes a different key).
pub(super) fn identifier(field: &str, value: &str, max: usize) -> Result<()> {
    required(field, value)?;
    max_chars(field, value, max)?;
    if value.trim() != value {
        return Err(Error::invalid_request(
            field,
            "has leading or trailing whitespace; trim it (the gateway compares it exactly)",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_request(
            field,
            "contains a control character (such as a newline or tab); use printable characters only",
        ));
    }
    Ok(())
}

/// [`identifier`] for an optional field: checked only when set, and then it must not be blank.
pub(super) fn optional_identifier(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    match value {
        Some(v) => {
            not_blank_if_set(field, Some(v))?;
            identifier(field, v, max)
        }
        None => Ok(()),
    }
}

/// An Alipay user id: 16 ASCII digits starting with `2088`.
pub(super) fn user_id(field: &str, value: &str) -> Result<()> {
    required(field, value)?;
    let problem = if !value.bytes().all(|b| b.is_ascii_digit()) {
        "it contains a character that is not a digit".to_owned()
    } else if value.len() != 16 {
        format!("it has {} digits", value.len())
    } else if !value.starts_with("2088") {
        "it does not start with 2088".to_owned()
    } else {
        return Ok(());
    };
    Err(Error::invalid_request(
        field,
        format!(
            "must be an Alipay user id: 16 digits starting with 2088 ({problem}); \
             an open_id or a login name is not a user id"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn message(r: Result<()>) -> String {
        let e = r.expect_err("expected a validation error");
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        e.to_string()
    }

    #[test]
    fn required_rejects_empty_and_whitespace_only() {
        assert!(message(required("req_id", "")).contains("req_id: is empty"));
        assert!(message(required("req_id", " \t")).contains("is empty"));
        assert!(required("req_id", "r1").is_ok());
    }

    #[test]
    fn max_chars_counts_characters_not_bytes() {
        assert!(max_chars("memo", "一二三", 3).is_ok());
        let m = message(max_chars("memo", "一二三四", 3));
        assert!(
            m.contains("memo: is 4 characters; the gateway allows at most 3"),
            "{m}"
        );
    }

    #[test]
    fn identifier_rejects_edge_whitespace_and_control_characters() {
        assert!(message(identifier("out_biz_no", " a", 64)).contains("trim"));
        assert!(message(identifier("out_biz_no", "a\n", 64)).contains("trim"));
        assert!(message(identifier("out_biz_no", "a\u{7}b", 64)).contains("control character"));
        assert!(identifier("out_biz_no", "a b-订单_1", 64).is_ok());
    }

    #[test]
    fn free_text_refuses_control_characters_naming_the_field() {
        assert!(free_text("memo", "新客 礼券/满100减10", 128).is_ok());
        for bad in ["a\0b", "line\nbreak", "cr\r", "tab\t", "\u{7f}"] {
            let m = message(free_text("memo", bad, 128));
            assert!(
                m.starts_with("invalid_request error: memo: contains the control character"),
                "{m}"
            );
        }
        assert!(message(free_text("ext_info", "{\n}", 2000)).contains("ext_info"));
    }

    #[test]
    fn optional_identifier_accepts_unset_but_not_blank() {
        assert!(optional_identifier("shop_id", None, 64).is_ok());
        assert!(message(optional_identifier("shop_id", Some(""), 64)).contains("leave it unset"));
    }

    #[test]
    fn user_id_must_be_16_digits_starting_with_2088() {
        assert!(user_id("user_id", "2088102146225135").is_ok());
        assert!(message(user_id("user_id", "208810214622513")).contains("it has 15 digits"));
        assert!(message(user_id("user_id", "20881021462251350")).contains("it has 17 digits"));
        assert!(
            message(user_id("user_id", "1088102146225135")).contains("does not start with 2088")
        );
        assert!(message(user_id("user_id", "2088x02146225135")).contains("not a digit"));
        assert!(message(user_id("user_id", "２088102146225135")).contains("not a digit"));
    }

    #[test]
    fn user_id_error_does_not_repeat_the_value() {
        let m = message(user_id("user_id", "1088102146225135"));
        assert!(!m.contains("1088102146225135"), "{m}");
    }
}
