//! AFL++ harness for [`sigstore_rs::fuzz::rfc3161_token`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::rfc3161_token(data));
}
