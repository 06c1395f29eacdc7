"""Shared fixtures of the Python suite: the repository, a tiny model trained
on the embedded sample, the `quotekit` binary, and texts to annotate."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

import quotekit

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "datasets" / "sample"
POLNEAR_DEV = REPO.parent / "shared" / "datasets" / "polnear" / "dev"


def quotekit_bin() -> Path:
    """The `quotekit` binary: $QUOTEKIT_BIN, else the workspace's release or
    debug build (`cargo build` makes one)."""
    given = os.environ.get("QUOTEKIT_BIN")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        path = REPO / "target" / profile / "quotekit"
        if path.exists():
            return path
    pytest.fail(
        "no quotekit binary: run `cargo build` (or set QUOTEKIT_BIN) before the Python suite"
    )


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """Runs the `quotekit` binary from the repository root."""
    return subprocess.run(
        [str(quotekit_bin()), *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        timeout=600,
    )


def cli_error(proc: subprocess.CompletedProcess) -> str:
    """The message of the CLI's `error:` line."""
    lines = [l for l in proc.stderr.decode().splitlines() if l.startswith("error: ")]
    assert lines, proc.stderr.decode()
    return lines[-1][len("error: ") :]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A CRF trained briefly on the embedded sample, through `quotekit.train`."""
    folder = tmp_path_factory.mktemp("model")
    config = folder / "tiny.toml"
    config.write_text("[features]\nhash_bits = 16\n[training]\nc2 = 0.1\nmax_iterations = 30\n")
    out = folder / "model"
    # (Dev is the training corpus here, which training warns of.)
    with pytest.warns(UserWarning, match="14 of its 14 documents are training documents too"):
        report = quotekit.train(config, train=SAMPLE, dev=SAMPLE, out=out)
    assert report is not None and "exact" in json.dumps(report)
    assert (out / "model.safetensors").exists() and (out / "dev-eval.json").exists()
    report_page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report_page and "Final dev evaluation" in report_page
    return out


@pytest.fixture(scope="session")
def model(tiny_model: Path) -> quotekit.Model:
    return quotekit.load(tiny_model)


def sample_texts() -> List[Dict[str, str]]:
    """The embedded sample's texts as records, plus PolNeAR dev's when
    `../shared` has it (the suite says which it used)."""
    records = [
        {"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SAMPLE.glob("*.txt"))
    ]
    if POLNEAR_DEV.exists():
        for p in sorted(POLNEAR_DEV.rglob("*.txt"))[:40]:
            records.append({"id": "polnear-" + p.stem, "text": p.read_text(encoding="utf-8")})
    return records


@pytest.fixture(scope="session")
def texts() -> List[Dict[str, str]]:
    records = sample_texts()
    if not POLNEAR_DEV.exists():
        print(f"note: {POLNEAR_DEV} is missing; only the embedded sample is annotated")
    return records
