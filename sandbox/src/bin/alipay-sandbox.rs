//! `alipay-sandbox`: the local gateway emulator as a program. Prints its URL and key paths, logs one line per call,
//! stops gracefully on SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use alipay_marketing::PrivateKey;
use alipay_marketing_sandbox::{CallRecord, Config, Sandbox, Scenario};

const USAGE: &str = "\
alipay-sandbox: a local Alipay OpenAPI v2 gateway for alipay.user.invite.award.receive,
alipay.marketing.voucher.send and koubei.marketing.tool.points.update

USAGE: alipay-sandbox [OPTIONS]

OPTIONS:
  --port N          TCP port on 127.0.0.1 (default 0: a free port, printed at start)
  --bind ADDR       address to bind (default 127.0.0.1; the admin API answers loopback clients only)
  --scenario FILE   the starting world, TOML (.toml) or JSON (.json); default: the demo scenario
  --state FILE      persist the state here (every call is on disk before it is answered) and load it at start
  --keys-dir DIR    where keys and certificates are written (keys are reused on the next start); default: a new
                    temporary directory
  --env-file FILE   once listening, write shell exports (ALIPAY_GATEWAY_URL, ALIPAY_ADMIN_URL, ALIPAY_APP_ID,
                    ALIPAY_APP_PRIVATE_KEY_FILE, ALIPAY_PUBLIC_KEY_FILE, ALIPAY_APP_CERT_FILE,
                    ALIPAY_CERT_FILE, ALIPAY_ROOT_CERT_FILE) to FILE
  --seed N          seed of the fault-rate draws (default 0)
  --quiet           do not log calls
  -h, --help        this text
";

#[derive(Default)]
struct Args {
    port: u16,
    bind: Option<std::net::IpAddr>,
    scenario: Option<PathBuf>,
    state: Option<PathBuf>,
    keys_dir: Option<PathBuf>,
    env_file: Option<PathBuf>,
    seed: u64,
    quiet: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value("--port")?;
                args.port = v
                    .parse()
                    .map_err(|_| format!("--port {v:?} is not a port number (0-65535)"))?;
            }
            "--bind" => {
                let v = value("--bind")?;
                args.bind = Some(
                    v.parse()
                        .map_err(|_| format!("--bind {v:?} is not an IP address"))?,
                );
            }
            "--scenario" => args.scenario = Some(value("--scenario")?.into()),
            "--state" => args.state = Some(value("--state")?.into()),
            "--keys-dir" => args.keys_dir = Some(value("--keys-dir")?.into()),
            "--env-file" => args.env_file = Some(value("--env-file")?.into()),
            "--seed" => {
                let v = value("--seed")?;
                args.seed = v
                    .parse()
                    .map_err(|_| format!("--seed {v:?} is not a whole number"))?;
            }
            "--quiet" => args.quiet = true,
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("alipay-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("alipay-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alipay-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The key files of the default app and of the sandbox's Alipay key, and the certificate-mode files.
struct KeyFiles {
    app_private: Option<PathBuf>,
    alipay_public: PathBuf,
    app_cert: PathBuf,
    alipay_cert: PathBuf,
    root_cert: PathBuf,
}

async fn run(args: Args) -> Result<(), String> {
    let scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path).map_err(|e| e.to_string())?,
        None => Scenario::default(),
    };
    let keys_dir = match &args.keys_dir {
        Some(dir) => dir.clone(),
        None => fresh_temp_dir()?,
    };
    std::fs::create_dir_all(&keys_dir).map_err(|e| {
        format!(
            "cannot create the keys directory {}: {e}",
            keys_dir.display()
        )
    })?;
    let mut config = Config::new()
        .scenario(scenario.clone())
        .port(args.port)
        .seed(args.seed);
    if let Some(bind) = args.bind {
        config = config.bind(bind);
    }
    if let Some(state) = &args.state {
        config = config.state_file(state.clone());
    }
    let alipay_private = keys_dir.join("alipay_private_key.pem");
    let alipay_key = load_or_generate(&alipay_private)?;
    let alipay_public = keys_dir.join("alipay_public_key.pem");
    write_file(
        &alipay_public,
        alipay_key.public_key().to_pem().as_bytes(),
        false,
    )?;
    config = config.alipay_private_key(alipay_key);
    // The root CA's key is kept too, so that a restart issues the very same certificates.
    config = config.root_ca_key(load_or_generate(
        &keys_dir.join("alipay_root_private_key.pem"),
    )?);
    let default_app = scenario.default_app();
    let mut files = KeyFiles {
        app_private: None,
        alipay_public,
        app_cert: keys_dir.join("app_cert.crt"),
        alipay_cert: keys_dir.join("alipay_cert.crt"),
        root_cert: keys_dir.join("alipay_root_cert.crt"),
    };
    if default_app.public_key.is_none() {
        let app_private = keys_dir.join("app_private_key.pem");
        let app_key = load_or_generate(&app_private)?;
        write_file(
            &keys_dir.join("app_public_key.pem"),
            app_key.public_key().to_pem().as_bytes(),
            false,
        )?;
        config = config.app_private_key(default_app.app_id.clone(), app_key);
        files.app_private = Some(app_private);
    }
    if !args.quiet {
        config = config.on_call(log_call);
    }
    let sandbox = Sandbox::start(config).await.map_err(|e| e.to_string())?;
    write_certificates(&sandbox, &files)?;
    println!("alipay-sandbox listening: {}", sandbox.url());
    println!("  admin API:          {}", sandbox.admin_url());
    println!("  app_id:             {}", sandbox.app_id());
    match &files.app_private {
        Some(path) => println!("  app private key:    {}", path.display()),
        None => println!(
            "  app private key:    (the scenario gives the app's public key; sign with your own private key)"
        ),
    }
    println!("  alipay public key:  {}", files.alipay_public.display());
    println!("  app certificate:    {}", files.app_cert.display());
    println!("  alipay certificate: {}", files.alipay_cert.display());
    println!("  alipay root cert:   {}", files.root_cert.display());
    if let Some(state) = &args.state {
        println!("  state file:         {}", state.display());
    }
    if let Some(env_file) = &args.env_file {
        write_env_file(env_file, &sandbox, &files)?;
        println!("  env file:           {}", env_file.display());
    }
    wait_for_signal().await?;
    println!("alipay-sandbox: stopping");
    sandbox.stop().await;
    Ok(())
}

fn log_call(call: &CallRecord) {
    let method = if call.method.is_empty() {
        "(no method)"
    } else {
        &call.method
    };
    let app_id = if call.app_id.is_empty() {
        "-"
    } else {
        &call.app_id
    };
    // The merchant's token is a credential: the log keeps only its ends, enough to count calls per merchant.
    let merchant = call
        .app_auth_token
        .as_deref()
        .map(|t| format!(" app_auth_token={}", alipay_marketing::mask::mask_token(t)))
        .unwrap_or_default();
    println!(
        "{method} app_id={app_id}{merchant} {} {:.1}ms",
        call.outcome,
        call.elapsed.as_secs_f64() * 1e3
    );
}

async fn wait_for_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term =
            signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| format!("cannot watch SIGINT: {e}")),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot watch Ctrl-C: {e}"))
    }
}

/// Reuses a key file from an earlier run (so a restart keeps the keys), or generates and writes a new key.
fn load_or_generate(path: &Path) -> Result<PrivateKey, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => PrivateKey::from_text(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PrivateKey::generate().map_err(|e| format!("cannot generate a key: {e}"))?;
            write_file(path, key.to_pkcs8_pem().as_bytes(), true)?;
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes a file atomically (temporary file, then rename); private files are readable by the owner only.
fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&tmp).map_err(fail)?;
    file.write_all(contents).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

fn write_env_file(path: &Path, sandbox: &Sandbox, files: &KeyFiles) -> Result<(), String> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut text = String::from("# written by alipay-sandbox; source it: . ./this-file\n");
    let mut export =
        |name: &str, value: &str| text.push_str(&format!("export {name}={}\n", shell_quote(value)));
    export("ALIPAY_GATEWAY_URL", &sandbox.url());
    export("ALIPAY_ADMIN_URL", &sandbox.admin_url());
    export("ALIPAY_APP_ID", sandbox.app_id());
    if let Some(app_private) = &files.app_private {
        export(
            "ALIPAY_APP_PRIVATE_KEY_FILE",
            &absolute(app_private).display().to_string(),
        );
    }
    export(
        "ALIPAY_PUBLIC_KEY_FILE",
        &absolute(&files.alipay_public).display().to_string(),
    );
    export(
        "ALIPAY_APP_CERT_FILE",
        &absolute(&files.app_cert).display().to_string(),
    );
    export(
        "ALIPAY_CERT_FILE",
        &absolute(&files.alipay_cert).display().to_string(),
    );
    export(
        "ALIPAY_ROOT_CERT_FILE",
        &absolute(&files.root_cert).display().to_string(),
    );
    write_file(path, text.as_bytes(), false)
}

/// Certificate mode's three files: the default app's certificate, the Alipay certificate at start (a rotation
/// does not rewrite it: clients download the new one) and the root bundle.
fn write_certificates(sandbox: &Sandbox, files: &KeyFiles) -> Result<(), String> {
    let text =
        |r: Result<String, alipay_marketing_sandbox::SandboxError>| r.map_err(|e| e.to_string());
    write_file(
        &files.app_cert,
        text(sandbox.app_cert_pem(sandbox.app_id()))?.as_bytes(),
        false,
    )?;
    write_file(
        &files.alipay_cert,
        text(sandbox.alipay_cert_pem())?.as_bytes(),
        false,
    )?;
    write_file(
        &files.root_cert,
        text(sandbox.root_cert_pem())?.as_bytes(),
        false,
    )
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn fresh_temp_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir =
        std::env::temp_dir().join(format!("alipay-sandbox-{}-{nanos:09}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
