//! One helper per pointer conversion at the boundary. Every handle type is a `Box` owned by the caller between
//! its `_new` (or the call that produced it) and its `_free`; no other conversion exists.

use std::ffi::{CStr, CString, c_char};

use crate::error::FfiError;

/// Borrows a required `const char *` argument as UTF-8 text.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn str_arg<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::NullArgument(name));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|_| FfiError::InvalidUtf8(name))
}

/// Borrows a required handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` created by this library, not mutated elsewhere during `'a`.
pub(crate) unsafe fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { ptr.as_ref() }.ok_or(FfiError::NullArgument(name))
}

/// Borrows a required handle argument for mutation.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` created by this library, not used elsewhere during `'a`.
pub(crate) unsafe fn mut_arg<'a, T>(
    ptr: *mut T,
    name: &'static str,
) -> Result<&'a mut T, FfiError> {
    // SAFETY: forwarded from this function's contract.
    unsafe { ptr.as_mut() }.ok_or(FfiError::NullArgument(name))
}

/// Borrows a handle for an accessor, where NULL answers a neutral value instead of an error.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` created by this library.
pub(crate) unsafe fn ref_arg_or_none<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: forwarded from this function's contract.
    unsafe { ptr.as_ref() }
}

/// A checked `T **out` argument. Checked before any work is done; written only by [`OutArg::write`], the last
/// step of a successful call.
pub(crate) struct OutArg<T>(*mut *mut T);

impl<T> OutArg<T> {
    /// Checks that `ptr` is not NULL.
    pub(crate) fn new(ptr: *mut *mut T, name: &'static str) -> Result<OutArg<T>, FfiError> {
        if ptr.is_null() {
            Err(FfiError::NullArgument(name))
        } else {
            Ok(OutArg(ptr))
        }
    }

    /// Moves `value` to the heap and hands its ownership to the caller.
    ///
    /// # Safety
    /// The pointer given to [`OutArg::new`] points to writable storage for a `T *`.
    pub(crate) unsafe fn write(self, value: T) {
        let raw = Box::into_raw(Box::new(value));
        // SAFETY: non-NULL (checked in `new`) and writable per this function's contract.
        unsafe { self.0.write(raw) };
    }
}

/// Frees a handle created by [`OutArg::write`] or a `_new` function. NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from `Box::into_raw` of a `Box<T>` and has not been freed.
pub(crate) unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per this function's contract the box is live and owned by the caller, who gives it up here.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Hands a new handle to the caller of a `_new` function.
pub(crate) fn new_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// A borrowed `const char *` to a string owned by a handle.
pub(crate) fn str_ptr(s: &CStr) -> *const c_char {
    s.as_ptr()
}

/// A borrowed `const char *` to an optional string owned by a handle, NULL when absent.
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_deref().map_or(std::ptr::null(), CStr::as_ptr)
}

/// Text for messages: a NUL inside (which C cannot carry) becomes U+FFFD.
pub(crate) fn c_string_lossy(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// Text of a verified response for a result object. A NUL inside would silently cut the string in C, so it is a
/// decode error instead.
pub(crate) fn c_string_exact(text: &str, what: &str) -> Result<CString, FfiError> {
    CString::new(text).map_err(|_| {
        FfiError::Decode(format!(
            "{what} contains a NUL character, which a C string cannot carry"
        ))
    })
}
