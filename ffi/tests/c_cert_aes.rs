//! `tests/c/test_cert_aes.c` against an in-process sandbox: content encryption (AES, in UTF-8 and GBK, seen on the
//! wire through a recording relay; a wrong key gets `40003`) and certificate mode through three rotations of the
//! Alipay certificate. How it runs: `c_support::suite`.

mod c_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use alipay_marketing::PrivateKey;
use alipay_marketing_sandbox::{CERT_DOWNLOAD_METHOD, Config, DEFAULT_APP_ID, Sandbox, Scenario};
use c_support::relay::relay;
use c_support::suite::{VOUCHER_SEND, each_mode, issued, voucher_lines};
use c_support::{ProgramEnv, compile_test_program, modes, run_with_steps, value};
use serde_json::Value;

/// `tests/c/test_cert_aes.c`, compiled once per test process.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| compile_test_program("test_cert_aes"))
}

/// The memo a voucher was stored with, by `out_biz_no`.
fn memo<'a>(state: &'a Value, out_biz_no: &str) -> Option<&'a str> {
    state["vouchers"]["issued"]
        .as_array()?
        .iter()
        .find(|v| v["out_biz_no"] == out_biz_no)?["memo"]
        .as_str()
}

const AES_KEY: &str = "aa4BtZ4tspm2wnXLb1ThQA==";

const OTHER_AES_KEY: &str = "vEARwBsVE8dBrk0tiaNQtQ==";

const DEMO_USER: &str = "2088000000000001";

#[test]
fn aes_encrypts_requests_and_answers_and_a_wrong_key_gets_40003() {
    let mut scenario = Scenario::default();
    scenario.apps[0].aes_key = Some(AES_KEY.to_owned());
    let sandbox =
        Sandbox::start_blocking(Config::default().scenario(scenario)).expect("start the sandbox");
    let mut env = ProgramEnv::for_sandbox(&sandbox);
    // Every call goes through a recording relay, to see what travelled.
    let (url, exchanges) = relay(sandbox.local_addr(), None);
    env.set("ALIPAY_GATEWAY_URL", url);
    env.set("ALIPAY_TEST_AES_KEY", AES_KEY);
    env.set("ALIPAY_TEST_WRONG_AES_KEY", OTHER_AES_KEY);
    each_mode(
        &sandbox,
        &env,
        program(),
        &["aes"],
        |_| exchanges.lock().unwrap().clear(),
        |stdout, state| {
            let vouchers = issued(state);
            let printed = voucher_lines(stdout);
            assert_eq!(
                vouchers.keys().collect::<Vec<_>>(),
                ["c-aes-0001", "c-aes-0002", "c-aes-gbk-0001"],
                "the wrong key issued nothing"
            );
            for key in ["c-aes-0001", "c-aes-gbk-0001"] {
                assert_eq!(printed.get(key), vouchers.get(key), "{key}");
            }
            let body: Value = serde_json::from_str(value(stdout, "execute_body").unwrap())
                .expect("execute's body is JSON");
            assert_eq!(
                body["voucher_id"].as_str(),
                vouchers.get("c-aes-0002").map(String::as_str)
            );
            assert_eq!(memo(state, "c-aes-0001"), Some("新客礼券 AES"));
            assert_eq!(memo(state, "c-aes-gbk-0001"), Some("新客礼券乗"));
            let calls = &state["calls"][VOUCHER_SEND];
            assert_eq!(calls["total"], 5, "no call was retried");
            assert_eq!(calls["outcomes"]["40003/isv.decryption-error-unknown"], 1);
            assert_eq!(
                value(stdout, "wrong_key_sub_code"),
                Some("isv.decryption-error-unknown")
            );

            // On the wire: every request encrypted, no business value in clear either way.
            let exchanges = exchanges.lock().unwrap();
            assert_eq!(exchanges.len(), 5);
            for (request, answer) in exchanges.iter() {
                assert!(request.contains("encrypt_type=AES"), "{request}");
                assert!(
                    !request.contains("c-aes-"),
                    "biz_content in clear: {request}"
                );
                assert!(
                    !request.contains(DEMO_USER),
                    "biz_content in clear: {request}"
                );
                assert!(!answer.contains("voucher_id"), "answer in clear: {answer}");
            }
            assert_eq!(
                exchanges
                    .iter()
                    .filter(|(request, _)| request.contains("charset=GBK"))
                    .count(),
                1
            );
            assert_eq!(
                exchanges
                    .iter()
                    .filter(|(_, answer)| answer.contains("isv.decryption-error-unknown"))
                    .count(),
                1,
                "the decryption error is the one plain answer"
            );
        },
    );
}

/// The certificate-mode root CA key, generated once per test process.
fn root_ca_key() -> PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().expect("generate the root CA key"))
        .clone()
}

/// Calls of the Alipay certificate download, per the sandbox.
fn downloads(sandbox: &Sandbox) -> u64 {
    sandbox.state()["calls"][CERT_DOWNLOAD_METHOD]["total"]
        .as_u64()
        .unwrap_or(0)
}

/// One certificate-mode client through three rotations made while the program waits between phases: trusted (the
/// new certificate downloaded once, calls going on), untrusted (refused with a signature error on every call,
/// downloaded each time: nothing cached), trusted again. A fresh sandbox per mode: rotations outlive `reset`.
#[test]
fn one_certificate_mode_client_survives_rotations_and_refuses_an_untrusted_one() {
    for mode in modes() {
        let sandbox = Sandbox::start_blocking(Config::default().root_ca_key(root_ca_key()))
            .expect("start the sandbox");
        let mut env = ProgramEnv::for_sandbox(&sandbox);
        let write = |name: &str, pem: String| {
            let path = env.dir.join(name);
            std::fs::write(&path, pem).expect("write a certificate");
            path.display().to_string()
        };
        let app_cert = write(
            "appCertPublicKey.crt",
            sandbox.app_cert_pem(DEFAULT_APP_ID).expect("app cert"),
        );
        let alipay_cert = write(
            "alipayCertPublicKey_RSA2.crt",
            sandbox.alipay_cert_pem().expect("alipay cert"),
        );
        let root_cert = write(
            "alipayRootCert.crt",
            sandbox.root_cert_pem().expect("root cert"),
        );
        env.set("ALIPAY_TEST_APP_CERT_FILE", app_cert);
        env.set("ALIPAY_TEST_ALIPAY_CERT_FILE", alipay_cert);
        env.set("ALIPAY_TEST_ALIPAY_ROOT_CERT_FILE", root_cert);
        let first_sn = sandbox.alipay_cert_sn().expect("sn");

        let (stdout, steps) =
            run_with_steps(program(), &["cert_rotation"], &env, mode, |step, stdout| {
                let state = sandbox.state();
                match step {
                    "rotate" => {
                        assert_eq!(issued(&state), voucher_lines(stdout));
                        assert_eq!(issued(&state).len(), 1);
                        assert_eq!(memo(&state, "c-cert-0001"), Some("证书模式"));
                        assert_eq!(
                            downloads(&sandbox),
                            0,
                            "the configured certificate sufficed"
                        );
                        sandbox.rotate_alipay_cert().expect("rotate");
                    }
                    "rotate_untrusted" => {
                        assert_eq!(issued(&state), voucher_lines(stdout));
                        assert_eq!(issued(&state).len(), 3);
                        assert_eq!(
                            downloads(&sandbox),
                            1,
                            "the new certificate downloaded once"
                        );
                        sandbox.rotate_alipay_cert_untrusted().expect("rotate");
                    }
                    "rotate_trusted" => {
                        // The gateway applied both calls; the client refused both answers.
                        assert_eq!(issued(&state).len(), 5);
                        assert_eq!(voucher_lines(stdout).len(), 3);
                        assert_eq!(
                            downloads(&sandbox),
                            3,
                            "each refused call downloaded the certificate again"
                        );
                        sandbox.rotate_alipay_cert().expect("rotate");
                    }
                    other => panic!("unexpected step {other}"),
                }
            });
        assert_eq!(
            steps,
            ["rotate", "rotate_untrusted", "rotate_trusted"],
            "{mode:?}"
        );
        let state = sandbox.state();
        let vouchers = issued(&state);
        let printed = voucher_lines(&stdout);
        assert_eq!(
            printed.keys().collect::<Vec<_>>(),
            ["c-cert-0001", "c-cert-0002", "c-cert-0003", "c-cert-0006"]
        );
        for (key, id) in &printed {
            assert_eq!(vouchers.get(key), Some(id), "{key}");
        }
        assert_eq!(vouchers.len(), 6);
        assert_eq!(downloads(&sandbox), 4, "one download for the last rotation");
        assert_eq!(
            state["calls"][CERT_DOWNLOAD_METHOD]["outcomes"]["10000"], 4,
            "{state}"
        );
        for untrusted in ["untrusted_4", "untrusted_5"] {
            assert!(
                value(&stdout, untrusted).is_some_and(|m| m.contains("does not chain")),
                "{stdout}"
            );
        }
        // The doctor named each certificate by its SN.
        for sn in [
            sandbox.app_cert_sn(DEFAULT_APP_ID).expect("sn"),
            first_sn,
            sandbox.root_cert_sn().expect("sn"),
        ] {
            assert!(stdout.contains(&sn), "SN {sn} not in:\n{stdout}");
        }
        assert!(stdout.contains("0 problem(s)"), "{stdout}");
        sandbox.stop_blocking();
    }
}
