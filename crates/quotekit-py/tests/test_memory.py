"""Annotating the same texts again and again does not grow memory."""

from __future__ import annotations

import gc
from pathlib import Path


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def test_repeated_annotation_does_not_grow_rss(model, texts):
    for _ in range(5):  # warm up: allocator pools, thread pools
        model.annotate_many(texts, threads=2)
    gc.collect()
    before = rss_kb()
    for _ in range(40):
        records = model.annotate_many(texts, threads=2)
        for t in texts[:5]:
            model.annotate(t["text"], id=t["id"])
    del records
    gc.collect()
    grown = rss_kb() - before
    # 40 rounds of the corpus; a leak of even one record per document per
    # round would be several megabytes.
    assert grown < 8_000, f"RSS grew by {grown} KB"
