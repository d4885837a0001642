//! SHA1withRSA signing for legacy `sign_type=RSA` apps.
//!
//! aws-lc-rs deliberately offers SHA1 only for *verification*; signing needs the raw AWS-LC call. This is the one
//! `unsafe` block of the core crate, kept small and checked against the published Java SDK vector in the tests.
#![allow(unsafe_code)]

use aws_lc_rs::digest;

use crate::error::{Error, Result};

/// Signs `message` with SHA1withRSA (PKCS#1 v1.5) using a PKCS#1 DER private key.
pub(crate) fn sign(pkcs1_der: &[u8], message: &[u8]) -> Result<Vec<u8>> {
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, message);
    let hash = hash.as_ref();
    // SAFETY: `pkcs1_der` is a valid slice for the duration of the call; AWS-LC copies what it parses and returns
    // either NULL or an owned RSA that we free below on every path.
    let rsa =
        unsafe { aws_lc_sys::RSA_private_key_from_bytes(pkcs1_der.as_ptr(), pkcs1_der.len()) };
    if rsa.is_null() {
        return Err(Error::config(
            "private_key: AWS-LC could not parse the RSA key for SHA1 signing",
        ));
    }
    // SAFETY: `rsa` is non-null and owned here.
    let size = unsafe { aws_lc_sys::RSA_size(rsa) } as usize;
    let mut out = vec![0u8; size];
    let mut out_len: std::ffi::c_uint = 0;
    // SAFETY: `out` has RSA_size bytes as RSA_sign requires; `hash` is a 20-byte SHA1 digest; `rsa` is valid.
    let ok = unsafe {
        aws_lc_sys::RSA_sign(
            aws_lc_sys::NID_sha1,
            hash.as_ptr(),
            hash.len(),
            out.as_mut_ptr(),
            &mut out_len,
            rsa,
        )
    };
    // SAFETY: `rsa` came from RSA_private_key_from_bytes and is freed exactly once.
    unsafe { aws_lc_sys::RSA_free(rsa) };
    if ok != 1 {
        return Err(Error::config("RSA (SHA1) signing failed"));
    }
    out.truncate(out_len as usize);
    Ok(out)
}
