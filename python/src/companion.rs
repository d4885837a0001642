//! The companion calls on both clients — `query_voucher`, `list_vouchers`, `query_template`, `create_template`,
//! `query_points` — plus the campaign preflight `check_template` and the three `settle_*` methods (see
//! [`crate::settle`]), with their result objects.
//!
//! The methods are generated into each client's one `#[pymethods]` block by [`with_companion_methods`], which
//! hands them, with the methods it is given, to the client's own method macro. As for the three calls, only shapes
//! are converted here; every field rule, the preflight's checks and the settling are the core's.

use alipay_marketing::api::ApiRequest;
use alipay_marketing::api::points_query::PointsBalance as CorePointsBalance;
use alipay_marketing::api::template::TemplateDetail as CoreTemplateDetail;
use alipay_marketing::api::template_create::{
    CashlessVoucherType, TemplateCreateRequest, TemplateCreateResponse,
};
use alipay_marketing::api::voucher_query::{
    VoucherDetail as CoreVoucherDetail, VoucherList as CoreVoucherList, VoucherListQueryRequest,
    VoucherLite as CoreVoucherLite,
};
use alipay_marketing::mask::mask_user_id;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::client::Mode;
use crate::config::RetryArg;
use crate::errors::invalid_argument;
use crate::requests::{call_options, decimal_type, json_object_text};
use crate::results::{ToPython, quote};

/// Generates the companion, preflight and settle methods and passes them, after `extra`, to `then!(class, mode,
/// { … })` — the client's method macro, which puts everything into one `#[pymethods]` block.
macro_rules! with_companion_methods {
    ($then:ident!($class:ident, $mode:ty, { $($extra:tt)* })) => {
        $then!($class, $mode, {
            $($extra)*

            /// `alipay.marketing.voucher.query`: one voucher (status, template, amounts, counts, dates) by its id.
            #[pyo3(signature = (*, voucher_id, timeout = None, retry = crate::config::RetryArg::NotGiven, app_auth_token = None))]
            fn query_voucher(
                &self,
                py: Python<'_>,
                voucher_id: String,
                timeout: Option<f64>,
                retry: crate::config::RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request =
                    alipay_marketing::api::voucher_query::VoucherQueryRequest::new(voucher_id);
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `alipay.marketing.voucher.list.query`: the vouchers of `template_id` that one user (`user_id` or
            /// `open_id`, exactly one) holds, possibly none.
            #[pyo3(signature = (
                *, template_id, user_id = None, open_id = None, timeout = None,
                retry = crate::config::RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn list_vouchers(
                &self,
                py: Python<'_>,
                template_id: String,
                user_id: Option<String>,
                open_id: Option<String>,
                timeout: Option<f64>,
                retry: crate::config::RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = crate::companion::list_request(template_id, user_id, open_id);
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `alipay.marketing.voucher.templatedetail.query`: a template's status, publish window, quantity
            /// and publish/used counts.
            #[pyo3(signature = (*, template_id, timeout = None, retry = crate::config::RetryArg::NotGiven, app_auth_token = None))]
            fn query_template(
                &self,
                py: Python<'_>,
                template_id: String,
                timeout: Option<f64>,
                retry: crate::config::RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request =
                    alipay_marketing::api::template::TemplateDetailQueryRequest::new(template_id);
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `alipay.marketing.cashlessvoucher.template.create`: create a cashless voucher template;
            /// `out_biz_no` makes it idempotent.
            #[pyo3(signature = (
                *, out_biz_no, voucher_type, brand_name, amount, publish_start_time, publish_end_time,
                voucher_valid_period, voucher_quantity = None, total_amount = None, floor_amount = None,
                voucher_description = None, voucher_available_time = None, rule_conf = None,
                extension_info = None, notify_uri = None, timeout = None,
                retry = crate::config::RetryArg::NotGiven, app_auth_token = None
            ))]
            #[allow(clippy::too_many_arguments)]
            fn create_template(
                &self,
                py: Python<'_>,
                out_biz_no: String,
                voucher_type: String,
                brand_name: String,
                amount: Bound<'_, PyAny>,
                publish_start_time: String,
                publish_end_time: String,
                voucher_valid_period: Bound<'_, PyAny>,
                voucher_quantity: Option<Bound<'_, PyAny>>,
                total_amount: Option<Bound<'_, PyAny>>,
                floor_amount: Option<Bound<'_, PyAny>>,
                voucher_description: Option<Bound<'_, PyAny>>,
                voucher_available_time: Option<Bound<'_, PyAny>>,
                rule_conf: Option<Bound<'_, PyAny>>,
                extension_info: Option<Bound<'_, PyAny>>,
                notify_uri: Option<String>,
                timeout: Option<f64>,
                retry: crate::config::RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = crate::companion::TemplateCreateArgs {
                    out_biz_no,
                    voucher_type,
                    brand_name,
                    amount,
                    publish_start_time,
                    publish_end_time,
                    voucher_valid_period,
                    voucher_quantity,
                    total_amount,
                    floor_amount,
                    voucher_description,
                    voucher_available_time,
                    rule_conf,
                    extension_info,
                    notify_uri,
                }
                .into_request(py)?;
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// `koubei.marketing.tool.points.query`: available, frozen and accumulated points of a stamp-card
            /// account.
            #[pyo3(signature = (
                *, activity_account, user_id, timeout = None, retry = crate::config::RetryArg::NotGiven, app_auth_token = None
            ))]
            fn query_points(
                &self,
                py: Python<'_>,
                activity_account: String,
                user_id: String,
                timeout: Option<f64>,
                retry: crate::config::RetryArg,
                app_auth_token: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let request = alipay_marketing::api::points_query::PointsQueryRequest::new(
                    activity_account,
                    user_id,
                );
                crate::companion::call::<$mode, _>(py, self.core.get(py)?, request, timeout, &retry, app_auth_token)
            }

            /// The campaign preflight: reads the template and raises `ValidationError` (naming `template_id` or
            /// `quantity`) unless `quantity` vouchers can be sent from it now; returns the `TemplateDetail`.
            #[pyo3(signature = (template_id, quantity))]
            fn check_template(
                &self,
                py: Python<'_>,
                template_id: String,
                quantity: Bound<'_, PyAny>,
            ) -> PyResult<Py<PyAny>> {
                let quantity = crate::companion::whole_number(py, "quantity", &quantity)?;
                let client = self.core.get(py)?;
                <$mode>::run_call(
                    py,
                    alipay_marketing::api::template::TemplateDetailQueryRequest::METHOD,
                    None,
                    async move { client.check_template(&template_id, quantity).await },
                )
            }
        });
    };
}

pub(crate) use with_companion_methods;

/// One typed call with the per-call `timeout`, `retry` and `app_auth_token`, run in the client's mode.
pub fn call<M: Mode, R>(
    py: Python<'_>,
    client: alipay_marketing::Client,
    request: R,
    timeout: Option<f64>,
    retry: &RetryArg,
    app_auth_token: Option<String>,
) -> PyResult<Py<PyAny>>
where
    R: ApiRequest + 'static,
    R::Response: ToPython,
{
    let options = call_options(py, timeout, retry, app_auth_token)?;
    let (method, key) = (
        request.method().to_owned(),
        request.idempotency_key().map(str::to_owned),
    );
    M::run_call(py, &method, key.as_deref(), async move {
        client.call(&request, &options).await
    })
}

/// The list query for the keywords as given (none, one or both users: the core says which is wrong).
pub fn list_request(
    template_id: String,
    user_id: Option<String>,
    open_id: Option<String>,
) -> VoucherListQueryRequest {
    let mut request = VoucherListQueryRequest::for_user_id(template_id, String::new());
    request.user_id = user_id;
    request.open_id = open_id;
    request
}

/// A whole number for an unsigned field. Negative numbers and numbers beyond 64 bits cannot reach the core's
/// field, so they are refused here, naming the field.
pub fn whole_number(py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{field} must be an int (a whole number), not {}",
            value.get_type().name()?
        )));
    }
    if value.lt(0)? {
        return Err(invalid_argument(
            py,
            field,
            "is negative; give a whole number greater than 0",
        ));
    }
    value.extract::<u64>().map_err(|_| {
        invalid_argument(
            py,
            field,
            "is larger than 18446744073709551615; give a smaller whole number",
        )
    })
}

/// An amount in yuan: a `str` as is, a `decimal.Decimal` as its text; the core checks the format.
fn yuan_text(py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance(decimal_type(py)?)? {
        return value.str()?.extract();
    }
    value.extract::<String>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{field} must be a str like \"10.00\" or a decimal.Decimal"
        ))
    })
}

/// A list or tuple as compact JSON array text; a `str` is taken as JSON text already.
fn json_array_text(py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    if !value.is_instance_of::<PyList>() && !value.is_instance_of::<PyTuple>() {
        return Err(PyTypeError::new_err(format!(
            "{field} must be a list (or JSON array text), not {}",
            value.get_type().name()?
        )));
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("separators", (",", ":"))?;
    py.import("json")?
        .getattr("dumps")?
        .call((value,), Some(&kwargs))
        .map_err(|e| invalid_argument(py, field, &format!("cannot be written as JSON: {e}")))?
        .extract()
}

/// A dict (or JSON object text), for an optional object field.
fn json_object(
    py: Python<'_>,
    field: &str,
    value: Option<Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    value.map(|v| json_object_text(py, field, &v)).transpose()
}

/// Keywords of `create_template`.
pub struct TemplateCreateArgs<'py> {
    pub out_biz_no: String,
    pub voucher_type: String,
    pub brand_name: String,
    pub amount: Bound<'py, PyAny>,
    pub publish_start_time: String,
    pub publish_end_time: String,
    pub voucher_valid_period: Bound<'py, PyAny>,
    pub voucher_quantity: Option<Bound<'py, PyAny>>,
    pub total_amount: Option<Bound<'py, PyAny>>,
    pub floor_amount: Option<Bound<'py, PyAny>>,
    pub voucher_description: Option<Bound<'py, PyAny>>,
    pub voucher_available_time: Option<Bound<'py, PyAny>>,
    pub rule_conf: Option<Bound<'py, PyAny>>,
    pub extension_info: Option<Bound<'py, PyAny>>,
    pub notify_uri: Option<String>,
}

impl TemplateCreateArgs<'_> {
    pub fn into_request(self, py: Python<'_>) -> PyResult<TemplateCreateRequest> {
        // The two wire values the core's type has, in any case.
        let voucher_type = [
            CashlessVoucherType::CashlessFixVoucher,
            CashlessVoucherType::CashlessRandomVoucher,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(&self.voucher_type))
        .ok_or_else(|| {
            invalid_argument(
                py,
                "voucher_type",
                &format!(
                    "is {:?}; give CASHLESS_FIX_VOUCHER (a fixed amount, with voucher_quantity) or \
                     CASHLESS_RANDOM_VOUCHER (amounts chosen per send, with total_amount)",
                    self.voucher_type
                ),
            )
        })?;
        let amount = yuan_text(py, "amount", &self.amount)?;
        let mut request = TemplateCreateRequest::fixed(self.out_biz_no, self.brand_name, amount, 0)
            .publish_window(self.publish_start_time, self.publish_end_time);
        request.voucher_type = voucher_type;
        request.voucher_quantity = self
            .voucher_quantity
            .map(|q| whole_number(py, "voucher_quantity", &q))
            .transpose()?;
        request.total_amount = self
            .total_amount
            .map(|t| yuan_text(py, "total_amount", &t))
            .transpose()?;
        if let Some(floor) = self.floor_amount {
            request.floor_amount = yuan_text(py, "floor_amount", &floor)?;
        }
        request.voucher_valid_period =
            json_object(py, "voucher_valid_period", Some(self.voucher_valid_period))?
                .unwrap_or_default();
        if let Some(description) = self.voucher_description {
            request.voucher_description = json_array_text(py, "voucher_description", &description)?;
        }
        request.voucher_available_time = self
            .voucher_available_time
            .map(|t| json_array_text(py, "voucher_available_time", &t))
            .transpose()?;
        request.rule_conf = json_object(py, "rule_conf", self.rule_conf)?;
        request.extension_info = json_object(py, "extension_info", self.extension_info)?;
        request.notify_uri = self.notify_uri;
        Ok(request)
    }
}

fn repr_opt(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), quote)
}

fn repr_count(value: Option<u64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

/// Result of `query_voucher` (`alipay.marketing.voucher.query`). Amounts are yuan text and times Beijing time
/// `yyyy-MM-dd HH:mm:ss`, as the gateway sent them; `status` is the wire value (`"ENABLED"`, `"USED"`, …, or a
/// value this version does not know).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct VoucherDetail {
    #[pyo3(get)]
    voucher_id: String,
    #[pyo3(get)]
    template_id: Option<String>,
    #[pyo3(get)]
    name: Option<String>,
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    total_amount: Option<String>,
    #[pyo3(get)]
    available_amount: Option<String>,
    #[pyo3(get)]
    user_id: Option<String>,
    #[pyo3(get)]
    open_id: Option<String>,
    #[pyo3(get)]
    gmt_create: Option<String>,
    #[pyo3(get)]
    gmt_active: Option<String>,
    #[pyo3(get)]
    gmt_expired: Option<String>,
    #[pyo3(get)]
    total_count: Option<u64>,
    #[pyo3(get)]
    available_count: Option<u64>,
    #[pyo3(get)]
    used_count: Option<u64>,
    #[pyo3(get)]
    voucher_description: Option<String>,
    #[pyo3(get)]
    extend_info: Option<String>,
}

impl ToPython for CoreVoucherDetail {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = VoucherDetail {
            status: self.status.as_str().to_owned(),
            voucher_id: self.voucher_id,
            template_id: self.template_id,
            name: self.name,
            total_amount: self.total_amount,
            available_amount: self.available_amount,
            user_id: self.user_id,
            open_id: self.open_id,
            gmt_create: self.gmt_create,
            gmt_active: self.gmt_active,
            gmt_expired: self.gmt_expired,
            total_count: self.total_count,
            available_count: self.available_count,
            used_count: self.used_count,
            voucher_description: self.voucher_description,
            extend_info: self.extend_info,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl VoucherDetail {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("voucher_id", &self.voucher_id)?;
        d.set_item("template_id", &self.template_id)?;
        d.set_item("name", &self.name)?;
        d.set_item("status", &self.status)?;
        d.set_item("total_amount", &self.total_amount)?;
        d.set_item("available_amount", &self.available_amount)?;
        d.set_item("user_id", &self.user_id)?;
        d.set_item("open_id", &self.open_id)?;
        d.set_item("gmt_create", &self.gmt_create)?;
        d.set_item("gmt_active", &self.gmt_active)?;
        d.set_item("gmt_expired", &self.gmt_expired)?;
        d.set_item("total_count", self.total_count)?;
        d.set_item("available_count", self.available_count)?;
        d.set_item("used_count", self.used_count)?;
        d.set_item("voucher_description", &self.voucher_description)?;
        d.set_item("extend_info", &self.extend_info)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "VoucherDetail(voucher_id={}, template_id={}, status={}, total_amount={}, available_amount={}, \
             user_id={}, open_id={}, gmt_create={}, gmt_expired={})",
            quote(&self.voucher_id),
            repr_opt(self.template_id.as_deref()),
            quote(&self.status),
            repr_opt(self.total_amount.as_deref()),
            repr_opt(self.available_amount.as_deref()),
            repr_opt(self.user_id.as_deref().map(mask_user_id).as_deref()),
            repr_opt(self.open_id.as_deref().map(mask_user_id).as_deref()),
            repr_opt(self.gmt_create.as_deref()),
            repr_opt(self.gmt_expired.as_deref()),
        )
    }
}

/// One voucher of a `VoucherList`.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct VoucherLite {
    #[pyo3(get)]
    voucher_id: String,
    #[pyo3(get)]
    template_id: Option<String>,
    /// The wire value (`"ENABLED"`, `"DISABLED"`, or one this version does not know).
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    send_time: Option<String>,
}

impl VoucherLite {
    fn from_core(lite: CoreVoucherLite) -> Self {
        VoucherLite {
            status: lite.status.as_str().to_owned(),
            voucher_id: lite.voucher_id,
            template_id: lite.template_id,
            send_time: lite.send_time,
        }
    }
}

#[pymethods]
impl VoucherLite {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("voucher_id", &self.voucher_id)?;
        d.set_item("template_id", &self.template_id)?;
        d.set_item("status", &self.status)?;
        d.set_item("send_time", &self.send_time)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "VoucherLite(voucher_id={}, template_id={}, status={}, send_time={})",
            quote(&self.voucher_id),
            repr_opt(self.template_id.as_deref()),
            quote(&self.status),
            repr_opt(self.send_time.as_deref()),
        )
    }
}

/// Result of `list_vouchers` (`alipay.marketing.voucher.list.query`): the user's vouchers of the template.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct VoucherList {
    /// The vouchers, as the gateway listed them (possibly none).
    #[pyo3(get)]
    vouchers: Py<PyTuple>,
    ids: Vec<String>,
}

impl ToPython for CoreVoucherList {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ids = self.vouchers.iter().map(|v| v.voucher_id.clone()).collect();
        let items = self
            .vouchers
            .into_iter()
            .map(|v| Py::new(py, VoucherLite::from_core(v)))
            .collect::<PyResult<Vec<_>>>()?;
        let result = VoucherList {
            vouchers: PyTuple::new(py, items)?.unbind(),
            ids,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl VoucherList {
    /// Whether the list holds the voucher `voucher_id`.
    fn contains(&self, voucher_id: &str) -> bool {
        self.ids.iter().any(|id| id == voucher_id)
    }

    fn __len__(&self) -> usize {
        self.ids.len()
    }

    /// The attributes as a plain dict (`vouchers` as a list of dicts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let items = PyList::empty(py);
        for item in self.vouchers.bind(py).iter() {
            items.append(item.call_method0("to_dict")?)?;
        }
        let d = PyDict::new(py);
        d.set_item("vouchers", items)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(|id| quote(id)).collect();
        format!("VoucherList(voucher_ids=[{}])", ids.join(", "))
    }
}

/// Result of `query_template` and `check_template` (`alipay.marketing.voucher.templatedetail.query`). `status`
/// is the wire value (`"I"` draft, `"S"` published, `"D"` deleted, `"E"` expired, or one this version does not
/// know), `voucher_type` too; amounts are yuan text and times Beijing time, as sent.
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct TemplateDetail {
    #[pyo3(get)]
    template_id: String,
    #[pyo3(get)]
    voucher_name: Option<String>,
    #[pyo3(get)]
    voucher_type: Option<String>,
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    publish_start_time: Option<String>,
    #[pyo3(get)]
    publish_end_time: Option<String>,
    #[pyo3(get)]
    voucher_valid_period: Option<String>,
    #[pyo3(get)]
    voucher_quantity: Option<u64>,
    #[pyo3(get)]
    publish_count: Option<u64>,
    #[pyo3(get)]
    used_count: Option<u64>,
    #[pyo3(get)]
    amount: Option<String>,
    #[pyo3(get)]
    floor_amount: Option<String>,
    #[pyo3(get)]
    total_amount: Option<String>,
    #[pyo3(get)]
    publish_amount: Option<String>,
    #[pyo3(get)]
    used_amount: Option<String>,
    #[pyo3(get)]
    recycle_amount: Option<String>,
    #[pyo3(get)]
    voucher_description: Option<String>,
    /// Vouchers that can still be issued by count (`voucher_quantity − publish_count`); `None` without a count
    /// limit.
    #[pyo3(get)]
    remaining: Option<u64>,
}

impl ToPython for CoreTemplateDetail {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = TemplateDetail {
            remaining: self.remaining(),
            status: self.status.as_str().to_owned(),
            voucher_type: self.voucher_type.as_ref().map(|t| t.as_str().to_owned()),
            template_id: self.template_id,
            voucher_name: self.voucher_name,
            publish_start_time: self.publish_start_time,
            publish_end_time: self.publish_end_time,
            voucher_valid_period: self.voucher_valid_period,
            voucher_quantity: self.voucher_quantity,
            publish_count: self.publish_count,
            used_count: self.used_count,
            amount: self.amount,
            floor_amount: self.floor_amount,
            total_amount: self.total_amount,
            publish_amount: self.publish_amount,
            used_amount: self.used_amount,
            recycle_amount: self.recycle_amount,
            voucher_description: self.voucher_description,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl TemplateDetail {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("template_id", &self.template_id)?;
        d.set_item("voucher_name", &self.voucher_name)?;
        d.set_item("voucher_type", &self.voucher_type)?;
        d.set_item("status", &self.status)?;
        d.set_item("publish_start_time", &self.publish_start_time)?;
        d.set_item("publish_end_time", &self.publish_end_time)?;
        d.set_item("voucher_valid_period", &self.voucher_valid_period)?;
        d.set_item("voucher_quantity", self.voucher_quantity)?;
        d.set_item("publish_count", self.publish_count)?;
        d.set_item("used_count", self.used_count)?;
        d.set_item("amount", &self.amount)?;
        d.set_item("floor_amount", &self.floor_amount)?;
        d.set_item("total_amount", &self.total_amount)?;
        d.set_item("publish_amount", &self.publish_amount)?;
        d.set_item("used_amount", &self.used_amount)?;
        d.set_item("recycle_amount", &self.recycle_amount)?;
        d.set_item("voucher_description", &self.voucher_description)?;
        d.set_item("remaining", self.remaining)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "TemplateDetail(template_id={}, voucher_type={}, status={}, publish_start_time={}, \
             publish_end_time={}, voucher_quantity={}, publish_count={}, remaining={})",
            quote(&self.template_id),
            repr_opt(self.voucher_type.as_deref()),
            quote(&self.status),
            repr_opt(self.publish_start_time.as_deref()),
            repr_opt(self.publish_end_time.as_deref()),
            repr_count(self.voucher_quantity),
            repr_count(self.publish_count),
            repr_count(self.remaining),
        )
    }
}

/// Result of `create_template` (`alipay.marketing.cashlessvoucher.template.create`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct TemplateCreateResult {
    /// The new template's id (on a replay of the same `out_biz_no`, the one created before).
    #[pyo3(get)]
    template_id: String,
}

impl ToPython for TemplateCreateResponse {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = TemplateCreateResult {
            template_id: self.template_id,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl TemplateCreateResult {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("template_id", &self.template_id)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "TemplateCreateResult(template_id={})",
            quote(&self.template_id)
        )
    }
}

/// Result of `query_points` (`koubei.marketing.tool.points.query`).
#[pyclass(frozen, module = "alipay_marketing._native")]
pub struct PointsBalance {
    /// Points that can be frozen or consumed.
    #[pyo3(get)]
    available_points: u64,
    /// Points held by open freezes (the gateway spells the field `freezed_points`).
    #[pyo3(get)]
    freezed_points: u64,
    /// Accumulated points, as the gateway reports them.
    #[pyo3(get)]
    total_points: u64,
}

impl ToPython for CorePointsBalance {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let result = PointsBalance {
            available_points: self.available_points,
            freezed_points: self.freezed_points,
            total_points: self.total_points,
        };
        Ok(Py::new(py, result)?.into_any())
    }
}

#[pymethods]
impl PointsBalance {
    /// The attributes as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("available_points", self.available_points)?;
        d.set_item("freezed_points", self.freezed_points)?;
        d.set_item("total_points", self.total_points)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "PointsBalance(available_points={}, freezed_points={}, total_points={})",
            self.available_points, self.freezed_points, self.total_points
        )
    }
}
