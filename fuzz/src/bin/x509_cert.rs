//! AFL++ harness for [`sigstore_rs::fuzz::x509_cert`].
fn main() {
    afl::fuzz!(|data: &[u8]| sigstore_rs::fuzz::x509_cert(data));
}
