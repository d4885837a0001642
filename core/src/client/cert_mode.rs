//! Certificate mode in the client: the SNs sent with every request, and the key that verifies each response,
//! chosen by its `alipay_cert_sn` — downloading and chain-checking a rotated Alipay certificate on first sight.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::cert::{Certificate, root_cert_sn, verify_chain};
use crate::envelope::{self, Envelope};
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey};

/// The method that fetches an Alipay certificate by SN.
pub(crate) const DOWNLOAD_METHOD: &str = "alipay.open.app.alipaycert.download";

pub(crate) struct CertMode {
    pub(crate) app_cert_sn: String,
    pub(crate) root_cert_sn: String,
    roots: Vec<Certificate>,
    /// Alipay certificate SN → its verified public key.
    keys: RwLock<HashMap<String, PublicKey>>,
}

impl CertMode {
    /// Checks the three certificates against each other and the private key. Returns the mode and the key of the
    /// configured Alipay certificate.
    pub(crate) fn new(
        private_key: &PrivateKey,
        app_cert: &str,
        alipay_cert: &str,
        root_cert: &str,
    ) -> Result<(CertMode, PublicKey)> {
        let app = Certificate::parse_pem_bundle("app_cert", app_cert)?;
        if app[0].public_key("app_cert")? != private_key.public_key() {
            return Err(Error::config_field(
                "app_cert",
                "holds a public key that does not belong to private_key; give this app's certificate \
                 (appCertPublicKey_<app_id>.crt) and the private key it was issued for",
            ));
        }
        let alipay = Certificate::parse_pem_bundle("alipay_cert", alipay_cert)?;
        let alipay_key = alipay[0].public_key("alipay_cert")?;
        let roots = Certificate::parse_pem_bundle("alipay_root_cert", root_cert)?;
        let root_cert_sn = root_cert_sn(&roots);
        if root_cert_sn.is_empty() {
            return Err(Error::config_field(
                "alipay_root_cert",
                "contains no RSA-signed certificate; give alipayRootCert.crt from the console",
            ));
        }
        let keys = RwLock::new(HashMap::from([(
            alipay[0].sn().to_owned(),
            alipay_key.clone(),
        )]));
        Ok((
            CertMode {
                app_cert_sn: app[0].sn().to_owned(),
                root_cert_sn,
                roots,
                keys,
            },
            alipay_key,
        ))
    }

    /// The key for a response: the one named by its `alipay_cert_sn`. `Ok(None)` when the SN is unknown.
    pub(crate) fn known_key(
        &self,
        env: &Envelope<'_>,
        fallback: &PublicKey,
    ) -> Result<Option<PublicKey>> {
        if env.sign.as_deref().is_none_or(|s| s.trim().is_empty()) {
            // Unsigned: only ever accepted as an error, whatever key is named.
            return Ok(Some(fallback.clone()));
        }
        let sn = env.alipay_cert_sn.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::signature(
                "certificate mode: the signed response carries no alipay_cert_sn, so no certificate can vouch for \
                 it; refusing it",
            )
        })?;
        Ok(self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(sn)
            .cloned())
    }

    /// Trusts a downloaded certificate bundle for `sn` if its leaf has that SN and chains to the root bundle.
    pub(crate) fn trust_download(&self, sn: &str, download_body: &[u8]) -> Result<PublicKey> {
        let env = envelope::extract(download_body, DOWNLOAD_METHOD)
            .map_err(|e| envelope::extract_error(e, DOWNLOAD_METHOD))?;
        #[derive(serde::Deserialize)]
        struct Node {
            code: Option<String>,
            sub_code: Option<String>,
            sub_msg: Option<String>,
            alipay_cert_content: Option<String>,
        }
        let node: Node = serde_json::from_slice(env.node).map_err(|e| {
            Error::decode(format!(
                "{DOWNLOAD_METHOD} answered an unexpected node: {e}"
            ))
        })?;
        let content = match (node.code.as_deref(), node.alipay_cert_content) {
            (Some("10000"), Some(content)) => content,
            _ => {
                return Err(Error::signature(format!(
                    "the response names Alipay certificate {sn}, which could not be downloaded ({}: {})",
                    node.sub_code.unwrap_or_default(),
                    node.sub_msg.unwrap_or_default()
                )));
            }
        };
        let pem = BASE64
            .decode(content.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                Error::decode(
                    "the downloaded alipay_cert_content is not base64 of a PEM certificate",
                )
            })?;
        let chain = Certificate::parse_pem_bundle("downloaded Alipay certificate", &pem)
            .map_err(|e| Error::decode(e.message().to_owned()))?;
        if chain[0].sn() != sn {
            return Err(Error::signature(format!(
                "the downloaded certificate has SN {}, not the {sn} the response named",
                chain[0].sn()
            )));
        }
        // Trust comes from the chain alone (the download answer itself is not signed by a known key).
        verify_chain(&chain, &self.roots, SystemTime::now())?;
        let key = chain[0]
            .public_key("downloaded Alipay certificate")
            .map_err(|e| Error::signature(e.message()))?;
        tracing::info!(
            alipay_cert_sn = sn,
            "trusting a new Alipay certificate after checking its chain"
        );
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sn.to_owned(), key.clone());
        Ok(key)
    }
}
