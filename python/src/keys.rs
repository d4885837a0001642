//! Key helpers for tests and tools.

use alipay_marketing::PrivateKey;
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// A new RSA-2048 key pair as `(private_key_pem, public_key_pem)` (PKCS#8 and SPKI). For tests and for the
/// sandbox; production keys come from the Alipay console's key tool.
#[pyfunction]
pub fn generate_key_pair(py: Python<'_>) -> PyResult<(String, String)> {
    let key = py
        .detach(PrivateKey::generate)
        .map_err(|e| to_py_err(py, &e))?;
    Ok((key.to_pkcs8_pem().to_string(), key.public_key().to_pem()))
}
