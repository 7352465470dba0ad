//! AFL++ harness for [`sigstore_rs::fuzz::checkpoint`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::checkpoint(data));
}
