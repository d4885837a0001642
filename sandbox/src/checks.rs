//! The gateway's checks, in its order, from the merged parameters to an authenticated call (or the refusal to
//! answer): common parameters, app, format, timestamp window, version, sign type, certificate SNs, signature,
//! decryption, `biz_content`.

use std::sync::Arc;
use std::time::SystemTime;

use alipay_marketing::SignType;
use alipay_marketing::sign::{parse_beijing_timestamp, sign_content};

use crate::envelope::{AnswerFormat, GatewayError};
use crate::gateway::Shared;
use crate::method::Method;
use crate::pki::Pki;
use crate::request::Params;
use crate::rules::BizParams;

/// The method that downloads an Alipay certificate by its SN (certificate mode, docs/protocol.md §4.2).
pub const CERT_DOWNLOAD_METHOD: &str = "alipay.open.app.alipaycert.download";

/// What a call asks for: a business method, or the certificate download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Business(Method),
    CertDownload,
}

impl Endpoint {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Endpoint::Business(m) => m.as_str(),
            Endpoint::CertDownload => CERT_DOWNLOAD_METHOD,
        }
    }

    /// The response node.
    pub(crate) fn node(self) -> &'static str {
        match self {
            Endpoint::Business(m) => m.response_node(),
            Endpoint::CertDownload => "alipay_open_app_alipaycert_download_response",
        }
    }
}

/// An authenticated call, ready for faults and rules.
pub(crate) struct Checked {
    pub(crate) endpoint: Endpoint,
    pub(crate) app_id: String,
    /// The merchant the call was made for (ISV mode), when the request carried a non-blank `app_auth_token`.
    pub(crate) app_auth_token: Option<String>,
    pub(crate) biz: BizParams,
    /// How to answer: charset, AES when the request was encrypted, the certificate in certificate mode.
    pub(crate) answer_format: AnswerFormat,
}

/// Why a call stopped before the business rules, under which node the answer goes, and how it is written.
pub(crate) struct Refusal {
    pub(crate) error: GatewayError,
    pub(crate) node: &'static str,
    pub(crate) answer_format: AnswerFormat,
}

/// The gateway checks, in order.
pub(crate) fn check(shared: &Shared, p: &Params, now: SystemTime) -> Result<Checked, Refusal> {
    // A request that carries app_cert_sn is in certificate mode: every answer names and is signed by the current
    // Alipay certificate (when the certificates cannot be made, the answer below says so).
    let pki: Option<Result<Arc<Pki>, String>> = p
        .get("app_cert_sn")
        .map(|_| shared.pki().map_err(|e| e.message().to_owned()));
    let mut answer_format = AnswerFormat {
        sign_type: p
            .get("sign_type")
            .and_then(|s| s.parse().ok())
            .unwrap_or(SignType::Rsa2),
        charset: p.charset,
        aes: None,
        cert: pki
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|pki| pki.current().clone()),
    };
    let refuse_in =
        |answer_format: &AnswerFormat, node: &'static str, code, sub_code, sub_msg: String| {
            Refusal {
                error: GatewayError::new(code, sub_code, sub_msg),
                node,
                answer_format: answer_format.clone(),
            }
        };
    let refuse = |endpoint: Option<Endpoint>, code, sub_code, sub_msg: String| {
        refuse_in(
            &answer_format,
            endpoint.map_or("error_response", Endpoint::node),
            code,
            sub_code,
            sub_msg,
        )
    };
    let Some(method_text) = p.get("method") else {
        return Err(refuse(
            None,
            "40001",
            "isv.missing-method",
            "缺少方法名参数: the method parameter is missing".into(),
        ));
    };
    let endpoint = match method_text.parse::<Method>() {
        Ok(method) => Endpoint::Business(method),
        Err(_) if method_text == CERT_DOWNLOAD_METHOD => Endpoint::CertDownload,
        Err(_) => {
            return Err(refuse(
                None,
                "40002",
                "isv.invalid-method",
                format!(
                    "不存在的方法名: method {method_text:?} does not exist; the sandbox serves {} and {CERT_DOWNLOAD_METHOD}",
                    Method::ALL.map(Method::as_str).join(", ")
                ),
            ));
        }
    };
    let m = Some(endpoint);
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
                node: endpoint.node(),
                answer_format: AnswerFormat {
                    sign_type: app.sign_type,
                    ..answer_format.clone()
                },
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
    match (p.get("app_cert_sn"), pki) {
        (None, _) if app.cert_mode => {
            return Err(refuse(
                m,
                "40001",
                "isv.missing-app-cert-sn",
                format!(
                    "缺少应用公钥证书序列号: app {app_id} uses certificate mode; send app_cert_sn and \
                     alipay_root_cert_sn (configure the app certificate, the Alipay certificate and the root bundle)"
                ),
            ));
        }
        (None, _) | (_, None) => {}
        (Some(_), Some(Err(e))) => {
            return Err(refuse(
                m,
                "20000",
                "isp.unknow-error",
                format!("the sandbox could not make its certificates: {e}"),
            ));
        }
        (Some(sent), Some(Ok(pki))) => {
            check_cert_sns(&pki, app_id, sent, p.get("alipay_root_cert_sn"))
                .map_err(|(code, sub_code, sub_msg)| refuse(m, code, sub_code, sub_msg))?
        }
    }
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
    answer_format.sign_type = sign_type;
    // Decrypt after the signature check, which covers the ciphertext (encrypt, then sign: docs/protocol.md §5).
    let mut biz_content = p.get("biz_content").map(str::to_owned);
    if let Some(encrypt_type) = p.get("encrypt_type") {
        if encrypt_type != "AES" {
            return Err(refuse_in(
                &answer_format,
                endpoint.node(),
                "40002",
                "isv.invalid-encrypt-type",
                format!("无效的加密类型: encrypt_type {encrypt_type:?}; the gateway supports AES"),
            ));
        }
        let Some(aes) = app.aes_key.clone() else {
            return Err(refuse_in(
                &answer_format,
                endpoint.node(),
                "40002",
                "isv.decryption-error-not-valid-encrypt-key",
                format!(
                    "解密出错，未配置加密密钥或加密密钥格式错误: app {app_id} has no AES key (aes_key in the \
                     sandbox's scenario); send plain biz_content"
                ),
            ));
        };
        if let Some(ciphertext) = &biz_content {
            let plain = aes
                .decrypt(ciphertext)
                .ok()
                .and_then(|bytes| {
                    p.charset
                        .decode_without_bom_handling_and_without_replacement(&bytes)
                        .map(|text| text.into_owned())
                })
                .filter(|text| serde_json::from_str::<serde_json::Value>(text).is_ok());
            // The gateway's own decryption error is a plain object node, signed (docs/protocol.md §5).
            let Some(plain) = plain else {
                return Err(refuse_in(
                    &answer_format,
                    endpoint.node(),
                    "40003",
                    "isv.decryption-error-unknown",
                    format!(
                        "解密出错，未知错误: biz_content does not decrypt to {} JSON with app {app_id}'s AES key \
                         (AES-CBC, zero IV, PKCS#7, base64)",
                        p.charset.name()
                    ),
                ));
            };
            biz_content = Some(plain);
        }
        // Decrypted: every answer from here on is encrypted too.
        answer_format.aes = Some(aes);
    }
    let biz = BizParams::parse(biz_content.as_deref()).map_err(|e| {
        refuse_in(
            &answer_format,
            endpoint.node(),
            "40002",
            "isv.invalid-parameter",
            e,
        )
    })?;
    Ok(Checked {
        endpoint,
        app_id: app_id.to_owned(),
        app_auth_token: app_auth_token(p),
        biz,
        answer_format,
    })
}

/// The request's `app_auth_token`, when it carried a non-blank one.
pub(crate) fn app_auth_token(p: &Params) -> Option<String> {
    p.get("app_auth_token").map(str::to_owned)
}

/// Certificate mode: `app_cert_sn` must be the SN of the app's certificate and `alipay_root_cert_sn` that of the
/// root bundle. The error as (code, sub_code, sub_msg).
fn check_cert_sns(
    pki: &Pki,
    app_id: &str,
    app_cert_sn: &str,
    root_cert_sn: Option<&str>,
) -> Result<(), (&'static str, &'static str, String)> {
    let expected = pki.app(app_id).map(|c| c.sn.as_str()).unwrap_or_default();
    if app_cert_sn != expected {
        return Err((
            "40002",
            "isv.invalid-app-cert-sn",
            format!(
                "应用公钥证书序列号不匹配: app_cert_sn {app_cert_sn} is not the SN of app {app_id}'s certificate \
                 ({expected}); configure the app certificate the sandbox issued (Sandbox::app_cert_pem, app_cert.crt)"
            ),
        ));
    }
    let Some(root_cert_sn) = root_cert_sn else {
        return Err((
            "40001",
            "isv.missing-root-cert-sn",
            "缺少支付宝根证书序列号: certificate mode needs alipay_root_cert_sn as well as app_cert_sn".into(),
        ));
    };
    if root_cert_sn != pki.root_sn() {
        return Err((
            "40002",
            "isv.invalid-root-cert-sn",
            format!(
                "支付宝根证书序列号不匹配: alipay_root_cert_sn {root_cert_sn} is not the SN of the sandbox's root \
                 bundle ({}); configure the sandbox's root certificate (Sandbox::root_cert_pem, alipay_root_cert.crt)",
                pki.root_sn()
            ),
        ));
    }
    Ok(())
}

/// The sign content's bytes in the request charset (what the client signed).
pub(crate) fn encode<'a>(p: &Params, content: &'a str) -> std::borrow::Cow<'a, [u8]> {
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
