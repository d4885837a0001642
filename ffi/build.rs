//! Gives the shared library its ELF soname, `libalipay_marketing.so.<major>`.
//!
//! Programs linked against the library record the soname, not the file name, so an installed
//! `libalipay_marketing.so.0.1.0` (with the symlinks `libalipay_marketing.so.0` for the loader and
//! `libalipay_marketing.so` for the linker) can be replaced by any later 0.x release without relinking them. The
//! C ABI only grows within a major version (see docs/c.md); a break would bump the major and so the soname.

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // The platforms whose linker takes `-soname` (ELF). macOS names dylibs by install name, Windows by DLL name.
    let elf = matches!(
        target_os.as_str(),
        "linux"
            | "android"
            | "freebsd"
            | "netbsd"
            | "openbsd"
            | "dragonfly"
            | "illumos"
            | "solaris"
    );
    if elf {
        let major =
            env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libalipay_marketing.so.{major}");
    }
}
