# Stubs for the compiled module (src/py/); checked by `python -m mypy.stubtest sigstore_rs._rust`.
import os
from typing import final

__all__ = ["Bundle", "Policy", "Verifier", "__version__", "_error_for_testing"]
__version__: str

@final
class Bundle:
    @staticmethod
    def from_json(data: bytes) -> Bundle: ...
    @property
    def media_type(self) -> str: ...

@final
class Policy:
    @staticmethod
    def identity(identity: str, issuer: str | None = None) -> Policy: ...
    @staticmethod
    def identity_regex(pattern: str, issuer: str | None = None) -> Policy: ...
    @staticmethod
    def claim(claim_name: str, expected: str) -> Policy: ...
    @staticmethod
    def github(
        *,
        repository: str | None = None,
        ref: str | None = None,
        trigger: str | None = None,
        name: str | None = None,
        sha: str | None = None,
        identity: str | None = None,
    ) -> Policy: ...
    @staticmethod
    def any_of(policies: list[Policy]) -> Policy: ...
    @staticmethod
    def all_of(policies: list[Policy]) -> Policy: ...

@final
class Verifier:
    @staticmethod
    def production() -> Verifier: ...
    @staticmethod
    def staging() -> Verifier: ...
    @staticmethod
    def from_trusted_root(path: str | os.PathLike[str]) -> Verifier: ...
    @staticmethod
    def from_trust_config(path: str | os.PathLike[str]) -> Verifier: ...
    def verify_artifact(
        self, input: bytes | str | os.PathLike[str], bundle: Bundle, policy: Policy
    ) -> None: ...
    def verify_artifact_with_key(
        self, input: bytes | str | os.PathLike[str], bundle: Bundle, key_pem: bytes
    ) -> None: ...
    def verify_detached(
        self,
        input: bytes | str | os.PathLike[str],
        certificate: bytes,
        signature: bytes,
        policy: Policy,
        *,
        rekor_bundle: bytes | None = None,
        offline: bool = False,
        rekor_url: str | None = None,
    ) -> None: ...
    def verify_dsse(self, bundle: Bundle, policy: Policy) -> tuple[str, bytes]: ...
    def verify_dsse_with_key(self, bundle: Bundle, key_pem: bytes) -> tuple[str, bytes]: ...

def _error_for_testing(kind: str, message: str) -> Exception: ...
