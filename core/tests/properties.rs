//! Property tests: the sign-content builder and the response scanner.

use std::collections::BTreeMap;

use alipay_marketing::envelope::{self, NodeKey};
use alipay_marketing::sign::sign_content;
use proptest::prelude::*;
use serde_json::Value;

const METHOD: &str = "alipay.marketing.voucher.send";

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".*".prop_map(Value::String),
        "[\"\\\\/{}\\[\\],:a-z ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_\"{}]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn whitespace() -> impl Strategy<Value = String> {
    "[ \t\r\n]{0,3}"
}

/// A top-level member of a response body, with the whitespace around it.
#[derive(Debug, Clone)]
struct Member {
    key: String,
    value: String,
    ws: [String; 3],
}

fn render(members: &[Member], outer: &(String, String)) -> String {
    let mut body = format!("{}{{", outer.0);
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "{}{}{}:{}{}",
            m.ws[0],
            serde_json::to_string(&m.key).unwrap(),
            m.ws[1],
            m.ws[2],
            m.value
        ));
    }
    body.push_str(&format!("}}{}", outer.1));
    body
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn scanner_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = envelope::extract(&bytes, METHOD);
    }

    #[test]
    fn scanner_never_panics_on_json_like_text(text in "[{}\\[\\]\",:\\\\ a-z0-9_.\\-]{0,200}") {
        let _ = envelope::extract(text.as_bytes(), METHOD);
    }

    #[test]
    fn scanner_returns_the_exact_node_bytes_in_any_order_and_spacing(
        node in prop::collection::btree_map("[a-z_]{1,10}", json_value(), 0..6),
        pretty in any::<bool>(),
        sign in "[A-Za-z0-9+/=]{0,40}",
        sign_is_null in any::<bool>(),
        extra in prop::collection::vec(("[a-z_]{1,12}", json_value()), 0..4),
        order in any::<prop::sample::Index>(),
        ws in prop::collection::vec(whitespace(), 32),
    ) {
        let node = Value::Object(node.into_iter().collect());
        let node_text = if pretty { serde_json::to_string_pretty(&node).unwrap() } else { node.to_string() };
        let key = envelope::response_key(METHOD);
        let sign_value = if sign_is_null { "null".to_owned() } else { serde_json::to_string(&sign).unwrap() };
        let mut w = ws.into_iter().cycle();
        let mut next = || [w.next().unwrap(), w.next().unwrap(), w.next().unwrap()];
        let mut members: Vec<Member> = extra
            .into_iter()
            .filter(|(k, _)| *k != key && k != "sign" && k != "error_response" && k != "alipay_cert_sn")
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .map(|(k, v)| Member { key: k, value: v.to_string(), ws: next() })
            .collect();
        members.push(Member { key: "sign".into(), value: sign_value, ws: next() });
        let at = order.index(members.len() + 1);
        members.insert(at, Member { key: key.clone(), value: node_text.clone(), ws: next() });
        let outer = (next()[0].clone(), next()[0].clone());
        let body = render(&members, &outer);

        let env = envelope::extract(body.as_bytes(), METHOD).unwrap();
        prop_assert_eq!(env.node_key, NodeKey::Method);
        prop_assert_eq!(env.node, node_text.as_bytes());
        let expected_sign = if sign_is_null { None } else { Some(sign) };
        prop_assert_eq!(env.sign, expected_sign);
    }

    #[test]
    fn a_duplicated_node_is_always_refused(first in json_value(), second in json_value(), gap in any::<bool>()) {
        let key = envelope::response_key(METHOD);
        let mid = if gap { ",\"sign\":\"x\"" } else { "" };
        let body = format!("{{\"{key}\":{first}{mid},\"{key}\":{second}}}");
        prop_assert_eq!(envelope::extract(body.as_bytes(), METHOD), Err(envelope::ExtractError::DuplicateNode));
    }

    #[test]
    fn sign_content_ignores_input_order_and_drops_sign_and_blanks(
        params in prop::collection::btree_map("[a-z_]{1,10}", "[ \t]{0,2}|[^&=]{0,12}", 0..12),
        seed in any::<u64>(),
    ) {
        let mut shuffled: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let n = shuffled.len();
        if n > 1 {
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
        }
        let content = sign_content(shuffled.iter().copied());
        let sorted = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert_eq!(&content, &sorted);

        let kept: Vec<(&String, &String)> =
            params.iter().filter(|(k, v)| k.as_str() != "sign" && !v.trim().is_empty()).collect();
        let parsed: Vec<(&str, &str)> = if content.is_empty() {
            Vec::new()
        } else {
            content.split('&').map(|pair| pair.split_once('=').unwrap()).collect()
        };
        prop_assert_eq!(parsed.len(), kept.len());
        for ((k, v), (pk, pv)) in kept.iter().zip(&parsed) {
            prop_assert_eq!(k.as_str(), *pk);
            prop_assert_eq!(v.as_str(), *pv, "values are joined raw, never trimmed or encoded");
        }
    }
}
