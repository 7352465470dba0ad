//! `LocalInstance`: the local Sigstore instance of [`crate::testing`], for
//! Python tests and plugin authors (façade: `sigstore_rs.testing`).

use super::pep740::PyPublisher;
use crate::error::Error;
use crate::testing::{ci, Fault, Instance, Options, RekorLogs, ServiceKind, DEFAULT_IDENTITY};
use pyo3::prelude::*;
use std::sync::Mutex;

/// A Trusted Publisher as Python passes it.
#[derive(FromPyObject)]
enum PublisherArg<'py> {
    Publisher(PyRef<'py, PyPublisher>),
    Spec(String),
}

#[pyclass(frozen, module = "sigstore_rs._rust", name = "LocalInstance")]
pub struct PyLocalInstance {
    inner: Mutex<Option<Instance>>,
}

impl PyLocalInstance {
    fn with<T>(&self, f: impl FnOnce(&Instance) -> Result<T, Error>) -> PyResult<T> {
        let g = self
            .inner
            .lock()
            .map_err(|_| Error::InvalidInput("the instance lock is poisoned".into()))?;
        let inst = g
            .as_ref()
            .ok_or_else(|| Error::InvalidInput("the local instance has been stopped".into()))?;
        Ok(f(inst)?)
    }
}

#[pymethods]
impl PyLocalInstance {
    /// Starts the servers (OIDC, CA, TSA, Rekor v1, Rekor v2) on 127.0.0.1.
    #[new]
    ///
    /// `rekor_logs` (`v1`, `v2`, `both`) are the logs the signing config
    /// offers; `leaf_lifetime` the CA's certificate lifetime in seconds;
    /// `latency` (service name, seconds) pairs as `set_latency` takes.
    #[pyo3(signature = (rekor_version=1, default_identity=None, rekor_logs="both", leaf_lifetime=None, latency=Vec::new()))]
    fn new(
        py: Python<'_>,
        rekor_version: u8,
        default_identity: Option<String>,
        rekor_logs: &str,
        leaf_lifetime: Option<i64>,
        latency: Vec<(String, f64)>,
    ) -> PyResult<Self> {
        let defaults = Options::default();
        let mut delays = Vec::new();
        for (name, secs) in &latency {
            delays.push((latency_service(name)?, seconds(*secs)?));
        }
        let options = Options {
            rekor_version,
            default_identity: default_identity.unwrap_or_else(|| DEFAULT_IDENTITY.into()),
            rekor_logs: RekorLogs::from_name(rekor_logs).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "rekor_logs must be v1, v2 or both, not {rekor_logs:?}"
                ))
            })?,
            leaf_lifetime: leaf_lifetime.unwrap_or(defaults.leaf_lifetime),
            latency: delays,
        };
        let inst = py.allow_threads(|| Instance::start(options))?;
        Ok(PyLocalInstance {
            inner: Mutex::new(Some(inst)),
        })
    }

    /// The ClientTrustConfig JSON document that trusts this instance.
    fn trust_config_json(&self) -> PyResult<String> {
        self.with(|i| Ok(i.trust_config_json()))
    }

    /// An ID token for `identity`; `extra_claims` is a JSON object merged over the claims.
    #[pyo3(signature = (identity, lifetime=600, extra_claims=None))]
    fn token(&self, identity: &str, lifetime: i64, extra_claims: Option<&str>) -> PyResult<String> {
        let extra = match extra_claims {
            Some(s) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s)
                .map_err(|e| {
                    Error::InvalidInput(format!("extra_claims is not a JSON object: {e}"))
                })?,
            None => serde_json::Map::new(),
        };
        self.with(|i| Ok(i.mint_token_with(identity, lifetime, &extra)))
    }

    /// The URL of `service`: oidc, fulcio, rekor_v1, rekor_v2, tsa or tuf.
    fn url(&self, service: &str) -> PyResult<String> {
        let kind = ServiceKind::from_name(service)
            .ok_or_else(|| Error::InvalidInput(format!("unknown service {service:?}")))?;
        self.with(|i| Ok(i.url(kind)))
    }

    /// Switches a failure mode: ca_error, ca_bad_chain, ca_untrusted, tsa_error, rekor_error.
    fn set_fault(&self, fault: &str, on: bool) -> PyResult<()> {
        let f = Fault::from_name(fault)
            .ok_or_else(|| Error::InvalidInput(format!("unknown fault {fault:?}")))?;
        self.with(|i| {
            i.set_fault(f, on);
            Ok(())
        })
    }

    /// Switches a failure mode on for the next `requests` requests it affects.
    fn set_fault_count(&self, fault: &str, requests: u32) -> PyResult<()> {
        let f = Fault::from_name(fault)
            .ok_or_else(|| Error::InvalidInput(format!("unknown fault {fault:?}")))?;
        self.with(|i| {
            i.set_fault_count(f, requests);
            Ok(())
        })
    }

    /// Delays a service's answers (oidc, fulcio, rekor-v1, rekor-v2, tsa)
    /// by `seconds`; Rekor v2's delay is its batching window.
    fn set_latency(&self, service: &str, seconds_: f64) -> PyResult<()> {
        let kind = latency_service(service)?;
        let d = seconds(seconds_)?;
        self.with(|i| i.set_latency(kind, d))
    }

    /// The identity the interactive (PKCE) flow approves.
    fn set_default_identity(&self, identity: &str) -> PyResult<()> {
        self.with(|i| {
            i.set_default_identity(identity);
            Ok(())
        })
    }

    /// The instance's TUF repository's first `root.json` (what a client
    /// starts from: `trust-instance`).
    fn tuf_root(&self) -> PyResult<Vec<u8>> {
        self.with(|i| i.tuf().root(1))
    }

    /// Changes the TUF repository: `publish` (new timestamp, snapshot and
    /// targets versions), `rotate:ROLE` (a new key for ROLE and the next
    /// root), `expire:ROLE` (new metadata in which ROLE has expired) or
    /// `roll_back` (serve the previous timestamp again).
    fn tuf_change(&self, py: Python<'_>, change: &str) -> PyResult<()> {
        py.allow_threads(|| {
            self.with(|i| {
                let repo = i.tuf();
                match change.split_once(':') {
                    None if change == "publish" => repo.publish(),
                    None if change == "roll_back" => repo.roll_back_timestamp(),
                    Some(("rotate", role)) => repo.rotate(role),
                    Some(("expire", role)) => repo.expire(role),
                    _ => Err(Error::InvalidInput(format!(
                        "unknown TUF change {change:?}"
                    ))),
                }
            })
        })
    }

    /// The package index's simple API URL (`…/simple/`).
    fn index_url(&self) -> PyResult<String> {
        self.with(|i| Ok(i.index_url()))
    }

    /// The package index's legacy upload URL (`…/legacy/`).
    fn upload_url(&self) -> PyResult<String> {
        self.with(|i| Ok(i.upload_url()))
    }

    /// Lets a Trusted Publisher (a `Publisher`, or a spec such as
    /// `github:OWNER/REPO:WORKFLOW[:ENV]`) upload to `project`.
    fn add_trusted_publisher(&self, project: &str, publisher: PublisherArg<'_>) -> PyResult<()> {
        let publisher = match publisher {
            PublisherArg::Publisher(p) => p.inner.clone(),
            PublisherArg::Spec(s) => {
                crate::pep740::Publisher::from_spec(&s).map_err(Error::InvalidInput)?
            }
        };
        self.with(|i| {
            i.add_trusted_publisher(project, publisher);
            Ok(())
        })
    }

    #[getter]
    fn issuer(&self) -> PyResult<String> {
        self.with(|i| Ok(i.issuer_url().to_string()))
    }

    /// The most requests `service` has been answering at once.
    fn peak_concurrency(&self, service: &str) -> PyResult<usize> {
        let kind = ServiceKind::from_name(service)
            .ok_or_else(|| Error::InvalidInput(format!("unknown service {service:?}")))?;
        self.with(|i| Ok(i.peak_concurrency(kind)))
    }

    /// The bearer secret of the issuer's `POST /testing/mint` endpoint.
    fn mint_secret(&self) -> PyResult<String> {
        self.with(|i| Ok(i.mint_secret().to_string()))
    }

    /// Stops every server; idempotent.
    fn stop(&self, py: Python<'_>) {
        let taken = self.inner.lock().ok().and_then(|mut g| g.take());
        if let Some(mut inst) = taken {
            py.allow_threads(|| inst.stop());
        }
    }
}

/// The subject and the claims (JSON) of a CI identity token of `kind`
/// (`github`: `repository`, `workflow`; `gitlab`: `project`,
/// `workflow_path`; both with `ref` and optional `environment`; `google`:
/// `email`), described by the JSON object `spec`.
#[pyfunction]
pub fn ci_claims(kind: &str, spec: &str) -> PyResult<(String, String)> {
    let spec: serde_json::Value = serde_json::from_str(spec)
        .map_err(|e| Error::InvalidInput(format!("the CI identity is not JSON: {e}")))?;
    let text = |key: &str| -> Result<String, Error> {
        spec[key]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| Error::InvalidInput(format!("a {kind} identity needs {key:?}")))
    };
    let git_ref = spec["ref"]
        .as_str()
        .unwrap_or("refs/heads/main")
        .to_string();
    let environment = spec["environment"].as_str().map(str::to_string);
    let (sub, claims) = match kind {
        "github" => ci::GitHubRun {
            repository: text("repository")?,
            workflow: text("workflow")?,
            git_ref,
            environment,
        }
        .claims(),
        "gitlab" => ci::GitLabJob {
            project: text("project")?,
            workflow_path: text("workflow_path")?,
            git_ref,
            environment,
        }
        .claims(),
        "google" => {
            let email = text("email")?;
            (email.clone(), ci::google_claims(&email))
        }
        "circleci" => ci::CircleCiJob {
            project_id: text("project_id")?,
            pipeline_definition_id: text("pipeline_definition_id")?,
            vcs_origin: text("vcs_origin")?,
            vcs_ref: git_ref,
        }
        .claims(),
        other => {
            return Err(Error::InvalidInput(format!(
                "unknown CI identity kind {other:?}: expected github, gitlab, google or circleci"
            ))
            .into())
        }
    };
    Ok((sub, serde_json::Value::Object(claims).to_string()))
}

/// A service `set_latency` takes.
fn latency_service(name: &str) -> PyResult<ServiceKind> {
    crate::testing::LATENCY_SERVICES
        .iter()
        .find(|(n, _)| *n == name.replace('_', "-"))
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "no latency can be set for {name:?}; services: oidc, fulcio, rekor-v1, rekor-v2, tsa"
            ))
            .into()
        })
}

/// A delay in seconds: finite, not negative, at most an hour.
fn seconds(s: f64) -> PyResult<std::time::Duration> {
    if !(0.0..=3600.0).contains(&s) {
        return Err(Error::InvalidInput(format!("a latency is 0 to 3600 seconds, not {s}")).into());
    }
    Ok(std::time::Duration::from_secs_f64(s))
}
