"""Annotating the same texts again and again does not grow memory."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def annotate_rounds(model, texts, rounds: int) -> None:
    for _ in range(rounds):
        records = model.annotate_many(texts, threads=2)
        for t in texts[:5]:
            model.annotate(t["text"], id=t["id"])
    del records
    gc.collect()


def test_repeated_annotation_keeps_no_python_objects(model, texts):
    annotate_rounds(model, texts, 5)  # warm up: caches, interned names
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        annotate_rounds(model, texts, 40)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Python's own allocations, counted exactly: measured about 1 KB over
    # the 40 rounds, and 1 MB when one record a round is kept alive.
    assert grown < 100_000, f"Python objects grew by {grown} bytes"


def test_repeated_annotation_does_not_grow_rss(model, texts):
    annotate_rounds(model, texts, 5)  # warm up: allocator pools, thread pools
    before = rss_kb()
    annotate_rounds(model, texts, 40)
    grown = rss_kb() - before
    # Memory outside Python (the Rust side). The allocator keeps the pages it
    # frees (for tagging speed), in steps of 2-8 MB: 12-19 MB of growth was
    # measured over 40 (and 200) rounds without any leak. 40 rounds of 54
    # documents (with PolNeAR dev's first 40): a leak of 15 KB per document
    # and round passes the bound.
    assert grown < 32_000, f"RSS grew by {grown} KB"
