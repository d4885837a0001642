//! The `timestamp` parameter is Beijing time whatever the host's time zone: this test re-runs itself with `TZ`
//! set to zones on both sides of UTC (and one with daylight saving on the chosen date) and checks the output.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_marketing::api::voucher::VoucherSendRequest;
use alipay_marketing::sign::beijing_timestamp;
use alipay_marketing::{Client, PrivateKey};

const CHILD: &str = "ALIPAY_MARKETING_TZ_CHILD";
const ZONES: [&str; 4] = [
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Pacific/Chatham",
];

/// 2024-05-27 08:53:20 UTC, 2024-03-31 00:59:59 UTC (one second before London's DST switch).
fn instants() -> [(SystemTime, &'static str); 2] {
    [
        (
            UNIX_EPOCH + Duration::from_secs(1_716_800_000),
            "2024-05-27 16:53:20",
        ),
        (
            UNIX_EPOCH + Duration::from_secs(1_711_846_799),
            "2024-03-31 08:59:59",
        ),
    ]
}

#[test]
fn timestamps_are_beijing_time_in_every_host_zone() {
    if let Ok(zone) = std::env::var(CHILD) {
        assert_eq!(std::env::var("TZ").as_deref(), Ok(zone.as_str()));
        check_in_this_process();
        return;
    }
    check_in_this_process();
    let exe = std::env::current_exe().unwrap();
    for zone in ZONES {
        let output = Command::new(&exe)
            .args([
                "--exact",
                "timestamps_are_beijing_time_in_every_host_zone",
                "--nocapture",
            ])
            .env("TZ", zone)
            .env(CHILD, zone)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "with TZ={zone}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("1 passed"),
            "the child ran no test with TZ={zone}"
        );
    }
}

fn check_in_this_process() {
    let client = Client::builder()
        .app_id("2021000000000001")
        .private_key(PrivateKey::generate().unwrap())
        .alipay_public_key(PrivateKey::generate().unwrap().public_key())
        .build()
        .unwrap();
    let request = VoucherSendRequest::new("TPL-FIXED-10", "tz-1").user_id("2088000000000001");
    for (instant, expected) in instants() {
        assert_eq!(beijing_timestamp(instant), expected);
        let prepared = client.prepare_at(&request, instant).unwrap();
        let timestamp = prepared
            .query
            .iter()
            .find(|(k, _)| k == "timestamp")
            .map(|(_, v)| v.as_str());
        assert_eq!(timestamp, Some(expected));
        assert!(
            prepared
                .sign_content
                .contains(&format!("&timestamp={expected}&")),
            "{}",
            prepared.sign_content
        );
    }
}
