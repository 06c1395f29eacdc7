"""Who said what over a corpus on Apache Spark.

Reads a JSONL (or Parquet) corpus of ``{"id", "text", ...}`` records and
writes one quotekit record per document (the records of ``quotekit predict
--format jsonl``), in one of two ways:

* ``--mode python``: ``mapPartitions`` with the ``quotekit`` Python package;
  each executor's Python worker loads the model once and annotates its
  partition in chunks, on ``--threads`` threads with the GIL released. (Run
  as a script, the job ships this file and maps with the functions of the
  module ``quotekit_spark``: those of ``__main__`` would travel by value,
  each task with an empty model cache of its own, loading the model again.)
* ``--mode pipe``: ``RDD.pipe`` through the ``quotekit predict --input -
  --output -`` filter (the binary must be on the executors).

    spark-submit examples/spark/quotekit_spark.py --model models/crf \\
        --input corpus.jsonl --output quotes/ --mode python

A record that cannot be annotated becomes an error record ``{"id", "error":
{"kind", "message"}}`` in the output and the job goes on. The part files,
read in order, hold the records of text input in input order (a folder's
files name by name down its subfolders); Parquet's rows come in the order
Spark reads its files (the largest first), not by name.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import itertools
import os
import shlex
import sys
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

# One model per Python worker process (and precision, and whether it names
# speakers), loaded on first use.
_MODELS: Dict[Tuple[str, str, bool], object] = {}

# A debugging aid: where this variable names a file, each model load in a
# Python worker appends a line "PID MODEL" to it (`main` passes it on to the
# executors), so that loads can be counted from outside.
LOAD_LOG = "QUOTEKIT_SPARK_LOAD_LOG"


def _model(path: str, precision: str = "f32", speakers: bool = True):
    """The model at ``path``, loaded once per Python worker process."""
    import quotekit

    if (path, precision, speakers) not in _MODELS:
        _MODELS[path, precision, speakers] = quotekit.load(path, precision=precision,
                                                           speakers=speakers)
        log = os.environ.get(LOAD_LOG)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()} {path}\n")
    return _MODELS[path, precision, speakers]


# The white space a line of only which ``predict`` passes over (a line of
# other white space, a no-break space, is an error record).
_ASCII_WHITE = " \t\n\r\x0c"


def _blank(line: str) -> bool:
    """True for a line ``predict`` passes over."""
    return not line.strip(_ASCII_WHITE)


def annotate_partition(
    lines: Iterable[str], model: str, threads: int, chunk: int, max_chars: int = 1_000_000,
    precision: str = "f32", speakers: bool = True,
) -> Iterator[str]:
    """Annotates a partition's JSONL lines in chunks of ``chunk`` records."""
    m = _model(model, precision, speakers)
    batch: List[str] = []
    for line in lines:
        if _blank(line):
            continue
        batch.append(line)
        if len(batch) == chunk:
            yield from m.annotate_jsonl(batch, threads=threads, max_chars=max_chars)
            batch = []
    if batch:
        yield from m.annotate_jsonl(batch, threads=threads, max_chars=max_chars)


def pipe_command(binary: str, model: str, threads: int, max_chars: int = 1_000_000,
                 precision: str = "f32", speakers: bool = True) -> str:
    """The filter each partition is piped through: ``predict``, whose run
    that ends with its ``done:`` line is a success even with exit code 2
    (some records failed; their error records are in the output), while any
    other end (no model, a bad option, which exits 64, a killed process)
    fails the task, so that a partition is never cut short unseen."""
    args = [binary, "predict", "--model", model, "--input", "-", "--output", "-",
            "--threads", str(threads)]
    if max_chars != 1_000_000:
        args += ["--max-chars", str(max_chars)]
    if precision != "f32":
        args += ["--precision", precision]
    if not speakers:
        args.append("--no-speakers")
    predict = " ".join(shlex.quote(a) for a in args)
    script = (
        'log=$(mktemp) || exit 1; '
        f'{predict} 2>"$log"; rc=$?; cat "$log" >&2; '
        'if [ "$rc" -eq 2 ] && grep -q "^done: " "$log"; then rc=0; fi; '
        'rm -f "$log"; exit "$rc"'
    )
    return f"sh -c {shlex.quote(script)}"


def _local(path: str) -> Optional[str]:
    """``path`` as a local file system path (a ``file:`` URI's path), or
    None for a path of another file system (``hdfs://``, ``s3a://`` …)."""
    if path.startswith("file:"):
        path = path[len("file:"):]
        # file:///a is /a, file:/a too
        return "/" + path.lstrip("/") if path.startswith("/") else path
    if "://" in path or ":" in path.split("/")[0]:
        return None
    return path


def is_parquet(path: str) -> bool:
    """Whether ``path`` holds Parquet: it ends in ``.parquet`` (a trailing
    slash aside), or it is a local folder of ``.parquet`` files (as
    ``DataFrame.write.parquet`` makes). Give ``--format`` for others."""
    bare = path.rstrip("/")
    if bare.endswith(".parquet"):
        return True
    local = _local(bare)
    if local is None or not os.path.isdir(local):
        return False
    # (`partitionBy` puts the files in `key=value` folders.)
    return any(name.endswith(".parquet") for _, _, names in os.walk(local) for name in names)


# Characters Hadoop reads as glob syntax in the paths `textFile` takes; a
# backslash makes them plain.
_GLOB_SPECIAL = "\\*?[]{}"


def _hadoop_literal(path: str) -> str:
    """``path`` escaped so that Hadoop reads it as one path, not a glob. (A
    comma separates paths, escaped or not, except inside braces, so it is
    written as the glob ``{\\,}``, which matches a comma.)"""
    return "".join("{\\,}" if c == "," else "\\" + c if c in _GLOB_SPECIAL else c
                   for c in path)


def _hidden(name: str) -> bool:
    """Names Hadoop's file input passes over (``_SUCCESS``, ``.crc``)."""
    return name.startswith(("_", "."))


def text_files(path: str, local_default: bool = True) -> str:
    """The ``textFile`` path for ``path``: a local folder becomes the list of
    the files under it, subfolders too, in path order (Hadoop lists a local
    folder in the file system's own order, which is not by name; HDFS lists
    by name); other paths (files, globs, other file systems, an empty
    folder) are kept. A path without a scheme is local only where the
    default file system is (``local_default``)."""
    local = _local(path) if local_default or path.startswith("file:") else None
    if local is None or not os.path.isdir(local):
        return path
    files = []
    for root, dirs, names in os.walk(local):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        files += [os.path.join(root, n) for n in names if not _hidden(n)]
    if not files:
        return path
    # (Name by name down the folders, as HDFS walks them: `a/x` before `a-b`.)
    files.sort(key=lambda f: f.split(os.sep))
    return ",".join("file://" + _hadoop_literal(os.path.abspath(f)) for f in files)


def spread(rdd, partitions: int):
    """``rdd`` in ``partitions`` partitions of consecutive records, in order
    (``repartition`` deals records out in no order): one pass counts each
    partition's records, then record ``k`` of ``total`` goes to partition
    ``k * partitions // total`` and each partition is sorted back by ``k``."""
    sizes = rdd.mapPartitions(lambda part: [sum(1 for _ in part)]).collect()
    total = sum(sizes)
    if total == 0:
        return rdd
    starts = [0, *itertools.accumulate(sizes)]
    numbered = rdd.mapPartitionsWithIndex(
        lambda k, part: ((starts[k] + j, line) for j, line in enumerate(part)))
    return numbered.repartitionAndSortWithinPartitions(
        partitions, partitionFunc=lambda index: index * partitions // total
    ).values()


def input_lines(spark, path: str, partitions: Optional[int], fmt: str = "auto"):
    """The corpus as an RDD of JSONL lines, in input order: text files as
    they are (lines end at ``\\n`` alone, as ``predict`` reads them: a ``\\r``
    is JSON white space; a folder's subfolders are read too), Parquet rows as
    JSON (null fields kept; a binary ``text`` column read as UTF-8 text). With
    ``partitions``, Parquet is spread over that many partitions, and text
    over at least that many (Hadoop splits a plain file as asked; a gzip
    file, which cannot be split, is spread after it is read)."""
    if fmt == "parquet" or (fmt == "auto" and is_parquet(path)):
        from pyspark.sql import functions as F

        frame = spark.read.parquet(path)
        if "text" in frame.columns and frame.schema["text"].dataType.typeName() == "binary":
            frame = frame.withColumn("text", frame["text"].cast("string"))
        row = F.to_json(F.struct(*[frame[c] for c in frame.columns]),
                        {"ignoreNullFields": "false"})
        rdd = frame.select(row.alias("json")).rdd.map(lambda r: r[0])
        if partitions and rdd.getNumPartitions() != partitions:
            return spread(rdd, partitions)
        return rdd
    # (The settings hold for this read alone: the RDD takes the Hadoop
    # configuration when it is made, and the session's is put back.)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    settings = {"textinputformat.record.delimiter": "\n",
                "mapreduce.input.fileinputformat.input.dir.recursive": "true"}
    before = {key: conf.get(key) for key in settings}
    for key, value in settings.items():
        conf.set(key, value)
    try:
        local_default = (conf.get("fs.defaultFS") or "file:").startswith("file:")
        rdd = spark.sparkContext.textFile(text_files(path, local_default),
                                          minPartitions=partitions or 2)
    finally:
        for key, value in before.items():
            if value is None:
                conf.unset(key)
            else:
                conf.set(key, value)
    if partitions and rdd.getNumPartitions() < partitions:
        return spread(rdd, partitions)
    return rdd


def annotate(spark, input_path: str, model: str, mode: str = "python", threads: int = 1,
             partitions: Optional[int] = None, chunk: int = 256, binary: str = "quotekit",
             max_chars: int = 1_000_000, fmt: str = "auto", precision: str = "f32",
             speakers: bool = True):
    """The RDD of output records (JSON text) for the corpus at ``input_path``.
    ``precision`` and ``speakers`` are ``predict``'s ``--precision`` and
    ``--no-speakers`` (``quotekit.load``'s ``precision`` and ``speakers``).

    In python mode the executors import this module (``addPyFile`` it, as
    ``main`` does), so that each Python worker keeps one model cache."""
    lines = input_lines(spark, input_path, partitions, fmt)
    if mode == "python":
        # (A partial of a module function is pickled by reference, a lambda
        # by value.)
        return lines.mapPartitions(functools.partial(
            annotate_partition, model=model, threads=threads, chunk=chunk, max_chars=max_chars,
            precision=precision, speakers=speakers))
    if mode == "pipe":
        command = pipe_command(binary, model, threads, max_chars, precision, speakers)
        # (`_blank`'s test inline, its constant taken by value: a library
        # caller's executors need not import this module for pipe mode.)
        white = _ASCII_WHITE
        return lines.filter(lambda l: l.strip(white) != "").pipe(command, checkCode=True)
    raise ValueError(f"--mode must be python or pipe, not {mode!r}")


def save(spark, records, output: str) -> None:
    """``records.saveAsTextFile(output)``; when the job fails, the output
    folder it made is removed again (an existing folder is Spark's to
    refuse, and left as it was), so that the corrected run can write it. A
    folder that Spark found there when it began to write (another job's,
    made since this one looked) is not this job's, and stays."""
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(output)
    fs = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    existed = fs.exists(target)
    try:
        records.saveAsTextFile(output)
    except BaseException as e:
        another = "FileAlreadyExistsException" in str(e)
        if not existed and not another and fs.exists(target):
            fs.delete(target, True)
        raise


def _whole(low: int, high: Optional[int] = None):
    """An argparse type: a whole number from ``low`` (to ``high``)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value}: expected a whole number {span}")
        return value
    return parse


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (local paths)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _surely_local(path: str) -> Optional[str]:
    """``path`` as a local path where it surely is one before Spark starts:
    a ``file:`` URI, or a path without a scheme where no Hadoop
    configuration is given (``HADOOP_CONF_DIR`` and ``YARN_CONF_DIR``
    unset: the default file system is then the local one; with them, it may
    be HDFS)."""
    if path.startswith("file:"):
        return _local(path)
    if os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR"):
        return None
    return _local(path)


def check_paths(parser: argparse.ArgumentParser, inputs: str, output: str) -> None:
    """Refuses, before Spark starts, an existing local output (Spark would
    fail at the end of its start-up) and a local output inside a local input
    folder (the job would read its own output folder and fail, and the folder
    left there would fail every later job on that corpus). Only paths that
    are surely local are checked (:func:`_surely_local`)."""
    out = _surely_local(output)
    if out is None:
        return
    if os.path.lexists(out):
        parser.error(f"--output {output} already exists: Spark writes a new folder; "
                     "remove it or give another")
    for given in inputs.split(","):
        local = _surely_local(given)
        if local is not None and os.path.isdir(local) and _inside(out, local):
            parser.error(f"--output {output} is inside the input folder {given}: "
                         "give an output outside it")


def _this_module():
    """This module as the executors import it: run as a script, this file is
    ``__main__``, whose functions cloudpickle sends by value (each task would
    get its own empty ``_MODELS`` and load the model again), so the job maps
    with the same functions imported by the file's own name (``quotekit_spark``,
    or a copy's) instead."""
    if __name__ != "__main__":
        return sys.modules[__name__]
    return importlib.import_module(os.path.splitext(os.path.basename(__file__))[0])


def main(argv: Optional[List[str]] = None) -> int:
    """The command line: checks the options, then runs the job, shipping
    this file to the executors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory (as executors see it)")
    parser.add_argument("--input", required=True,
                        help="JSONL file(s) or folder, subfolders read too (plain or gzip), "
                             "or Parquet")
    parser.add_argument("--format", choices=["auto", "jsonl", "parquet"], default="auto",
                        help="the input's format (auto: Parquet for a path ending in .parquet "
                             "or a local folder of .parquet files)")
    parser.add_argument("--output", required=True,
                        help="output folder (Spark part files), which must not exist")
    parser.add_argument("--mode", choices=["python", "pipe"], default="python")
    parser.add_argument("--threads", type=_whole(0, 1024), default=1,
                        help="quotekit threads per task, 0 to 1024 as predict takes them "
                             "(keep cores per executor / tasks)")
    parser.add_argument("--partitions", type=_whole(1), default=None,
                        help="partitions to annotate in (at least; gzip input is spread "
                             "over them after it is read)")
    parser.add_argument("--chunk", type=_whole(1), default=256, help="records per native call")
    parser.add_argument("--binary", default="quotekit", help="quotekit binary (pipe mode)")
    parser.add_argument("--max-chars", type=_whole(1), default=1_000_000,
                        help="longer texts become too-long error records (as predict's)")
    parser.add_argument("--precision", choices=["f32", "int8"], default="f32",
                        help="transformer models: the encoder's arithmetic (as predict's)")
    parser.add_argument("--no-speakers", action="store_true",
                        help="name no speakers, in less time (as predict's)")
    parser.add_argument("--master", default=None, help="Spark master (spark-submit sets it)")
    args = parser.parse_args(argv)
    check_paths(parser, args.input, args.output)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("quotekit")
    if args.master:
        builder = builder.master(args.master)
    if os.environ.get(LOAD_LOG):
        builder = builder.config(f"spark.executorEnv.{LOAD_LOG}", os.environ[LOAD_LOG])
    spark = builder.getOrCreate()
    try:
        spark.sparkContext.addPyFile(os.path.abspath(__file__))
        job = _this_module()
        records = job.annotate(spark, args.input, args.model, mode=args.mode,
                               threads=args.threads, partitions=args.partitions,
                               chunk=args.chunk, binary=args.binary, max_chars=args.max_chars,
                               fmt=args.format, precision=args.precision,
                               speakers=not args.no_speakers)
        job.save(spark, records, args.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
