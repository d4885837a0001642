//! The three calls against a sandbox, with readable output.
//!
//! With `ALIPAY_GATEWAY_URL` set (source the `--env-file` of a running `alipay-sandbox`), it uses that gateway and
//! `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY_FILE`, `ALIPAY_PUBLIC_KEY_FILE`; otherwise it starts a sandbox in
//! process. Run: `cargo run -p alipay-marketing-sandbox --example demo`.

use std::time::{SystemTime, UNIX_EPOCH};

use alipay_marketing::api::invite::InviteAwardRequest;
use alipay_marketing::api::points::{PointsUpdateRequest, TransType};
use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::{Client, Gateway};
use alipay_marketing_sandbox::{Config, Sandbox};

const USER_ID: &str = "2088000000000001";
const STAMP_CARD: &str = "STAMP-CARD-01";

type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> DemoResult<()> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (client, sandbox) = match env("ALIPAY_GATEWAY_URL") {
        Some(url) => {
            let need = |name: &str| {
                env(name)
                    .ok_or_else(|| format!("{name} is not set (source the sandbox's env file)"))
            };
            let client = Client::builder()
                .app_id(need("ALIPAY_APP_ID")?)
                .private_key_file(need("ALIPAY_APP_PRIVATE_KEY_FILE")?)
                .alipay_public_key_file(need("ALIPAY_PUBLIC_KEY_FILE")?)
                .gateway(Gateway::Url(url.clone()))
                .build()?;
            println!("Using the sandbox at {url}");
            (client, None)
        }
        None => {
            let sandbox = Sandbox::start(Config::default()).await?;
            println!("Started an in-process sandbox at {}", sandbox.url());
            (sandbox.client_builder().build()?, Some(sandbox))
        }
    };
    // Unique keys per run, so the demo also works against a long-running sandbox.
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();

    println!("\n1. alipay.user.invite.award.receive");
    for (who, request) in [
        (
            "a new user (mobile not registered)",
            InviteAwardRequest::new().mobile(format!("139{:08}", run % 100_000_000)),
        ),
        (
            "an old user (user_id)",
            InviteAwardRequest::new()
                .user_id(USER_ID)
                .out_biz_no(format!("invite-{run}")),
        ),
    ] {
        let award = client.receive_invite_award(&request).await?;
        println!(
            "   {who}: {} ({}), user_attr {}, accounts [{}]",
            award.biz_result_code,
            award.biz_result_desc.as_deref().unwrap_or(""),
            award.user_attr.as_ref().map(|a| a.as_str()).unwrap_or("?"),
            award.alipay_account_no.join(", ")
        );
    }

    println!("\n2. alipay.marketing.voucher.send");
    let voucher = VoucherSendRequest::new("TPL-FIXED-10", format!("order-{run}")).user_id(USER_ID);
    let sent = client.send_voucher(&voucher).await?;
    println!(
        "   sent TPL-FIXED-10 to {USER_ID}: voucher_id {}",
        sent.voucher_id
    );
    let again = client.send_voucher(&voucher).await?;
    println!(
        "   replayed with the same out_biz_no: voucher_id {} (same voucher, nothing sent twice)",
        again.voucher_id
    );
    match client
        .send_voucher(
            &VoucherSendRequest::new("TPL-EXPIRED", format!("order-{run}-x")).user_id(USER_ID),
        )
        .await
    {
        Ok(v) => println!("   unexpected: an expired template issued {}", v.voucher_id),
        Err(e) => println!(
            "   an expired template is refused: {}",
            e.gateway_error()
                .and_then(|g| g.sub_code.as_deref())
                .unwrap_or("?")
        ),
    }

    println!("\n3. koubei.marketing.tool.points.update on {STAMP_CARD}");
    let points = |suffix: &str, t: TransType, amount: u64| {
        PointsUpdateRequest::new(
            format!("req-{run}-{suffix}"),
            USER_ID,
            STAMP_CARD,
            t,
            amount,
        )
    };
    let deposit = client
        .update_points(&points("deposit", TransType::Deposit, 10).biz_no(format!("trade-{run}")))
        .await?;
    println!("   DEPOSIT 10: point_log_no {}", deposit.point_log_no);
    let freeze = client
        .update_points(&points("freeze", TransType::Freeze, 5))
        .await?;
    println!("   FREEZE 5:   point_log_no {}", freeze.point_log_no);
    let commit = client
        .update_points(&points("commit", TransType::Commit, 5).biz_no(freeze.point_log_no.clone()))
        .await?;
    println!(
        "   COMMIT 5:   point_log_no {} (biz_no = the freeze's {})",
        commit.point_log_no, freeze.point_log_no
    );

    if let Some(sandbox) = sandbox {
        let state = sandbox.state();
        if let Some(accounts) = state["points"]["accounts"].as_array() {
            for a in accounts {
                println!(
                    "   balance of {} on {}: {} available, {} frozen",
                    a["user_id"], a["activity_account"], a["available"], a["frozen"]
                );
            }
        }
        println!("\nSandbox calls: {}", state["calls"]);
        sandbox.stop().await;
    }
    println!("\nDone.");
    Ok(())
}
