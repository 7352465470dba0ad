"""The recorded material in ``tests/assets`` is byte-for-byte what was recorded.

``SHA256SUMS`` lists every file; a changed, missing or unlisted file fails here
first, so a signature test never fails for a reason nobody can see (an editor's
trailing newline, a line-ending conversion).
"""

from __future__ import annotations

import hashlib

from conftest import ASSETS

UNPINNED = {"SHA256SUMS", "NOTICE.md"}


def _pinned() -> dict[str, str]:
    sums = {}
    for line in (ASSETS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.removeprefix("./")] = digest
    return sums


def test_every_file_is_pinned_and_unchanged() -> None:
    pinned = _pinned()
    present = {
        p.relative_to(ASSETS).as_posix()
        for p in ASSETS.rglob("*")
        if p.is_file() and p.name not in UNPINNED
    }
    assert sorted(pinned.keys() - present) == [], "pinned but missing"
    assert sorted(present - pinned.keys()) == [], "present but not in SHA256SUMS"
    changed = [
        name
        for name, digest in pinned.items()
        if hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == []


def test_notice_names_every_top_level_folder() -> None:
    notice = (ASSETS / "NOTICE.md").read_text()
    for folder in (p for p in ASSETS.iterdir() if p.is_dir()):
        assert f"`{folder.name}/`" in notice, folder.name
