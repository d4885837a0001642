//! `cargo afl fuzz -i corpus/sandbox_request -o out/sandbox_request target/debug/sandbox_request`
fn main() {
    afl::fuzz!(|data: &[u8]| {
        alipay_marketing_fuzz::sandbox_request(data);
    });
}
