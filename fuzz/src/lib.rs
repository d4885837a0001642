//! The fuzz targets' bodies, shared by the afl binaries (`fuzz_targets/`) and the corpus replay test
//! (`tests/corpus.rs`), so every input that ever crashed a target stays a regression test.
//!
//! A target must never panic, whatever its input: the core answers every malformed body, key or certificate with
//! an error, the sandbox every malformed request with the gateway's answer, and the campaign crate every malformed
//! campaign file or input file with an error naming the line.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use alipay_marketing::cert::Certificate;
use alipay_marketing::envelope::{ResponseContext, extract_in, read_envelope};
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
        let context = ResponseContext {
            charset,
            ..ResponseContext::new(alipay_public_key(), SignType::Rsa2)
        };
        // The corpus bodies are not signed by this key: every success must be refused.
        if let Ok(node) = read_envelope(&env, &context) {
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

/// The sandbox's request parser. The input is three parts split at the first two newlines: the `Content-Type`
/// (empty: none), the query string (empty: none), then the form body as bytes.
pub fn sandbox_request(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let mut text = || {
        parts
            .next()
            .and_then(|p| std::str::from_utf8(p).ok())
            .filter(|t| !t.is_empty())
    };
    let content_type = text();
    let query = text();
    let body = parts.next().unwrap_or_default();
    match alipay_marketing_sandbox::fuzzing::parse_request(query, content_type, body) {
        Ok(params) => {
            // Each name once, the first value winning.
            for (i, (name, _)) in params.iter().enumerate() {
                assert!(
                    params[..i].iter().all(|(seen, _)| seen != name),
                    "a repeated parameter: {name}"
                );
            }
        }
        Err(sub_msg) => assert!(!sub_msg.is_empty(), "an error without a sub_msg"),
    }
}

/// Campaign files: TOML text read as a campaign (relative paths from a folder that does not exist, so nothing
/// is read from disk).
pub fn campaign_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = Path::new("/nonexistent/alipay-marketing-fuzz");
    if let Err(error) = alipay_marketing_campaign::Campaign::from_toml_str(text, base, None) {
        assert!(!error.message().is_empty(), "an error without a message");
    }
}

/// The most rows read from one input: enough to reach every state of the readers, bounded so a run stays fast.
const MAX_ROWS: usize = 64;

/// Campaign input files: the bytes as a CSV file and as a JSON-lines file, in each encoding setting, read row by
/// row. The readers open a path, so the bytes go to one scratch file per process.
pub fn campaign_rows(data: &[u8]) {
    use alipay_marketing_campaign::input::RowReader;
    use alipay_marketing_campaign::{Encoding, InputFormat};

    let path = scratch_file();
    std::fs::write(&path, data).expect("the scratch input file is writable");
    for format in [InputFormat::Csv, InputFormat::Jsonl] {
        for encoding in [Encoding::Auto, Encoding::Utf8, Encoding::Gbk] {
            let Ok(reader) = RowReader::open(&path, format, encoding) else {
                continue;
            };
            for row in reader.take(MAX_ROWS) {
                match row {
                    Ok(row) => {
                        let _ = row.get("user_id");
                    }
                    Err(error) => {
                        assert!(!error.message().is_empty(), "an error without a message");
                        break;
                    }
                }
            }
        }
    }
}

fn scratch_file() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!(
            "alipay-marketing-fuzz-rows-{}.txt",
            std::process::id()
        ))
    })
    .clone()
}
