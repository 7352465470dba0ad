//! AFL++ harness for [`sigstore_rs::fuzz::provenance_json`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::provenance_json(data));
}
