"""`quotekit.tune` runs the search `quotekit tune` runs, with its results and
its errors."""

from __future__ import annotations

import json

import pytest

import quotekit
from conftest import REPO, SAMPLE, cli_error, run_cli


def space(folder, body: str):
    path = folder / "space.toml"
    base = json.dumps(str(REPO / "configs" / "crf.toml"))
    path.write_text(f"base = {base}\nseed = 5\n{body}", encoding="utf-8")
    return path


RANDOM = (
    'method = "random"\ntrials = 3\n[space]\n'
    '"training.c2" = { min = 0.5, max = 8.0, log = true }\n'
    '"features.window" = { values = [1, 2] }\n'
)


def trials(out):
    """Each trial of `trials.jsonl` without its wall time."""
    rows = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    for row in rows:
        del row["seconds"]
    return rows


def test_tune_finds_what_the_cli_finds(tmp_path):
    s = space(tmp_path, RANDOM)
    # (Dev is the training corpus here: warned of once, not per trial.)
    with pytest.warns(UserWarning, match="training documents too") as said:
        report = quotekit.tune(s, out=tmp_path / "py", dev=SAMPLE, threads=1)
    assert sum("training documents too" in str(w.message) for w in said) == 1
    proc = run_cli(
        "tune", "--space", str(s), "--out", str(tmp_path / "cli"), "--dev", str(SAMPLE),
        "--threads", "2",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert trials(tmp_path / "py") == trials(tmp_path / "cli")
    assert report["stop"] == "trials" and len(report["records"]) == 3
    best = max(report["records"], key=lambda r: (r["scores"]["exact"], -r["trial"]))
    assert report["best"] == best["trial"]
    assert (tmp_path / "py" / "best" / "model.safetensors").exists()
    # Called again, the search resumes: nothing is trained twice.
    with pytest.warns(UserWarning, match="training documents too"):
        again = quotekit.tune(s, out=tmp_path / "py", dev=SAMPLE, trials=4)
    assert len(again["records"]) == 4
    assert [r["seconds"] for r in again["records"][:3]] == [r["seconds"] for r in report["records"]]


def test_tune_errors_are_the_cli_errors(tmp_path):
    bad = space(tmp_path, 'trials = 2\n[space]\n"features.window" = { values = [9] }\n')
    with pytest.raises(quotekit.ConfigError) as e:
        quotekit.tune(bad, out=tmp_path / "out", dev=SAMPLE)
    proc = run_cli("tune", "--space", str(bad), "--out", str(tmp_path / "out2"), "--dev", str(SAMPLE))
    assert str(e.value) == cli_error(proc)
    assert "features.window" in str(e.value)
    with pytest.raises(quotekit.ConfigError, match="data.dev"):
        quotekit.tune(space(tmp_path, RANDOM), out=tmp_path / "nodev")
    with pytest.raises(quotekit.InputError, match="trials"):
        quotekit.tune(space(tmp_path, RANDOM), out=tmp_path / "t", dev=SAMPLE, trials=0)
    with pytest.raises(quotekit.InputError, match="from 1 to 100000$"):
        quotekit.tune(space(tmp_path, RANDOM), out=tmp_path / "t", dev=SAMPLE, trials=100_001)
    with pytest.raises(quotekit.InputError, match="from 0 to 1024$"):
        quotekit.tune(space(tmp_path, RANDOM), out=tmp_path / "t", dev=SAMPLE, threads=2**40)
    with pytest.raises(quotekit.InputError, match="sample"):
        quotekit.tune(space(tmp_path, RANDOM), out=SAMPLE, dev=SAMPLE)
