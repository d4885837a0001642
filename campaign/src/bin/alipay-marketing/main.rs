//! `alipay-marketing`: the command-line face of the SDK; the program itself is
//! [`alipay_marketing_campaign::cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(alipay_marketing_campaign::cli::run(
        std::env::args_os().collect(),
    ))
}
