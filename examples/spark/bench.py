"""Times examples/spark's job (prints figures; no assertions): the fixed
start-up cost (a 14-document corpus) and words/s over a corpus, in each mode.
A run that fails (the CLI's or a Spark job) stops the bench with its stderr's
end and exit code 1: no figure comes from a failed run.

    python examples/spark/bench.py --model models/crf-polnear --input big.jsonl \
        --binary target/release/quotekit [--master local-cluster[2,1,1024]]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def text_words(line: str) -> int:
    """Words of a record's text (none for a record quotekit turns into an
    error record: not JSON, or no text string)."""
    try:
        text = json.loads(line).get("text")
    except (ValueError, AttributeError):
        return 0
    return len(text.split()) if isinstance(text, str) else 0


def timed(what: str, command, ok=lambda proc: proc.returncode == 0, **kwargs) -> float:
    """Seconds ``command`` ran; exits, showing the end of its stderr, when
    it failed (``ok`` false)."""
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, **kwargs)
    seconds = time.perf_counter() - start
    if not ok(proc):
        tail = proc.stderr.decode("utf-8", "replace")[-4000:]
        sys.exit(f"{what} failed (exit code {proc.returncode}), so no figure; its stderr ends:\n"
                 f"{tail}")
    return seconds


def job(args, corpus: Path, out: Path, mode: str) -> float:
    return timed(
        f"the Spark job ({mode} mode, {corpus.name})",
        [sys.executable, str(HERE / "quotekit_spark.py"), "--master", args.master,
         "--model", args.model, "--input", str(corpus), "--output", str(out), "--mode", mode,
         "--threads", "1", "--partitions", str(args.partitions), "--binary", args.binary],
        env=dict(os.environ, PYSPARK_PYTHON=sys.executable),
    )


def predict_ok(proc: subprocess.CompletedProcess) -> bool:
    """``predict`` succeeded: exit code 0, or 2 (some error records) after
    its ``done:`` line, as the Spark example's pipe mode takes it."""
    done = any(l.startswith(b"done: ") for l in proc.stderr.splitlines())
    return proc.returncode == 0 or (proc.returncode == 2 and done)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--binary", default="target/release/quotekit")
    p.add_argument("--master", default="local-cluster[2,1,1024]")
    p.add_argument("--partitions", type=int, default=16)
    args = p.parse_args()
    if "/" in args.binary:  # executors run in folders of their own
        args.binary = str(Path(args.binary).resolve())
    args.model = str(Path(args.model).resolve())
    corpus = Path(args.input)
    words = sum(text_words(l) for l in corpus.open(encoding="utf-8") if l.strip())
    with tempfile.TemporaryDirectory() as tmp:
        tiny = Path(tmp) / "tiny.jsonl"
        sample = sorted((HERE.parents[1] / "datasets" / "sample").glob("*.txt"))
        tiny.write_text("".join(json.dumps({"id": s.stem, "text": s.read_text()}) + "\n"
                                for s in sample), encoding="utf-8")
        print(f"{corpus}: {words:,} words; master {args.master}, {args.partitions} partitions")
        cli = timed("the CLI",
                    [args.binary, "predict", "--model", args.model, "--input", str(corpus),
                     "--output", str(Path(tmp) / "cli.jsonl"), "--threads", "2"],
                    ok=predict_ok)
        print(f"CLI, 2 threads: {cli:.1f} s, {words / cli:,.0f} words/s")
        for mode in ("python", "pipe"):
            fixed = job(args, tiny, Path(tmp) / f"tiny-{mode}", mode)
            total = job(args, corpus, Path(tmp) / f"out-{mode}", mode)
            print(f"{mode}: 14 documents {fixed:.1f} s (start-up); corpus {total:.1f} s, "
                  f"{words / total:,.0f} words/s, {words / max(total - fixed, 1e-9):,.0f} "
                  f"without the start-up")
            shutil.rmtree(Path(tmp) / f"out-{mode}")


if __name__ == "__main__":
    main()
