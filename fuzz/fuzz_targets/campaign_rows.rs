//! `cargo afl fuzz -i corpus/campaign_rows -o out/campaign_rows target/debug/campaign_rows`
fn main() {
    afl::fuzz!(|data: &[u8]| {
        alipay_marketing_fuzz::campaign_rows(data);
    });
}
