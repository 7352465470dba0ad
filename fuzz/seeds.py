#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the recorded material in
tests/assets: bundles, the certificates, checkpoints and RFC 3161 tokens they
carry, trusted-root certificates, PEP 740 provenance and attestations, and
distribution file names.

    python3 fuzz/seeds.py OUT_DIR      -> OUT_DIR/<target>/<sha256 prefix>

scripts/fuzz.sh runs it and merges the seeds with the committed corpus
(fuzz/corpus/) before each campaign, so a campaign always starts from every
recorded format even if minimisation dropped a seed.
"""

import base64
import contextlib
import hashlib
import json
import pathlib
import re
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSETS = ROOT / "tests" / "assets"
EMBEDDED = ROOT / "src" / "trust" / "embedded"

# Distribution names the recorded material does not cover: every sdist and
# wheel shape the parser distinguishes, and near misses it must reject.
EXTRA_NAMES = [
    "sampleproject-4.0.0.tar.gz",
    "sampleproject-4.0.0.zip",
    "sampleproject-4.0.0-py3-none-any.whl",
    "Sample.Project-1!2.0.0rc1.post2.dev3+local.7-1build-cp39.cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "foo_bar-1.0-py2.py3-none-any.whl",
    "foo-1.0-1-py3-none-any.whl",
    "foo-v1.0a1.tar.gz",
    "foo-1.0.tar.bz2",
    "foo.whl",
    "-1.0.tar.gz",
    "foo-1.0-py3-none.whl",
    "1.0.0",
    "v1!2.3.4-5.dev6+ubuntu-1.2",
]


def b64(s: str) -> bytes:
    return base64.b64decode(s)


def pem_to_der(text: str) -> list[bytes]:
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    return [base64.b64decode("".join(b.split())) for b in blocks]


def walk_bundle(bundle: dict, seeds: dict[str, set[bytes]]) -> None:
    vm = bundle.get("verificationMaterial") or {}
    certs = []
    if "certificate" in vm:
        certs.append(vm["certificate"].get("rawBytes", ""))
    for c in (vm.get("x509CertificateChain") or {}).get("certificates", []):
        certs.append(c.get("rawBytes", ""))
    for c in certs:
        with contextlib.suppress(ValueError):
            seeds["x509_cert"].add(b64(c))
    for entry in vm.get("tlogEntries", []):
        note = ((entry.get("inclusionProof") or {}).get("checkpoint") or {}).get("envelope")
        if note:
            seeds["checkpoint"].add(note.encode())
    signature = None
    if "messageSignature" in bundle:
        signature = bundle["messageSignature"].get("signature")
    elif "dsseEnvelope" in bundle:
        sigs = bundle["dsseEnvelope"].get("signatures") or [{}]
        signature = sigs[0].get("sig")
    stamps = (vm.get("timestampVerificationData") or {}).get("rfc3161Timestamps", [])
    for stamp in stamps:
        try:
            sig = b64(signature or "")
            token = b64(stamp.get("signedTimestamp", ""))
        except ValueError:
            continue
        # The rfc3161_token framing: u16 big-endian length, signature, token.
        seeds["rfc3161_token"].add(struct.pack(">H", len(sig)) + sig + token)


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    targets = [
        "bundle_json",
        "x509_cert",
        "rfc3161_token",
        "checkpoint",
        "provenance_json",
        "dist_name",
    ]
    seeds: dict[str, set[bytes]] = {t: set() for t in targets}

    for path in sorted(ASSETS.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        name = path.name
        if name.endswith((".tar.gz", ".whl", ".zip")):
            seeds["dist_name"].add(name.encode())
        if name.endswith((".pem", ".crt")):
            seeds["x509_cert"].update(pem_to_der(data.decode("utf-8", "replace")))
        try:
            doc = json.loads(data)
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        if "mediaType" in doc or "verificationMaterial" in doc:
            seeds["bundle_json"].add(data)
            walk_bundle(doc, seeds)
        if "attestation_bundles" in doc or "verification_material" in doc:
            seeds["provenance_json"].add(data)
        for ca in doc.get("certificateAuthorities", []) + doc.get("timestampAuthorities", []):
            for c in (ca.get("certChain") or {}).get("certificates", []):
                seeds["x509_cert"].add(b64(c["rawBytes"]))

    for path in sorted(EMBEDDED.glob("*.json")):
        doc = json.loads(path.read_bytes())
        for ca in doc.get("certificateAuthorities", []) + doc.get("timestampAuthorities", []):
            for c in (ca.get("certChain") or {}).get("certificates", []):
                seeds["x509_cert"].add(b64(c["rawBytes"]))

    seeds["dist_name"].update(n.encode() for n in EXTRA_NAMES)

    for target, items in seeds.items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for item in items:
            (d / hashlib.sha256(item).hexdigest()[:16]).write_bytes(item)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()
