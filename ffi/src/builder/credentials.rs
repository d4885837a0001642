//! Who the client is: app id, keys or certificates, sign type, content encryption, ISV token.

use std::ffi::c_char;

use alipay_marketing::SignType;

use super::{alipay_client_builder, set, text};
use crate::error::alipay_error;
use crate::status::alipay_status;

/// Sets the app id from the Alipay open platform console (digits only; checked at build).
///
/// # Safety
/// `builder` is NULL or a live builder; `app_id` is NULL or a NUL-terminated string; `error_out` is NULL or
/// points to writable storage for an `alipay_error *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_id(
    builder: *mut alipay_client_builder,
    app_id: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let app_id = text(app_id, "app_id")?;
            b.update(|core| core.app_id(app_id));
            Ok(())
        })
    }
}

/// Sets the app's private key as text: PEM (any label) or bare base64, PKCS#1 or PKCS#8 (parsed at build).
/// The text is copied; the copy is zeroed when the builder is freed.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_private_key(
    builder: *mut alipay_client_builder,
    private_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let key = text(private_key, "private_key")?;
            b.update(|core| core.private_key_text(key));
            Ok(())
        })
    }
}

/// Sets a file holding the app's private key, read when a client is built (UTF-8 path).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_private_key_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.private_key_file(path));
            Ok(())
        })
    }
}

/// Sets the Alipay public key (from the console, not your app's own) as text: PEM or bare base64.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_public_key(
    builder: *mut alipay_client_builder,
    alipay_public_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let key = text(alipay_public_key, "alipay_public_key")?;
            b.update(|core| core.alipay_public_key_text(key));
            Ok(())
        })
    }
}

/// Sets a file holding the Alipay public key, read when a client is built (UTF-8 path).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_public_key_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.alipay_public_key_file(path));
            Ok(())
        })
    }
}

/// Sets the signature type: `"RSA2"` (the default, recommended) or `"RSA"` (legacy apps). Any other value gives
/// `ALIPAY_STATUS_CONFIG` and leaves the builder unchanged.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_sign_type(
    builder: *mut alipay_client_builder,
    sign_type: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let sign_type = text(sign_type, "sign_type")?.parse::<SignType>()?;
            b.update(|core| core.sign_type(sign_type));
            Ok(())
        })
    }
}

/// Calls on a merchant's behalf (ISV mode) with this `app_auth_token`. The copy is zeroed when the builder is freed.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_auth_token(
    builder: *mut alipay_client_builder,
    app_auth_token: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let token = text(app_auth_token, "app_auth_token")?;
            b.update(|core| core.app_auth_token(token));
            Ok(())
        })
    }
}

/// Certificate mode: the app's public-key certificate as PEM text (instead of `alipay_client_builder_set_alipay_public_key`; set all
/// three certificates).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_cert(
    builder: *mut alipay_client_builder,
    pem: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let pem = text(pem, "pem")?;
            b.update(|core| core.app_cert_text(pem));
            Ok(())
        })
    }
}

/// Certificate mode: the app's public-key certificate, read from a file (e.g. `appCertPublicKey_<app_id>.crt`) when a client is built.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_cert_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.app_cert_file(path));
            Ok(())
        })
    }
}

/// Certificate mode: the Alipay public-key certificate as PEM text (instead of `alipay_client_builder_set_alipay_public_key`; set all
/// three certificates).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_cert(
    builder: *mut alipay_client_builder,
    pem: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let pem = text(pem, "pem")?;
            b.update(|core| core.alipay_cert_text(pem));
            Ok(())
        })
    }
}

/// Certificate mode: the Alipay public-key certificate, read from a file (e.g. `alipayCertPublicKey_RSA2.crt`) when a client is built.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_cert_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.alipay_cert_file(path));
            Ok(())
        })
    }
}

/// Certificate mode: the Alipay root certificate bundle (rotated Alipay certificates are trusted only if they chain to it) as PEM text (instead of `alipay_client_builder_set_alipay_public_key`; set all
/// three certificates).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_root_cert(
    builder: *mut alipay_client_builder,
    pem: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let pem = text(pem, "pem")?;
            b.update(|core| core.alipay_root_cert_text(pem));
            Ok(())
        })
    }
}

/// Certificate mode: the Alipay root certificate bundle (rotated Alipay certificates are trusted only if they chain to it), read from a file (e.g. `alipayRootCert.crt`) when a client is built.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_alipay_root_cert_file(
    builder: *mut alipay_client_builder,
    path: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let path = text(path, "path")?;
            b.update(|core| core.alipay_root_cert_file(path));
            Ok(())
        })
    }
}

/// Encrypts every request's `biz_content` and decrypts encrypted answers (`encrypt_type=AES`) with this key: the
/// base64 text shown in the console. Copied; the copy is zeroed when the builder is freed.
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_aes_key(
    builder: *mut alipay_client_builder,
    aes_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let key = text(aes_key, "aes_key")?;
            b.update(|core| core.aes_key_text(key));
            Ok(())
        })
    }
}

/// Sets the app's own public key (应用公钥) as text: PEM or bare base64. Optional and never used by calls: only
/// `alipay_client_builder_doctor` and `alipay_client_check_config` read it, to report whether it matches the private
/// key (a pair where one half was regenerated is a common cause of `isv.invalid-signature`).
///
/// # Safety
/// As for `alipay_client_builder_set_app_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn alipay_client_builder_set_app_public_key(
    builder: *mut alipay_client_builder,
    app_public_key: *const c_char,
    error_out: *mut *mut alipay_error,
) -> alipay_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set(builder, error_out, |b| {
            let key = text(app_public_key, "app_public_key")?;
            b.update(|core| core.app_public_key_text(key));
            Ok(())
        })
    }
}
