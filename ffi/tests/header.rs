//! The committed header is what cbindgen makes from the sources today, and its version macros match Cargo.toml.
//!
//! `ALIPAY_UPDATE_HEADER=1 cargo test -p alipay-marketing-ffi --test header` rewrites the header instead of failing.

use std::path::{Path, PathBuf};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir()
        .join("..")
        .join("include")
        .join("alipay_marketing.h")
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_the_sources() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("ALIPAY_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write include/alipay_marketing.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "include/alipay_marketing.h is out of date (first difference at line {line}); regenerate it with \
             ALIPAY_UPDATE_HEADER=1 cargo test -p alipay-marketing-ffi --test header"
        );
    }
}

/// The value of `#define NAME value` in the header.
fn define(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("#define ")?.trim_start();
        let value = rest.strip_prefix(name)?;
        value
            .starts_with(char::is_whitespace)
            .then(|| value.trim().to_owned())
    })
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = std::fs::read_to_string(header_path()).expect("read include/alipay_marketing.h");
    // The package version as written in the workspace's Cargo.toml (the ffi crate inherits it).
    let manifest = std::fs::read_to_string(crate_dir().join("..").join("Cargo.toml"))
        .expect("read Cargo.toml");
    let in_package = manifest
        .split("[workspace.package]")
        .nth(1)
        .and_then(|section| {
            section
                .lines()
                .find_map(|l| l.trim().strip_prefix("version"))
        })
        .and_then(|rest| rest.split('"').nth(1))
        .expect("[workspace.package] version in Cargo.toml");
    assert_eq!(in_package, env!("CARGO_PKG_VERSION"));
    let mut parts = in_package.split('.');
    for name in [
        "ALIPAY_VERSION_MAJOR",
        "ALIPAY_VERSION_MINOR",
        "ALIPAY_VERSION_PATCH",
    ] {
        let expected = parts.next().expect("three version parts");
        let expected = expected.split(['-', '+']).next().unwrap_or(expected);
        assert_eq!(define(&header, name).as_deref(), Some(expected), "{name}");
    }
}

#[test]
fn every_export_has_a_doc_comment_in_the_header() {
    let header = std::fs::read_to_string(header_path()).expect("read include/alipay_marketing.h");
    let lines: Vec<&str> = header.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let declares_function = line.starts_with(|c: char| c.is_ascii_lowercase())
            && line.contains(" alipay_")
            && line.contains('(');
        if declares_function {
            let previous = lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .copied()
                .unwrap_or("");
            assert!(
                previous.trim_start().starts_with("*/"),
                "no doc comment above: {line}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 50,
        "found only {checked} function declarations in the header"
    );
}
