//! `cargo afl fuzz -i corpus/envelope -o out/envelope target/debug/envelope`
fn main() {
    afl::fuzz!(|data: &[u8]| {
        alipay_marketing_fuzz::envelope(data);
    });
}
