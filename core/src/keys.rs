//! RSA keys: loading from the formats the Alipay console and the peer SDKs hand out, signing and verifying.
//!
//! Private keys are accepted as PEM (`RSA PRIVATE KEY` or `PRIVATE KEY`) or bare one-line base64, in PKCS#1 or
//! PKCS#8 — the format is found by parsing, not by trusting the label. Public keys are accepted as SPKI or PKCS#1,
//! PEM or bare base64. The classic mistakes (a public key or a certificate where a private key belongs, a broken
//! copy-paste) come back as errors that say so; private key material never appears in `Debug`, `Display` or errors.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode, Reader};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The request signature algorithm (`sign_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignType {
    /// `RSA2`: SHA256withRSA, PKCS#1 v1.5 padding. The default and what Alipay recommends.
    #[default]
    Rsa2,
    /// `RSA`: SHA1withRSA, PKCS#1 v1.5 padding. Legacy apps only.
    Rsa,
}

impl SignType {
    /// The wire value: `"RSA2"` or `"RSA"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SignType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "RSA2" => Ok(SignType::Rsa2),
            "RSA" => Ok(SignType::Rsa),
            other => Err(Error::config_field(
                "sign_type",
                format!("{other:?} is not supported; use \"RSA2\" (recommended) or \"RSA\""),
            )),
        }
    }
}

/// The smallest RSA modulus Alipay accepts for RSA2 apps.
const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 8192;

/// An RSA private key used to sign requests. Cheap to clone; never printed.
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<PrivateInner>,
}

struct PrivateInner {
    pair: KeyPair,
    /// PKCS#1 DER, kept only for legacy SHA1 signing; wiped on drop.
    pkcs1: Zeroizing<Vec<u8>>,
    public: PublicKey,
    bits: usize,
}

/// An RSA public key used to verify Alipay's response signatures.
#[derive(Clone)]
pub struct PublicKey {
    inner: Arc<PublicInner>,
}

struct PublicInner {
    rsa2: ParsedPublicKey,
    rsa: ParsedPublicKey,
    spki: Vec<u8>,
    bits: usize,
}

/// What a piece of key text turned out to be.
enum Decoded {
    Pkcs1Private(Zeroizing<Vec<u8>>),
    Pkcs8Private(Zeroizing<Vec<u8>>),
    SpkiPublic(Vec<u8>),
    Pkcs1Public(Vec<u8>),
    Certificate,
}

/// rsaEncryption (1.2.840.113549.1.1.1).
const OID_RSA: der::asn1::ObjectIdentifier = pkcs1::ALGORITHM_OID;

impl PrivateKey {
    /// Loads a private key from PEM (either label) or bare base64, PKCS#1 or PKCS#8.
    ///
    /// Errors name the mistake: a public key or certificate given as the private key, corrupt base64 (with the
    /// position), a non-RSA key, or a key smaller than 2048 bits.
    pub fn from_text(text: &str) -> Result<Self> {
        const FIELD: &str = "private_key";
        let pkcs1 = match decode_text(FIELD, text)? {
            Decoded::Pkcs1Private(der) => der,
            Decoded::Pkcs8Private(der) => pkcs8_to_pkcs1(FIELD, &der)?,
            Decoded::SpkiPublic(_) | Decoded::Pkcs1Public(_) => {
                return Err(Error::config_field(
                    FIELD,
                    "this is a public key; give your app's private key (the one you generated and kept, \
                     never uploaded to Alipay)",
                ));
            }
            Decoded::Certificate => {
                return Err(Error::config_field(
                    FIELD,
                    "this is a certificate, not a key; give your app's private key",
                ));
            }
        };
        Self::from_pkcs1_der(pkcs1)
    }

    fn from_pkcs1_der(pkcs1: Zeroizing<Vec<u8>>) -> Result<Self> {
        const FIELD: &str = "private_key";
        let parsed = pkcs1::RsaPrivateKey::from_der(&pkcs1).map_err(|_| {
            Error::config_field(
                FIELD,
                "is not a valid RSA private key (PKCS#1 structure is broken)",
            )
        })?;
        let bits = modulus_bits(parsed.modulus);
        check_bits(FIELD, bits)?;
        let pair = KeyPair::from_der(&pkcs1).map_err(|e| {
            Error::config_field(
                FIELD,
                format!("the RSA key was rejected as inconsistent ({e}); re-export it"),
            )
        })?;
        let spki = pair
            .public_key()
            .as_der()
            .map_err(|_| Error::config_field(FIELD, "cannot derive the public key"))?;
        let public = PublicKey::from_spki_der(FIELD, spki.as_ref().to_vec())?;
        Ok(PrivateKey {
            inner: Arc::new(PrivateInner {
                pair,
                pkcs1,
                public,
                bits,
            }),
        })
    }

    /// Generates a fresh RSA-2048 key (for the sandbox and tests).
    pub fn generate() -> Result<Self> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| Error::config("RSA key generation failed"))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| Error::config("cannot encode the generated key"))?;
        let pkcs1 = pkcs8_to_pkcs1("private_key", pkcs8.as_ref())?;
        Self::from_pkcs1_der(pkcs1)
    }

    /// The key as PKCS#8 PEM, in memory that is wiped when dropped. Handle with care.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let der: Zeroizing<Vec<u8>> = Zeroizing::new(
            AsDer::<Pkcs8V1Der<'_>>::as_der(&self.inner.pair)
                .map(|d| d.as_ref().to_vec())
                .unwrap_or_default(),
        );
        to_pem("PRIVATE KEY", &der)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.inner.public.clone()
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// Signs `message` and returns the standard base64 signature.
    pub fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<String> {
        let sig = match sign_type {
            SignType::Rsa2 => {
                let mut sig = vec![0u8; self.inner.pair.public_modulus_len()];
                self.inner
                    .pair
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        message,
                        &mut sig,
                    )
                    .map_err(|_| Error::config("RSA2 signing failed"))?;
                sig
            }
            SignType::Rsa => crate::legacy_sha1::sign(&self.inner.pkcs1, message)?,
        };
        Ok(B64.encode(sig))
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(RSA-{}, redacted)", self.inner.bits)
    }
}

impl PublicKey {
    /// Loads a public key: SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`), PEM or bare base64.
    pub fn from_text(text: &str) -> Result<Self> {
        Self::from_text_for("alipay_public_key", text)
    }

    /// Like [`PublicKey::from_text`], naming `field` in errors.
    pub fn from_text_for(field: &str, text: &str) -> Result<Self> {
        match decode_text(field, text)? {
            Decoded::SpkiPublic(der) => Self::from_spki_der(field, der),
            Decoded::Pkcs1Public(der) => {
                Self::from_spki_der(field, pkcs1_public_to_spki(field, &der)?)
            }
            Decoded::Pkcs1Private(_) | Decoded::Pkcs8Private(_) => Err(Error::config_field(
                field,
                "this is a PRIVATE key — never configure or share it as a public key; give the public key",
            )),
            Decoded::Certificate => Err(Error::config_field(
                field,
                "this is a certificate; in public-key mode give the public key text from the Alipay console \
                 (certificate mode takes the certificate files instead)",
            )),
        }
    }

    /// Builds a key from X.509 SubjectPublicKeyInfo DER.
    pub(crate) fn from_spki_der(field: &str, spki: Vec<u8>) -> Result<Self> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(&spki).map_err(|_| {
            Error::config_field(
                field,
                "is not a valid public key (SubjectPublicKeyInfo is broken)",
            )
        })?;
        if info.algorithm.oid != OID_RSA {
            return Err(Error::config_field(
                field,
                format!(
                    "is not an RSA key (algorithm {}); Alipay RSA2/RSA apps use RSA keys",
                    info.algorithm.oid
                ),
            ));
        }
        let pkcs1 = info.subject_public_key.raw_bytes();
        let parsed = pkcs1::RsaPublicKey::from_der(pkcs1)
            .map_err(|_| Error::config_field(field, "is not a valid RSA public key"))?;
        let bits = modulus_bits(parsed.modulus);
        check_bits(field, bits)?;
        let reject = |_| Error::config_field(field, "the RSA public key was rejected");
        let rsa2 =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, pkcs1).map_err(reject)?;
        let rsa = ParsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            pkcs1,
        )
        .map_err(reject)?;
        Ok(PublicKey {
            inner: Arc::new(PublicInner {
                rsa2,
                rsa,
                spki,
                bits,
            }),
        })
    }

    /// The key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> String {
        to_pem("PUBLIC KEY", &self.inner.spki).to_string()
    }

    /// The key as bare one-line SPKI base64, the form the Alipay console shows.
    pub fn to_base64(&self) -> String {
        B64.encode(&self.inner.spki)
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }

    /// Verifies a standard-base64 signature over `message`. Any malformed input is simply `false`.
    pub fn verify(&self, sign_type: SignType, message: &[u8], signature_b64: &str) -> bool {
        let Ok(sig) = B64.decode(signature_b64.trim()) else {
            return false;
        };
        let key = match sign_type {
            SignType::Rsa2 => &self.inner.rsa2,
            SignType::Rsa => &self.inner.rsa,
        };
        key.verify_sig(message, &sig).is_ok()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner.spki == other.inner.spki
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.inner.spki);
        let fp: String = digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        write!(f, "PublicKey(RSA-{}, sha256:{fp})", self.inner.bits)
    }
}

/// What a piece of key text is, in words (for the configuration doctor): e.g. "PKCS#1 private key, PEM
/// \"RSA PRIVATE KEY\"" or "SPKI public key, bare base64".
pub(crate) fn describe_text(text: &str) -> Result<String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let armour = match trimmed
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.split_once("-----"))
    {
        Some((label, _)) => format!("PEM \"{label}\""),
        None => "bare base64".to_owned(),
    };
    let kind = match decode_text("key", text)? {
        Decoded::Pkcs1Private(_) => "PKCS#1 private key",
        Decoded::Pkcs8Private(_) => "PKCS#8 private key",
        Decoded::SpkiPublic(_) => "SPKI public key",
        Decoded::Pkcs1Public(_) => "PKCS#1 public key",
        Decoded::Certificate => "X.509 certificate",
    };
    Ok(format!("{kind}, {armour}"))
}

/// Decodes PEM or bare base64 and classifies the DER by parsing it.
fn decode_text(field: &str, text: &str) -> Result<Decoded> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(Error::config_field(field, "is empty"));
    }
    let (label, body) = match text.strip_prefix("-----BEGIN ") {
        Some(rest) => {
            let (label, after) = rest
                .split_once("-----")
                .ok_or_else(|| Error::config_field(field, "has a broken PEM header line"))?;
            let end = format!("-----END {label}-----");
            let body = after
                .split_once(end.as_str())
                .map(|(body, _)| body)
                .ok_or_else(|| {
                    Error::config_field(field, format!("PEM block has no \"{end}\" line"))
                })?;
            (Some(label.to_owned()), body)
        }
        None => {
            if looks_like_a_path(text) {
                return Err(Error::config_field(
                    field,
                    format!(
                        "is not key text but looks like a file path ({text:?}); to read the key from that file, \
                         give it as a path (Python: pathlib.Path(...); C: the *_file setter; Rust: the \
                         builder's *_file method), or paste the key's PEM text"
                    ),
                ));
            }
            (None, text)
        }
    };
    if label.as_deref() == Some("ENCRYPTED PRIVATE KEY") {
        return Err(Error::config_field(
            field,
            "is an encrypted private key; decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)",
        ));
    }
    let der = Zeroizing::new(decode_base64(field, body)?);
    classify(field, der, label.as_deref())
}

/// Whether text given as a key is more likely a file's path than base64: one short line that names a file
/// (`./keys/app.pem`, `/etc/alipay/key.pem`, `~/app_private_key.txt`, `C:\keys\app.pem`) and holds a character
/// base64 never has. Real key text is never mistaken for one: base64 has no `.`, `~`, `\\` or `:`.
fn looks_like_a_path(text: &str) -> bool {
    const FILE_ENDINGS: [&str; 6] = [".pem", ".key", ".txt", ".crt", ".cer", ".der"];
    let lower = text.to_ascii_lowercase();
    text.len() <= 4096
        && !text.contains(char::is_whitespace)
        && text.contains(['.', '~', '\\', ':'])
        && (text.starts_with(['/', '.', '~', '\\'])
            || text.get(1..3) == Some(":\\")
            || FILE_ENDINGS.iter().any(|ending| lower.ends_with(ending)))
}

/// Base64 with any whitespace (line breaks, CRLF, spaces) ignored; errors say where the bad character is.
fn decode_base64(field: &str, body: &str) -> Result<Vec<u8>> {
    let mut compact = Zeroizing::new(String::with_capacity(body.len()));
    for (pos, c) in body.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        if !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=') {
            return Err(Error::config_field(
                field,
                format!(
                    "is not valid base64: unexpected character at position {pos} (a quote, a stray character \
                     or a line from a copy-paste?); paste the key text exactly as exported"
                ),
            ));
        }
        compact.push(c);
    }
    B64.decode(compact.as_bytes()).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => {
                format!(" near position {at}")
            }
            _ => String::new(),
        };
        Error::config_field(
            field,
            format!(
                "is not valid base64{at} ({}); the key text looks truncated or damaged",
                base64_reason(&e)
            ),
        )
    })
}

fn base64_reason(e: &base64::DecodeError) -> &'static str {
    match e {
        base64::DecodeError::InvalidLength(_) => "wrong length",
        base64::DecodeError::InvalidPadding => "bad '=' padding",
        base64::DecodeError::InvalidByte(..) => "misplaced character",
        base64::DecodeError::InvalidLastSymbol(..) => "bad final character",
    }
}

fn classify(field: &str, der: Zeroizing<Vec<u8>>, label: Option<&str>) -> Result<Decoded> {
    if let Ok(info) = pkcs8::PrivateKeyInfo::from_der(&der) {
        if info.algorithm.oid != OID_RSA {
            return Err(Error::config_field(
                field,
                format!(
                    "is a non-RSA private key (algorithm {}); RSA2/RSA apps need an RSA key",
                    info.algorithm.oid
                ),
            ));
        }
        return Ok(Decoded::Pkcs8Private(der));
    }
    if pkcs1::RsaPrivateKey::from_der(&der).is_ok() {
        return Ok(Decoded::Pkcs1Private(der));
    }
    if spki::SubjectPublicKeyInfoRef::from_der(&der).is_ok() {
        return Ok(Decoded::SpkiPublic(der.to_vec()));
    }
    if pkcs1::RsaPublicKey::from_der(&der).is_ok() {
        return Ok(Decoded::Pkcs1Public(der.to_vec()));
    }
    if label == Some("CERTIFICATE") || looks_like_certificate(&der) {
        return Ok(Decoded::Certificate);
    }
    Err(Error::config_field(
        field,
        "decodes as base64 but is not an RSA key in PKCS#1, PKCS#8 or SPKI form; check that the whole key was copied",
    ))
}

/// Whether DER starts the way an X.509 certificate does: SEQUENCE { SEQUENCE { [0] version, ... }, ... }. Only the
/// headers are read, so a truncated certificate is still named as one.
fn looks_like_certificate(document: &[u8]) -> bool {
    let starts_as_certificate = || -> der::Result<bool> {
        let mut reader = der::SliceReader::new(document)?;
        let certificate = der::Header::decode(&mut reader)?;
        let to_be_signed = der::Header::decode(&mut reader)?;
        let version = reader.peek_tag()?;
        Ok(certificate.tag == der::Tag::Sequence
            && to_be_signed.tag == der::Tag::Sequence
            && version
                == der::Tag::ContextSpecific {
                    constructed: true,
                    number: der::TagNumber::N0,
                })
    };
    starts_as_certificate().unwrap_or(false)
}

fn pkcs8_to_pkcs1(field: &str, der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|_| Error::config_field(field, "is not a valid PKCS#8 private key"))?;
    Ok(Zeroizing::new(info.private_key.to_vec()))
}

/// Wraps PKCS#1 RSAPublicKey DER in a SubjectPublicKeyInfo { AlgorithmIdentifier { rsaEncryption, NULL }, BIT
/// STRING }.
fn pkcs1_public_to_spki(field: &str, pkcs1: &[u8]) -> Result<Vec<u8>> {
    let broken = |_| {
        Error::config_field(
            field,
            "is not a valid public key (SubjectPublicKeyInfo is broken)",
        )
    };
    spki::SubjectPublicKeyInfoRef {
        algorithm: pkcs1::ALGORITHM_ID,
        subject_public_key: der::asn1::BitStringRef::from_bytes(pkcs1).map_err(broken)?,
    }
    .to_der()
    .map_err(broken)
}

/// The size in bits of an RSA modulus (a DER INTEGER's bytes, leading zeros already stripped by the parser).
fn modulus_bits(modulus: der::asn1::UintRef<'_>) -> usize {
    match modulus.as_bytes().first() {
        Some(&first) => modulus.as_bytes().len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn check_bits(field: &str, bits: usize) -> Result<()> {
    if bits < MIN_BITS {
        return Err(Error::config_field(
            field,
            format!(
                "is a {bits}-bit RSA key; Alipay requires at least 2048 bits: generate an RSA2048 key pair"
            ),
        ));
    }
    if bits > MAX_BITS {
        return Err(Error::config_field(
            field,
            format!("is a {bits}-bit RSA key; at most {MAX_BITS} bits are supported"),
        ));
    }
    Ok(())
}

/// PEM with LF line endings and 64-character base64 lines, built in memory that is wiped when dropped (the DER
/// may be a private key).
fn to_pem(label: &str, document: &[u8]) -> Zeroizing<String> {
    let line_ending = der::pem::LineEnding::LF;
    let mut buf = Zeroizing::new(vec![
        0u8;
        der::pem::encoded_len(label, line_ending, document)
            .unwrap_or(0)
    ]);
    Zeroizing::new(
        der::pem::encode(label, line_ending, document, &mut buf)
            .map(str::to_owned)
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_has_64_character_lines_and_lf_endings() {
        let document: Vec<u8> = (0..=99).collect();
        let body = B64.encode(&document);
        assert_eq!(body.len(), 136);
        let expected = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n{}\n{}\n-----END PUBLIC KEY-----\n",
            &body[..64],
            &body[64..128],
            &body[128..]
        );
        assert_eq!(*to_pem("PUBLIC KEY", &document), expected);
    }

    #[test]
    fn a_certificate_is_recognised_by_its_first_headers_even_when_truncated() {
        // SEQUENCE (long form) { SEQUENCE (long form) { [0] { INTEGER 2 } ... (cut off)
        let truncated = [
            0x30, 0x82, 0x03, 0x00, 0x30, 0x82, 0x02, 0x80, 0xa0, 0x03, 0x02, 0x01, 0x02,
        ];
        assert!(looks_like_certificate(&truncated));
        // A SEQUENCE of SEQUENCEs without the [0] version is not a certificate.
        assert!(!looks_like_certificate(&[
            0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02
        ]));
        assert!(!looks_like_certificate(&[0x31, 0x03, 0x30, 0x01, 0xa0]));
        assert!(!looks_like_certificate(&[0x30]));
        assert!(!looks_like_certificate(&[]));
    }

    #[test]
    fn a_pkcs1_public_key_is_wrapped_in_the_rsa_algorithm_identifier() {
        let key = PrivateKey::generate().unwrap().public_key();
        let spki = &key.inner.spki;
        let info = spki::SubjectPublicKeyInfoRef::from_der(spki).unwrap();
        let pkcs1 = info.subject_public_key.raw_bytes();
        assert_eq!(
            &pkcs1_public_to_spki("alipay_public_key", pkcs1).unwrap(),
            spki
        );
    }
}
