//! `cargo afl fuzz -i corpus/keys -o out/keys target/debug/keys`
fn main() {
    afl::fuzz!(|data: &[u8]| {
        alipay_marketing_fuzz::keys(data);
    });
}
