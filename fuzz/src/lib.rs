//! The fuzz targets' bodies, shared by the afl binaries (`fuzz_targets/`) and the corpus replay test
//! (`tests/corpus.rs`), so every input that ever crashed a target stays a regression test.
//!
//! A target must never panic, whatever its input: the core answers every malformed body, key or certificate with
//! an error.

use std::sync::OnceLock;

use alipay_marketing::cert::Certificate;
use alipay_marketing::envelope::{Reading, extract_in, open_envelope};
use alipay_marketing::{Charset, PrivateKey, PublicKey, SignType};

/// The method whose node the scanner looks for.
pub const METHOD: &str = "alipay.marketing.voucher.send";

/// The public key answers are verified with (its PEM is in the keys corpus).
fn alipay_public_key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| {
        PublicKey::from_text(include_str!("../corpus/keys/public_spki.pem"))
            .expect("the corpus public key loads")
    })
}

/// The response scanner and the verification rules: a body, read in each charset.
pub fn envelope(data: &[u8]) {
    for charset in [Charset::Utf8, Charset::Gbk, Charset::Gb18030] {
        let Ok(env) = extract_in(data, METHOD, charset) else {
            continue;
        };
        // The node is a slice of the body: what was signed is what was received.
        let start = env.node.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start + env.node.len() <= data.len());
        let reading = Reading {
            charset,
            ..Reading::new(alipay_public_key(), SignType::Rsa2)
        };
        // The corpus bodies are not signed by this key: every success must be refused.
        if let Ok(node) = open_envelope(&env, &reading) {
            assert!(
                !node.contains("\"10000\"") || env.sign.is_some(),
                "an unsigned success was accepted"
            );
        }
    }
}

/// Key and certificate parsing: the input as DER, and (when it is UTF-8) as PEM or base64 text.
pub fn keys(data: &[u8]) {
    let _ = Certificate::from_der("fuzz_cert", data.to_vec());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_text(text);
        let _ = PublicKey::from_text(text);
        let _ = Certificate::parse_pem_bundle("fuzz_cert", text);
    }
}
