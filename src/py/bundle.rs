//! `Bundle`: a parsed, checked Sigstore bundle.

use super::verifier::read;
use crate::bundle::Bundle;
use pyo3::prelude::*;
use std::path::PathBuf;

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Bundle")]
pub struct PyBundle {
    pub(crate) inner: Bundle,
}

#[pymethods]
impl PyBundle {
    /// Parses a bundle's JSON; raises `InvalidBundle` if it is malformed.
    #[staticmethod]
    fn from_json(data: &[u8]) -> PyResult<Self> {
        Ok(PyBundle {
            inner: Bundle::from_json(data)?,
        })
    }

    /// Reads and parses a bundle file; raises `FileError` if it cannot be
    /// read, as every other loader does.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        Ok(PyBundle {
            inner: Bundle::from_json(&read(&path)?)?,
        })
    }

    #[getter]
    fn media_type(&self) -> &str {
        self.inner.media_type()
    }

    /// The bundle's JSON (protobuf-specs canonical mapping).
    fn to_json(&self) -> String {
        self.inner.to_json_string()
    }

    fn __repr__(&self) -> String {
        format!("Bundle(media_type={:?})", self.inner.media_type())
    }
}
