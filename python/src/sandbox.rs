//! The in-process gateway emulator behind `alipay_marketing.testing.Sandbox`: the sandbox crate started on its
//! own thread and runtime, driven from Python (URL, keys, state, faults, reset).

use std::path::PathBuf;
use std::sync::Mutex;

use alipay_marketing_sandbox::{Config, FaultPlan, Sandbox, Scenario};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::requests::json_object_text;

fn sandbox_error(py: Python<'_>, message: &str) -> PyErr {
    let built = py
        .import("alipay_marketing.errors")
        .and_then(|m| m.getattr("SandboxError"))
        .and_then(|cls| cls.call1((message,)));
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(failure) => failure,
    }
}

/// A running sandbox gateway (`alipay_marketing.testing.Sandbox` wraps it).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct SandboxServer {
    sandbox: Mutex<Option<Sandbox>>,
    url: String,
    admin_url: String,
    app_id: String,
    app_private_key_pem: String,
    alipay_public_key_pem: String,
    aes_key: Option<String>,
    cert_mode: bool,
}

impl SandboxServer {
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Sandbox) -> PyResult<T>) -> PyResult<T> {
        let guard = self.sandbox.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(sandbox) => crate::panic::guard(py, || f(sandbox)),
            None => Err(sandbox_error(py, "the sandbox is stopped; start a new one")),
        }
    }
}

#[pymethods]
impl SandboxServer {
    /// Starts a sandbox. `scenario`: a path to a TOML/JSON scenario file, its text, or a dict; `None` is the
    /// default demo world. `aes_key` gives the default app an AES content key; `cert_mode` makes it a
    /// certificate-mode app.
    #[new]
    #[pyo3(signature = (*, scenario = None, seed = 0, port = 0, state_file = None, aes_key = None, cert_mode = false))]
    fn new(
        py: Python<'_>,
        scenario: Option<&Bound<'_, PyAny>>,
        seed: u64,
        port: u16,
        state_file: Option<PathBuf>,
        aes_key: Option<String>,
        cert_mode: bool,
    ) -> PyResult<Self> {
        let mut scenario = match scenario {
            None => Scenario::default(),
            Some(s) if s.is_none() => Scenario::default(),
            Some(s) if s.is_instance_of::<PyString>() => {
                let text: String = s.extract()?;
                if text.trim_start().starts_with('{') {
                    Scenario::from_json_str(&text)
                } else {
                    Scenario::from_toml_str(&text)
                }
                .map_err(|e| sandbox_error(py, e.message()))?
            }
            Some(s) if s.hasattr("__fspath__")? => {
                let path: PathBuf = s.extract()?;
                Scenario::from_file(&path).map_err(|e| sandbox_error(py, e.message()))?
            }
            Some(s) if s.is_instance_of::<PyDict>() => {
                let text = json_object_text(py, "scenario", s)?;
                Scenario::from_json_str(&text).map_err(|e| sandbox_error(py, e.message()))?
            }
            Some(s) => {
                return Err(PyTypeError::new_err(format!(
                    "scenario must be a path, TOML/JSON text or a dict, not {}",
                    s.get_type().name()?
                )));
            }
        };
        let Some(default_app) = scenario.apps.first_mut() else {
            return Err(sandbox_error(py, "the scenario has no app"));
        };
        if aes_key.is_some() {
            default_app.aes_key = aes_key;
        }
        default_app.cert_mode |= cert_mode;
        let (aes_key, cert_mode) = (default_app.aes_key.clone(), default_app.cert_mode);
        let mut config = Config::default().scenario(scenario).seed(seed).port(port);
        if let Some(path) = state_file {
            config = config.state_file(path);
        }
        let sandbox = crate::panic::detach(py, || Sandbox::start_blocking(config))?
            .map_err(|e| sandbox_error(py, e.message()))?;
        Ok(SandboxServer {
            url: sandbox.url(),
            admin_url: sandbox.admin_url(),
            app_id: sandbox.app_id().to_owned(),
            app_private_key_pem: sandbox.app_private_key_pem().to_owned(),
            alipay_public_key_pem: sandbox.alipay_public_key_pem().to_owned(),
            aes_key,
            cert_mode,
            sandbox: Mutex::new(Some(sandbox)),
        })
    }

    /// The default app's AES content key (base64), if it has one.
    #[getter]
    fn aes_key(&self) -> Option<&str> {
        self.aes_key.as_deref()
    }

    /// Whether the default app is a certificate-mode app.
    #[getter]
    fn cert_mode(&self) -> bool {
        self.cert_mode
    }

    /// Certificate mode: the default app's certificate (PEM), the client's `app_cert`.
    fn app_cert_pem(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            s.app_cert_pem(s.app_id())
                .map_err(|e| sandbox_error(py, e.message()))
        })
    }

    /// Certificate mode: the current Alipay certificate (PEM), the client's `alipay_cert`.
    fn alipay_cert_pem(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            s.alipay_cert_pem()
                .map_err(|e| sandbox_error(py, e.message()))
        })
    }

    /// Certificate mode: the root bundle (PEM), the client's `alipay_root_cert`.
    fn root_cert_pem(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            s.root_cert_pem()
                .map_err(|e| sandbox_error(py, e.message()))
        })
    }

    /// Rotates the Alipay certificate (a new key, certificate-mode answers signed with it from now on) and returns
    /// the new SN. `trusted=False`: the new certificate does not chain to the root bundle.
    #[pyo3(signature = (*, trusted = true))]
    fn rotate_alipay_cert(&self, py: Python<'_>, trusted: bool) -> PyResult<String> {
        self.with(py, |s| {
            let rotated = if trusted {
                s.rotate_alipay_cert()
            } else {
                s.rotate_alipay_cert_untrusted()
            };
            rotated.map_err(|e| sandbox_error(py, e.message()))
        })
    }

    /// `http://127.0.0.1:PORT/gateway.do`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// `http://127.0.0.1:PORT/admin`.
    #[getter]
    fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// The default app's id.
    #[getter]
    fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The default app's private key (PKCS#8 PEM), generated for this sandbox.
    #[getter]
    fn app_private_key_pem(&self) -> &str {
        &self.app_private_key_pem
    }

    /// The sandbox's "Alipay" public key (SPKI PEM): what a client configures as `alipay_public_key`.
    #[getter]
    fn alipay_public_key_pem(&self) -> &str {
        &self.alipay_public_key_pem
    }

    /// The world as JSON text (users, activities, vouchers, accounts, call counts, faults).
    fn state_json(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.state().to_string()))
    }

    /// Arms a fault plan given as JSON text, replacing what was armed.
    fn arm_faults_json(&self, py: Python<'_>, plan: &str) -> PyResult<()> {
        let plan: FaultPlan = serde_json::from_str(plan)
            .map_err(|e| sandbox_error(py, &format!("the fault plan is not valid: {e}")))?;
        self.with(py, |s| {
            s.arm_faults(plan)
                .map_err(|e| sandbox_error(py, e.message()))
        })
    }

    /// Disarms every fault.
    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |s| {
            s.clear_faults();
            Ok(())
        })
    }

    /// Back to the scenario's starting world, with no faults armed.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |s| {
            s.reset();
            Ok(())
        })
    }

    /// Whether `stop()` was called.
    #[getter]
    fn stopped(&self) -> bool {
        self.sandbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    /// Stops gracefully (calls in flight finish); stopping twice is harmless.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let sandbox = self
            .sandbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match sandbox {
            Some(sandbox) => crate::panic::detach(py, || sandbox.stop_blocking()),
            None => Ok(()),
        }
    }
}

impl Drop for SandboxServer {
    /// A sandbox dropped without `stop()` stops here, with the GIL released: its threads may log, and logging
    /// takes the GIL.
    fn drop(&mut self) {
        let sandbox = self
            .sandbox
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(sandbox) = sandbox {
            Python::attach(|py| py.detach(move || sandbox.stop_blocking()));
        }
    }
}
