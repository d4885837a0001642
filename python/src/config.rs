//! Constructor keywords → a core client builder: keys and certificates as text or as a path, the gateway,
//! deadlines, retries, the rate limit, network and protocol options. The same conversion feeds the offline doctor
//! (`alipay_marketing.doctor`), which reports a bad option as a finding instead of raising.

use std::path::PathBuf;
use std::time::Duration;

use alipay_marketing::doctor::{DoctorReport, Finding, Level};
use alipay_marketing::{Charset, Client, ClientBuilder, Gateway, RetryPolicy, SignType};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::errors::config_error;

/// Where a key or certificate comes from: its text, or a file read when the client is built.
pub enum KeySource {
    Text(String),
    File(PathBuf),
}

impl KeySource {
    /// `str` or `bytes` is the key itself (PEM or bare base64); an `os.PathLike` (e.g. `pathlib.Path`) is a file.
    /// Another type is a `TypeError`; bytes that are not UTF-8 are a bad option.
    fn extract(field: &str, value: &Bound<'_, PyAny>) -> PyResult<Result<KeySource, OptionError>> {
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(Ok(KeySource::Text(text.to_cow()?.into_owned())));
        }
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(match std::str::from_utf8(bytes.as_bytes()) {
                Ok(text) => Ok(KeySource::Text(text.to_owned())),
                Err(_) => Err(OptionError::new(
                    field,
                    "the bytes given are not UTF-8 text; give the PEM text or a pathlib.Path",
                )),
            });
        }
        if value.hasattr("__fspath__")? {
            return Ok(Ok(KeySource::File(value.extract::<PathBuf>()?)));
        }
        Err(PyTypeError::new_err(format!(
            "{field} must be the text (str) or a path to a file (pathlib.Path), not {}",
            value.get_type().name()?
        )))
    }

    /// The text, reading the file now if it is one (for options the core only takes as text).
    fn read(self, field: &str) -> Result<String, OptionError> {
        match self {
            KeySource::Text(text) => Ok(text),
            KeySource::File(path) => alipay_marketing::key_file::read_key_file(field, &path)
                .map(|text| text.as_str().to_owned())
                .map_err(|e| OptionError::new(field, e)),
        }
    }
}

/// A bad option found while converting keywords: raised as a `ConfigError`, or reported by the doctor.
pub struct OptionError {
    field: String,
    message: String,
}

impl OptionError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        OptionError {
            field: field.to_owned(),
            message: format!("{field}: {}", message.into()),
        }
    }

    /// A core configuration error (its message already starts with the field).
    fn core(field: &str, error: &alipay_marketing::Error) -> Self {
        OptionError {
            field: error.field().unwrap_or(field).to_owned(),
            message: error.message().to_owned(),
        }
    }
}

/// What to do with a bad option: raise it (building a client) or note it as a problem (the doctor).
pub struct Checker<'py> {
    py: Python<'py>,
    findings: Option<Vec<Finding>>,
}

impl<'py> Checker<'py> {
    fn raising(py: Python<'py>) -> Self {
        Checker { py, findings: None }
    }

    fn collecting(py: Python<'py>) -> Self {
        Checker {
            py,
            findings: Some(Vec::new()),
        }
    }

    /// The value, or `None` after noting the problem (doctor); raises `ConfigError` when building a client.
    fn check<T>(&mut self, result: Result<T, OptionError>) -> PyResult<Option<T>> {
        match (result, &mut self.findings) {
            (Ok(value), _) => Ok(Some(value)),
            (Err(e), None) => Err(config_error(self.py, Some(&e.field), &e.message)),
            (Err(e), Some(findings)) => {
                let message = e
                    .message
                    .strip_prefix(&format!("{}: ", e.field))
                    .unwrap_or(&e.message)
                    .to_owned();
                findings.push(Finding {
                    level: Level::Problem,
                    topic: e.field,
                    message,
                });
                Ok(None)
            }
        }
    }
}

impl Checker<'_> {
    /// A key, certificate or file keyword (`None` is absent).
    fn source(
        &mut self,
        field: &str,
        value: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<KeySource>> {
        match value {
            Some(v) if !v.is_none() => self.check(KeySource::extract(field, v)?),
            _ => Ok(None),
        }
    }
}

/// The `retry=` keyword: not given (the client's policy, or the default one), `None` (a single attempt) or an
/// `alipay_marketing.RetryPolicy`.
#[derive(Default)]
pub enum RetryArg {
    #[default]
    NotGiven,
    Given(Py<PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for RetryArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(RetryArg::Given(obj.to_owned().unbind()))
    }
}

static OPTION_CLASSES: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// `(RetryPolicy, RateLimit)` from `alipay_marketing.options`.
fn option_classes(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>)> {
    OPTION_CLASSES.get_or_try_init(py, || {
        let module = py.import("alipay_marketing.options")?;
        Ok((
            module.getattr("RetryPolicy")?.unbind(),
            module.getattr("RateLimit")?.unbind(),
        ))
    })
}

impl RetryArg {
    /// The core policy: `None` when not given.
    pub fn policy(&self, py: Python<'_>) -> PyResult<Option<RetryPolicy>> {
        let RetryArg::Given(value) = self else {
            return Ok(None);
        };
        let value = value.bind(py);
        if value.is_none() {
            return Ok(Some(RetryPolicy::none()));
        }
        if !value.is_instance(option_classes(py)?.0.bind(py))? {
            return Err(PyTypeError::new_err(format!(
                "retry must be an alipay_marketing.RetryPolicy or None, not {}",
                value.get_type().name()?
            )));
        }
        // The same rule RetryPolicy applied when it was made (a subclass may have skipped __post_init__).
        Ok(Some(crate::option_rules::retry_policy(
            py,
            &value.getattr("max_attempts")?,
            value.getattr("base_delay")?.extract()?,
            value.getattr("max_delay")?.extract()?,
        )?))
    }
}

/// Every constructor keyword of `Client` and `AsyncClient` (and of `doctor`), declared once: passes `args` and
/// then the list to `then!`. Each entry is `name: type` or `name: type = default` (a default of more than one token
/// in parentheses); types borrow for `'a` and hold Python objects for `'py`. The [`ClientOptions`] struct, both
/// constructors and `doctor` are generated from it.
macro_rules! with_client_keywords {
    ($then:ident!($($args:tt)*) $($lists:tt)*) => {
        $then! { $($args)* $($lists)* [
            app_id: &'a str,
            private_key: &'a Bound<'py, PyAny>,
            alipay_public_key: Option<&'a Bound<'py, PyAny>> = None,
            gateway: &'a str = "production",
            sign_type: &'a str = "RSA2",
            timeout: f64 = 15.0,
            connect_timeout: f64 = 3.0,
            attempt_timeout: f64 = 8.0,
            retry: $crate::config::RetryArg = ($crate::config::RetryArg::NotGiven),
            max_attempts: Option<&'a Bound<'py, PyAny>> = None,
            rate_limit: Option<&'a Bound<'py, PyAny>> = None,
            app_auth_token: Option<&'a str> = None,
            allow_insecure_http: bool = false,
            proxy: Option<&'a str> = None,
            no_proxy: bool = false,
            root_certificates: Option<&'a Bound<'py, PyAny>> = None,
            pool_max_idle_per_host: Option<usize> = None,
            pool_idle_timeout: f64 = 90.0,
            http1_only: bool = false,
            charset: &'a str = "utf-8",
            aes_key: Option<&'a Bound<'py, PyAny>> = None,
            app_cert: Option<&'a Bound<'py, PyAny>> = None,
            alipay_cert: Option<&'a Bound<'py, PyAny>> = None,
            alipay_root_cert: Option<&'a Bound<'py, PyAny>> = None,
            app_public_key: Option<&'a Bound<'py, PyAny>> = None,
        ] }
    };
}
pub(crate) use with_client_keywords;

/// Generates a function taking the client keywords (keyword-only, with their defaults) after `py`, which gathers
/// them into a [`ClientOptions`] named by `$options` for `$body`: the `doctor` function. (The constructors are
/// written out by `client_methods!` in client.rs, since `#[pymethods]` must see its methods as plain functions.)
macro_rules! client_keywords_fn {
    (
        $(#[$meta:meta])* $vis:vis fn $name:ident($py:ident) -> $ret:ty { |$options:ident| $body:expr }
        [$($field:ident : $ty:ty $(= $default:tt)?),* $(,)?]
    ) => {
        $(#[$meta])*
        #[pyo3(signature = (*, $($field $(= $default)?),*))]
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<'a, 'py>($py: Python<'py>, $($field: $ty),*) -> $ret {
            let $options = $crate::config::ClientOptions { $($field),* };
            $body
        }
    };
}
pub(crate) use client_keywords_fn;

macro_rules! client_options_struct {
    ([$($field:ident : $ty:ty $(= $default:tt)?),* $(,)?]) => {
        /// Every constructor keyword of `Client` and `AsyncClient` (and of `doctor`), as given.
        pub struct ClientOptions<'a, 'py> {
            $(pub $field: $ty,)*
        }
    };
}

with_client_keywords!(client_options_struct!());

impl ClientOptions<'_, '_> {
    /// Builds the core client; every check is the core's, except the conversions of this face.
    pub fn build(&self, py: Python<'_>) -> PyResult<Client> {
        crate::panic::guard(py, || {
            let builder = self.builder(&mut Checker::raising(py))?;
            // Reading key files and parsing keys takes a moment; other threads may run meanwhile.
            py.detach(|| builder.build())
                .map_err(|e| crate::errors::to_py_err(py, &e))
        })
    }

    /// The offline doctor's report: the core's findings, then any option this face could not convert.
    pub fn doctor(&self, py: Python<'_>) -> PyResult<DoctorReport> {
        crate::panic::guard(py, || {
            let mut checker = Checker::collecting(py);
            let builder = self.builder(&mut checker)?;
            let mut report = py.detach(|| builder.doctor());
            report
                .findings
                .extend(checker.findings.take().unwrap_or_default());
            Ok(report)
        })
    }

    fn builder(&self, checker: &mut Checker<'_>) -> PyResult<ClientBuilder> {
        let py = checker.py;
        let mut builder = Client::builder()
            .app_id(self.app_id)
            .gateway(Gateway::parse(self.gateway))
            .allow_insecure_http(self.allow_insecure_http);
        if self.http1_only {
            builder = builder.http1_only();
        }
        if let Some(sign_type) = checker.check(
            self.sign_type
                .parse::<SignType>()
                .map_err(|e| OptionError::core("sign_type", &e)),
        )? {
            builder = builder.sign_type(sign_type);
        }
        if let Some(charset) = checker.check(
            self.charset
                .parse::<Charset>()
                .map_err(|e| OptionError::core("charset", &e)),
        )? {
            builder = builder.charset(charset);
        }
        if let Some(t) = checker.check(duration("timeout", self.timeout))? {
            builder = builder.timeout(t);
        }
        if let Some(t) = checker.check(duration("connect_timeout", self.connect_timeout))? {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = checker.check(duration("attempt_timeout", self.attempt_timeout))? {
            builder = builder.attempt_timeout(t);
        }
        if let Some(t) = checker.check(duration("pool_idle_timeout", self.pool_idle_timeout))? {
            builder = builder.pool_idle_timeout(t);
        }
        builder = match (self.max_attempts, &self.retry) {
            (Some(_), RetryArg::Given(_)) => {
                return Err(PyTypeError::new_err(
                    "give retry=RetryPolicy(max_attempts=...) or max_attempts, not both",
                ));
            }
            (Some(n), RetryArg::NotGiven) => {
                let attempts = match crate::option_rules::int_value("max_attempts", n)? {
                    Ok(n) => RetryPolicy::check_attempts(n)
                        .map_err(|e| OptionError::core("max_attempts", &e)),
                    Err(message) => Err(OptionError {
                        field: "max_attempts".to_owned(),
                        message: format!(
                            "max_attempts: {}",
                            message.trim_start_matches("max_attempts ")
                        ),
                    }),
                };
                match checker.check(attempts)? {
                    Some(n) => builder.retry_policy(RetryPolicy::default().max_attempts(n)),
                    None => builder,
                }
            }
            (None, retry) => match retry.policy(py)? {
                Some(policy) => builder.retry_policy(policy),
                None => builder,
            },
        };
        if let Some(limit) = self.rate_limit.filter(|r| !r.is_none()) {
            if let Some((qps, burst)) = checker.check(rate_limit(limit)?)? {
                builder = builder.rate_limit(qps, burst);
            }
        }
        if let Some(proxy) = self.proxy {
            let both = self
                .no_proxy
                .then(|| OptionError::new("proxy", "give proxy or no_proxy=True, not both"));
            if checker.check(both.map_or(Ok(()), Err))?.is_some() {
                builder = builder.proxy(proxy);
            }
        } else if self.no_proxy {
            builder = builder.no_proxy();
        }
        if let Some(roots) = self.root_certificates.filter(|r| !r.is_none()) {
            for source in root_sources(roots)? {
                builder = match checker.check(source)? {
                    Some(KeySource::Text(pem)) => builder.root_certificates_pem(pem),
                    Some(KeySource::File(path)) => builder.root_certificates_file(path),
                    None => builder,
                };
            }
        }
        if let Some(max) = self.pool_max_idle_per_host {
            builder = builder.pool_max_idle_per_host(max);
        }
        if let Some(token) = self.app_auth_token {
            builder = builder.app_auth_token(token);
        }
        builder = match checker.source("private_key", Some(self.private_key))? {
            Some(KeySource::Text(text)) => builder.private_key_text(text),
            Some(KeySource::File(path)) => builder.private_key_file(path),
            None => builder,
        };
        builder = match checker.source("alipay_public_key", self.alipay_public_key)? {
            Some(KeySource::Text(text)) => builder.alipay_public_key_text(text),
            Some(KeySource::File(path)) => builder.alipay_public_key_file(path),
            None => builder,
        };
        builder = match checker.source("app_cert", self.app_cert)? {
            Some(KeySource::Text(text)) => builder.app_cert_text(text),
            Some(KeySource::File(path)) => builder.app_cert_file(path),
            None => builder,
        };
        builder = match checker.source("alipay_cert", self.alipay_cert)? {
            Some(KeySource::Text(text)) => builder.alipay_cert_text(text),
            Some(KeySource::File(path)) => builder.alipay_cert_file(path),
            None => builder,
        };
        builder = match checker.source("alipay_root_cert", self.alipay_root_cert)? {
            Some(KeySource::Text(text)) => builder.alipay_root_cert_text(text),
            Some(KeySource::File(path)) => builder.alipay_root_cert_file(path),
            None => builder,
        };
        if let Some(source) = checker.source("aes_key", self.aes_key)? {
            if let Some(text) = checker.check(source.read("aes_key"))? {
                builder = builder.aes_key_text(text);
            }
        }
        if let Some(source) = checker.source("app_public_key", self.app_public_key)? {
            if let Some(text) = checker.check(source.read("app_public_key"))? {
                builder = builder.app_public_key_text(text);
            }
        }
        Ok(builder)
    }
}

/// `rate_limit=`: a `RateLimit` or a `(qps, burst)` tuple, judged by the core's rule.
fn rate_limit(value: &Bound<'_, PyAny>) -> PyResult<Result<(f64, u32), OptionError>> {
    let py = value.py();
    let (qps, burst): (f64, Bound<'_, PyAny>) =
        if value.is_instance(option_classes(py)?.1.bind(py))? {
            (value.getattr("qps")?.extract()?, value.getattr("burst")?)
        } else if value.is_instance_of::<PyTuple>() {
            value.extract().map_err(|_| {
                PyTypeError::new_err("rate_limit must be (qps, burst): a number and an int")
            })?
        } else {
            return Err(PyTypeError::new_err(format!(
                "rate_limit must be an alipay_marketing.RateLimit or a (qps, burst) tuple, not {}",
                value.get_type().name()?
            )));
        };
    if !burst.is_instance_of::<pyo3::types::PyInt>()
        || burst.is_instance_of::<pyo3::types::PyBool>()
    {
        return Err(PyTypeError::new_err(format!(
            "rate_limit: burst must be an int, not {}",
            burst.get_type().name()?
        )));
    }
    Ok(match crate::option_rules::int_value("burst", &burst)? {
        Ok(n) => alipay_marketing::RateLimit::check(qps, n)
            .map(|burst| (qps, burst))
            .map_err(|e| OptionError::core("rate_limit", &e)),
        Err(message) => Err(OptionError::new("rate_limit", message)),
    })
}

/// `root_certificates=`: one PEM text or path, or a list of them.
fn root_sources(value: &Bound<'_, PyAny>) -> PyResult<Vec<Result<KeySource, OptionError>>> {
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        value
            .try_iter()?
            .map(|item| KeySource::extract("root_certificates", &item?))
            .collect()
    } else {
        Ok(vec![KeySource::extract("root_certificates", value)?])
    }
}

/// A number of seconds as a `Duration` (the core's conversion; the option's bounds are checked by the core's
/// rule for it when the client is built).
fn duration(field: &str, value: f64) -> Result<Duration, OptionError> {
    alipay_marketing::limits::seconds(field, value).map_err(|e| OptionError::core(field, &e))
}
