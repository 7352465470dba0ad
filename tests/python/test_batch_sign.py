"""Signing many files in one run (issue 15): one token and one certificate,
concurrent uploads, each bundle written as it completes; a failing file is
named and leaves nothing behind while the others keep their outputs; the
certificate is renewed when it would expire mid-batch. Also the local
instance's latency, Rekor v2 batching and choice of logs."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import run_module
from sigstore_rs import Bundle, Identity, Verifier, errors
from sigstore_rs.sign import SigningContext
from sigstore_rs.testing import Instance

ALICE = "alice@example.com"


def _files(tmp_path: Path, n: int) -> list[Path]:
    out = tmp_path / "dist"
    out.mkdir()
    files = []
    for i in range(n):
        f = out / f"pkg-{i}.tar.gz"
        f.write_bytes(f"distribution {i}\n".encode())
        files.append(f)
    return files


def _leaf(bundle: Bundle) -> str:
    doc = json.loads(bundle.to_json())
    cert: str = doc["verificationMaterial"]["certificate"]["rawBytes"]
    return cert


@pytest.mark.parametrize("rekor", ["v1", "v2"])
def test_cli_signs_many_files_concurrently(rekor: str, tmp_path: Path) -> None:
    latency = {"rekor-v1": 0.3, "rekor-v2": 0.5, "tsa": 0.05, "fulcio": 0.1}
    with Instance.start(rekor=rekor, latency=latency) as inst:
        offered = inst.trust_config["signingConfig"]["rekorTlogUrls"]
        assert [t["majorApiVersion"] for t in offered] == [int(rekor[1])]
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 16)
        out = run_module(
            "sigstore_rs", "--trust-config", config, "sign", "--identity-token",
            inst.token(ALICE), "--jobs", "8", *files,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == [f"Wrote {f}.sigstore.json" for f in files]
        # No terminal: no progress lines.
        assert out.stderr == ""
        # The uploads overlapped (counted by the log, not timed).
        log = "rekor_v1" if rekor == "v1" else "rekor_v2"
        assert inst.peak_concurrency(log) >= 2, inst.peak_concurrency(log)
        assert inst.peak_concurrency("fulcio") == 1
        verifier = Verifier.from_trust_config(config)
        leaves = set()
        for f in files:
            bundle = Bundle.from_file(f"{f}.sigstore.json")
            verifier.verify_artifact(f, bundle, Identity(identity=ALICE, issuer=inst.issuer))
            leaves.add(_leaf(bundle))
        assert len(leaves) == 1, "one certificate for the run"


def test_cli_failing_file_is_named_and_others_are_written(tmp_path: Path) -> None:
    with Instance.start(rekor="v1") as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 4)
        # The log refuses the first upload and its two retries.
        inst.set_fault("rekor_error", requests=3)
        out = run_module(
            "sigstore_rs", "--trust-config", config, "pypi", "sign", "--identity-token",
            inst.token(ALICE), "--jobs", "1", *files,
        )  # fmt: skip
        assert out.returncode == 1, out.stderr
        assert f"FAIL: {files[0]}: " in out.stderr
        assert "failing on purpose" in out.stderr
        assert out.stdout.splitlines() == [f"Wrote {f}.publish.attestation" for f in files[1:]]
        names = sorted(p.name for p in files[0].parent.iterdir())
        assert names == sorted(
            [f.name for f in files] + [f"{f.name}.publish.attestation" for f in files[1:]]
        ), "nothing partial (no temporary file, no attestation of the failed file)"


def test_api_mid_batch_failure(tmp_path: Path) -> None:
    """A fault switched on once the first file is done fails exactly the
    next one; the results say which, in input order."""
    with Instance.start(rekor_version=2, rekor="v2") as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 5)
        signer = SigningContext.from_trust_config(config).signer(inst.token(ALICE))
        order: list[int] = []

        def on_done(i: int, result: Bundle | Exception) -> None:
            order.append(i)
            if len(order) == 1:
                inst.set_fault("rekor_error", requests=3)

        results = signer.sign_artifacts(files, jobs=1, on_done=on_done)
        assert order == [0, 1, 2, 3, 4]
        assert isinstance(results[1], errors.SigningError), results[1]
        assert "failing on purpose" in str(results[1])
        verifier = Verifier.from_trust_config(config)
        for i in (0, 2, 3, 4):
            r = results[i]
            assert isinstance(r, Bundle), r
            verifier.verify_artifact(files[i], r, Identity(identity=ALICE, issuer=inst.issuer))

        # An exception raised by on_done is that input's result.
        def refuse(i: int, result: Bundle | Exception) -> None:
            if i == 2:
                raise OSError("disk full")

        # The same files again, signed anew.
        results = signer.sign_artifacts(files, jobs=3, on_done=refuse)
        assert [isinstance(r, Bundle) for r in results] == [True, True, False, True, True]
        assert isinstance(results[2], OSError)


def test_the_gil_is_released_while_a_batch_runs(tmp_path: Path) -> None:
    """A Python thread counting while four files are signed one at a time:
    the count moves between one completion and the next (counted, not
    timed)."""
    import threading

    with Instance.start(latency={"rekor-v1": 0.2}) as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 4)
        ctx = SigningContext.from_trust_config(config)
        signer = ctx.signer(inst.token(ALICE))
        assert signer.default_jobs == 100
        count = 0
        stop = threading.Event()

        def counter() -> None:
            nonlocal count
            while not stop.is_set():
                count += 1
                time.sleep(0.001)

        seen: list[int] = []
        t = threading.Thread(target=counter)
        t.start()
        try:
            results = signer.sign_artifacts(files, jobs=1, on_done=lambda i, r: seen.append(count))
        finally:
            stop.set()
            t.join()
        assert all(isinstance(r, Bundle) for r in results), results
        assert seen == sorted(seen), seen
        assert len(set(seen)) == len(seen), seen
    with Instance.start(rekor="v2") as inst:
        config = inst.write_trust_config(tmp_path / "trust_config_v2.json")
        signer = SigningContext.from_trust_config(config).signer(inst.token(ALICE))
        assert signer.default_jobs == 256


def test_certificate_renewed_during_a_long_batch(tmp_path: Path) -> None:
    """Certificates living 4 s, used only while 2 s remain, uploads taking
    0.7 s two at a time: twelve files need more than one certificate, and
    every bundle verifies."""
    with Instance.start(leaf_lifetime=4, latency={"rekor-v1": 0.7}) as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 12)
        signer = SigningContext.from_trust_config(config).signer(inst.token(ALICE))
        assert signer.not_after - time.time() <= 5
        results = signer.sign_artifacts(files, jobs=2, _renew_margin=2)
        verifier = Verifier.from_trust_config(config)
        leaves = set()
        for f, r in zip(files, results):
            assert isinstance(r, Bundle), r
            verifier.verify_artifact(f, r, Identity(identity=ALICE, issuer=inst.issuer))
            leaves.add(_leaf(r))
        assert len(leaves) >= 2


def test_attest_many_dsse(tmp_path: Path) -> None:
    with Instance.start() as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 3)
        predicate = tmp_path / "predicate.json"
        predicate.write_text("{}")
        out = run_module(
            "sigstore_rs", "--trust-config", config, "attest", "--predicate-type",
            "https://example.com/p", "--predicate", predicate, "--identity-token",
            inst.token(ALICE), *files,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        for f in files:
            doc = json.loads(Path(f"{f}.sigstore.json").read_text())
            payload = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
            assert payload["subject"][0]["name"] == f.name


def test_latency_options_are_checked() -> None:
    with pytest.raises(ValueError, match='no latency can be set for "tuf"'):
        Instance.start(latency={"tuf": 1.0})
    with pytest.raises(ValueError, match="rekor_logs must be v1, v2 or both"):
        Instance.start(rekor="v3")
    with Instance.start() as inst:
        with pytest.raises(ValueError, match="0 to 3600 seconds"):
            inst.set_latency("tsa", -1)
        inst.set_latency("oidc", 0.3)
        t = time.monotonic()
        import urllib.request

        with urllib.request.urlopen(inst.url("oidc") + "/.well-known/openid-configuration"):
            pass
        assert time.monotonic() - t >= 0.3


def test_serve_takes_latency_and_rekor(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "sigstore_rs", "testing", "serve", "--dir", str(tmp_path),
         "--rekor", "v2", "--latency", "rekor-v2=1.5", "--latency", "fulcio=0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        config = tmp_path / "trust_config.json"
        for _ in range(200):
            if config.exists():
                break
            time.sleep(0.05)
        doc = json.loads(config.read_text())
        tlogs = doc["signingConfig"]["rekorTlogUrls"]
        assert [t["majorApiVersion"] for t in tlogs] == [2]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bad = run_module("sigstore_rs", "testing", "serve", "--dir", tmp_path, "--latency", "tuf=1")
    assert bad.returncode == 2
    assert 'no latency can be set for "tuf"' in bad.stderr


def _default_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


class _OnTerminal:
    """``python -m sigstore_rs ARGS`` with stderr on a pseudo-terminal (as in
    an interactive shell), stdout captured."""

    def __init__(self, *args: str | Path) -> None:
        import os
        import pty
        import subprocess
        import sys

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sigstore_rs", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            text=True,
            # As from an interactive shell: Ctrl-C's signal not ignored (a
            # test run started in the background inherits SIGINT ignored,
            # and Python then installs no KeyboardInterrupt handler).
            preexec_fn=_default_sigint,
        )
        os.close(slave)
        self.err = ""

    def read_until(self, done: Callable[[str], bool], limit: float = 120) -> str:
        """The terminal's text so far, read until ``done(text)`` or the
        process ends (``limit`` only bounds a hang; nothing is timed)."""
        import os
        import select

        end = time.monotonic() + limit
        while not done(self.err) and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                self.err += chunk.decode().replace("\r\n", "\n")
            elif self.proc.poll() is not None:
                break
        return self.err

    def finish(self) -> tuple[int, str, str]:
        """Waits for the process (the terminal drained meanwhile, so a full
        one never blocks it; killed if it hangs) and returns its exit
        status, stdout and terminal text."""
        import os

        self.read_until(lambda _: self.proc.poll() is not None)
        if self.proc.poll() is None:
            self.proc.kill()
        out, _ = self.proc.communicate(timeout=60)
        self.read_until(lambda _: False, limit=2)
        os.close(self.master)
        return self.proc.returncode, out, self.err


def _progress(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("[")]


def test_a_progress_line_per_file_on_a_terminal(tmp_path: Path) -> None:
    with Instance.start(rekor="v1", latency={"rekor-v1": 0.1}) as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 6)
        run = _OnTerminal(
            "--trust-config", config, "sign", "--identity-token", inst.token(ALICE),
            "--jobs", "2", *files,
        )  # fmt: skip
        code, out, err = run.finish()
    assert code == 0, err
    lines = _progress(err)
    assert [line.split(" ")[0] for line in lines] == [f"[{k}/6]" for k in range(1, 7)], err
    assert sorted(line.split(" ")[1] for line in lines) == sorted(f"{f}:" for f in files)
    assert all(" ok (" in line and line.endswith(" s)") for line in lines), lines
    assert out.splitlines() == [f"Wrote {f}.sigstore.json" for f in files]


def test_ctrl_c_finishes_what_is_in_flight_and_names_what_was_not_signed(
    tmp_path: Path,
) -> None:
    import signal

    with Instance.start(rekor="v1", latency={"rekor-v1": 0.4}) as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 20)
        run = _OnTerminal(
            "--trust-config", config, "sign", "--identity-token", inst.token(ALICE),
            "--jobs", "2", *files,
        )  # fmt: skip
        run.read_until(lambda err: len(_progress(err)) >= 2)
        run.proc.send_signal(signal.SIGINT)
        code, out, err = run.finish()
        issuer = inst.issuer
    assert code == 130, err
    written = [f for f in files if Path(f"{f}.sigstore.json").exists()]
    # Those done, the two then in flight, a few more on a loaded machine;
    # never all.
    assert 2 <= len(written) <= 10, (len(written), err)
    assert out.splitlines() == [f"Wrote {f}.sigstore.json" for f in written]
    not_signed = [f for f in files if f not in written]
    assert (
        f"interrupted: {len(written)} of 20 inputs signed and written; "
        f"not signed: {', '.join(map(str, not_signed))}"
    ) in err, err
    assert "Traceback" not in err
    assert "FAIL" not in err
    # Nothing partial: the inputs, their bundles, no temporary file.
    names = sorted(p.name for p in files[0].parent.iterdir())
    assert names == sorted([f.name for f in files] + [f"{f.name}.sigstore.json" for f in written])
    verifier = Verifier.from_trust_config(config)
    for f in written:
        bundle = Bundle.from_file(f"{f}.sigstore.json")
        verifier.verify_artifact(f, bundle, Identity(identity=ALICE, issuer=issuer))


def test_an_output_that_cannot_be_written_fails_that_file_alone(tmp_path: Path) -> None:
    """Signed, but its bundle cannot be put in place (a directory holds the
    name): that file is named, the others are written, exit status 1."""
    with Instance.start() as inst:
        config = inst.write_trust_config(tmp_path / "trust_config.json")
        files = _files(tmp_path, 4)
        blocked = Path(f"{files[1]}.sigstore.json")
        blocked.mkdir()
        out = run_module(
            "sigstore_rs", "--trust-config", config, "sign", "--identity-token",
            inst.token(ALICE), *files,
        )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith(f"FAIL: {files[1]}: "), out.stderr
    assert out.stdout.splitlines() == [f"Wrote {f}.sigstore.json" for f in files if f != files[1]]
    assert blocked.is_dir()
    assert not any(blocked.iterdir())
    names = sorted(p.name for p in files[0].parent.iterdir())
    assert names == sorted([f.name for f in files] + [f"{f.name}.sigstore.json" for f in files])
