//! AFL++ harness for [`sigstore_rs::fuzz::bundle_json`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::bundle_json(data));
}
