"""Annotating from Python gives the records of `quotekit predict`."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

import quotekit
from conftest import SAMPLE, run_cli


def canonical(record) -> str:
    return json.dumps(record, sort_keys=True)


def test_records_are_those_of_the_cli(tiny_model, model, texts, tmp_path):
    # Extra keys pass through; bad records become the same error records.
    items = [dict(t, source="wire", n=k) for k, t in enumerate(texts)]
    items += [{"id": "no-text"}, {"id": "empty", "text": ""}, {"text": 5}]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        "predict", "--model", str(tiny_model), "--input", str(jsonl), "--output", str(out),
        "--threads", "2",
    )
    assert proc.returncode == 2, proc.stderr.decode()  # 2: some records failed
    cli = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    ours = model.annotate_many(items, threads=2)
    assert len(ours) == len(cli) == len(items)
    for a, b in zip(ours, cli):
        assert canonical(a) == canonical(b)
    assert sum("error" in r for r in ours) == 3
    assert sum(len(r.get("quotes", [])) for r in ours) > 10


def test_without_speakers_the_records_are_those_of_predict_no_speakers(tiny_model, model, texts,
                                                                      tmp_path):
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli("predict", "--model", str(tiny_model), "--input", str(jsonl), "--output",
                   str(out), "--no-speakers")
    assert proc.returncode == 0, proc.stderr.decode()
    cli = [json.loads(l) for l in out.read_text(encoding="utf-8").split("\n")[:-1]]
    ours = quotekit.load(tiny_model, speakers=False).annotate_many(texts)
    assert [canonical(r) for r in ours] == [canonical(r) for r in cli]
    quotes = [q for r in ours for q in r["quotes"]]
    assert quotes and all(q["speaker_name"] is None and q["speaker_id"] is None for q in quotes)
    assert any(q["speaker_name"] for r in model.annotate_many(texts) for q in r["quotes"])
    with pytest.raises(quotekit.InputError, match="speakers must be True or False"):
        quotekit.load(tiny_model, speakers="no")


def test_any_number_of_threads_gives_the_same_records(model, texts):
    one = model.annotate_many(texts, threads=1)
    assert model.annotate_many(texts, threads=2) == one
    assert model.annotate_many(texts, threads=0) == one
    assert model.annotate_many(reversed(texts), threads=2) == one[::-1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_process_annotates_after_its_parent_did(model, texts):
    # multiprocessing's default on Linux: the child has none of the parent's
    # worker threads, and must not wait for them.
    parent = model.annotate_many(texts, threads=0)
    model.annotate_many(texts, threads=2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            same = (
                model.annotate_many(texts, threads=0) == parent
                and model.annotate_many(texts, threads=2) == parent
                and model.annotate(texts[0]["text"], id=texts[0]["id"]) == parent[0]
            )
            os.write(write, b"same" if same else b"differ")
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked process hung annotating")
    assert os.read(read, 16) == b"same"
    os.close(read)


def test_annotate_is_annotate_many_of_one(model, texts):
    t = texts[0]
    record = model.annotate(t["text"], id=t["id"])
    assert record == model.annotate_many([t])[0]
    assert model.annotate(t["text"])["id"] == "0"
    strings = model.annotate_many([t["text"] for t in texts[:3]])
    assert [r["id"] for r in strings] == ["0", "1", "2"]
    assert strings[0]["quotes"] == record["quotes"]
    # A dict without an id is named as predict names such a JSONL record.
    mixed = model.annotate_many([t["text"], {"text": t["text"], "feed": "w"}])
    assert [r["id"] for r in mixed] == ["0", "line 2"]
    assert mixed[1]["feed"] == "w" and mixed[1]["quotes"] == record["quotes"]


def test_offsets_are_characters(model):
    text = "“Ça ira 😀,” dit-elle. The mayor said the bridge “will reopen in May.”"
    record = model.annotate(text)
    spans = [s for q in record["quotes"] for s in q["content"] + [q["cue"], q["speaker"]] if s]
    assert spans
    for s in spans:
        assert text[s["start"] : s["end"]] == s["text"]


def test_the_gil_is_released_while_annotating(model, texts):
    items = texts * 40
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)
    start = time.perf_counter()
    model.annotate_many(items, threads=1)
    end = time.perf_counter()
    done.set()
    counter.join()
    during = [t for t in ticks if start < t < end]
    # With the GIL held for the whole call the counter could not run at all;
    # released, it ticks about once a millisecond.
    assert end - start > 0.1, "the run is too short to tell"
    assert len(during) > (end - start) * 1000 * 0.2, (len(during), end - start)


def test_info_says_what_the_model_is(model, tiny_model):
    info = model.info
    assert info["kind"] == "crf"
    assert info["labels"][0] == "O" and "B-SOURCE" in info["labels"]
    assert info["header"]["config"]["training"]["max_iterations"] == 30
    assert info["path"] == str(tiny_model)
    assert "crf" in repr(model)


def test_read_corpus_and_evaluate(model, tiny_model, tmp_path):
    docs = list(quotekit.read_corpus(SAMPLE))
    assert len(docs) == 14
    assert all({"id", "text", "spans", "attributions"} <= d.keys() for d in docs)
    assert sum(len(d["attributions"]) for d in docs) > 20
    pred = tmp_path / "pred.jsonl"
    proc = run_cli(
        "predict", "--model", str(tiny_model), "--input", str(SAMPLE),
        "--output", str(pred), "--format", "documents",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    # (The model names its speakers; the sample's gold, read without its
    # names files, does not: who said what is left out, with a warning.)
    with pytest.warns(UserWarning, match="names its speakers"):
        scores = quotekit.evaluate(SAMPLE, pred)
    cli = tmp_path / "eval.json"
    proc = run_cli(
        "eval", "--gold", str(SAMPLE), "--pred", str(pred), "--json", str(cli)
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert scores == json.loads(cli.read_text())
    perfect = quotekit.evaluate(SAMPLE, SAMPLE)
    assert perfect["exact"]["micro"]["f1"] == pytest.approx(1.0)
    # annotate_many's records, written as JSONL, are scored with the gold
    # texts: the same attributions as the documents predict writes.
    records = model.annotate_many([{"id": d["id"], "text": d["text"]} for d in docs])
    written = tmp_path / "records.jsonl"
    written.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.warns(UserWarning, match="names its speakers"):
        from_records = quotekit.evaluate(SAMPLE, written)
    assert from_records["attribution"] == scores["attribution"]


def test_gzip_files_are_read_by_their_name(tmp_path):
    # The same records, gzip-compressed under a `.gz` name, read as the
    # plain file does; a plain file under such a name is refused.
    import gzip

    plain = tmp_path / "sample.jsonl"
    proc = run_cli("convert", "--from", "brat", "--to", "jsonl", str(SAMPLE), str(plain))
    assert proc.returncode == 0, proc.stderr.decode()
    zipped = tmp_path / "sample.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    assert list(quotekit.read_corpus(zipped)) == list(quotekit.read_corpus(plain))
    assert quotekit.evaluate(zipped, plain)["exact"]["micro"]["f1"] == pytest.approx(1.0)
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(plain.read_bytes())
    with pytest.raises(quotekit.QuotekitError, match="not gzip"):
        list(quotekit.read_corpus(fake))


def test_names_on_the_spans_score_who_said_what_as_names_files_do(tmp_path):
    # A corpus read with its names files, written as JSONL, carries the
    # names on its Source spans: as gold, it scores who said what as the
    # brat folder with its names does, without names=.
    names = SAMPLE.parent / "sample-speakers"
    named = tmp_path / "named.jsonl"
    docs = quotekit.read_corpus(SAMPLE, names=names)
    named.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    from_files = quotekit.evaluate(SAMPLE, named, names=names)
    from_spans = quotekit.evaluate(named, named)
    assert from_spans["speakers"] is not None
    assert from_spans["speakers"] == from_files["speakers"]
    assert from_spans["speakers"]["strict"]["named"]["f1"] == pytest.approx(1.0)
    assert "speakers" not in quotekit.evaluate(SAMPLE, SAMPLE)
    # Predictions that name no one are scored so, with a warning.
    with pytest.warns(UserWarning, match="names its speaker"):
        unnamed = quotekit.evaluate(named, SAMPLE)
    assert unnamed["speakers"]["strict"]["named"]["pred"] == 0


def test_a_run_where_a_document_failed_is_scored_as_the_cli(tiny_model, tmp_path):
    # `predict --format documents` writes an error record for a document it
    # could not annotate (here: too long); scoring counts it as predicting
    # nothing, with a warning, as `quotekit eval` does.
    pred = tmp_path / "pred.jsonl"
    proc = run_cli(
        "predict", "--model", str(tiny_model), "--input", str(SAMPLE),
        "--output", str(pred), "--format", "documents", "--max-chars", "600",
    )
    assert proc.returncode == 2, proc.stderr.decode()
    failed = [
        json.loads(line)["id"]
        for line in pred.read_text(encoding="utf-8").splitlines()
        if "error" in json.loads(line)
    ]
    assert failed, "no document was too long"
    with pytest.warns(UserWarning) as caught:
        scores = quotekit.evaluate(SAMPLE, pred)
    said = [str(w.message) for w in caught]
    for id in failed:
        # (Named by its file and line, with why predict could not annotate it.)
        note = f'document "{id}" is an error record (too-long: '
        assert any(str(pred) in w and note in w for w in said), said
    assert all("scored as predicting nothing" in w for w in said if "error record" in w), said
    # (The model names its speakers and the sample's gold, read without
    # its names files, does not: said too.)
    assert any("names its speakers" in w for w in said), said
    cli = tmp_path / "eval.json"
    proc = run_cli("eval", "--gold", str(SAMPLE), "--pred", str(pred), "--json", str(cli))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode().count("scored as predicting nothing") == len(failed)
    assert scores == json.loads(cli.read_text())
    assert scores["missing_predictions"] == [], scores["missing_predictions"]
    assert scores["documents"] == len(list(quotekit.read_corpus(SAMPLE)))
    # Read as a corpus, the error records are documents with errors.
    with pytest.raises(quotekit.DataError, match="lenient=True"):
        list(quotekit.read_corpus(pred))
    with pytest.warns(UserWarning, match="skipped a document with errors"):
        kept = list(quotekit.read_corpus(pred, lenient=True))
    assert len(kept) == scores["documents"] - len(failed)
    with pytest.raises(quotekit.InputError, match="lenient must be True or False"):
        quotekit.evaluate(SAMPLE, pred, lenient="yes")


def test_a_damaged_first_line_of_records_loses_that_line_only(model, tmp_path):
    # A file of `predict --format jsonl` records whose first line is damaged
    # is still read as records: lenient scoring skips that line with a
    # warning and scores the rest (the first line decided the format, and
    # every record after it was read as a bad document).
    docs = list(quotekit.read_corpus(SAMPLE))
    records = model.annotate_many([{"id": d["id"], "text": d["text"]} for d in docs])
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        "{garbage\n" + "".join(json.dumps(r) + "\n" for r in records[1:]), encoding="utf-8"
    )
    # (The sample's gold is read without its names files: said too.)
    with pytest.warns(UserWarning) as caught:
        scores = quotekit.evaluate(SAMPLE, pred, lenient=True)
    said = [str(w.message) for w in caught]
    assert any("no record" in w for w in said), said
    assert scores["missing_predictions"] == [docs[0]["id"]], scores["missing_predictions"]
    # A scoring that fails still says what it skipped.
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{garbage\n{more garbage\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="no record"):
        with pytest.raises(quotekit.DataError, match="no predicted documents"):
            quotekit.evaluate(SAMPLE, bad, lenient=True)


def test_lenient_warnings_name_the_python_argument(tmp_path):
    # A document skipped for a label no map gives is a warning that says
    # `label_map=FILE`, as the error does, not the command line's flag.
    conll = tmp_path / "x.conll"
    conll.write_text("-DOCSTART-\tdoc1\n\nMayor\tB-SPEAKER\nsaid\tB-CUE\n\n", encoding="utf-8")
    with pytest.raises(quotekit.QuotekitError, match="label_map=FILE"):
        list(quotekit.read_corpus(conll))
    with pytest.warns(UserWarning, match="label_map=FILE") as caught:
        list(quotekit.read_corpus(conll, lenient=True))
    assert not any("--label-map" in str(w.message) for w in caught)


def test_the_cli_corpus_flags_are_arguments(tmp_path):
    # A CoNLL corpus with labels of its own reads with a label map, as
    # `convert --label-map` reads it.
    conll = tmp_path / "c.conll"
    conll.write_text(
        "-DOCSTART-\td1\n\nMayor\tB-Speaker\nRuiz\tI-Speaker\nsaid\tB-Says\nno\tO\n.\tO\n",
        encoding="utf-8",
    )
    labels = tmp_path / "labels.toml"
    labels.write_text('[labels]\nSpeaker = "source"\nSays = "cue"\n', encoding="utf-8")
    with pytest.raises(quotekit.DataError):
        list(quotekit.read_corpus(conll))
    docs = list(quotekit.read_corpus(conll, label_map=labels))
    out = tmp_path / "c.jsonl"
    proc = run_cli("convert", "--from", "conll", "--to", "jsonl", "--label-map", str(labels),
                   str(conll), str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert docs == [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [s["role"] for s in docs[0]["spans"]] == ["source", "cue"]
    # brat: another label to skip, and one quotekit reads refused.
    brat = tmp_path / "brat"
    brat.mkdir()
    (brat / "a.txt").write_text("Ann said so.", encoding="utf-8")
    (brat / "a.ann").write_text("T1\tSource 0 3\tAnn\nT2\tNote 4 8\tsaid\n", encoding="utf-8")
    with pytest.raises(quotekit.DataError, match="Note"):
        list(quotekit.read_corpus(brat))
    assert len(list(quotekit.read_corpus(brat, ignore_labels="Note"))[0]["spans"]) == 1
    # (A label quotekit reads is a bad argument, as a label of another type is.)
    with pytest.raises(quotekit.InputError, match="^ignore_labels Content"):
        list(quotekit.read_corpus(brat, ignore_labels=["Content"]))
    scores = quotekit.evaluate(brat, brat, ignore_labels=["Note"], deny_overlaps=True)
    assert scores["exact"]["micro"]["f1"] == pytest.approx(1.0)
    with pytest.raises(quotekit.InputError, match="ignore_labels must hold str"):
        quotekit.read_corpus(brat, ignore_labels=[5])
    with pytest.raises(quotekit.InputError, match="annotator must be a str"):
        quotekit.read_corpus(brat, annotator=5)


def test_evaluate_the_linker_on_gold_spans_as_the_cli(tmp_path):
    scores = quotekit.evaluate(SAMPLE, link_gold=True)
    cli = tmp_path / "linked.json"
    proc = run_cli("eval", "--gold", str(SAMPLE), "--link-gold", "--json", str(cli))
    assert proc.returncode == 0, proc.stderr.decode()
    assert scores == json.loads(cli.read_text())
    assert scores["exact"]["micro"]["fp"] == 0
    assert scores["attribution"]["tp"] > 20
    with pytest.raises(quotekit.InputError, match="one of them"):
        quotekit.evaluate(SAMPLE, SAMPLE, link_gold=True)
    with pytest.raises(quotekit.InputError, match="one of them"):
        quotekit.evaluate(SAMPLE)
    # An empty gold corpus scores nothing, either way (no perfect 1.0).
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    for pred in [{"link_gold": True}, {"pred": SAMPLE}]:
        with pytest.raises(quotekit.DataError, match="there are no gold documents to score against"):
            quotekit.evaluate(empty, **pred)
    # Predictions that name their speakers, against gold that names none:
    # who said what is left out, and a warning says why.
    named = tmp_path / "named.jsonl"
    proc = run_cli("convert", "--from", "brat", "--to", "jsonl", "--names",
                   str(SAMPLE.parent / "sample-speakers"), str(SAMPLE), str(named))
    assert proc.returncode == 0, proc.stderr.decode()
    with pytest.warns(UserWarning, match="names its speakers and .* does not"):
        scores = quotekit.evaluate(SAMPLE, named)
    assert scores.get("speakers") is None


def test_an_ensemble_loads_and_annotates_as_the_cli(tiny_model, texts, tmp_path):
    ens = tmp_path / "ens"
    ens.mkdir()
    (ens / "ensemble.toml").write_text(
        f'[[members]]\nmodel = "{tiny_model}"\n[[members]]\nmodel = "{tiny_model}"\nweight = 0.5\n',
        encoding="utf-8",
    )
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli("predict", "--model", str(ens), "--input", str(jsonl), "--output", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    cli = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    loaded = quotekit.load(ens)
    assert loaded.info["members"] == [
        {"kind": "crf", "weight": 1.0},
        {"kind": "crf", "weight": 0.5},
    ]
    assert "ensemble of crf + crf" in repr(loaded)
    assert quotekit.load(tiny_model).info["members"] == []
    ours = loaded.annotate_many(texts)
    assert [canonical(r) for r in ours] == [canonical(r) for r in cli]
    assert sum(len(r.get("quotes", [])) for r in ours) > 10
    with pytest.raises(quotekit.InputError, match="applies to transformer models"):
        quotekit.load(ens, precision="int8")


def test_train_writes_to_models_kind_by_default(tmp_path, monkeypatch):
    """Without ``out``, a model goes to ``models/KIND`` under the working
    directory, as ``quotekit train`` without ``--out`` writes it."""
    config = tmp_path / "quick.toml"
    config.write_text("[features]\nhash_bits = 12\n[training]\nmax_iterations = 3\n")
    monkeypatch.chdir(tmp_path)
    assert quotekit.train(config, train=SAMPLE) is None
    assert (tmp_path / "models" / "crf" / "model.safetensors").is_file()


def test_train_warns_when_every_speaker_is_named_no_one(tmp_path):
    """Names files that name no one (``-`` only) train a resolver that names
    no one: a warning says so, as ``quotekit train`` says it."""
    names = tmp_path / "no-one"
    names.mkdir()
    for f in (SAMPLE.parent / "sample-speakers").glob("*.tsv"):
        lines = [line.rsplit("\t", 1)[0] + "\t-\n" for line in f.read_text().splitlines()]
        (names / f.name).write_text("".join(lines))
    config = tmp_path / "quick.toml"
    config.write_text("[features]\nhash_bits = 12\n[training]\nmax_iterations = 3\n[speakers]\nepochs = 1\n")
    with pytest.warns(UserWarning, match="is named no one"):
        quotekit.train(config, train=SAMPLE, names=names, out=tmp_path / "m")


def test_who_is_quoted_counts_as_stats_does(model, texts, tmp_path):
    """``who_is_quoted`` gives ``quotekit stats --json``'s figures, from a
    records file or from the records in memory, with ``by`` and
    ``merge_names`` as ``--by`` and ``--merge-names``."""
    items = [dict(t, half=k % 2) for k, t in enumerate(texts)]
    records = model.annotate_many(items)
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for flags, kwargs in [
        ([], {}),
        (["--merge-names"], {"merge_names": True}),
        (["--by", "half", "--merge-names"], {"by": "half", "merge_names": True}),
    ]:
        proc = run_cli("stats", "--json", str(path), *flags)
        assert proc.returncode == 0, proc.stderr.decode()
        cli = json.loads(proc.stdout)
        assert quotekit.who_is_quoted(path, **kwargs) == cli
        assert quotekit.who_is_quoted(records, **kwargs) == cli
        assert quotekit.who_is_quoted([json.dumps(r) for r in records], **kwargs) == cli
        # (The lines of the file opened in binary mode, as bytes.)
        with open(path, "rb") as lines:
            assert quotekit.who_is_quoted(lines, **kwargs) == cli
    with pytest.raises(quotekit.InputError, match="record 1 is not UTF-8"):
        quotekit.who_is_quoted([b'{"id": "a", "quotes": [], "x": "\xff"}'])
    counts = quotekit.who_is_quoted(records)
    assert counts["quotes"] == sum(len(r["quotes"]) for r in records) > 10
    by = quotekit.who_is_quoted(records, by="half")
    assert [g["value"] for g in by["groups"]] == [0, 1]
    # Records that repeat an id are warned of (joined outputs count twice).
    with pytest.warns(UserWarning, match="1 id is on more than one record of the records"):
        quotekit.who_is_quoted(records + records[:1])
    # A field no record has is warned of, with the fields there are.
    with pytest.warns(UserWarning, match=r'no record of the records has a field "hlaf".*"half"'):
        quotekit.who_is_quoted(records, by="hlaf")
    with pytest.warns(UserWarning, match="records.jsonl has a field"):
        quotekit.who_is_quoted(path, by="hlaf")
    with pytest.raises(quotekit.InputError, match="record 2: not a record"):
        quotekit.who_is_quoted([records[0], {"quotes": 3}])
    with pytest.raises(quotekit.InputError, match="record 1 must be a dict"):
        quotekit.who_is_quoted([5])
    with pytest.raises(quotekit.InputError, match="record 2 holds a lone surrogate"):
        quotekit.who_is_quoted([json.dumps(records[0]), '{"quotes": [], "x": "\ud800"}'])
    # A value `annotate_jsonl` passes through as written, but no JSON value
    # holds, is said as the field's (the records count by another field).
    lines = model.annotate_jsonl(['{"id": "a", "text": "Ann said no.", "feed": 1e400}'])
    with pytest.raises(quotekit.InputError, match="record 1: its `feed` value 1e400 cannot be a group"):
        quotekit.who_is_quoted(lines, by="feed")
    assert quotekit.who_is_quoted(lines, by="id")["groups"][0]["value"] == "a"
    # A file of records that cannot be read is data, as a pipe there is
    # (a list of records that cannot be used is an argument, above).
    with pytest.raises(quotekit.DataError, match="no-such.jsonl: no such file"):
        quotekit.who_is_quoted(tmp_path / "no-such.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "quotes": 3}\n')
    with pytest.raises(quotekit.DataError, match="bad.jsonl:1: not a record"):
        quotekit.who_is_quoted(bad)
    # A field that cannot be one is an argument, whichever the records.
    for given in [path, records]:
        with pytest.raises(quotekit.InputError, match="its name is empty"):
            quotekit.who_is_quoted(given, by="")
    # A dict that is no JSON is named, whatever JSON refuses in it.
    circular = {"quotes": []}
    circular["self"] = circular
    for bad in [{"quotes": [], "x": {1, 2}}, {"quotes": [], "x": float("nan")}, circular]:
        with pytest.raises(quotekit.InputError, match="record 2 is not representable as JSON"):
            quotekit.who_is_quoted([records[0], bad])
    # Input items are no records: they have no quotes.
    with pytest.raises(quotekit.InputError, match="neither `quotes` nor `error`"):
        quotekit.who_is_quoted(items)
    with pytest.raises(quotekit.InputError, match="merge_names must be True or False"):
        quotekit.who_is_quoted(records, merge_names="yes")
