//! The frozen result objects handed back to Python: typed attributes, `to_dict()`, and a `repr` that masks
//! personal data the way the core's `Debug` does.

use alipay_marketing::api::invite::InviteAwardResponse;
use alipay_marketing::api::points::PointsUpdateResponse;
use alipay_marketing::api::voucher::VoucherSendResponse;
use alipay_marketing::mask::{mask_mobile, mask_user_id};
use alipay_marketing::{Error, ExecuteResponse, Prepared};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple};

/// A core value that becomes a Python object under the GIL.
pub trait ToPython: Send + 'static {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

/// The outcome of a core call, converted (result or exception) only once the GIL is held.
pub struct Outcome<T>(pub Result<T, Error>);

impl<'py, T: ToPython> IntoPyObject<'py> for Outcome<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => Ok(value.to_python(py)?.into_bound(py)),
            Err(error) => Err(crate::settle::raise_keeping(py, error)),
        }
    }
}

static ENUMS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// `(BizResultCode, UserAttr)` from `alipay_marketing.enums`.
fn enums(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>)> {
    ENUMS.get_or_try_init(py, || {
        let module = py.import("alipay_marketing.enums")?;
        Ok((
            module.getattr("BizResultCode")?.unbind(),
            module.getattr("UserAttr")?.unbind(),
        ))
    })
}

/// A string as Python writes it in a repr: single quotes, backslashes and quotes escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn repr_opt(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), quote)
}

/// The items of a tuple repr: `'a', 'b'`, and a trailing comma for one item.
fn account_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    match quoted.len() {
        1 => format!("{},", quoted[0]),
        _ => quoted.join(", "),
    }
}

/// Result of `receive_invite_award` (`alipay.user.invite.award.receive`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct InviteAwardResult {
    /// What happened (`BizResultCode`); unknown codes stay readable.
    #[pyo3(get)]
    biz_result_code: Py<PyAny>,
    /// The gateway's description of the result.
    #[pyo3(get)]
    biz_result_desc: Option<String>,
    /// Whether the user is new or old to Alipay (`UserAttr`).
    #[pyo3(get)]
    user_attr: Option<Py<PyAny>>,
    /// The (already masked) Alipay account names bound to an old user's mobile.
    #[pyo3(get)]
    alipay_account_no: Py<PyTuple>,
    /// The mobile number echoed back.
    #[pyo3(get)]
    mobile: Option<String>,
    /// Extension information, as sent.
    #[pyo3(get)]
    ext_info: Option<String>,
    /// Whether an award was issued by this call.
    #[pyo3(get)]
    awarded: bool,
    /// The request's `out_biz_no`: the caller's, or the one the client generated when none was given (log it: a
    /// retry with it cannot award twice).
    #[pyo3(get)]
    out_biz_no: Option<String>,
}

impl ToPython for InviteAwardResponse {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let (code_cls, attr_cls) = enums(py)?;
        let result = InviteAwardResult {
            biz_result_code: code_cls
                .bind(py)
                .call1((self.biz_result_code.as_str(),))?
                .unbind(),
            user_attr: match &self.user_attr {
                Some(attr) => Some(attr_cls.bind(py).call1((attr.as_str(),))?.unbind()),
                None => None,
            },
            awarded: self.biz_result_code.is_awarded(),
            biz_result_desc: self.biz_result_desc,
            alipay_account_no: PyTuple::new(py, &self.alipay_account_no)?.unbind(),
            mobile: self.mobile,
            ext_info: self.ext_info,
            out_biz_no: self.out_biz_no,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl InviteAwardResult {
    /// The attributes as a plain dict (enums stay `str` subclasses, so it serialises as JSON as is).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("biz_result_code", &self.biz_result_code)?;
        d.set_item("biz_result_desc", &self.biz_result_desc)?;
        d.set_item("user_attr", &self.user_attr)?;
        d.set_item(
            "alipay_account_no",
            PyList::new(py, self.alipay_account_no.bind(py).iter())?,
        )?;
        d.set_item("mobile", &self.mobile)?;
        d.set_item("ext_info", &self.ext_info)?;
        d.set_item("out_biz_no", &self.out_biz_no)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = |obj: &Py<PyAny>| -> PyResult<String> { obj.bind(py).str()?.extract() };
        let user_attr = match &self.user_attr {
            Some(attr) => quote(&value(attr)?),
            None => "None".to_owned(),
        };
        Ok(format!(
            "InviteAwardResult(biz_result_code={}, biz_result_desc={}, user_attr={}, \
             alipay_account_no=({}), mobile={}, ext_info={}, out_biz_no={})",
            quote(&value(&self.biz_result_code)?),
            repr_opt(self.biz_result_desc.as_deref()),
            user_attr,
            account_list(&self.alipay_account_no.bind(py).extract::<Vec<String>>()?),
            repr_opt(self.mobile.as_deref().map(mask_mobile).as_deref()),
            repr_opt(self.ext_info.as_deref()),
            repr_opt(self.out_biz_no.as_deref()),
        ))
    }
}

/// Result of `send_voucher` (`alipay.marketing.voucher.send`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct VoucherSendResult {
    /// The id of the voucher sent (on a replay of the same `out_biz_no`, the one sent before).
    #[pyo3(get)]
    voucher_id: String,
    /// The recipient's Alipay user id, when the gateway returns it.
    #[pyo3(get)]
    user_id: Option<String>,
    /// The recipient's open_id, when the gateway returns it.
    #[pyo3(get)]
    open_id: Option<String>,
}

impl ToPython for VoucherSendResponse {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = VoucherSendResult {
            voucher_id: self.voucher_id,
            user_id: self.user_id,
            open_id: self.open_id,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl VoucherSendResult {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("voucher_id", &self.voucher_id)?;
        d.set_item("user_id", &self.user_id)?;
        d.set_item("open_id", &self.open_id)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "VoucherSendResult(voucher_id={}, user_id={}, open_id={})",
            quote(&self.voucher_id),
            repr_opt(self.user_id.as_deref().map(mask_user_id).as_deref()),
            repr_opt(self.open_id.as_deref().map(mask_user_id).as_deref()),
        )
    }
}

/// Result of `update_points` (`koubei.marketing.tool.points.update`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct PointsUpdateResult {
    /// The number of this points movement; after a FREEZE, the `biz_no` of its COMMIT or CANCEL.
    #[pyo3(get)]
    point_log_no: String,
}

impl ToPython for PointsUpdateResponse {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = PointsUpdateResult {
            point_log_no: self.point_log_no,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl PointsUpdateResult {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("point_log_no", &self.point_log_no)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "PointsUpdateResult(point_log_no={})",
            quote(&self.point_log_no)
        )
    }
}

/// Result of `execute`: the verified response node of any gateway method.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct ExecuteResult {
    /// The JSON text of the `<method>_response` node, exactly as signed.
    #[pyo3(get)]
    body: String,
    /// The gateway's `trace_id` header, if any.
    #[pyo3(get)]
    trace_id: Option<String>,
}

impl ToPython for ExecuteResponse {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = ExecuteResult {
            body: self.body,
            trace_id: self.trace_id,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl ExecuteResult {
    /// The response node parsed as a dict (a new dict on each call).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        Ok(py
            .import("json")?
            .call_method1("loads", (&self.body,))?
            .cast_into::<PyDict>()?)
    }

    fn __repr__(&self) -> String {
        // The node may hold personal data of any shape, so only its size is shown.
        format!(
            "ExecuteResult(body=<{} characters>, trace_id={})",
            self.body.chars().count(),
            repr_opt(self.trace_id.as_deref())
        )
    }
}

/// The dry run: exactly what a call would send now, signed, without sending it.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct PreparedRequest {
    /// The gateway method.
    #[pyo3(get)]
    method: String,
    /// The full URL including the query string.
    #[pyo3(get)]
    url: String,
    /// The parameters of the query string, `sign` last.
    #[pyo3(get)]
    query: Vec<(String, String)>,
    /// The parameters of the form body.
    #[pyo3(get)]
    form: Vec<(String, String)>,
    /// The exact string that was signed.
    #[pyo3(get)]
    sign_content: String,
    /// The encoded form body.
    #[pyo3(get)]
    body: String,
    /// The request's idempotency key, when it has one.
    #[pyo3(get)]
    idempotency_key: Option<String>,
}

impl ToPython for Prepared {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = PreparedRequest {
            method: self.method,
            url: self.url,
            query: self.query,
            form: self.form,
            sign_content: self.sign_content,
            body: self.body,
            idempotency_key: self.idempotency_key,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl PreparedRequest {
    /// The attributes as a plain dict (`query` and `form` as dicts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let pairs = |items: &[(String, String)]| -> PyResult<Bound<'py, PyDict>> {
            let d = PyDict::new(py);
            for (k, v) in items {
                d.set_item(k, v)?;
            }
            Ok(d)
        };
        let d = PyDict::new(py);
        d.set_item("method", &self.method)?;
        d.set_item("url", &self.url)?;
        d.set_item("query", pairs(&self.query)?)?;
        d.set_item("form", pairs(&self.form)?)?;
        d.set_item("sign_content", &self.sign_content)?;
        d.set_item("body", &self.body)?;
        d.set_item("idempotency_key", &self.idempotency_key)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        // The body and sign content carry biz_content (mobiles, user ids): left out of the repr.
        format!(
            "PreparedRequest(method={}, idempotency_key={}, body=<{} characters>)",
            quote(&self.method),
            repr_opt(self.idempotency_key.as_deref()),
            self.body.chars().count()
        )
    }
}
