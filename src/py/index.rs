//! The package-index client (`crate::index`): `IndexFile`, `IndexClient`
//! and `verify_provenance`. Fetching, hashing and verifying run without the
//! GIL; results cross as tuples the façade (`sigstore_rs/index.py`) wraps.

use super::errors::Text;
use super::pep740::{PyDistribution, PyProvenance, PyPublisher};
use super::verifier::PyVerifier;
use crate::error::{Error, Result};
use crate::index::{
    self, ExpectedPublisher, FileJob, FileSource, IndexClient, IndexFile, VerifiedFile,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// `(filename, url, sha256, publisher or None, trusted_on_first_use,
/// [(predicate_type, predicate JSON or None)], path or None)`.
type PyVerifiedFile = (
    String,
    String,
    String,
    Option<PyPublisher>,
    bool,
    Vec<(String, Option<String>)>,
    Option<PathBuf>,
);

fn verified_to_py(v: VerifiedFile) -> PyVerifiedFile {
    (
        v.filename,
        v.url,
        v.sha256,
        v.publisher.map(|inner| PyPublisher { inner }),
        v.trusted_on_first_use,
        v.attestations
            .into_iter()
            .map(|a| (a.predicate_type, a.predicate.map(|p| p.to_string())))
            .collect(),
        v.path,
    )
}

const NO_EXPECTED_PUBLISHER: &str = "a file's provenance names its own publisher, so it must \
    be checked against the publisher you expect: pass that publisher, or \
    trust_on_first_use=True to accept the publisher it names";

fn expected(publisher: Option<&PyPublisher>, tofu: bool) -> Result<ExpectedPublisher> {
    match (publisher, tofu) {
        (Some(p), _) => Ok(ExpectedPublisher::Pinned(p.inner.clone())),
        (None, true) => Ok(ExpectedPublisher::TrustOnFirstUse),
        (None, false) => Err(Error::InvalidInput(NO_EXPECTED_PUBLISHER.into())),
    }
}

/// One file a project page lists (or a lock file names).
#[pyclass(frozen, module = "sigstore_rs._rust", name = "IndexFile")]
#[derive(Clone)]
pub struct PyIndexFile {
    inner: IndexFile,
}

#[pymethods]
impl PyIndexFile {
    #[new]
    #[pyo3(signature = (filename, url, sha256=None, provenance_url=None, yanked=None, requires_python=None))]
    fn new(
        filename: Text,
        url: Text,
        sha256: Option<Text>,
        provenance_url: Option<Text>,
        yanked: Option<Text>,
        requires_python: Option<Text>,
    ) -> PyResult<Self> {
        let url = index::page::resolve_url(&url.0, "")?;
        let provenance_url = provenance_url
            .map(|u| index::page::resolve_url(&u.0, ""))
            .transpose()?;
        let sha256 = match sha256 {
            Some(Text(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(h.to_ascii_lowercase())
            }
            Some(Text(h)) => {
                return Err(
                    Error::InvalidInput(format!("sha256 {h:?} is not 64 hex digits")).into(),
                )
            }
            None => None,
        };
        if filename.0.is_empty() || filename.0.contains(['/', '\\', '\0']) {
            return Err(Error::InvalidInput(format!("{:?} is not a file name", filename.0)).into());
        }
        Ok(PyIndexFile {
            inner: IndexFile {
                filename: filename.0,
                url,
                sha256,
                provenance_url,
                yanked: yanked.map(|t| t.0),
                requires_python: requires_python.map(|t| t.0),
            },
        })
    }

    #[getter]
    fn filename(&self) -> &str {
        &self.inner.filename
    }

    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    #[getter]
    fn sha256(&self) -> Option<&str> {
        self.inner.sha256.as_deref()
    }

    #[getter]
    fn provenance_url(&self) -> Option<&str> {
        self.inner.provenance_url.as_deref()
    }

    #[getter]
    fn yanked(&self) -> Option<&str> {
        self.inner.yanked.as_deref()
    }

    #[getter]
    fn requires_python(&self) -> Option<&str> {
        self.inner.requires_python.as_deref()
    }

    #[getter]
    fn version(&self) -> Option<&str> {
        self.inner.version()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .downcast::<PyIndexFile>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.filename.hash(&mut h);
        self.inner.url.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        format!(
            "IndexFile(filename={:?}, url={:?}, sha256={:?}, provenance_url={:?})",
            self.inner.filename, self.inner.url, self.inner.sha256, self.inner.provenance_url
        )
    }
}

/// A client of one index's simple API.
#[pyclass(frozen, module = "sigstore_rs._rust", name = "IndexClient")]
pub struct PyIndexClient {
    inner: IndexClient,
}

#[pymethods]
impl PyIndexClient {
    #[new]
    #[pyo3(signature = (index_url, max_file_bytes=None))]
    fn new(index_url: Text, max_file_bytes: Option<u64>) -> PyResult<Self> {
        let mut inner = IndexClient::new(&index_url.0)?;
        if let Some(m) = max_file_bytes {
            inner = inner.with_max_file_bytes(m);
        }
        Ok(PyIndexClient { inner })
    }

    #[getter]
    fn index_url(&self) -> &str {
        self.inner.index_url()
    }

    #[getter]
    fn max_file_bytes(&self) -> u64 {
        self.inner.max_file_bytes()
    }

    /// `(name, page_url, [IndexFile, ...])`.
    fn project(&self, py: Python<'_>, name: Text) -> PyResult<(String, String, Vec<PyIndexFile>)> {
        let page = py.allow_threads(|| self.inner.project(&name.0))?;
        Ok((
            page.name,
            page.url,
            page.files
                .into_iter()
                .map(|inner| PyIndexFile { inner })
                .collect(),
        ))
    }

    fn release(&self, py: Python<'_>, name: Text, version: Text) -> PyResult<Vec<PyIndexFile>> {
        let files = py.allow_threads(|| self.inner.release(&name.0, &version.0))?;
        Ok(files
            .into_iter()
            .map(|inner| PyIndexFile { inner })
            .collect())
    }

    fn provenance_url(&self, file: &PyIndexFile) -> PyResult<String> {
        Ok(self.inner.provenance_url(&file.inner)?)
    }

    fn provenance(&self, py: Python<'_>, file: &PyIndexFile) -> PyResult<Option<PyProvenance>> {
        let p = py.allow_threads(|| self.inner.provenance(&file.inner))?;
        Ok(p.map(|inner| PyProvenance { inner }))
    }

    #[pyo3(signature = (file, sha256=None))]
    fn download<'py>(
        &self,
        py: Python<'py>,
        file: &PyIndexFile,
        sha256: Option<Text>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let data = py.allow_threads(|| {
            self.inner
                .download(&file.inner, sha256.as_ref().map(|t| t.0.as_str()))
        })?;
        Ok(PyBytes::new(py, &data))
    }

    /// Verifies `[(file, publisher_or_None, sha256_or_None, sha256_source_or_None,
    /// local_path_or_None), ...]` in parallel without the GIL. One result
    /// per item, in order: `(verified_tuple, None)` or `(None, exception)`.
    #[pyo3(signature = (verifier, items, threads=None, *, trust_on_first_use=false, dest_dir=None, require_provenance=true))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn verify_files(
        &self,
        py: Python<'_>,
        verifier: &PyVerifier,
        items: Vec<(
            PyRef<'_, PyIndexFile>,
            Option<PyRef<'_, PyPublisher>>,
            Option<Text>,
            Option<Text>,
            Option<PathBuf>,
        )>,
        threads: Option<usize>,
        trust_on_first_use: bool,
        dest_dir: Option<PathBuf>,
        require_provenance: bool,
    ) -> PyResult<Vec<(Option<PyVerifiedFile>, Option<PyObject>)>> {
        let mut jobs = Vec::with_capacity(items.len());
        for (file, publisher, sha256, source, path) in &items {
            let expected = expected(publisher.as_deref(), trust_on_first_use)?;
            jobs.push(FileJob {
                file: file.inner.clone(),
                expected,
                expected_sha256: sha256.as_ref().map(|t| t.0.clone()),
                expected_sha256_source: source
                    .as_ref()
                    .map_or_else(|| "the caller".to_owned(), |t| t.0.clone()),
                source: match path {
                    Some(p) => FileSource::Local(p.clone()),
                    None => FileSource::Download(dest_dir.clone()),
                },
                require_provenance,
            });
        }
        let results = py.allow_threads(|| self.inner.verify_files(&verifier.inner, &jobs, threads));
        Ok(results
            .into_iter()
            .map(|r| match r {
                Ok(v) => (Some(verified_to_py(v)), None),
                Err(e) => (None, Some(PyErr::from(e).into_value(py).into_any())),
            })
            .collect())
    }

    fn __repr__(&self) -> String {
        format!("IndexClient({:?})", self.inner.index_url())
    }
}

/// Checks a provenance object's publisher against the expected one (or
/// trusts it on first use), then verifies it for `dist`. Returns
/// `(publisher, [(predicate_type, predicate JSON or None)])`.
#[pyfunction]
#[pyo3(signature = (verifier, dist, provenance, publisher=None, *, trust_on_first_use=false))]
#[allow(clippy::type_complexity)]
pub fn index_verify_provenance(
    py: Python<'_>,
    verifier: &PyVerifier,
    dist: &PyDistribution,
    provenance: &PyProvenance,
    publisher: Option<&PyPublisher>,
    trust_on_first_use: bool,
) -> PyResult<(PyPublisher, Vec<(String, Option<String>)>)> {
    let expected = expected(publisher, trust_on_first_use)?;
    let (p, v) = py.allow_threads(|| {
        index::verify_provenance(&verifier.inner, &dist.inner, &provenance.inner, &expected)
    })?;
    Ok((
        PyPublisher { inner: p },
        v.into_iter()
            .map(|a| (a.predicate_type, a.predicate.map(|p| p.to_string())))
            .collect(),
    ))
}

/// The files of release `version` among `files` of project `name`
/// (`ProjectPage.release`; versions compared as PEP 440 versions).
#[pyfunction]
pub fn index_release_files(
    name: Text,
    files: Vec<PyRef<'_, PyIndexFile>>,
    version: Text,
) -> PyResult<Vec<PyIndexFile>> {
    let page = index::ProjectPage {
        name: name.0,
        url: String::new(),
        files: files.iter().map(|f| f.inner.clone()).collect(),
    };
    Ok(page
        .release(&version.0)?
        .into_iter()
        .map(|f| PyIndexFile { inner: f.clone() })
        .collect())
}
