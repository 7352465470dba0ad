"""The public Python surface: every error importable from the package, and a
docstring on every public class, function, method and property."""

from __future__ import annotations

import importlib
import inspect

import pytest

import sigstore_rs
from conftest import ASSETS
from helpers import embedded
from sigstore_rs import errors

MODULES = [
    "sigstore_rs",
    "sigstore_rs.errors",
    "sigstore_rs.verify",
    "sigstore_rs.pep740",
    "sigstore_rs.index",
    "sigstore_rs.pylock",
    "sigstore_rs.sign",
    "sigstore_rs.trust",
    "sigstore_rs.testing",
    "sigstore_rs.pytest_plugin",
]


def test_every_error_is_importable_from_the_package() -> None:
    for name in errors.__all__:
        assert getattr(sigstore_rs, name) is getattr(errors, name), name
        assert name in sigstore_rs.__all__, name


def test_invalid_input_is_a_value_error() -> None:
    assert issubclass(sigstore_rs.InvalidInput, ValueError)
    with pytest.raises(ValueError, match="digest"):
        embedded("staging").verify_artifact(
            "sha256:zz",
            sigstore_rs.Bundle.from_file(ASSETS / "sigstore-python" / "bundle_v3.txt.sigstore"),
            sigstore_rs.Identity(identity="x@example.com"),
        )


def _undocumented(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    missing = [] if (module.__doc__ or "").strip() else [module_name]
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(f"{module_name}.{name}")
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            # A constructor is documented by its class's docstring.
            if attr.startswith("_"):
                continue
            fn = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            fn = fn.fget if isinstance(fn, property) else fn
            if callable(fn) and not (fn.__doc__ or "").strip():
                missing.append(f"{module_name}.{name}.{attr}")
    return missing


@pytest.mark.parametrize("module_name", MODULES)
def test_public_names_have_docstrings(module_name: str) -> None:
    assert _undocumented(module_name) == []
