"""Words per second of `Model.annotate_many` against `quotekit predict` on
the same texts and threads (prints figures; no assertions).

    python crates/quotekit-py/benches/speed.py --model models/crf-polnear \
        --input dev.jsonl --binary target/release/quotekit [--repeat 5]

The input is JSONL (`{"id", "text"}`); it is annotated `--repeat` times over
(as one corpus) so that start-up costs are small. The CLI is timed from
start to exit (model load included), Python from the call (model loaded);
each figure is the best of `--runs`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import quotekit


def best(runs: int, f) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--binary", default="target/release/quotekit")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", default="1,2")
    args = p.parse_args()

    lines = [l for l in Path(args.input).read_text(encoding="utf-8").splitlines() if l.strip()]
    items = []
    for r in range(args.repeat):
        for l in lines:
            record = json.loads(l)
            record["id"] = f"{record.get('id')}-{r}"
            items.append(record)
    words = sum(len(i["text"].split()) for i in items)
    model = quotekit.load(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "in.jsonl"
        corpus.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
        jsonl = [json.dumps(i) for i in items]
        print(f"{len(items)} documents, {words} words")
        for threads in [int(t) for t in args.threads.split(",")]:
            cli = best(args.runs, lambda: subprocess.run(
                [args.binary, "predict", "--model", args.model, "--input", str(corpus),
                 "--output", str(Path(tmp) / "out.jsonl"), "--threads", str(threads)],
                check=False, capture_output=True))
            many = best(args.runs, lambda: model.annotate_many(items, threads=threads))
            raw = best(args.runs, lambda: model.annotate_jsonl(jsonl, threads=threads))
            print(f"threads {threads}: CLI {words / cli:,.0f} words/s; "
                  f"annotate_many {words / many:,.0f} ({cli / many:.0%} of the CLI); "
                  f"annotate_jsonl {words / raw:,.0f} ({cli / raw:.0%})")


if __name__ == "__main__":
    main()
