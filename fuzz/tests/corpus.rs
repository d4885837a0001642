//! Every committed corpus file (the seeds and every input that once crashed a target) runs through its target.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus directory") {
        let path = entry.expect("an entry").path();
        let data = std::fs::read(&path).expect("a corpus file");
        run(&data);
        count += 1;
    }
    assert!(count >= 3, "{} has only {count} inputs", dir.display());
}

#[test]
fn the_envelope_corpus_replays_without_panics() {
    replay("envelope", alipay_marketing_fuzz::envelope);
}

#[test]
fn the_keys_corpus_replays_without_panics() {
    replay("keys", alipay_marketing_fuzz::keys);
}

#[test]
fn the_sandbox_request_corpus_replays_without_panics() {
    replay("sandbox_request", alipay_marketing_fuzz::sandbox_request);
}

#[test]
fn the_campaign_toml_corpus_replays_without_panics() {
    replay("campaign_toml", alipay_marketing_fuzz::campaign_toml);
}

#[test]
fn the_campaign_rows_corpus_replays_without_panics() {
    replay("campaign_rows", alipay_marketing_fuzz::campaign_rows);
}
