//! A native [Sigstore](https://www.sigstore.dev/) client: verify Sigstore
//! bundles and PEP 740 attestations, and sign keylessly.
//!
//! # Verifying a bundle
//!
//! A Sigstore bundle (protobuf-specs `dev.sigstore.bundle.v1.Bundle`, media
//! types `application/vnd.dev.sigstore.bundle*+json`) carries a signature,
//! the Fulcio certificate or key that made it, a transparency log entry and
//! optional RFC 3161 timestamps. Verifying one takes three things:
//!
//! * a [`TrustedRoot`]: which Fulcio CAs, Rekor logs, CT logs and timestamp
//!   authorities to trust. The public-good production and staging roots are
//!   embedded ([`Verifier::production`], [`Verifier::staging`]); others load
//!   from a `trusted_root.json` or a client trust config
//!   ([`TrustedRoot::from_json`], [`TrustedRoot::from_trust_config_json`]);
//! * a [`Bundle`], parsed and structurally checked by [`Bundle::from_json`];
//! * a [`Policy`] saying who must have signed: an exact identity and OIDC
//!   issuer, a regular expression, a Fulcio certificate extension, a GitHub
//!   Actions workflow, or combinations of these.
//!
//! [`Verifier::verify_artifact`] then runs the Sigstore client
//! specification's verification steps and returns a [`VerifiedBundle`], or an
//! [`Error`] whose [`Error::Verification`] variant names the failed [`Step`].
//!
//! ```
//! use sigstore_rs::{Artifact, Bundle, Policy, Verifier};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assets/sigstore-python");
//! let bundle = Bundle::from_json(&std::fs::read(format!("{dir}/bundle_v3.txt.sigstore"))?)?;
//! let artifact = Artifact::Bytes(std::fs::read(format!("{dir}/bundle_v3.txt"))?);
//! let policy = Policy::identity("william@yossarian.net", "https://github.com/login/oauth");
//!
//! let verified = Verifier::staging()?.verify_artifact(&artifact, &bundle, &policy)?;
//! assert_eq!(verified.identity.as_deref(), Some("william@yossarian.net"));
//! # Ok(()) }
//! ```
//!
//! A large file is better hashed first ([`verify::hash_file`] streams it) and
//! given as [`Artifact::Digest`]; a known digest `sha256:<hex>` parses with
//! [`verify::parse_digest`]. A bundle may sign a SHA-384 or SHA-512 digest:
//! [`verify::input_hash_algorithm`] says which algorithm to hash with
//! ([`verify::hash_file_as`]); bytes are hashed with it automatically.
//!
//! # PEP 740 attestations
//!
//! [`pep740`] verifies the attestations and provenance objects a Python
//! package index serves for a distribution (PEP 740), against a Trusted
//! Publisher ([`pep740::Publisher`]) or any [`Policy`]. See
//! [`pep740::Provenance::verify`].
//!
//! # Signing
//!
//! [`sign`] signs artifacts and in-toto statements keylessly (ephemeral key,
//! Fulcio certificate, Rekor entry, RFC 3161 timestamps) with an OIDC
//! identity token from [`oidc`]. [`testing`] runs a complete local Sigstore
//! instance to sign against in tests.
//!
//! # Modules
//!
//! The modules follow the Sigstore concepts: [`bundle`], [`trust`],
//! [`policy`], [`verify`], [`dsse`], [`legacy`] (detached signatures),
//! [`pep740`], [`sign`], [`oidc`]. [`crypto`] is the one seam to
//! cryptography. [`net`] is the one module that opens client sockets; every
//! other module is sans-IO, except [`testing`], whose local Sigstore instance
//! runs its own servers on 127.0.0.1. Transparency-log, X.509 and RFC 3161 internals, and
//! the one DER reader and writer they share, are private to the crate: the verifier is
//! their interface.
//!
//! # Cargo features
//!
//! * `aws-lc` (default): the [aws-lc-rs](https://docs.rs/aws-lc-rs) crypto
//!   backend. Without it the pure-Rust RustCrypto backend
//!   ([`crypto::rust_crypto::RustCrypto`], always compiled) is the default.
//! * `python`: the PyO3 extension module `sigstore_rs._rust`; not needed, and
//!   not wanted, by Rust callers.
//! * `testing`: [`testing`], the local Sigstore instance (servers on
//!   127.0.0.1, certificates made with rcgen) for tests that sign against
//!   it. The wheel enables it; a library that only verifies or signs leaves it
//!   off, and neither rcgen nor tiny_http is then built.
//! * `fuzzing`: exposes the (hidden, unstable) fuzz targets the AFL++
//!   harnesses in `fuzz/` call; see `scripts/fuzz.sh`.
//!
// Links to the module that `testing` gates point at this section without it.
#![cfg_attr(feature = "testing", doc = "[`testing`]: crate::testing")]
#![cfg_attr(not(feature = "testing"), doc = "[`testing`]: crate#cargo-features")]
#![warn(missing_docs)]

pub mod bundle;
pub mod crypto;
pub(crate) mod der;
pub mod dsse;
pub mod error;
pub mod files;
pub mod index;
pub mod legacy;
pub mod net;
pub mod oidc;
pub(crate) mod parallel;
pub mod pep740;
pub mod policy;
pub mod pylock;
pub mod sign;
// The local instance: for users (feature `testing`, which the wheel enables)
// and for the unit tests, src/testing/'s own included.
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub(crate) mod timestamp;
pub(crate) mod tlog;
pub mod trust;
pub mod tuf;
pub mod verify;
pub(crate) mod x509;

#[cfg(feature = "python")]
mod py;

// The fuzz targets: for the AFL++ harnesses in fuzz/ (feature `fuzzing`,
// never enabled by the wheel) and for the tests, which replay their corpora.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz;

#[cfg(test)]
mod test_support;

pub use bundle::Bundle;
pub use error::{Error, Result, Step};
pub use policy::Policy;
pub use trust::TrustedRoot;
pub use verify::{Artifact, VerifiedBundle, Verifier};

/// The README's Rust example, compiled and run with the doc tests so that it
/// cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
