//! sigstore_rs: a native Sigstore client core.
//!
//! The domain modules below know nothing about Python; the PyO3 binding lives
//! in `py` and is compiled only with the `python` feature. `net` is the one
//! module that opens sockets; every other module is sans-IO.

pub mod bundle;
pub mod crypto;
pub mod dsse;
pub mod error;
pub mod legacy;
pub mod net;
pub mod oidc;
pub mod pep740;
pub mod policy;
pub mod sign;
pub mod testing;
pub mod timestamp;
pub mod tlog;
pub mod trust;
pub mod verify;
pub mod x509;

#[cfg(feature = "python")]
mod py;

#[cfg(test)]
mod test_support;

pub use error::{Error, Result, Step};
