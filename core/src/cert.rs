//! Certificate mode (公钥证书模式, docs/protocol.md §4): certificate serial-number strings (`app_cert_sn`,
//! `alipay_root_cert_sn`, `alipay_cert_sn`) and the chain check that decides whether a downloaded Alipay
//! certificate can be trusted.

use std::time::SystemTime;

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use der::{Decode, Encode};
use md5::{Digest, Md5};

use crate::error::{Error, Result};
use crate::keys::PublicKey;

/// Signature algorithms of the RSA family (`1.2.840.113549.1.1.*`): the only roots counted in `alipay_root_cert_sn`.
const RSA_FAMILY: &str = "1.2.840.113549.1.1.";

/// A parsed X.509 certificate with what certificate mode needs from it.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    issuer_dn: String,
    subject_dn: String,
    serial_decimal: String,
    signature_oid: String,
    signature: Vec<u8>,
    spki: Vec<u8>,
    not_before: SystemTime,
    not_after: SystemTime,
    sn: String,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_dn)
            .field("issuer", &self.issuer_dn)
            .field("sn", &self.sn)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses every certificate of a PEM bundle, in file order. `field` names the option in errors.
    pub fn parse_pem_bundle(field: &str, text: &str) -> Result<Vec<Certificate>> {
        let mut certs = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let body = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
            let end = body.find("-----END CERTIFICATE-----").ok_or_else(|| {
                Error::config_field(
                    field,
                    format!("certificate {} has no END line", certs.len() + 1),
                )
            })?;
            let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
            let der = BASE64.decode(b64).map_err(|_| {
                Error::config_field(
                    field,
                    format!("certificate {} is not valid base64", certs.len() + 1),
                )
            })?;
            certs.push(Certificate::from_der(field, der)?);
            rest = &body[end..];
        }
        if certs.is_empty() {
            return Err(Error::config_field(
                field,
                "contains no PEM certificate (-----BEGIN CERTIFICATE-----); give the .crt file from the console",
            ));
        }
        Ok(certs)
    }

    /// Parses one DER certificate.
    pub fn from_der(field: &str, der: Vec<u8>) -> Result<Certificate> {
        let broken = |what: &str| {
            Error::config_field(field, format!("is not a valid X.509 certificate ({what})"))
        };
        let cert = x509_cert::Certificate::from_der(&der).map_err(|e| broken(&e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        let encode =
            |name: &x509_cert::name::Name| name.to_der().map_err(|e| broken(&e.to_string()));
        let issuer_dn = tbs.issuer.to_string();
        let serial_decimal = decimal(tbs.serial_number.as_bytes());
        let sn = md5_hex(&format!("{issuer_dn}{serial_decimal}"));
        Ok(Certificate {
            issuer: encode(&tbs.issuer)?,
            subject: encode(&tbs.subject)?,
            subject_dn: tbs.subject.to_string(),
            issuer_dn,
            serial_decimal,
            signature_oid: cert.signature_algorithm.oid.to_string(),
            signature: cert.signature.raw_bytes().to_vec(),
            spki: tbs
                .subject_public_key_info
                .to_der()
                .map_err(|e| broken(&e.to_string()))?,
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            sn,
            der,
        })
    }

    /// The serial-number string: MD5 of the RFC 2253 issuer name followed by the decimal serial.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The issuer name as RFC 2253 text.
    pub fn issuer_dn(&self) -> &str {
        &self.issuer_dn
    }

    /// The subject name as RFC 2253 text.
    pub fn subject_dn(&self) -> &str {
        &self.subject_dn
    }

    /// The serial number in decimal.
    pub fn serial_decimal(&self) -> &str {
        &self.serial_decimal
    }

    /// When the certificate stops being valid.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// The certificate's RSA public key, checked like any configured key; `field` names the option in errors.
    pub fn public_key(&self, field: &str) -> Result<PublicKey> {
        PublicKey::from_spki_der(field, self.spki.clone())
    }

    /// Whether `issuer` signed this certificate (names match and the signature verifies with its key).
    fn is_signed_by(&self, issuer: &Certificate) -> bool {
        if self.issuer != issuer.subject {
            return false;
        }
        let algorithm: &dyn signature::VerificationAlgorithm = match self.signature_oid.as_str() {
            "1.2.840.113549.1.1.11" => &signature::RSA_PKCS1_2048_8192_SHA256,
            "1.2.840.113549.1.1.12" => &signature::RSA_PKCS1_2048_8192_SHA384,
            "1.2.840.113549.1.1.13" => &signature::RSA_PKCS1_2048_8192_SHA512,
            "1.2.840.113549.1.1.5" => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            _ => return false,
        };
        let Ok(spki) = spki::SubjectPublicKeyInfoRef::from_der(&issuer.spki) else {
            return false;
        };
        let Some(tbs) = tbs_bytes(&self.der) else {
            return false;
        };
        UnparsedPublicKey::new(algorithm, spki.subject_public_key.raw_bytes())
            .verify(tbs, &self.signature)
            .is_ok()
    }

    fn is_valid_at(&self, now: SystemTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// `alipay_root_cert_sn`: the SNs of the RSA-signed certificates of the root bundle, in file order, joined by `_`.
pub fn root_cert_sn(roots: &[Certificate]) -> String {
    roots
        .iter()
        .filter(|c| c.signature_oid.starts_with(RSA_FAMILY))
        .map(|c| c.sn.as_str())
        .collect::<Vec<_>>()
        .join("_")
}

/// Checks that `chain[0]` (a leaf, followed by any intermediates it came with) leads to one of `roots`, every
/// link's signature verifying and every certificate valid at `now` — as the official Java SDK does before it trusts
/// a downloaded Alipay certificate.
pub fn verify_chain(chain: &[Certificate], roots: &[Certificate], now: SystemTime) -> Result<()> {
    let leaf = chain
        .first()
        .ok_or_else(|| Error::signature("the certificate chain is empty"))?;
    let mut current = leaf;
    for _ in 0..=chain.len() {
        if !current.is_valid_at(now) {
            return Err(Error::signature(format!(
                "certificate {} (SN {}) is outside its validity period",
                current.subject_dn, current.sn
            )));
        }
        if let Some(root) = roots.iter().find(|r| current.is_signed_by(r)) {
            if !root.is_valid_at(now) {
                return Err(Error::signature(format!(
                    "root certificate {} has expired",
                    root.subject_dn
                )));
            }
            return Ok(());
        }
        match chain
            .iter()
            .find(|c| !std::ptr::eq(*c, current) && current.is_signed_by(c))
        {
            Some(issuer) => current = issuer,
            None => break,
        }
    }
    Err(Error::signature(format!(
        "certificate {} (SN {}) does not chain to the configured Alipay root certificates (issuer {})",
        leaf.subject_dn, leaf.sn, current.issuer_dn
    )))
}

/// The raw bytes of the `tbsCertificate` element: the first element of the outer SEQUENCE.
fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    let (_, outer_body) = tlv(der)?;
    let (tbs, _) = tlv(outer_body)?;
    Some(tbs)
}

/// The DER TLV at the front of `bytes`: (the whole TLV, its contents).
fn tlv(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let first_len = *bytes.get(1)?;
    let (header, len) = if first_len < 0x80 {
        (2, first_len as usize)
    } else {
        let n = (first_len & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let len = bytes
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (2 + n, len)
    };
    let whole = bytes.get(..header + len)?;
    Some((whole, &whole[header..]))
}

/// A big-endian unsigned integer in decimal.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new(); // little-endian base-10 digits
    for &byte in bytes {
        let mut carry = byte as u32;
        for d in digits.iter_mut() {
            let v = *d as u32 * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_conversion_matches_known_serials() {
        assert_eq!(decimal(&[0x00]), "0");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        let hex = "2020051862039D4090897BA4D51C2126";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(decimal(&bytes), "42701552708448241360226107228231049510");
    }

    #[test]
    fn bundles_without_certificates_are_refused_by_name() {
        let e = Certificate::parse_pem_bundle("alipay_root_cert", "hello").unwrap_err();
        assert_eq!(e.field(), Some("alipay_root_cert"));
    }
}
