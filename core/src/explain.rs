//! The `isv.invalid-signature` explainer: the gateway echoes the string it verified in `sub_msg`; comparing it with
//! the string this client signed usually names the problem.

use crate::error::SignatureMismatch;

/// Builds the explanation when `sub_msg` carries the gateway's sign string; `None` when it does not.
#[cfg(test)]
pub(crate) fn explain(ours: &str, sub_msg: &str) -> Option<SignatureMismatch> {
    Some(explain_echo(ours, &split_echo(sub_msg)?.1))
}

/// Builds the explanation from the sign string the gateway echoed (see [`split_echo`]).
pub(crate) fn explain_echo(ours: &str, gateways: &str) -> SignatureMismatch {
    let (first_difference, likely_cause) = compare(ours, gateways);
    SignatureMismatch {
        ours: mask_sign_string(ours),
        gateways: mask_sign_string(gateways),
        first_difference,
        likely_cause,
        ours_clear: ours.to_owned(),
        gateways_clear: gateways.to_owned(),
    }
}

/// Splits a `sub_msg` that echoes the gateway's sign string into the words before it and the (unescaped) string.
///
/// The gateway's message ends with "…验签字符串为：<sign string>"; other wordings end with ": <sign string>". The
/// gateway HTML-escapes the string (`&` arrives as `&amp;`), so entities are undone.
pub(crate) fn split_echo(sub_msg: &str) -> Option<(&str, String)> {
    // The marker first; else the first colon, as values inside the sign string may contain colons themselves.
    const MARKER: &str = "验签字符串为：";
    let split_at = if let Some(at) = sub_msg.find(MARKER) {
        at + MARKER.len()
    } else if let Some(at) = sub_msg.find('：') {
        at + '：'.len_utf8()
    } else {
        sub_msg.find(": ")? + 2
    };
    let (head, tail) = sub_msg.split_at(split_at);
    let tail = tail.trim();
    if !tail.contains('=') {
        return None;
    }
    Some((head, unescape_html(tail)))
}

/// The personal fields of `biz_content` whose values are masked in a shown sign string, and how.
/// How one field's value is masked.
type Mask = fn(&str) -> String;

const MASKED_JSON_FIELDS: [(&str, Mask); 6] = [
    ("mobile", crate::mask::mask_mobile),
    ("login_id", crate::mask::mask_mobile),
    ("taobao_nick", crate::mask::mask_mobile),
    ("user_id", crate::mask::mask_user_id),
    ("open_id", crate::mask::mask_user_id),
    ("alipay_user_id", crate::mask::mask_user_id),
];

/// A sign string fit for a log: the `app_auth_token` value and the personal fields of `biz_content` keep only
/// their ends.
pub(crate) fn mask_sign_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_parameter(rest, "app_auth_token=") {
        let value_start = at + "app_auth_token=".len();
        out.push_str(&rest[..value_start]);
        let value_end = next_pair(rest, value_start).unwrap_or(rest.len());
        out.push_str(&crate::mask::mask_token(&rest[value_start..value_end]));
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    for (field, mask) in MASKED_JSON_FIELDS {
        out = mask_json_string_field(&out, field, mask);
    }
    out
}

/// Where a `name=` parameter starts: at the start of the text or right after an `&`.
fn find_parameter(text: &str, name_eq: &str) -> Option<usize> {
    if text.starts_with(name_eq) {
        return Some(0);
    }
    text.match_indices(name_eq)
        .map(|(i, _)| i)
        .find(|&i| i > 0 && text.as_bytes()[i - 1] == b'&')
}

/// Replaces the value of every `"field":"value"` (the JSON spelling `biz_content` uses) with its masked form.
fn mask_json_string_field(text: &str, field: &str, mask: Mask) -> String {
    let needle = format!("\"{field}\":\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let value_start = at + needle.len();
        out.push_str(&rest[..value_start]);
        let bytes = rest.as_bytes();
        let mut end = value_start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        // An escape cut at the end of the text could leave `end` inside a character: fall back to its end.
        let end = (end..=rest.len())
            .find(|&i| rest.is_char_boundary(i))
            .unwrap_or(rest.len());
        out.push_str(&mask(&rest[value_start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn unescape_html(tail: &str) -> String {
    tail.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Splits `k=v&k=v` where values may themselves contain `&`: a JSON value (biz_content) runs to its matching
/// bracket; any other value runs to the next `&name=`.
fn pairs(text: &str) -> Vec<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(eq) = text[at..].find('=').map(|i| at + i) else {
            out.push((&text[at..], ""));
            break;
        };
        let value_start = eq + 1;
        let mut end = json_end(bytes, value_start).unwrap_or(value_start);
        end = next_pair(text, end).unwrap_or(bytes.len());
        out.push((&text[at..eq], &text[value_start..end]));
        at = end + 1;
    }
    out
}

/// Where the next `&name=` starts (the index of its `&`), at or after `from`.
fn next_pair(text: &str, from: usize) -> Option<usize> {
    text[from..]
        .match_indices('&')
        .map(|(i, _)| from + i)
        .find(|&amp| {
            let rest = &text.as_bytes()[amp + 1..];
            let name_len = rest
                .iter()
                .take_while(|b| b.is_ascii_lowercase() || **b == b'_' || b.is_ascii_digit())
                .count();
            name_len > 0 && rest.get(name_len) == Some(&b'=')
        })
}

/// If a JSON object or array starts at `start`, the index just past its matching bracket.
fn json_end(bytes: &[u8], start: usize) -> Option<usize> {
    if !matches!(bytes.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn compare(ours: &str, gateways: &str) -> (Option<String>, String) {
    if ours == gateways {
        return (
            None,
            "the gateway verified exactly the string this client signed, so the key is wrong: the private key does \
             not match the app public key registered for this app_id (or sign_type differs from the app's setting)"
                .to_owned(),
        );
    }
    let ours_pairs = pairs(ours);
    let theirs = pairs(gateways);
    let mut names: Vec<&str> = ours_pairs
        .iter()
        .chain(theirs.iter())
        .map(|(k, _)| *k)
        .collect();
    names.sort_unstable();
    names.dedup();
    let find = |list: &[(&str, &'_ str)], name: &str| {
        list.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    for name in names {
        let (a, b) = (find(&ours_pairs, name), find(&theirs, name));
        if a == b {
            continue;
        }
        let cause = match (a.as_deref(), b.as_deref()) {
            (Some(_), None) => "the gateway did not receive it: a proxy or the HTTP layer dropped it".to_owned(),
            (None, Some(v)) if v.trim().is_empty() => {
                "the gateway signs an empty value this client leaves out: something added an empty parameter".to_owned()
            }
            (None, Some(_)) => "the gateway saw a parameter this client did not sign: something added it".to_owned(),
            (Some(a), Some(b)) => value_cause(a, b),
            (None, None) => continue,
        };
        return (Some(name.to_owned()), format!("`{name}` differs: {cause}"));
    }
    (
        None,
        "the strings differ only in order or separators; a proxy may have rewritten the request"
            .to_owned(),
    )
}

fn value_cause(ours: &str, theirs: &str) -> String {
    let decoded = |s: &str| -> String {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    if decoded(theirs) == ours || decoded(ours) == theirs {
        return "one side is still URL-encoded: the value was encoded twice or not decoded"
            .to_owned();
    }
    let ascii = |s: &str| s.chars().filter(char::is_ascii).collect::<String>();
    if (!ours.is_ascii() || !theirs.is_ascii()) && ascii(ours) == ascii(theirs) {
        return "non-ASCII text was decoded with another charset: check the charset parameter and the body encoding"
            .to_owned();
    }
    if ours.trim() == theirs.trim() {
        return "whitespace around the value changed in transit".to_owned();
    }
    "the value changed between signing and the gateway (a tampered or rewritten parameter)"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "app_id=2021000000000001&biz_content={\"memo\":\"a&b=c\",\"out_biz_no\":\"1\"}&charset=utf-8\
&method=alipay.marketing.voucher.send&sign_type=RSA2&timestamp=2024-05-27 16:53:20&version=1.0";

    fn sub_msg(gateways: &str) -> String {
        format!(
            "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{gateways}"
        )
    }

    #[test]
    fn identical_strings_point_at_the_key() {
        let m = explain(OURS, &sub_msg(OURS)).unwrap();
        assert_eq!(m.first_difference, None);
        assert!(
            m.likely_cause.contains("private key does not match"),
            "{}",
            m.likely_cause
        );
        assert_eq!(m.gateways, OURS);
    }

    #[test]
    fn a_tampered_value_is_named() {
        let theirs = OURS.replace("version=1.0", "version=2.0");
        let m = explain(OURS, &sub_msg(&theirs)).unwrap();
        assert_eq!(m.first_difference.as_deref(), Some("version"));
        assert!(m.likely_cause.contains("tampered"), "{}", m.likely_cause);
    }

    #[test]
    fn ampersands_inside_biz_content_do_not_split_it() {
        let parsed = pairs(OURS);
        assert_eq!(
            parsed[1],
            ("biz_content", "{\"memo\":\"a&b=c\",\"out_biz_no\":\"1\"}")
        );
        assert_eq!(parsed.len(), 7);
    }

    #[test]
    fn encoding_charset_and_missing_parameters_have_their_own_causes() {
        let theirs = OURS.replace("2024-05-27 16:53:20", "2024-05-27+16%3A53%3A20");
        let m = explain(OURS, &sub_msg(&theirs)).unwrap();
        assert_eq!(m.first_difference.as_deref(), Some("timestamp"));
        assert!(m.likely_cause.contains("URL-encoded"), "{}", m.likely_cause);

        let ours = OURS.replace("a&b=c", "新客");
        let theirs = ours.replace("新客", "鏂板瀹");
        let m = explain(&ours, &sub_msg(&theirs)).unwrap();
        assert_eq!(m.first_difference.as_deref(), Some("biz_content"));
        assert!(m.likely_cause.contains("charset"), "{}", m.likely_cause);

        let theirs = format!("{OURS}&notify_url=");
        let m = explain(OURS, &sub_msg(&theirs)).unwrap();
        assert_eq!(m.first_difference.as_deref(), Some("notify_url"));
        assert!(m.likely_cause.contains("empty"), "{}", m.likely_cause);
    }

    #[test]
    fn colons_inside_values_do_not_cut_the_echo_short() {
        let ours = OURS.replace("a&b=c", "新客礼券：满100减10");
        let m = explain(&ours, &sub_msg(&ours)).unwrap();
        assert_eq!(m.gateways, ours);
        assert_eq!(m.first_difference, None);
    }

    #[test]
    fn html_escaped_echoes_are_unescaped_before_comparing() {
        let escaped = OURS.replace('&', "&amp;").replace('"', "&quot;");
        let m = explain(OURS, &sub_msg(&escaped)).unwrap();
        assert_eq!(m.gateways, OURS);
        assert_eq!(m.first_difference, None);
    }

    #[test]
    fn shown_strings_mask_the_token_and_personal_values_but_keep_them_behind_the_unmasked_accessors()
     {
        let ours = OURS
            .replace(
                "&charset=",
                "&app_auth_token=202405BBd0a1b2c3d4e5f6&charset=",
            )
            .replace(
                "\"out_biz_no\"",
                "\"mobile\":\"13812345678\",\"out_biz_no\"",
            );
        let m = explain(&ours, &sub_msg(&ours)).unwrap();
        for shown in [&m.ours, &m.gateways] {
            assert!(!shown.contains("202405BBd0a1b2c3d4e5f6"), "{shown}");
            assert!(!shown.contains("13812345678"), "{shown}");
            assert!(
                shown.contains("app_auth_token=2024****e5f6&charset="),
                "{shown}"
            );
            assert!(shown.contains("\"mobile\":\"138****5678\""), "{shown}");
        }
        assert_eq!(m.ours_unmasked(), ours);
        assert_eq!(m.gateways_unmasked(), ours);
        assert!(!format!("{m:?}").contains("13812345678"));
    }

    #[test]
    fn messages_without_a_sign_string_give_no_explanation() {
        assert!(explain(OURS, "验签出错").is_none());
        assert!(explain(OURS, "").is_none());
        assert!(explain(OURS, "invalid signature: check your key").is_none());
        let m = explain(OURS, &format!("the gateway verified: {OURS}")).unwrap();
        assert_eq!(m.gateways, OURS);
    }
}
