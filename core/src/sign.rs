//! The request sign content and timestamps: pure functions, no I/O, the clock passed in (docs/protocol.md §1.4, §2).

use std::time::SystemTime;

use time::format_description::FormatItem;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const BEIJING: UtcOffset = offset!(+8);
const TIMESTAMP_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Whether a parameter value counts as empty: the official Java SDK drops `""` and whitespace-only values from
/// both the wire and the sign content, and so do we.
pub fn is_blank(value: &str) -> bool {
    value.trim().is_empty()
}

/// Builds the string that is signed: every parameter except `sign`, empty and whitespace-only values dropped,
/// sorted by key bytes, joined as raw `k=v` pairs with `&`.
///
/// ```
/// let content = alipay_marketing::sign::sign_content([
///     ("method", "alipay.marketing.voucher.send"),
///     ("app_id", "2021000000000001"),
///     ("sign", "ignored"),
///     ("notify_url", " "),
/// ]);
/// assert_eq!(content, "app_id=2021000000000001&method=alipay.marketing.voucher.send");
/// ```
pub fn sign_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut kept: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| *k != "sign" && !is_blank(v))
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let len = kept.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len);
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Formats an instant as the gateway's `timestamp`: `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8), whatever the
/// host's time zone.
pub fn beijing_timestamp(now: SystemTime) -> String {
    OffsetDateTime::from(now)
        .to_offset(BEIJING)
        .format(TIMESTAMP_FORMAT)
        .unwrap_or_default()
}

/// Parses a gateway `timestamp` (Beijing time). `None` if it is not exactly `yyyy-MM-dd HH:mm:ss`.
pub fn parse_beijing_timestamp(text: &str) -> Option<SystemTime> {
    if text.len() != 19 {
        return None;
    }
    let local = PrimitiveDateTime::parse(text, TIMESTAMP_FORMAT).ok()?;
    Some(local.assume_offset(BEIJING).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamp_is_beijing_time() {
        // 2023-11-14 22:13:20 UTC is 2023-11-15 06:13:20 in Beijing.
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(beijing_timestamp(t), "2023-11-15 06:13:20");
        assert_eq!(parse_beijing_timestamp("2023-11-15 06:13:20"), Some(t));
    }

    #[test]
    fn timestamp_parser_rejects_other_shapes() {
        for bad in [
            "2023-11-15T06:13:20",
            "2023-11-15 6:13:20",
            "2023/11/15 06:13:20",
            "2023-11-15 06:13:20 ",
            "",
        ] {
            assert_eq!(parse_beijing_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sign_content_sorts_by_key_bytes_and_drops_blank_values() {
        let content = sign_content([
            ("b", "2"),
            ("a0", "x"),
            ("a", "1"),
            ("c", ""),
            ("d", " \t"),
            ("sign", "s"),
        ]);
        assert_eq!(content, "a=1&a0=x&b=2");
    }

    #[test]
    fn sign_content_keeps_values_raw() {
        let content = sign_content([
            ("biz_content", "{\"memo\":\"a b&c=中文\"}"),
            ("app_id", "1"),
        ]);
        assert_eq!(content, "app_id=1&biz_content={\"memo\":\"a b&c=中文\"}");
    }
}
