//! PyO3 binding (feature `python`): the only code that names pyo3.
//!
//! The compiled module is `sigstore_rs._rust`; the pure-Python façade in
//! `python/sigstore_rs` re-exports it. Classes are frozen (immutable, shareable
//! across threads) and every call that hashes files or checks signatures
//! releases the GIL.

mod bundle;
mod errors;
mod index;
mod pep740;
mod policy;
mod pylock;
mod sign;
// `LocalInstance` (sigstore_rs.testing) exists only in builds with the local
// instance; the façade names the missing feature when it is absent.
#[cfg(feature = "testing")]
mod testing;
mod trust;
mod tuf;
mod verifier;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _rust {
    #[pymodule_export]
    use super::bundle::PyBundle;
    #[pymodule_export]
    use super::errors::_error_for_testing;
    #[pymodule_export]
    use super::index::{index_release_files, index_verify_provenance, PyIndexClient, PyIndexFile};
    #[pymodule_export]
    use super::pep740::{
        build_provenance, check_upload, verify_distributions, PyAttestation, PyDistribution,
        PyProvenance, PyPublisher,
    };
    #[pymodule_export]
    use super::policy::PyPolicy;
    #[pymodule_export]
    use super::pylock::{pylock_pin, pylock_verify, PyLockFinding};
    #[pymodule_export]
    use super::sign::{
        detect_credential, in_toto_statement, interactive_token, sha256_file, PyIdentityToken,
        PySigner, PySigningContext,
    };
    #[cfg(feature = "testing")]
    #[pymodule_export]
    use super::testing::{ci_claims, PyLocalInstance};
    #[pymodule_export]
    use super::trust::{trust_instance, trust_load, trust_refresh, PyTrustMaterial};
    #[pymodule_export]
    use super::tuf::{tuf_download, tuf_refresh};
    #[pymodule_export]
    use super::verifier::PyVerifier;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        use crate::trust::tuf::{PRODUCTION_TUF_URL, STAGING_TUF_URL};
        m.add("PRODUCTION_TUF_URL", PRODUCTION_TUF_URL)?;
        m.add("STAGING_TUF_URL", STAGING_TUF_URL)?;
        m.add("PYPI_SIMPLE_URL", crate::index::PYPI_SIMPLE_URL)?;
        m.add(
            "UPLOAD_HTTP_400_PREFIX",
            crate::pep740::upload::HTTP_400_PREFIX,
        )?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
