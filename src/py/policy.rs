//! `Policy`: an identity policy, built from static constructors.

use super::errors::Text;
use crate::error::Error;
use crate::policy::{Claim, Policy};
use pyo3::prelude::*;

#[pyclass(frozen, module = "sigstore_rs._rust", name = "Policy")]
pub struct PyPolicy {
    pub(crate) inner: Policy,
}

/// A claim by its dotted OID or its [`Claim::name`] (case-insensitive).
fn claim_by_name(name: &str) -> Result<Claim, Error> {
    Claim::ALL
        .into_iter()
        .find(|c| c.oid() == name || c.name().eq_ignore_ascii_case(name))
        .or_else(|| (name == "1.3.6.1.4.1.57264.1.1").then_some(Claim::OidcIssuer))
        .ok_or_else(|| Error::InvalidInput(format!("unknown certificate claim {name:?}")))
}

fn collect(policies: Vec<PyRef<'_, PyPolicy>>) -> Vec<Policy> {
    policies.iter().map(|p| p.inner.clone()).collect()
}

#[pymethods]
impl PyPolicy {
    /// The certificate's SAN equals `identity`; its OIDC issuer equals `issuer` if given.
    #[staticmethod]
    #[pyo3(signature = (identity, issuer=None))]
    fn identity(identity: Text, issuer: Option<Text>) -> Self {
        PyPolicy {
            inner: Policy::Identity {
                identity: identity.0,
                issuer: issuer.map(|i| i.0),
            },
        }
    }

    /// A SAN fully matches `pattern`; its OIDC issuer equals `issuer` if given.
    #[staticmethod]
    #[pyo3(signature = (pattern, issuer=None))]
    fn identity_regex(pattern: Text, issuer: Option<Text>) -> PyResult<Self> {
        let inner =
            Policy::identity_regex(&pattern.0, issuer.map(|i| i.0)).map_err(Error::InvalidInput)?;
        Ok(PyPolicy { inner })
    }

    /// One Fulcio extension, named by OID or by name, equals `expected`.
    #[staticmethod]
    fn claim(claim_name: Text, expected: Text) -> PyResult<Self> {
        Ok(PyPolicy {
            inner: Policy::claim(claim_by_name(&claim_name.0)?, expected.0),
        })
    }

    /// A GitHub Actions workflow; each given field must match.
    #[staticmethod]
    #[pyo3(
        signature = (*, repository=None, r#ref=None, trigger=None, name=None, sha=None, identity=None),
        text_signature = "(*, repository=None, ref=None, trigger=None, name=None, sha=None, identity=None)"
    )]
    fn github(
        repository: Option<Text>,
        r#ref: Option<Text>,
        trigger: Option<Text>,
        name: Option<Text>,
        sha: Option<Text>,
        identity: Option<Text>,
    ) -> Self {
        let s = |t: Option<Text>| t.map(|t| t.0);
        PyPolicy {
            inner: Policy::github(
                s(repository),
                s(r#ref),
                s(trigger),
                s(name),
                s(sha),
                s(identity),
            ),
        }
    }

    /// At least one of `policies` holds (an empty list never holds).
    #[staticmethod]
    fn any_of(policies: Vec<PyRef<'_, PyPolicy>>) -> Self {
        PyPolicy {
            inner: Policy::AnyOf(collect(policies)),
        }
    }

    /// Every one of `policies` holds (an empty list never holds).
    #[staticmethod]
    fn all_of(policies: Vec<PyRef<'_, PyPolicy>>) -> Self {
        PyPolicy {
            inner: Policy::AllOf(collect(policies)),
        }
    }

    fn __repr__(&self) -> String {
        format!("Policy({:?})", self.inner)
    }
}
