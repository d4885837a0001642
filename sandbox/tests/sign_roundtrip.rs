//! The blank-value rule, end to end, for random parameter sets: what a client signs (every parameter but `sign`,
//! blank and whitespace-only values dropped, sorted) is what the sandbox, after form-decoding the request split
//! between the query string and the body, verifies the signature over. No official vector covers blank values;
//! this checks both sides agree on them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use alipay_marketing::sign::sign_content;
use alipay_marketing::{PrivateKey, SignType};
use alipay_marketing_sandbox::fuzzing::signed_bytes;
use proptest::prelude::*;

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("a key"))
}

/// Values: blank ones (empty, spaces, tabs, a line break), and text with the characters form encoding must
/// escape (`&`, `=`, `+`, `%`, spaces inside) and non-ASCII.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ \t\r\n]{1,3}",
        "[a-zA-Z0-9 &=+%/:,.{}\"\\-_]{1,16}",
        "[\u{4e00}-\u{4e20}a-z ]{1,8}",
    ]
}

fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_signed_parameter_set_verifies_after_the_sandbox_parses_it(
        params in prop::collection::btree_map("[a-z_]{1,10}", value(), 1..10),
        in_query in any::<u16>(),
    ) {
        let params: BTreeMap<String, String> =
            params.into_iter().filter(|(k, _)| k != "sign" && k != "charset").collect();
        let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let sign = key().sign(SignType::Rsa2, content.as_bytes()).expect("signs");
        // Some parameters in the query string, the rest and `sign` in the body, as the official SDKs split them.
        let mut query: Vec<(&str, &str)> = Vec::new();
        let mut body: Vec<(&str, &str)> = Vec::new();
        for (i, (k, v)) in params.iter().enumerate() {
            let side = if in_query & (1 << (i % 16)) != 0 { &mut query } else { &mut body };
            side.push((k.as_str(), v.as_str()));
        }
        body.push(("sign", &sign));
        let verified = signed_bytes(
            Some(&encode(&query)),
            Some("application/x-www-form-urlencoded;charset=utf-8"),
            encode(&body).as_bytes(),
        )
        .expect("the sandbox reads the request");
        prop_assert_eq!(String::from_utf8(verified.clone()).expect("UTF-8"), content);
        prop_assert!(key().public_key().verify(SignType::Rsa2, &verified, &sign));
    }
}
