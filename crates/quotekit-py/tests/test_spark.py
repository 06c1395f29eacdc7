"""examples/spark on a real multi-process Spark: both ways give the records
of a single-machine `quotekit predict`, matched by id.

The master is `local-cluster[2,1,1024]` (two worker JVMs of one core each,
each with its own Python workers), or $QUOTEKIT_SPARK_MASTER. Without Java or
pyspark the test is skipped, saying why, except under CI (`CI` set), where
that is a failure."""

from __future__ import annotations

import collections
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import POLNEAR_DEV, REPO, SAMPLE, quotekit_bin, run_cli

sys.path.insert(0, str(REPO / "examples" / "spark"))


def unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI is set, so the Spark test must run)")
    pytest.skip(why)


MASTER = os.environ.get("QUOTEKIT_SPARK_MASTER", "local-cluster[2,1,1024]")
SCRIPT = REPO / "examples" / "spark" / "quotekit_spark.py"


def need_spark():
    """Skips (fails under CI) without Java or pyspark."""
    if shutil.which("java") is None:
        unavailable("java is missing: the Spark test needs Java 17 (apt-get install openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is missing: pip install pyspark")


def read_lines(path: Path) -> list:
    """A JSONL file's lines, split at \\n alone (`str.splitlines` splits
    at U+2028, U+2029 and U+0085 too, which an input line may hold raw;
    quotekit writes them as escapes)."""
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), path
    return text.split("\n")[:-1]


def part_lines(folder: Path) -> list:
    """The lines of a Spark output folder's part files, in order."""
    return [l for p in sorted(folder.glob("part-*")) for l in read_lines(p)]


@pytest.fixture(scope="module")
def spark():
    need_spark()
    from pyspark.sql import SparkSession

    # Executors run this interpreter, which has quotekit installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    master = MASTER
    session = (
        SparkSession.builder.master(master)
        .appName("quotekit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.executorEnv.PYSPARK_PYTHON", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # The executors import the job's module, as `--py-files` ships it.
    session.sparkContext.addPyFile(str(SCRIPT))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A few hundred PolNeAR texts as JSONL (the embedded sample, repeated
    under other ids, when ../shared is missing), a text holding raw line
    and paragraph separators (U+2028, U+2029, U+0085), and two bad records."""
    polnear = POLNEAR_DEV.parent
    if polnear.exists():
        texts = sorted(polnear.rglob("*.txt"))[:300]
    else:
        print(f"note: {polnear} is missing; the Spark test runs on the embedded sample")
        texts = sorted(SAMPLE.glob("*.txt")) * 20
    records = [
        {"id": f"{k:04}-{p.stem}", "text": p.read_text(encoding="utf-8"), "outlet": p.parent.name}
        for k, p in enumerate(texts)
    ]
    records += [
        # (The separators end paragraphs, so no span holds one: the
        # passed-through `note` keeps them in the records.)
        {"id": "separators", "text": "\u201cWe will reopen\u2028the bridge,\u201d Mayor Ana Ruiz "
                                     "said.\u2029\u201cSoon,\u201d\x85she added.",
         "note": "line\u2028paragraph\u2029next line\x85end"},
        {"id": "bad-empty", "text": ""},
        {"id": "bad-no-text"},
    ]
    path = tmp_path_factory.mktemp("spark") / "corpus.jsonl"
    # (Raw, not \u-escaped, so that the separators are in the lines.)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def expected(tiny_model, corpus) -> dict:
    out = corpus.parent / "expected.jsonl"
    proc = run_cli("predict", "--model", str(tiny_model), "--input", str(corpus),
                   "--output", str(out), "--threads", "2")
    assert proc.returncode == 2, proc.stderr.decode()  # the two bad records
    records = [json.loads(l) for l in read_lines(out)]
    assert len(records) >= 283
    text = out.read_text(encoding="utf-8")
    assert "\\u2028" in text and "\u2028" not in text, "the separators are escaped in records"
    assert len(text.splitlines()) == len(records), "a record a line, for any reader of lines"
    return {r["id"]: r for r in records}


def same(got: dict, expected: dict):
    """Records equal by id, and in the same order; an error record's `line
    N` counts within the chunk a task annotated, so for those the kind must
    agree."""
    assert list(got) == list(expected)
    for k, record in expected.items():
        if "error" in record:
            assert got[k]["error"]["kind"] == record["error"]["kind"], k
        else:
            assert json.dumps(got[k], sort_keys=True) == json.dumps(record, sort_keys=True), k


def by_id(lines) -> dict:
    records = [json.loads(l) for l in lines]
    out = {r["id"]: r for r in records}
    assert len(out) == len(records), "an id twice"
    return out


def test_map_partitions_with_the_python_package(spark, tiny_model, corpus, expected, tmp_path):
    import quotekit_spark

    rdd = quotekit_spark.annotate(spark, str(corpus), str(tiny_model), mode="python",
                                  threads=1, partitions=4, chunk=64)
    assert rdd.getNumPartitions() >= 4
    output = tmp_path / "out"
    rdd.saveAsTextFile(str(output))
    got = by_id(part_lines(output))
    same(got, expected)
    assert got["bad-empty"]["error"]["kind"] == "empty"


def test_pipe_through_the_binary(spark, tiny_model, corpus, expected):
    import quotekit_spark

    rdd = quotekit_spark.annotate(spark, str(corpus), str(tiny_model), mode="pipe",
                                  threads=1, partitions=4, binary=str(quotekit_bin()))
    same(by_id(rdd.collect()), expected)


def test_a_failed_predict_fails_the_pipe_task(spark, tiny_model, corpus):
    """`predict` failing as a whole fails the job: no model (exit code 1), or
    an option it refuses (exit code 64). Exit code 2 with error records (above) did
    not. The job had ended with no records and success."""
    import quotekit_spark

    for model, threads in [(tiny_model / "nowhere", 1), (tiny_model, -1)]:
        rdd = quotekit_spark.annotate(spark, str(corpus), str(model), mode="pipe",
                                      threads=threads, partitions=2, binary=str(quotekit_bin()))
        with pytest.raises(Exception):
            rdd.collect()


def test_lines_end_at_a_line_feed_alone(spark, tiny_model, tmp_path):
    """A carriage return is JSON white space inside a record, as `predict`
    reads it; Spark's line reader had cut the record in two there."""
    import quotekit_spark

    path = tmp_path / "cr.jsonl"
    path.write_bytes(b'{"id": "cr",\r"text": "The mayor said the bridge would reopen."}\n'
                     b'{"id": "crlf", "text": "Officials said so."}\r\n')
    for mode in ["python", "pipe"]:
        got = by_id(quotekit_spark.annotate(spark, str(path), str(tiny_model), mode=mode,
                                            binary=str(quotekit_bin())).collect())
        assert sorted(got) == ["cr", "crlf"], mode
        assert all("error" not in r for r in got.values()), (mode, got)


def test_a_parquet_folder_is_read_as_parquet_with_its_nulls(spark, tiny_model, tmp_path):
    """A folder `DataFrame.write.parquet` made is Parquet whatever its name;
    null fields are passed through, as `predict` passes them; a binary text
    column is read as text, not as its base64."""
    import quotekit_spark
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    schema = StructType([StructField("id", StringType()), StructField("text", BinaryType()),
                         StructField("section", StringType())])
    text = "“We will rebuild the bridge,” Mayor Ana Ruiz said."
    rows = [("p1", text.encode(), None), ("p2", text.encode(), "metro")]
    folder = tmp_path / "corpus"
    spark.createDataFrame(rows, schema).write.parquet(str(folder))
    for path in [str(folder), str(folder) + "/"]:
        got = by_id(quotekit_spark.annotate(spark, path, str(tiny_model), mode="python").collect())
        assert got["p1"]["section"] is None and got["p2"]["section"] == "metro", got
        assert got["p1"]["quotes"], "the text, not its base64, was annotated"


def test_run_as_a_script_loads_the_model_once_per_python_worker(tiny_model, corpus, expected,
                                                                 tmp_path):
    """Run as documented, the file is `__main__`; its functions had been
    pickled by value, each task with an empty model cache of its own, so a
    worker loaded the model once per partition. The job's load log (a line
    per load, with the worker's PID) counts the loads. (A copy under another
    name, as a user's job may be, imports itself by that name.)"""
    need_spark()
    log, output = tmp_path / "loads.log", tmp_path / "out"
    script = tmp_path / "my_job.py"
    shutil.copy(SCRIPT, script)
    proc = subprocess.run(
        [sys.executable, str(script), "--master", MASTER, "--model", str(tiny_model),
         "--input", str(corpus), "--output", str(output), "--partitions", "8", "--chunk", "64"],
        capture_output=True, timeout=600,
        env=dict(os.environ, PYSPARK_PYTHON=sys.executable, QUOTEKIT_SPARK_LOAD_LOG=str(log)),
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert len(list(output.glob("part-*"))) == 8
    same(by_id(part_lines(output)), expected)
    loads = collections.Counter(line.split(" ")[0] for line in read_lines(log))
    # (Once per worker, and workers are reused: fewer loads than partitions.)
    assert loads and all(n == 1 for n in loads.values()) and sum(loads.values()) < 8, \
        f"{sum(loads.values())} loads in {len(loads)} Python workers: {loads}"


def test_paths_are_checked_only_where_surely_local(tmp_path, monkeypatch):
    """With a Hadoop configuration the default file system may be HDFS, so
    a path without a scheme is not judged by the local disk; a file: URI
    always is."""
    import argparse
    import quotekit_spark

    (tmp_path / "done").mkdir()
    parser = argparse.ArgumentParser()
    monkeypatch.setenv("HADOOP_CONF_DIR", str(tmp_path))
    quotekit_spark.check_paths(parser, str(tmp_path / "in.jsonl"), str(tmp_path / "done"))
    with pytest.raises(SystemExit):
        quotekit_spark.check_paths(parser, str(tmp_path / "in.jsonl"),
                                   f"file://{tmp_path / 'done'}")


def test_options_are_checked_before_spark_starts(tiny_model, corpus, tmp_path, monkeypatch,
                                                 capsys):
    """Bad numbers, an existing output and an output inside the input
    folder are refused by argparse (exit code 2, a message) before Spark
    starts; they had failed late with pages of log, a zero chunk had turned
    chunking off, and an output folder had been left behind."""
    import quotekit_spark

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # Spark must not start
    (tmp_path / "done").mkdir()
    base = ["--model", str(tiny_model), "--input", str(corpus)]
    fresh = ["--output", str(tmp_path / "new")]
    cases = [
        (["--threads", "-1", *fresh], "--threads: -1: expected a whole number from 0 to 1024"),
        (["--threads", "1025", *fresh], "--threads: 1025: expected a whole number from 0 to 1024"),
        (["--threads", "two", *fresh], "--threads: 'two' is not a whole number"),
        (["--partitions", "0", *fresh], "--partitions: 0: expected a whole number at least 1"),
        (["--chunk", "0", *fresh], "--chunk: 0: expected a whole number at least 1"),
        (["--max-chars", "-5", *fresh], "--max-chars: -5: expected a whole number at least 1"),
        (["--precision", "f16", *fresh], "--precision: invalid choice: 'f16'"),
        (["--output", str(tmp_path / "done")], "already exists"),
        (["--output", str(corpus.parent / "out")], "is inside the input folder"),
    ]
    for extra, message in cases:
        args = base + extra
        if "inside" in message:
            args[args.index("--input") + 1] = str(corpus.parent)
        with pytest.raises(SystemExit) as stop:
            quotekit_spark.main(args)
        assert stop.value.code == 2, extra
        assert message in capsys.readouterr().err, extra
    assert not (tmp_path / "new").exists() and not (corpus.parent / "out").exists()


def test_a_failed_job_leaves_no_output_folder(spark, tiny_model, corpus, tmp_path):
    """A failed job removes the output folder it made (it had left it empty,
    and the corrected run failed on it); a folder that was there before is
    not its to remove."""
    import quotekit_spark

    rdd = quotekit_spark.annotate(spark, str(corpus), str(tiny_model / "nowhere"), mode="pipe",
                                  partitions=2, binary=str(quotekit_bin()))
    output = tmp_path / "out"
    with pytest.raises(Exception):
        quotekit_spark.save(spark, rdd, str(output))
    assert not output.exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "file").write_text("mine")
    with pytest.raises(Exception, match="already exists"):
        quotekit_spark.save(spark, rdd, str(tmp_path / "kept"))
    assert (tmp_path / "kept" / "file").read_text() == "mine"


def test_gzip_input_is_spread_over_the_partitions_in_order(spark, tiny_model, corpus, expected,
                                                           tmp_path):
    """A gzip file cannot be split, so it had been one task whatever
    --partitions said; it is spread over them, records in input order."""
    import quotekit_spark

    path = tmp_path / "corpus.jsonl.gz"
    path.write_bytes(gzip.compress(corpus.read_bytes()))
    for mode in ["python", "pipe"]:
        rdd = quotekit_spark.annotate(spark, str(path), str(tiny_model), mode=mode, partitions=4,
                                      chunk=64, binary=str(quotekit_bin()))
        assert rdd.getNumPartitions() == 4, mode
        assert all(rdd.glom().map(len).collect()), "a partition without records"
        same(by_id(rdd.collect()), expected)


def test_a_folder_is_read_with_its_subfolders_in_path_order(spark, tiny_model, tmp_path):
    """JSONL in subfolders (a by-date layout) had failed the job with a
    Hadoop IOException; files are read in path order (Hadoop lists a local
    folder in the file system's order), Hadoop's hidden files passed over,
    and a name holding a comma or glob characters read as a name."""
    import quotekit_spark

    folder = tmp_path / "corpus"
    names = ["z.jsonl", "b/2021/x.jsonl", "a.jsonl", "c,[1]{2}*.jsonl", "2020/y.jsonl",
             "_SUCCESS", ".hidden.jsonl", "b/_temporary/t.jsonl"]
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        text = "“We will reopen the bridge,” Mayor Ana Ruiz said."
        (folder / name).write_text(json.dumps({"id": name, "text": text}) + "\n",
                                   encoding="utf-8")
    order = ["2020/y.jsonl", "a.jsonl", "b/2021/x.jsonl", "c,[1]{2}*.jsonl", "z.jsonl"]
    for mode in ["python", "pipe"]:
        got = by_id(quotekit_spark.annotate(spark, str(folder), str(tiny_model), mode=mode,
                                            binary=str(quotekit_bin())).collect())
        assert list(got) == order, mode
        assert all(r["quotes"] for r in got.values()), mode


def test_precision_and_no_speakers_reach_quotekit(spark, tiny_model, tmp_path):
    """--precision reaches the model's loading in both modes (int8 is for
    transformer models, so a CRF's job fails), and --no-speakers too."""
    import quotekit_spark

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "r", "text": "“We will reopen the bridge,” Mayor Ana "
                                "Ruiz said. “Soon,” she added."}) + "\n", encoding="utf-8")
    # (predict's message goes to the executor's log; the task's error names
    # the command that failed.)
    for mode, message in [("python", "applies to transformer models"),
                          ("pipe", "--precision int8")]:
        rdd = quotekit_spark.annotate(spark, str(path), str(tiny_model), mode=mode,
                                      precision="int8", binary=str(quotekit_bin()))
        with pytest.raises(Exception, match=message):
            rdd.collect()
    for mode in ["python", "pipe"]:
        named = by_id(quotekit_spark.annotate(spark, str(path), str(tiny_model), mode=mode,
                                              binary=str(quotekit_bin())).collect())["r"]
        assert any(q["speaker_name"] for q in named["quotes"]), named
        got = by_id(quotekit_spark.annotate(spark, str(path), str(tiny_model), mode=mode,
                                            speakers=False,
                                            binary=str(quotekit_bin())).collect())["r"]
        assert got["quotes"] and all(q["speaker_name"] is None for q in got["quotes"]), mode
        assert not got.get("speakers"), got
