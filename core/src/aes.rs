//! AES content encryption (`encrypt_type=AES`, docs/protocol.md §5): AES-CBC with a zero IV and PKCS#7 padding,
//! standard base64 — the "接口内容加密密钥" from the Alipay console.

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey,
    PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The app's AES content key. Never printed.
#[derive(Clone)]
pub struct AesKey {
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AesKey(AES-{}, redacted)", self.key.len() * 8)
    }
}

impl AesKey {
    /// Loads the base64 key from the console (16 bytes for AES-128; 24 and 32 are accepted too).
    pub fn from_base64(text: &str) -> Result<AesKey> {
        let key = Zeroizing::new(BASE64.decode(text.trim()).map_err(|_| {
            Error::config_field(
                "aes_key",
                "is not valid base64; copy the AES key (接口内容加密密钥) from the console",
            )
        })?);
        if ![16, 24, 32].contains(&key.len()) {
            return Err(Error::config_field(
                "aes_key",
                format!(
                    "decodes to {} bytes; an AES key has 16 (the console's AES-128), 24 or 32",
                    key.len()
                ),
            ));
        }
        Ok(AesKey { key })
    }

    fn unbound(&self) -> UnboundCipherKey {
        let algorithm = match self.key.len() {
            16 => &AES_128,
            24 => &AES_192,
            _ => &AES_256,
        };
        UnboundCipherKey::new(algorithm, &self.key)
            .expect("the key length was checked when it was loaded")
    }

    /// Encrypts `plaintext` (the biz_content bytes in the request charset) to base64.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String> {
        let key = PaddedBlockEncryptingKey::cbc_pkcs7(self.unbound())
            .map_err(|_| Error::config_field("aes_key", "cannot be used for AES-CBC"))?;
        let mut data = plaintext.to_vec();
        key.less_safe_encrypt(
            &mut data,
            EncryptionContext::Iv128(FixedLength::from([0u8; 16])),
        )
        .map_err(|_| Error::config_field("aes_key", "AES encryption failed"))?;
        Ok(BASE64.encode(&data))
    }

    /// Decrypts base64 `ciphertext` back to the plaintext bytes.
    pub fn decrypt(&self, ciphertext: &str) -> Result<Vec<u8>> {
        let mut data = BASE64
            .decode(ciphertext.trim())
            .map_err(|_| Error::decode("the encrypted response node is not base64"))?;
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(self.unbound())
            .map_err(|_| Error::config_field("aes_key", "cannot be used for AES-CBC"))?;
        let plain = key
            .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from([0u8; 16])))
            .map_err(|_| {
                Error::decode("the encrypted response node does not decrypt with aes_key; check it is this app's key")
            })?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_wrong_keys() {
        let key = AesKey::from_base64("aa4BtZ4tspm2wnXLb1ThQA==").unwrap();
        let text = "{\"memo\":\"新客礼券\"}";
        let sealed = key.encrypt(text.as_bytes()).unwrap();
        assert_eq!(key.decrypt(&sealed).unwrap(), text.as_bytes());
        let other = AesKey::from_base64("vEARwBsVE8dBrk0tiaNQtQ==").unwrap();
        assert!(
            other.decrypt(&sealed).is_err() || other.decrypt(&sealed).unwrap() != text.as_bytes()
        );
        assert_eq!(format!("{key:?}"), "AesKey(AES-128, redacted)");
    }

    #[test]
    fn bad_keys_name_the_option() {
        let e = AesKey::from_base64("not base64!").unwrap_err();
        assert_eq!(e.field(), Some("aes_key"));
        let e = AesKey::from_base64("aGVsbG8=").unwrap_err();
        assert!(e.to_string().contains("5 bytes"), "{e}");
    }
}
