//! The gateway's checks, in its order, from the merged parameters to an authenticated call (or the refusal to
//! answer): common parameters, app, format, timestamp window, version, sign type, signature, encryption,
//! `biz_content`.

use std::time::SystemTime;

use alipay_marketing::SignType;
use alipay_marketing::sign::{parse_beijing_timestamp, sign_content};

use crate::envelope::GatewayError;
use crate::gateway::Shared;
use crate::method::Method;
use crate::request::Params;
use crate::rules::BizParams;

/// An authenticated call, ready for faults and rules.
pub(crate) struct Checked {
    pub(crate) method: Method,
    pub(crate) app_id: String,
    pub(crate) sign_type: SignType,
    pub(crate) biz: BizParams,
}

/// Why a call stopped before the business rules, and under which node the answer goes.
pub(crate) struct Refusal {
    pub(crate) error: GatewayError,
    pub(crate) method: Option<Method>,
    pub(crate) sign_type: SignType,
}

/// The gateway checks, in order.
pub(crate) fn check(shared: &Shared, p: &Params, now: SystemTime) -> Result<Checked, Refusal> {
    let refuse = |method: Option<Method>, code, sub_code, sub_msg: String| Refusal {
        error: GatewayError::new(code, sub_code, sub_msg),
        method,
        sign_type: p
            .get("sign_type")
            .and_then(|s| s.parse().ok())
            .unwrap_or(SignType::Rsa2),
    };
    let Some(method_text) = p.get("method") else {
        return Err(refuse(
            None,
            "40001",
            "isv.missing-method",
            "缺少方法名参数: the method parameter is missing".into(),
        ));
    };
    let Ok(method) = method_text.parse::<Method>() else {
        return Err(refuse(
            None,
            "40002",
            "isv.invalid-method",
            format!(
                "不存在的方法名: method {method_text:?} does not exist; the sandbox serves {}",
                Method::ALL.map(Method::as_str).join(", ")
            ),
        ));
    };
    let m = Some(method);
    let Some(app_id) = p.get("app_id") else {
        return Err(refuse(
            m,
            "40001",
            "isv.missing-app-id",
            "缺少AppID参数: the app_id parameter is missing".into(),
        ));
    };
    let Some(app) = shared.apps.get(app_id) else {
        return Err(refuse(
            m,
            "40002",
            "isv.invalid-app-id",
            format!("无效的AppID参数: app_id {app_id} is not registered in the sandbox's scenario"),
        ));
    };
    if let Some(format) = p.get("format") {
        if !format.eq_ignore_ascii_case("json") {
            return Err(refuse(
                m,
                "40002",
                "isv.invalid-format",
                format!("无效的数据格式: format {format:?}; use json"),
            ));
        }
    }
    let Some(timestamp) = p.get("timestamp") else {
        return Err(refuse(
            m,
            "40001",
            "isv.missing-timestamp",
            "缺少时间戳参数: the timestamp parameter is missing".into(),
        ));
    };
    match parse_beijing_timestamp(timestamp) {
        None => {
            return Err(refuse(
                m,
                "40002",
                "isv.invalid-timestamp",
                format!(
                    "非法的时间戳参数: timestamp {timestamp:?} is not \"yyyy-MM-dd HH:mm:ss\" (Beijing time)"
                ),
            ));
        }
        Some(at) => {
            let skew = match at.duration_since(now) {
                Ok(ahead) => ahead,
                Err(behind) => behind.duration(),
            };
            if skew > shared.timestamp_window {
                return Err(refuse(
                    m,
                    "40002",
                    "isv.invalid-timestamp",
                    format!(
                        "非法的时间戳参数: timestamp {timestamp} is {} s away from the gateway's Beijing time {}; \
                         the window is ±{} s (is the clock or the time zone wrong? timestamps are Beijing time, UTC+8)",
                        skew.as_secs(),
                        alipay_marketing::sign::beijing_timestamp(now),
                        shared.timestamp_window.as_secs()
                    ),
                ));
            }
        }
    }
    let Some(version) = p.get("version") else {
        return Err(refuse(
            m,
            "40001",
            "isv.missing-version",
            "缺少版本参数: the version parameter is missing".into(),
        ));
    };
    if version != "1.0" {
        return Err(refuse(
            m,
            "40002",
            "isv.invalid-parameter",
            format!("version {version:?} is not supported; use 1.0"),
        ));
    }
    let Some(sign_type_text) = p.get("sign_type") else {
        return Err(refuse(
            m,
            "40001",
            "isv.missing-signature-type",
            "缺少签名类型参数: sign_type is missing".into(),
        ));
    };
    let sign_type = match sign_type_text {
        "RSA2" => SignType::Rsa2,
        "RSA" => SignType::Rsa,
        other => {
            return Err(Refusal {
                error: GatewayError::new(
                    "40002",
                    "isv.invalid-signature-type",
                    format!("无效的签名类型: sign_type {other:?}; use RSA2 or RSA"),
                ),
                method: m,
                sign_type: app.sign_type,
            });
        }
    };
    let Some(sign) = p.get("sign") else {
        return Err(refuse(
            m,
            "40001",
            "isv.missing-signature",
            "缺少签名参数: the sign parameter is missing".into(),
        ));
    };
    let content = sign_content(p.unique());
    let bytes = encode(p, &content);
    if !app.public_key.verify(sign_type, &bytes, sign) {
        return Err(refuse(
            m,
            "40002",
            "isv.invalid-signature",
            invalid_signature_message(&content),
        ));
    }
    if let Some(encrypt_type) = p.get("encrypt_type") {
        return Err(refuse(
            m,
            "40002",
            "isv.invalid-encrypt-type",
            format!(
                "encrypt_type {encrypt_type:?}: the sandbox has no content-encryption key for this app; send plain biz_content"
            ),
        ));
    }
    let biz = BizParams::parse(p.get("biz_content"))
        .map_err(|e| refuse(m, "40002", "isv.invalid-parameter", e))?;
    Ok(Checked {
        method,
        app_id: app_id.to_owned(),
        sign_type,
        biz,
    })
}

/// The sign content's bytes in the request charset (what the client signed).
fn encode<'a>(p: &Params, content: &'a str) -> std::borrow::Cow<'a, [u8]> {
    if p.charset == encoding_rs::UTF_8 {
        return std::borrow::Cow::Borrowed(content.as_bytes());
    }
    let (bytes, _, _) = p.charset.encode(content);
    std::borrow::Cow::Owned(bytes.into_owned())
}

/// The gateway's wording, with the string it verified echoed so clients can diff it. Like the real gateway, `&`
/// is written as `&amp;`.
pub(crate) fn invalid_signature_message(content: &str) -> String {
    format!(
        "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{}",
        content.replace('&', "&amp;")
    )
}
