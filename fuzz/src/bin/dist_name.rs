//! AFL++ harness for [`sigstore_rs::fuzz::dist_name`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::dist_name(data));
}
