"""Who said what over a corpus on Apache Spark.

Reads a JSONL (or Parquet) corpus of ``{"id", "text", ...}`` records and
writes one quotekit record per document (the records of ``quotekit predict
--format jsonl``), in one of two ways:

* ``--mode python``: ``mapPartitions`` with the ``quotekit`` Python package;
  each executor's Python worker loads the model once and annotates its
  partition in chunks, on ``--threads`` threads with the GIL released.
* ``--mode pipe``: ``RDD.pipe`` through the ``quotekit predict --input -
  --output -`` filter (the binary must be on the executors).

    spark-submit examples/spark/quotekit_spark.py --model models/crf \\
        --input corpus.jsonl --output quotes/ --mode python

A record that cannot be annotated becomes an error record ``{"id", "error":
{"kind", "message"}}`` in the output and the job goes on.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Dict, Iterable, Iterator, List, Optional

# One model per Python worker process, loaded on first use.
_MODELS: Dict[str, object] = {}


def _model(path: str):
    import quotekit

    if path not in _MODELS:
        _MODELS[path] = quotekit.load(path)
    return _MODELS[path]


def annotate_partition(
    lines: Iterable[str], model: str, threads: int, chunk: int
) -> Iterator[str]:
    """Annotates a partition's JSONL lines in chunks of ``chunk`` records."""
    m = _model(model)
    batch: List[str] = []
    for line in lines:
        if not line.strip():
            continue
        batch.append(line)
        if len(batch) == chunk:
            yield from m.annotate_jsonl(batch, threads=threads)
            batch = []
    if batch:
        yield from m.annotate_jsonl(batch, threads=threads)


def pipe_command(binary: str, model: str, threads: int) -> str:
    """The filter each partition is piped through."""
    return " ".join(
        shlex.quote(a)
        for a in [binary, "predict", "--model", model, "--input", "-", "--output", "-",
                  "--threads", str(threads)]
    )


def input_lines(spark, path: str, partitions: Optional[int]):
    """The corpus as an RDD of JSONL lines: text files as they are, Parquet
    rows as JSON."""
    if path.endswith(".parquet"):
        rdd = spark.read.parquet(path).toJSON()
        return rdd.repartition(partitions) if partitions else rdd
    return spark.sparkContext.textFile(path, minPartitions=partitions or 2)


def annotate(spark, input_path: str, model: str, mode: str = "python", threads: int = 1,
             partitions: Optional[int] = None, chunk: int = 256, binary: str = "quotekit"):
    """The RDD of output records (JSON text) for the corpus at ``input_path``."""
    lines = input_lines(spark, input_path, partitions)
    if mode == "python":
        return lines.mapPartitions(lambda part: annotate_partition(part, model, threads, chunk))
    if mode == "pipe":
        # (`predict` exits with 2 when some record failed; the error records
        # are in its output, so that is no reason to fail the task.)
        return lines.filter(lambda l: l.strip()).pipe(pipe_command(binary, model, threads),
                                                      checkCode=False)
    raise ValueError(f"--mode must be python or pipe, not {mode!r}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory (as executors see it)")
    parser.add_argument("--input", required=True, help="JSONL file(s) or folder, or .parquet")
    parser.add_argument("--output", required=True, help="output folder (Spark part files)")
    parser.add_argument("--mode", choices=["python", "pipe"], default="python")
    parser.add_argument("--threads", type=int, default=1,
                        help="quotekit threads per task (keep cores per executor / tasks)")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--chunk", type=int, default=256, help="records per native call")
    parser.add_argument("--binary", default="quotekit", help="quotekit binary (pipe mode)")
    parser.add_argument("--master", default=None, help="Spark master (spark-submit sets it)")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("quotekit")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    try:
        records = annotate(spark, args.input, args.model, args.mode, args.threads,
                           args.partitions, args.chunk, args.binary)
        records.saveAsTextFile(args.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
