//! Constructor keywords → a core client: keys given as text or as a path, the gateway, the timeouts.

use std::path::PathBuf;
use std::time::Duration;

use alipay_marketing::{Client, Gateway, RetryPolicy, SignType};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::{config_error, to_py_err};

/// Where a key comes from: its text, or a file read when the client is built.
pub enum KeySource {
    Text(String),
    File(PathBuf),
}

impl KeySource {
    /// `str` or `bytes` is the key itself (PEM or bare base64); an `os.PathLike` (e.g. `pathlib.Path`) is a file.
    pub fn extract(field: &str, value: &Bound<'_, PyAny>) -> PyResult<KeySource> {
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(KeySource::Text(text.to_cow()?.into_owned()));
        }
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return match std::str::from_utf8(bytes.as_bytes()) {
                Ok(text) => Ok(KeySource::Text(text.to_owned())),
                Err(_) => Err(config_error(
                    value.py(),
                    Some(field),
                    &format!(
                        "{field}: the bytes given are not UTF-8 text; give the PEM text or a pathlib.Path"
                    ),
                )),
            };
        }
        if value.hasattr("__fspath__")? {
            return Ok(KeySource::File(value.extract::<PathBuf>()?));
        }
        Err(PyTypeError::new_err(format!(
            "{field} must be the key text (str) or a path to a key file (pathlib.Path), not {}",
            value.get_type().name()?
        )))
    }
}

/// Every constructor keyword of `Client` and `AsyncClient`.
pub struct ClientOptions<'a, 'py> {
    pub app_id: &'a str,
    pub private_key: &'a Bound<'py, PyAny>,
    pub alipay_public_key: &'a Bound<'py, PyAny>,
    pub gateway: &'a str,
    pub sign_type: &'a str,
    pub timeout: f64,
    pub connect_timeout: f64,
    pub app_auth_token: Option<&'a str>,
    pub allow_insecure_http: bool,
    pub max_attempts: u32,
}

impl ClientOptions<'_, '_> {
    /// Builds the core client; every check is the core's, except the conversion of seconds.
    pub fn build(&self, py: Python<'_>) -> PyResult<Client> {
        let sign_type: SignType = self.sign_type.parse().map_err(|e| to_py_err(py, &e))?;
        let mut builder = Client::builder()
            .app_id(self.app_id)
            .sign_type(sign_type)
            .gateway(Gateway::parse(self.gateway))
            .allow_insecure_http(self.allow_insecure_http)
            .timeout(seconds(py, "timeout", self.timeout)?)
            .connect_timeout(seconds(py, "connect_timeout", self.connect_timeout)?)
            .retry_policy(RetryPolicy::default().max_attempts(self.max_attempts));
        builder = match KeySource::extract("private_key", self.private_key)? {
            KeySource::Text(text) => builder.private_key_text(text),
            KeySource::File(path) => builder.private_key_file(path),
        };
        builder = match KeySource::extract("alipay_public_key", self.alipay_public_key)? {
            KeySource::Text(text) => builder.alipay_public_key_text(text),
            KeySource::File(path) => builder.alipay_public_key_file(path),
        };
        if let Some(token) = self.app_auth_token {
            builder = builder.app_auth_token(token);
        }
        // Reading key files and parsing keys takes a moment; other threads may run meanwhile.
        py.detach(|| builder.build()).map_err(|e| to_py_err(py, &e))
    }
}

/// A timeout in seconds as a `Duration`, refusing what `Duration` cannot hold.
pub fn seconds(py: Python<'_>, field: &str, value: f64) -> PyResult<Duration> {
    if !(value.is_finite() && value > 0.0) {
        return Err(config_error(
            py,
            Some(field),
            &format!("{field}: {value} is not a number of seconds greater than zero"),
        ));
    }
    Duration::try_from_secs_f64(value).map_err(|_| {
        config_error(
            py,
            Some(field),
            &format!("{field}: {value} seconds is too long"),
        )
    })
}
