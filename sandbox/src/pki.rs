//! Certificate mode (docs/protocol.md §4): the sandbox's own test certificate authority, the "Alipay" certificate of its
//! signing key, one certificate per app, and rotation.
//!
//! The root is an RSA-2048 CA. Certificates are issued straight from it (no intermediate), RSA with SHA-256, valid
//! from 2024-01-01 to 2049-12-31, with the serial number derived from the certified key, so the same root key and
//! the same certified key always give the same certificate (a restart with the same keys keeps every SN).
//!
//! Rotation issues a new "Alipay" key and certificate. A trusted rotation comes from the root; an untrusted one
//! from another authority with the same name (so only the chain check can tell them apart). Every Alipay
//! certificate ever issued stays downloadable by its SN.

use std::collections::BTreeMap;
use std::sync::Arc;

use alipay_marketing::cert::{Certificate, root_cert_sn};
use alipay_marketing::{PrivateKey, PublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_RSA_SHA256, PublicKeyData, SignatureAlgorithm, date_time_ymd,
};
use spki::der::Decode as _;

/// The root's subject; an untrusted authority uses the same name.
const ROOT_CN: &str = "alipay-sandbox Root CA";
const ORG: &str = "alipay-marketing sandbox";

/// An Alipay certificate and the key it certifies (what signs certificate-mode answers).
pub(crate) struct AlipayCert {
    pub(crate) key: PrivateKey,
    pub(crate) pem: String,
    pub(crate) sn: String,
}

impl std::fmt::Debug for AlipayCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayCert")
            .field("sn", &self.sn)
            .finish_non_exhaustive()
    }
}

/// An app's certificate.
#[derive(Debug, Clone)]
pub(crate) struct AppCert {
    pub(crate) pem: String,
    pub(crate) sn: String,
}

/// A certificate authority: its issuer (name and key) and its certificate.
struct Authority {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Authority {
    fn new(key: &PrivateKey) -> Result<Authority, String> {
        let pair = key_pair(key)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(ROOT_CN);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params);
        let cert = params
            .self_signed(&pair)
            .map_err(|e| format!("cannot create the root certificate: {e}"))?;
        Ok(Authority {
            pem: cert.pem(),
            issuer: Issuer::new(params, pair),
        })
    }

    /// A leaf certificate for `key` named `cn`, as PEM.
    fn issue(&self, cn: &str, key: &PublicKey) -> Result<String, String> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(cn);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        validity(&mut params);
        let cert = params
            .signed_by(&RsaPublicKey::new(key)?, &self.issuer)
            .map_err(|e| format!("cannot issue the certificate {cn:?}: {e}"))?;
        Ok(cert.pem())
    }
}

/// The certificate-mode world: immutable, replaced as a whole on rotation.
pub(crate) struct Pki {
    root: Arc<Authority>,
    root_sn: String,
    apps: BTreeMap<String, AppCert>,
    current: Arc<AlipayCert>,
    /// SN → PEM of every Alipay certificate issued, trusted or not.
    archive: BTreeMap<String, String>,
    /// Alipay certificates issued so far (names them: `Alipay (sandbox) 1`, `2`, …).
    issued: u32,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("root_sn", &self.root_sn)
            .field("alipay_cert_sn", &self.current.sn)
            .finish_non_exhaustive()
    }
}

impl Pki {
    /// A root from `root_key`, the Alipay certificate of `alipay_key`, and a certificate for each app's public key.
    pub(crate) fn new<'a>(
        root_key: &PrivateKey,
        alipay_key: &PrivateKey,
        apps: impl IntoIterator<Item = (&'a str, &'a PublicKey)>,
    ) -> Result<Pki, String> {
        let root = Authority::new(root_key)?;
        let root_sn = root_cert_sn(&parse(&root.pem)?);
        let mut app_certs = BTreeMap::new();
        for (app_id, key) in apps {
            let pem = root.issue(app_id, key)?;
            let sn = sn_of(&pem)?;
            app_certs.insert(app_id.to_owned(), AppCert { pem, sn });
        }
        let alipay = alipay_cert(&root, 1, alipay_key.clone())?;
        Ok(Pki {
            root: Arc::new(root),
            root_sn,
            apps: app_certs,
            archive: BTreeMap::from([(alipay.sn.clone(), alipay.pem.clone())]),
            current: Arc::new(alipay),
            issued: 1,
        })
    }

    /// The same world with a new Alipay key and certificate: from the root (`trusted`), or from another authority
    /// with the root's name. Generates one RSA key (two when untrusted).
    pub(crate) fn rotated(&self, trusted: bool) -> Result<Pki, String> {
        let key = PrivateKey::generate().map_err(|e| format!("cannot generate a key: {e}"))?;
        let n = self.issued + 1;
        let cert = if trusted {
            alipay_cert(&self.root, n, key)?
        } else {
            let impostor_key =
                PrivateKey::generate().map_err(|e| format!("cannot generate a key: {e}"))?;
            alipay_cert(&Authority::new(&impostor_key)?, n, key)?
        };
        let mut archive = self.archive.clone();
        archive.insert(cert.sn.clone(), cert.pem.clone());
        Ok(Pki {
            root: self.root.clone(),
            root_sn: self.root_sn.clone(),
            apps: self.apps.clone(),
            current: Arc::new(cert),
            archive,
            issued: n,
        })
    }

    /// The root bundle (one certificate) as PEM.
    pub(crate) fn root_pem(&self) -> &str {
        &self.root.pem
    }

    /// `alipay_root_cert_sn` of the root bundle.
    pub(crate) fn root_sn(&self) -> &str {
        &self.root_sn
    }

    /// The Alipay certificate that signs certificate-mode answers now.
    pub(crate) fn current(&self) -> &Arc<AlipayCert> {
        &self.current
    }

    /// An app's certificate.
    pub(crate) fn app(&self, app_id: &str) -> Option<&AppCert> {
        self.apps.get(app_id)
    }

    /// Every app's certificate, by app id.
    pub(crate) fn apps(&self) -> &BTreeMap<String, AppCert> {
        &self.apps
    }

    /// The PEM of any Alipay certificate issued, by SN.
    pub(crate) fn alipay_cert_by_sn(&self, sn: &str) -> Option<&str> {
        self.archive.get(sn).map(String::as_str)
    }

    /// Every Alipay certificate issued: SN → PEM.
    pub(crate) fn archive(&self) -> &BTreeMap<String, String> {
        &self.archive
    }
}

/// `alipay_cert_content` of the download method: base64 of the PEM.
pub(crate) fn cert_content(pem: &str) -> String {
    BASE64.encode(pem.as_bytes())
}

fn alipay_cert(authority: &Authority, n: u32, key: PrivateKey) -> Result<AlipayCert, String> {
    let pem = authority.issue(&format!("Alipay (sandbox) {n}"), &key.public_key())?;
    Ok(AlipayCert {
        sn: sn_of(&pem)?,
        pem,
        key,
    })
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, ORG);
    dn.push(DnType::CommonName, cn);
    dn
}

/// A fixed validity period, so that certificates are reproducible.
fn validity(params: &mut CertificateParams) {
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2049, 12, 31);
}

fn key_pair(key: &PrivateKey) -> Result<KeyPair, String> {
    KeyPair::from_pkcs8_pem_and_sign_algo(&key.to_pkcs8_pem(), &PKCS_RSA_SHA256)
        .map_err(|e| format!("cannot use the RSA key for certificates: {e}"))
}

fn parse(pem: &str) -> Result<Vec<Certificate>, String> {
    Certificate::parse_pem_bundle("certificate", pem).map_err(|e| e.to_string())
}

fn sn_of(pem: &str) -> Result<String, String> {
    Ok(parse(pem)?[0].sn().to_owned())
}

/// An RSA public key to certify: the PKCS#1 key inside the SubjectPublicKeyInfo.
struct RsaPublicKey(Vec<u8>);

impl RsaPublicKey {
    fn new(key: &PublicKey) -> Result<Self, String> {
        let der = BASE64
            .decode(key.to_base64())
            .map_err(|e| format!("cannot read the public key: {e}"))?;
        let info = spki::SubjectPublicKeyInfoRef::from_der(&der)
            .map_err(|e| format!("cannot read the public key: {e}"))?;
        Ok(RsaPublicKey(info.subject_public_key.raw_bytes().to_vec()))
    }
}

impl PublicKeyData for RsaPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alipay_marketing::cert::verify_chain;
    use std::sync::OnceLock;
    use std::time::SystemTime;

    fn keys() -> &'static [PrivateKey; 3] {
        static KEYS: OnceLock<[PrivateKey; 3]> = OnceLock::new();
        KEYS.get_or_init(|| std::array::from_fn(|_| PrivateKey::generate().expect("key")))
    }

    fn pki() -> Pki {
        let [root, alipay, app] = keys();
        Pki::new(root, alipay, [("2021000000000001", &app.public_key())]).expect("pki")
    }

    #[test]
    fn certificates_chain_to_the_root_and_carry_the_keys_they_certify() {
        let pki = pki();
        let roots = parse(pki.root_pem()).expect("root");
        assert_eq!(pki.root_sn(), root_cert_sn(&roots));
        let alipay = parse(&pki.current().pem).expect("alipay cert");
        verify_chain(&alipay, &roots, SystemTime::now()).expect("chains to the root");
        assert_eq!(
            alipay[0].public_key("cert").expect("key"),
            keys()[1].public_key()
        );
        let app = pki.app("2021000000000001").expect("app cert");
        let app_cert = parse(&app.pem).expect("app cert");
        assert_eq!(app_cert[0].sn(), app.sn);
        assert_eq!(
            app_cert[0].public_key("cert").expect("key"),
            keys()[2].public_key()
        );
        assert_eq!(
            app_cert[0].subject_dn(),
            format!("CN=2021000000000001,O={ORG},C=CN")
        );
    }

    #[test]
    fn the_same_keys_give_the_same_certificates() {
        let (a, b) = (pki(), pki());
        assert_eq!(a.root_pem(), b.root_pem());
        assert_eq!(a.current().pem, b.current().pem);
        assert_eq!(
            a.app("2021000000000001").map(|c| &c.sn),
            b.app("2021000000000001").map(|c| &c.sn)
        );
    }

    #[test]
    fn rotation_keeps_old_certificates_and_an_untrusted_one_does_not_chain() {
        let first = pki();
        let second = first.rotated(true).expect("rotate");
        let roots = parse(first.root_pem()).expect("root");
        assert_ne!(second.current().sn, first.current().sn);
        verify_chain(
            &parse(&second.current().pem).expect("pem"),
            &roots,
            SystemTime::now(),
        )
        .expect("a trusted rotation chains");
        assert!(second.alipay_cert_by_sn(&first.current().sn).is_some());
        let third = second.rotated(false).expect("rotate");
        let untrusted = parse(&third.current().pem).expect("pem");
        assert_eq!(
            untrusted[0].issuer_dn(),
            parse(first.root_pem()).expect("root")[0].subject_dn()
        );
        let e = verify_chain(&untrusted, &roots, SystemTime::now()).expect_err("does not chain");
        assert!(e.to_string().contains("does not chain"), "{e}");
        assert_eq!(third.archive().len(), 3);
    }
}
