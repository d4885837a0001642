//! What the shared library shows the dynamic linker: exactly the `alipay_` functions the header declares, under
//! the soname `libalipay_marketing.so.<major>` — nothing of the Rust standard library, tokio or aws-lc leaks out,
//! so the library can sit in a process beside other Rust or OpenSSL-based code.

mod c_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The output of a binutils tool (`nm`, `readelf`; Debian's `binutils`, installed with gcc).
fn binutils(tool: &str, args: &[&str], library: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(library)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install binutils): {e}"));
    assert!(
        output.status.success(),
        "{tool} {args:?} {} failed: {}",
        library.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("binutils print UTF-8 here")
}

fn shared_library() -> std::path::PathBuf {
    c_support::lib_dir().join("libalipay_marketing.so")
}

/// The name a declaration line declares: the identifier right before its first `(`, so that a return type
/// which is itself an `alipay_` type (`alipay_status alipay_client_build(...)`) is not taken for the name.
fn declared_name(line: &str) -> Option<&str> {
    let before = line[..line.find('(')?].trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    Some(&before[start..]).filter(|name| name.starts_with("alipay_"))
}

/// The functions the header declares: a declaration starts at the beginning of a line with its return type and
/// names `alipay_<something>(`.
fn header_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(c_support::repo().join("include/alipay_marketing.h"))
        .expect("read include/alipay_marketing.h");
    header
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(declared_name)
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_declaration_is_named_by_the_identifier_before_its_parenthesis() {
    assert_eq!(
        declared_name(
            "alipay_status alipay_client_builder_build(const alipay_client_builder *builder,"
        ),
        Some("alipay_client_builder_build")
    );
    assert_eq!(
        declared_name("alipay_client_builder *alipay_client_builder_new(void);"),
        Some("alipay_client_builder_new")
    );
    assert_eq!(
        declared_name("const char *alipay_version(void);"),
        Some("alipay_version")
    );
    assert_eq!(declared_name("typedef void (*alipay_log_fn)(void);"), None);
    assert_eq!(declared_name("size_t strlen(const char *s);"), None);
}

#[test]
fn only_the_header_s_alipay_functions_are_exported() {
    let library = shared_library();
    let symbols = binutils("nm", &["-D", "--defined-only"], &library);
    // `nm` lines are `<address> <type> <name>`; a capital type letter is a global symbol.
    let exported: BTreeSet<String> = symbols
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace().rev();
            let name = fields.next()?;
            let kind = fields.next()?;
            kind.chars()
                .all(|c| c.is_ascii_uppercase())
                .then(|| name.to_owned())
        })
        .collect();
    let foreign: Vec<&String> = exported
        .iter()
        .filter(|name| !name.starts_with("alipay_"))
        .collect();
    assert!(
        foreign.is_empty(),
        "{} exports symbols that are not the C API: {foreign:?}",
        library.display()
    );
    let declared = header_functions();
    assert!(
        declared.len() > 50,
        "found only {} functions in the header",
        declared.len()
    );
    let undeclared: Vec<&String> = exported.difference(&declared).collect();
    let missing: Vec<&String> = declared.difference(&exported).collect();
    assert!(
        undeclared.is_empty() && missing.is_empty(),
        "exported but not in the header: {undeclared:?}; in the header but not exported: {missing:?}"
    );
}

#[test]
fn the_shared_library_is_named_by_its_soname() {
    let dynamic = binutils("readelf", &["-d"], &shared_library());
    let soname = dynamic
        .lines()
        .find(|line| line.contains("(SONAME)"))
        .and_then(|line| Some(line[line.find('[')? + 1..line.find(']')?].to_owned()));
    assert_eq!(
        soname.as_deref(),
        Some(c_support::soname().as_str()),
        "the soname is set by ffi/build.rs"
    );
}
