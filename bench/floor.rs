//! The crypto floor: how close whole-bundle verification comes to the cost
//! of the signature verifications it cannot avoid.
//!
//! Verifies one bundle through a recording crypto backend, then times
//! (a) whole verification (parse + verify) and (b) replaying only the
//! recorded signature verifications on the default backend, and prints both
//! as JSON. Run by `bench/run.sh`; usable alone:
//!
//!   cargo run --release --example floor -- staging BUNDLE ARTIFACT IDENTITY ISSUER [dsse]

// A benchmark harness: a failed verification is a broken benchmark, so it
// may abort.
#![allow(clippy::expect_used)]

use sigstore_rs::bundle::Bundle;
use sigstore_rs::crypto::{
    self, CryptoBackend, CryptoError, Digest, HashAlgorithm, Hasher, SignatureAlgorithm,
};
use sigstore_rs::policy::Policy;
use sigstore_rs::trust::TrustedRoot;
use sigstore_rs::verify::{Artifact, Verifier};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Clone)]
enum Call {
    Full(Vec<u8>, SignatureAlgorithm, Vec<u8>, Vec<u8>),
    Prehashed(Vec<u8>, SignatureAlgorithm, Digest, Vec<u8>),
}

#[derive(Debug)]
struct Recording {
    inner: &'static dyn CryptoBackend,
    calls: Mutex<Vec<(&'static str, usize)>>,
    log: Mutex<Vec<CallBox>>,
}

struct CallBox(Call);
impl std::fmt::Debug for CallBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("call")
    }
}

impl CryptoBackend for Recording {
    fn name(&self) -> &'static str {
        "recording"
    }
    fn hasher(&self, algorithm: HashAlgorithm) -> Box<dyn Hasher> {
        self.inner.hasher(algorithm)
    }
    fn verify(
        &self,
        spki: &[u8],
        alg: SignatureAlgorithm,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        if let Ok(mut l) = self.log.lock() {
            l.push(CallBox(Call::Full(
                spki.to_vec(),
                alg,
                msg.to_vec(),
                sig.to_vec(),
            )));
        }
        if let Ok(mut c) = self.calls.lock() {
            c.push(("verify", spki.len()));
        }
        self.inner.verify(spki, alg, msg, sig)
    }
    fn verify_prehashed(
        &self,
        spki: &[u8],
        alg: SignatureAlgorithm,
        d: &Digest,
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        if let Ok(mut l) = self.log.lock() {
            l.push(CallBox(Call::Prehashed(
                spki.to_vec(),
                alg,
                d.clone(),
                sig.to_vec(),
            )));
        }
        self.inner.verify_prehashed(spki, alg, d, sig)
    }
    fn generate_p256(&self) -> Result<Box<dyn sigstore_rs::crypto::SigningKey>, CryptoError> {
        self.inner.generate_p256()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median microseconds per call of `f`, over rounds of `per_round` calls.
fn time_us(mut f: impl FnMut(), per_round: usize, rounds: usize) -> f64 {
    for _ in 0..per_round {
        f();
    }
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per_round {
            f();
        }
        samples.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
    }
    median(samples)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        eprintln!("usage: floor TRUST BUNDLE ARTIFACT IDENTITY ISSUER [dsse]");
        std::process::exit(2);
    }
    let root = match args[0].as_str() {
        "staging" => TrustedRoot::staging()?,
        "production" => TrustedRoot::production()?,
        path => TrustedRoot::from_json(&std::fs::read(path)?)?,
    };
    let bundle_json = std::fs::read(&args[1])?;
    let artifact = Artifact::Bytes(std::fs::read(&args[2])?);
    let policy = Policy::identity(args[3].clone(), args[4].clone());

    let rec: &'static Recording = Box::leak(Box::new(Recording {
        inner: crypto::default_backend(),
        calls: Mutex::new(Vec::new()),
        log: Mutex::new(Vec::new()),
    }));
    let recording = Verifier::new(root.clone()).with_backend(rec);
    // The first verification also checks the trusted CA chains (cached
    // afterwards); the floor is what every further bundle needs.
    recording.verify_artifact(&artifact, &Bundle::from_json(&bundle_json)?, &policy)?;
    rec.log.lock().map_err(|_| "poisoned")?.clear();
    recording.verify_artifact(&artifact, &Bundle::from_json(&bundle_json)?, &policy)?;
    let calls: Vec<Call> = rec
        .log
        .lock()
        .map_err(|_| "poisoned")?
        .iter()
        .map(|c| c.0.clone())
        .collect();

    let verifier = Verifier::new(root);
    let verify_us = time_us(
        || {
            let b = Bundle::from_json(&bundle_json).expect("bundle");
            verifier
                .verify_artifact(&artifact, &b, &policy)
                .expect("verifies");
        },
        50,
        21,
    );
    let backend = crypto::default_backend();
    let floor_us = time_us(
        || {
            for c in &calls {
                let r = match c {
                    Call::Full(k, a, m, s) => backend.verify(k, *a, m, s),
                    Call::Prehashed(k, a, d, s) => backend.verify_prehashed(k, *a, d, s),
                };
                r.expect("replayed signature verifies");
            }
        },
        50,
        21,
    );
    let kinds: Vec<String> = calls
        .iter()
        .map(|c| match c {
            Call::Full(k, a, _, _) | Call::Prehashed(k, a, _, _) => {
                format!(
                    "{:?}/{:?}",
                    crypto::key_kind(k).map_err(|e| e.to_string()),
                    a
                )
            }
        })
        .collect();
    println!(
        "{{\"backend\": \"{}\", \"verify_us\": {verify_us:.1}, \"floor_us\": {floor_us:.1}, \"signatures\": {}, \"kinds\": {:?}}}",
        backend.name(),
        calls.len(),
        kinds
    );
    Ok(())
}
