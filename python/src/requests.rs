//! Method keywords → the core's typed requests, and the dry run (`prepare`) of any method. Only shapes are
//! converted here; every rule is checked by the core when the request is prepared, before anything is sent.

use alipay_marketing::CallOptions;
use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyMapping, PyString};

use crate::config::RetryArg;
use crate::errors::{invalid_argument, to_py_err};
use crate::results::Outcome;

/// A `str` keyword of a call: its text, or why it is not text. Extracting never fails, so that the field can be
/// named ([`Text::into_string`]): a lone surrogate is a `ValidationError`, another type a `TypeError` ("out_biz_no
/// must be a str, not int"), where pyo3 would say only "'int' object is not an instance of 'str'" or raise a bare
/// `UnicodeEncodeError`.
pub struct Text(Result<String, NotText>);

/// Why a keyword's value is not usable text.
enum NotText {
    /// A `str` with a lone surrogate at this position.
    Surrogate(usize),
    /// Not a `str`: the type's name.
    WrongType(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let Ok(text) = value.cast::<PyString>() else {
            return Ok(Text(Err(NotText::WrongType(
                value.get_type().name()?.to_string(),
            ))));
        };
        Ok(Text(match text.to_cow() {
            Ok(cow) => Ok(cow.into_owned()),
            Err(_) => Err(NotText::Surrogate(surrogate_position(&text))),
        }))
    }
}

impl Text {
    /// The text, or the error naming `field`.
    pub fn into_string(self, py: Python<'_>, field: &str) -> PyResult<String> {
        self.0.map_err(|why| match why {
            NotText::Surrogate(position) => surrogate_error(py, field, position),
            NotText::WrongType(name) => {
                PyTypeError::new_err(format!("{field} must be a str, not {name}"))
            }
        })
    }

    /// [`Text::into_string`] of an optional keyword.
    pub fn optional(py: Python<'_>, field: &str, text: Option<Text>) -> PyResult<Option<String>> {
        text.map(|t| t.into_string(py, field)).transpose()
    }
}

fn surrogate_position(text: &Bound<'_, PyString>) -> usize {
    text.to_string_lossy()
        .chars()
        .position(|c| c == char::REPLACEMENT_CHARACTER)
        .unwrap_or(0)
}

fn surrogate_error(py: Python<'_>, field: &str, position: usize) -> PyErr {
    invalid_argument(
        py,
        field,
        &format!(
            "holds a lone surrogate (a half of a UTF-16 pair) at position {position}, which is not text and \
             cannot be sent; fix how the value was decoded"
        ),
    )
}

/// The request fields of one typed call, each declared once: `with_invite_keywords!(then!(args))` passes `args`
/// and then the list to `then!` (after any lists already gathered, so that the `with_*_keywords!` macros chain).
/// Each entry is `name: type` or `name: type = default`. The argument struct, `prepare`'s reading of the
/// fields, and the call and settle methods of both clients are generated from these lists.
macro_rules! with_invite_keywords {
    ($then:ident!($($args:tt)*) $($lists:tt)*) => {
        $then! { $($args)* $($lists)* [
            mobile: Option<$crate::requests::Text> = None,
            user_id: Option<$crate::requests::Text> = None,
            out_biz_no: Option<$crate::requests::Text> = None,
            out_biz_code: Option<$crate::requests::Text> = None,
        ] }
    };
}
pub(crate) use with_invite_keywords;

/// The request fields of `send_voucher` (see [`with_invite_keywords`]).
macro_rules! with_voucher_keywords {
    ($then:ident!($($args:tt)*) $($lists:tt)*) => {
        $then! { $($args)* $($lists)* [
            template_id: $crate::requests::Text,
            out_biz_no: $crate::requests::Text,
            user_id: Option<$crate::requests::Text> = None,
            login_id: Option<$crate::requests::Text> = None,
            taobao_nick: Option<$crate::requests::Text> = None,
            open_id: Option<$crate::requests::Text> = None,
            amount: Option<Bound<'py, PyAny>> = None,
            memo: Option<$crate::requests::Text> = None,
            extend_info: Option<Bound<'py, PyAny>> = None,
            alipay_mini_app_token: Option<$crate::requests::Text> = None,
        ] }
    };
}
pub(crate) use with_voucher_keywords;

/// The request fields of `update_points` (see [`with_invite_keywords`]).
macro_rules! with_points_keywords {
    ($then:ident!($($args:tt)*) $($lists:tt)*) => {
        $then! { $($args)* $($lists)* [
            req_id: $crate::requests::Text,
            user_id: $crate::requests::Text,
            activity_account: $crate::requests::Text,
            trans_type: Bound<'py, PyAny>,
            trans_amount: Bound<'py, PyAny>,
            biz_no: Option<$crate::requests::Text> = None,
            shop_id: Option<$crate::requests::Text> = None,
            memo: Option<$crate::requests::Text> = None,
            ext_info: Option<$crate::requests::Text> = None,
        ] }
    };
}
pub(crate) use with_points_keywords;

/// The argument struct of a keyword list, and its reading from `prepare`'s keywords.
macro_rules! keyword_struct {
    (
        $(#[$meta:meta])* pub struct $name:ident $(<$lt:lifetime>)?
        [$($field:ident : $ty:ty $(= $default:tt)?),* $(,)?]
    ) => {
        $(#[$meta])*
        pub struct $name $(<$lt>)? {
            $(pub $field: $ty,)*
        }

        impl<'py> $name $(<$lt>)? {
            /// Takes the fields out of `prepare`'s keywords, as the call's parameters would read them.
            pub fn from_fields(fields: &Fields<'py>) -> PyResult<Self> {
                Ok($name {
                    $($field: FromField::from_field(fields, stringify!($field))?,)*
                })
            }
        }
    };
}

with_invite_keywords!(keyword_struct!(
    /// Keywords of `receive_invite_award`.
    pub struct InviteArgs
));

with_voucher_keywords!(keyword_struct!(
    /// Keywords of `send_voucher`.
    pub struct VoucherArgs<'py>
));

with_points_keywords!(keyword_struct!(
    /// Keywords of `update_points`.
    pub struct PointsArgs<'py>
));

impl InviteArgs {
    pub fn into_request(self, py: Python<'_>) -> PyResult<InviteAwardRequest> {
        let mut request = InviteAwardRequest::new();
        request.mobile = Text::optional(py, "mobile", self.mobile)?;
        request.user_id = Text::optional(py, "user_id", self.user_id)?;
        request.out_biz_no = Text::optional(py, "out_biz_no", self.out_biz_no)?;
        request.out_biz_code = Text::optional(py, "out_biz_code", self.out_biz_code)?;
        Ok(request)
    }
}

impl VoucherArgs<'_> {
    pub fn into_request(self, py: Python<'_>) -> PyResult<VoucherSendRequest> {
        let mut request = VoucherSendRequest::new(
            self.template_id.into_string(py, "template_id")?,
            self.out_biz_no.into_string(py, "out_biz_no")?,
        );
        request.user_id = Text::optional(py, "user_id", self.user_id)?;
        request.login_id = Text::optional(py, "login_id", self.login_id)?;
        request.taobao_nick = Text::optional(py, "taobao_nick", self.taobao_nick)?;
        request.open_id = Text::optional(py, "open_id", self.open_id)?;
        request.memo = Text::optional(py, "memo", self.memo)?;
        // A decimal.Decimal is taken as its text ("10.00"); the core checks the format.
        request.amount = match self.amount {
            None => None,
            Some(amount) if amount.is_instance(decimal_type(py)?)? => {
                Some(amount.str()?.extract()?)
            }
            Some(amount) => Some(amount.extract::<String>().map_err(|_| {
                PyTypeError::new_err("amount must be a str like \"10.00\" or a decimal.Decimal")
            })?),
        };
        request.extend_info = match self.extend_info {
            None => None,
            Some(info) => Some(json_object_text(py, "extend_info", &info)?),
        };
        if let Some(token) =
            Text::optional(py, "alipay_mini_app_token", self.alipay_mini_app_token)?
        {
            if request.extend_info.is_some() {
                return Err(invalid_argument(
                    py,
                    "extend_info",
                    "give extend_info or alipay_mini_app_token, not both",
                ));
            }
            request = request.alipay_mini_app_token(token);
        }
        Ok(request)
    }
}

impl PointsArgs<'_> {
    pub fn into_request(self, py: Python<'_>) -> PyResult<PointsUpdateRequest> {
        // The TransType enum is a str subclass, so both it and a plain string read as text here.
        let trans_type: TransType = self
            .trans_type
            .extract::<String>()
            .map_err(|_| {
                PyTypeError::new_err("trans_type must be a TransType or a str like \"DEPOSIT\"")
            })?
            .parse()
            .map_err(|e| to_py_err(py, &e))?;
        let trans_amount = points_amount(py, &self.trans_amount)?;
        let mut request = PointsUpdateRequest::new(
            self.req_id.into_string(py, "req_id")?,
            self.user_id.into_string(py, "user_id")?,
            self.activity_account.into_string(py, "activity_account")?,
            trans_type,
            trans_amount,
        );
        request.biz_no = Text::optional(py, "biz_no", self.biz_no)?;
        request.shop_id = Text::optional(py, "shop_id", self.shop_id)?;
        request.memo = Text::optional(py, "memo", self.memo)?;
        request.ext_info = Text::optional(py, "ext_info", self.ext_info)?;
        Ok(request)
    }
}

/// A whole number of points; any Python int is judged by the core's range rule, with its real value.
fn points_amount(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "trans_amount must be an int (a whole number of points), not {}",
            value.get_type().name()?
        )));
    }
    alipay_marketing::api::points::trans_amount_from_decimal(&value.str()?.to_cow()?)
        .map_err(|e| to_py_err(py, &e))
}

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    DECIMAL
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("decimal")?.getattr("Decimal")?.unbind())
        })
        .map(|d| d.bind(py))
}

/// A mapping as compact JSON text (non-ASCII kept, as the core writes its own biz_content); a `str` is taken as
/// JSON text already.
pub fn json_object_text(py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return text_of(field, text);
    }
    if !value.is_instance_of::<PyDict>() && value.cast::<PyMapping>().is_err() {
        return Err(PyTypeError::new_err(format!(
            "{field} must be a dict (or JSON object text), not {}",
            value.get_type().name()?
        )));
    }
    let dumps = DUMPS.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("json")?.getattr("dumps")?.unbind())
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("separators", (",", ":"))?;
    kwargs.set_item("default", wrap_pyfunction!(json_default, py)?)?;
    let text = dumps
        .bind(py)
        .call((value,), Some(&kwargs))
        .map_err(|e| invalid_argument(py, field, &format!("cannot be written as JSON: {e}")))?;
    text_of(field, text.cast::<PyString>()?)
}

/// `json.dumps`'s `default` for `execute`'s `biz_content`: a `Decimal` is written as its text (as amounts are
/// sent); any other value JSON has no type for (bytes, sets, objects) is refused rather than stringified.
#[pyfunction]
fn json_default(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance(decimal_type(py)?)? {
        return Ok(value.str()?.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "a {} value has no JSON form; give str, int, float, bool, None, decimal.Decimal, list or dict values",
        value.get_type().name()?
    )))
}

/// Per-call options from the `timeout` (seconds), `retry` and `app_auth_token` keywords. A bad token raises the
/// core's `InvalidRequestError` (field `app_auth_token`) before anything is signed.
pub fn call_options(
    py: Python<'_>,
    timeout: Option<f64>,
    retry: &RetryArg,
    app_auth_token: Option<String>,
) -> PyResult<CallOptions> {
    let mut options = CallOptions::default();
    if let Some(t) = timeout {
        let duration = alipay_marketing::limits::seconds("timeout", t)
            .and_then(alipay_marketing::limits::check_call_timeout)
            .map_err(|e| {
                invalid_argument(py, "timeout", e.message().trim_start_matches("timeout: "))
            })?;
        options = CallOptions::with_timeout(duration);
    }
    if let Some(policy) = retry.policy(py)? {
        options = options.retry(policy);
    }
    if let Some(token) = app_auth_token {
        options = options.app_auth_token(token);
        options.validate().map_err(|e| to_py_err(py, &e))?;
    }
    Ok(options)
}

/// A `str` argument, or a `TypeError` naming it (pyo3's own says only "'int' object is not an instance of
/// 'str'" for values taken out of `**fields`).
pub fn text_argument(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(text) => text_of(name, text),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a str, not {}",
            value.get_type().name()?
        ))),
    }
}

/// The UTF-8 text of a `str`, or a `ValidationError` naming the field when it holds a lone surrogate (which no
/// charset can send), instead of a bare `UnicodeEncodeError`.
pub fn text_of(name: &str, text: &Bound<'_, PyString>) -> PyResult<String> {
    match text.to_cow() {
        Ok(cow) => Ok(cow.into_owned()),
        Err(_) => Err(surrogate_error(text.py(), name, surrogate_position(text))),
    }
}

/// The keywords given to `prepare` for one typed method, taken out by name; any left over is a `TypeError`.
pub struct Fields<'py> {
    method: String,
    fields: Bound<'py, PyDict>,
}

impl<'py> Fields<'py> {
    pub fn new(
        method: &str,
        fields: Option<&Bound<'py, PyDict>>,
        py: Python<'py>,
    ) -> PyResult<Self> {
        Ok(Fields {
            method: method.to_owned(),
            fields: match fields {
                Some(f) => f.copy()?,
                None => PyDict::new(py),
            },
        })
    }

    pub fn take(&self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let value = self.fields.get_item(name)?;
        if value.is_some() {
            self.fields.del_item(name)?;
        }
        Ok(value.filter(|v| !v.is_none()))
    }

    pub fn text(&self, name: &str) -> PyResult<Option<Text>> {
        self.take(name)?
            .map(|v| text_argument(name, &v).map(|t| Text(Ok(t))))
            .transpose()
    }

    pub fn required_text(&self, name: &str) -> PyResult<Text> {
        self.text(name)?.ok_or_else(|| {
            PyTypeError::new_err(format!(
                "prepare({:?}) is missing the keyword argument {name:?}",
                self.method
            ))
        })
    }

    pub fn required(&self, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.take(name)?.ok_or_else(|| {
            PyTypeError::new_err(format!(
                "prepare({:?}) is missing the keyword argument {name:?}",
                self.method
            ))
        })
    }

    /// Fails on keywords the method does not have.
    pub fn finish(self) -> PyResult<()> {
        if self.fields.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.fields.keys().extract()?;
        Err(PyTypeError::new_err(format!(
            "prepare({:?}) got unexpected keyword arguments: {}",
            self.method,
            names.join(", ")
        )))
    }
}

/// A field `prepare` takes out of its keywords by name, read as the typed call's parameter of its type is.
pub trait FromField<'py>: Sized {
    fn from_field(fields: &Fields<'py>, name: &str) -> PyResult<Self>;
}

impl<'py> FromField<'py> for Text {
    fn from_field(fields: &Fields<'py>, name: &str) -> PyResult<Self> {
        fields.required_text(name)
    }
}

impl<'py> FromField<'py> for Option<Text> {
    fn from_field(fields: &Fields<'py>, name: &str) -> PyResult<Self> {
        fields.text(name)
    }
}

impl<'py> FromField<'py> for Bound<'py, PyAny> {
    fn from_field(fields: &Fields<'py>, name: &str) -> PyResult<Self> {
        fields.required(name)
    }
}

impl<'py> FromField<'py> for Option<Bound<'py, PyAny>> {
    fn from_field(fields: &Fields<'py>, name: &str) -> PyResult<Self> {
        fields.take(name)
    }
}

/// The dry run for any method: the three typed ones take their fields as keywords, others a `biz_content` dict.
pub fn prepare_any(
    py: Python<'_>,
    client: &alipay_marketing::Client,
    method: &str,
    biz_content: Option<&Bound<'_, PyAny>>,
    app_auth_token: Option<String>,
    fields: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let options = call_options(py, None, &RetryArg::NotGiven, app_auth_token)?;
    let typed = [
        InviteAwardRequest::METHOD,
        VoucherSendRequest::METHOD,
        PointsUpdateRequest::METHOD,
    ]
    .contains(&method);
    if typed && biz_content.is_some_and(|b| !b.is_none()) {
        return Err(PyTypeError::new_err(format!(
            "prepare({method:?}) takes the request fields as keyword arguments, not biz_content"
        )));
    }
    let f = Fields::new(method, fields, py)?;
    let prepared = match method {
        InviteAwardRequest::METHOD => {
            let request = InviteArgs::from_fields(&f)?.into_request(py)?;
            f.finish()?;
            client.prepare_with(&request, &options)
        }
        VoucherSendRequest::METHOD => {
            let request = VoucherArgs::from_fields(&f)?;
            f.finish()?;
            client.prepare_with(&request.into_request(py)?, &options)
        }
        PointsUpdateRequest::METHOD => {
            let request = PointsArgs::from_fields(&f)?;
            f.finish()?;
            client.prepare_with(&request.into_request(py)?, &options)
        }
        _ => {
            f.finish()?;
            let biz = biz_text(py, biz_content)?;
            client.prepare_execute_with(method, &biz, &options)
        }
    };
    Ok(Outcome(prepared).into_pyobject(py)?.unbind())
}

/// `biz_content` of `execute`: a dict as JSON text; `None` sends none.
pub fn biz_text(py: Python<'_>, biz_content: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    match biz_content {
        Some(b) if !b.is_none() => {
            if b.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(
                    "biz_content must be a dict; it is written as JSON for you",
                ));
            }
            json_object_text(py, "biz_content", b)
        }
        _ => Ok(String::new()),
    }
}
