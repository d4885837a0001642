//! `cargo afl fuzz -i corpus/campaign_toml -o out/campaign_toml target/debug/campaign_toml`
fn main() {
    afl::fuzz!(|data: &[u8]| {
        alipay_marketing_fuzz::campaign_toml(data);
    });
}
