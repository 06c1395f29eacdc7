"""quotekit: who said what in news text.

Load a trained model and annotate texts with it, in parallel and without the
GIL; train models; read and score annotated corpora. Every record is exactly
what ``quotekit predict --format jsonl`` writes for the same text.

    >>> import quotekit
    >>> model = quotekit.load("models/crf")
    >>> record = model.annotate("The mayor said the bridge would reopen.")
    >>> [(q["speaker_name"], q["cue"] and q["cue"]["text"]) for q in record["quotes"]]

A quote's ``speaker`` and ``cue`` are ``None`` where it has none (a quote
whose speaker the tagger did not find), and so are ``speaker_name`` and
``speaker_id`` where no one is named.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _quotekit
from ._quotekit import (
    ConfigError,
    DataError,
    InputError,
    ModelError,
    QuotekitError,
    __version__,
)

__all__ = [
    "Model",
    "load",
    "train",
    "tune",
    "evaluate",
    "read_corpus",
    "who_is_quoted",
    "QuotekitError",
    "ModelError",
    "ConfigError",
    "DataError",
    "InputError",
    "__version__",
]


def __dir__() -> List[str]:
    """What the package offers, and the type names its signatures use (not
    the modules and typing names it imports)."""
    return sorted(__all__ + ["Item", "Names", "PathLike"])


Item = Union[str, Dict[str, Any]]
PathLike = Union[str, bytes, "os.PathLike[str]"]
#: Names folders: one folder, or a list of them.
Names = Union[PathLike, Sequence[PathLike]]


_SURROGATE_ESCAPED = re.compile("[\udc80-\udcff]")
_SPLIT_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _record_json(index: int, item: Any) -> Tuple[Optional[bytes], str, str]:
    """The JSONL line of one item as UTF-8, or ``None`` with the error
    record's kind and message when it cannot be one."""
    if isinstance(item, str):
        item = {"id": str(index), "text": item}
    elif not isinstance(item, dict):
        return None, "malformed-json", (
            f"line {index + 1}: an item is a text (str) or a dict "
            f'{{"id", "text", ...}}, not {type(item).__name__}'
        )
    try:
        text = json.dumps(item, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as e:
        return None, "malformed-json", f"line {index + 1}: not representable as JSON ({e})"
    try:
        return text.encode("utf-8"), "", ""
    except UnicodeEncodeError as e:
        bad = ord(e.object[e.start])
        # Half a UTF-16 pair, as `json.loads` reads `\ud800`: written back as
        # that escape, the line is the one `predict` reads (and judges:
        # `bad-text` in the text, passed through in another field). Not when
        # the text also holds bytes of no UTF-8 (U+DC80 to U+DCFF, as
        # `errors='surrogateescape'` keeps them), nor a pair split in two
        # (an escape would join it into one character, moving every offset).
        if not _SURROGATE_ESCAPED.search(text) and not _SPLIT_PAIR.search(text):
            return json.dumps(item, ensure_ascii=True, allow_nan=False).encode("ascii"), "", ""
        # (`errors='surrogateescape'` keeps each byte that is no UTF-8 as
        # U+DC80 to U+DCFF: the bytes `predict` reports as not UTF-8.)
        return None, "not-utf8", (
            f"line {index + 1}: not Unicode text (a lone surrogate U+{bad:04X}: bytes of no "
            "UTF-8 kept by decoding with errors='surrogateescape', or a UTF-16 pair split "
            "in two)"
        )


def _utf8(text: str) -> bool:
    """True when ``text`` can be written as UTF-8 (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _error_record(index: int, item: Any, kind: str, message: str) -> Dict[str, Any]:
    """The error record of an item the native code never saw."""
    key = f"line {index + 1}"
    if isinstance(item, str):
        # (A text's id is its position, as when it is annotated.)
        key = str(index)
    elif isinstance(item, dict) and isinstance(item.get("id"), str) and _utf8(item["id"]):
        key = item["id"]
    elif (
        isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and not isinstance(item["id"], bool)
        and -(2**63) <= item["id"] < 2**64
    ):
        # (As the native reader takes ids: a whole number JSON's 64 bits
        # hold; `True` or 2**70 is no id.)
        key = str(item["id"])
    return {"id": key, "error": {"kind": kind, "message": message}}


def _sequence(items: Any, what: str, of: str = "records") -> list:
    """``items`` as a list; a lone string, bytes (or a memoryview of them)
    or dict is refused rather than split into characters, bytes or keys
    (``of`` names what the list holds)."""
    if isinstance(items, (str, bytes, bytearray, memoryview, dict)):
        raise InputError(
            f"{what} must be a list (or other iterable) of {of}, not one {type(items).__name__}"
        )
    try:
        iterator = iter(items)
    except TypeError:
        raise InputError(
            f"{what} must be a list (or other iterable) of {of}, not {type(items).__name__}"
        ) from None
    return list(iterator)


def _count(name: str, value: Any, low: int = 0, high: int = 2**63 - 1) -> Any:
    """``value`` when it is a whole number from ``low`` to ``high``;
    otherwise :class:`InputError` naming the argument and its range (not an
    ``OverflowError`` or a ``TypeError`` from the conversion to the native
    types, nor a message of each function's own)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number, not {type(value).__name__}")
    if not low <= value <= high:
        raise InputError(f"{name} = {value}: expected a whole number from {low} to {high}")
    return value


def _optional_count(name: str, value: Any, low: int = 0, high: int = 2**63 - 1) -> Any:
    """``None`` (the default), or :func:`_count` of ``value``."""
    return None if value is None else _count(name, value, low, high)


def _path(name: str, value: Any) -> Any:
    """``value`` as a ``str`` when it is a path (``str``, ``bytes`` or
    ``os.PathLike``, bytes decoded as ``os.fsdecode`` does) that can name a
    file; otherwise :class:`InputError` naming the argument."""
    if isinstance(value, os.PathLike):
        try:
            value = os.fspath(value)
        except TypeError as e:
            raise InputError(f"{name} must be a path: {e}") from None
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, str):
        raise InputError(
            f"{name} must be a path (str, bytes or os.PathLike), not {type(value).__name__}"
        )
    # (A path that can name no file is a wrong argument, whichever file it
    # was to name: one class, before anything is read.)
    if value == "":
        raise InputError(f"{name} is an empty path: it names no file or folder")
    if "\0" in value:
        raise InputError(f"{name} = {value!r} can name no file (a NUL character)")
    try:
        os.fsencode(value)
    except UnicodeEncodeError:
        raise InputError(f"{name} = {value!r} can name no file (a lone surrogate)") from None
    return value


def _optional_path(name: str, value: Any) -> Any:
    """``None``, or :func:`_path` of ``value``."""
    return None if value is None else _path(name, value)


def _paths(names: Any) -> Optional[List[Any]]:
    """``names`` as a list of folders: one path is one folder."""
    if names is None:
        return None
    if isinstance(names, (str, bytes, os.PathLike)):
        return [_path("names", names)]
    # (A dict's keys are no list of folders, as other list arguments say.)
    if isinstance(names, dict):
        raise InputError(
            f"names must be a folder (a path) or a list of folders, not {type(names).__name__}"
        )
    try:
        folders = iter(names)
    except TypeError:
        raise InputError(
            f"names must be a folder (a path) or a list of folders, not {type(names).__name__}"
        ) from None
    return [_path("names", folder) for folder in folders]


def _flag(name: str, value: Any) -> bool:
    """``value`` when it is ``True`` or ``False``; otherwise
    :class:`InputError` naming the argument."""
    if not isinstance(value, bool):
        raise InputError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def _optional_str(name: str, value: Any) -> Optional[str]:
    """``None`` or a string that UTF-8 can write; otherwise
    :class:`InputError` naming the argument."""
    if value is not None and not isinstance(value, str):
        raise InputError(f"{name} must be a str, not {type(value).__name__}")
    if value is not None and not _utf8(value):
        raise InputError(f"{name} = {value!r}: a lone surrogate, which no text holds")
    return value


def _labels(value: Any) -> Optional[List[str]]:
    """``None``, or brat labels to skip: one label, or a list of them."""
    if value is None:
        return None
    if isinstance(value, str):
        return [_optional_str("ignore_labels", value)]
    labels = _sequence(value, "ignore_labels", "labels")
    for label in labels:
        if not isinstance(label, str):
            raise InputError(f"ignore_labels must hold str labels, not {type(label).__name__}")
        _optional_str("ignore_labels", label)
    return labels


def _corpus_flags(
    annotator: Any, ignore_labels: Any, label_map: Any, deny_overlaps: Any
) -> Dict[str, Any]:
    """The command line's corpus flags, checked, as the native ``flags``
    argument."""
    return {
        "annotator": _optional_str("annotator", annotator),
        "ignore_labels": _labels(ignore_labels),
        "label_map": _optional_path("label_map", label_map),
        "deny_overlaps": _flag("deny_overlaps", deny_overlaps),
    }


def _optional_hours(value: Any) -> Optional[float]:
    """``None`` or a number of hours as a float; otherwise
    :class:`InputError` (the native code checks that it is above 0)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"hours must be a number, not {type(value).__name__}")
    try:
        hours = float(value)
    except OverflowError:
        raise InputError(f"hours = {value}: too large for a number of hours") from None
    if not math.isfinite(hours):
        raise InputError(f"hours = {value}: not a finite number of hours")
    return hours


class Model:
    """A trained quotekit model (CRF, neural or transformer tagger with its
    linker and speaker resolver). Load one with :func:`load`."""

    def __init__(self, native: "_quotekit.NativeModel") -> None:
        if not isinstance(native, _quotekit.NativeModel):
            raise InputError(
                f"a Model is made by quotekit.load(path), not from a {type(native).__name__}"
            )
        self._native = native

    def __repr__(self) -> str:
        return repr(self._native)

    def __copy__(self) -> "Model":
        # (A shallow copy shares the loaded model, as it always did.)
        return Model(self._native)

    def __reduce__(self) -> Any:
        # (pickle, copy.deepcopy and multiprocessing's spawn workers come here.)
        raise TypeError(
            "a quotekit.Model is not pickled or copied: load the model in each "
            f"process with quotekit.load({self.info.get('path', 'PATH')!r})"
        )

    @property
    def info(self) -> Dict[str, Any]:
        """``{"kind", "labels", "header", "path", "members"}``: the model
        kind, its tag names, the model file's header (config, training
        report) and where it was loaded from. For an ensemble, ``members``
        lists its models as ``{"kind", "weight"}`` in ``ensemble.toml``'s
        order, and kind and header are the first member's; for one model it
        is empty."""
        return {
            "kind": self._native.kind,
            "labels": list(self._native.labels),
            "header": json.loads(self._native.header_json),
            "path": str(self._native.path),
            "members": [{"kind": k, "weight": w} for k, w in self._native.members],
        }

    def annotate(self, text: str, id: Optional[Union[str, int]] = None) -> Dict[str, Any]:
        """Annotates one text; returns its record (``quotes`` with ``content``,
        ``cue``, ``speaker``, ``speaker_name``, ``speaker_id`` and
        confidences, offsets in characters; ``speakers``; ``spans``).

        ``id`` defaults to ``"0"``. Raises :class:`InputError` when the text
        cannot be annotated (not a string, empty, too long)."""
        if not isinstance(text, str):
            raise InputError(f"text must be a str, not {type(text).__name__}")
        if id is not None and (isinstance(id, bool) or not isinstance(id, (str, int))):
            raise InputError(f"id must be a str or an int, not {type(id).__name__}")
        # (An int id stays one: the native reader takes it as `predict`
        # does, or refuses it, beyond 64 bits, as annotate_many does.)
        item: Dict[str, Any] = {"id": "0" if id is None else id, "text": text}
        record = self.annotate_many([item], threads=1)[0]
        if "error" in record:
            # (One text has no lines to count.)
            message = record["error"]["message"]
            raise InputError(message[len("line 1: "):] if message.startswith("line 1: ") else message)
        return record

    def annotate_many(
        self,
        items: Iterable[Item],
        threads: int = 0,
        max_chars: int = 1_000_000,
    ) -> List[Dict[str, Any]]:
        """Annotates many texts on ``threads`` threads (0: all cores), the GIL
        released while they run; returns one record per item, in input
        order, whatever the number of threads.

        An item is a string (its id is its position, ``"0"``, ``"1"``, ...)
        or a dict ``{"id", "text", ...}`` (without an id, ``"line N"``, N its
        position from 1, as ``predict`` names such a JSONL record) whose
        other keys are passed through
        to its record, as ``quotekit predict`` does with JSONL (but for
        ``quotes``, ``speakers`` and ``spans``, which the record's own
        replace). An item that
        cannot be annotated gives an error record ``{"id", "error": {"kind",
        "message"}}`` (messages count items from 1, like the lines of a JSONL
        file) and the others go on."""
        items = _sequence(items, "items")
        lines = [_record_json(k, item) for k, item in enumerate(items)]
        out = self._native.annotate_records(
            [l for l, _, _ in lines],
            _count("threads", threads, 0, _quotekit.MAX_THREADS),
            _count("max_chars", max_chars),
        )
        return [
            _error_record(k, items[k], lines[k][1], lines[k][2])
            if line is None
            else json.loads(line)
            for k, line in enumerate(out)
        ]

    def annotate_jsonl(
        self,
        lines: Sequence[Union[str, bytes, bytearray, memoryview]],
        threads: int = 0,
        max_chars: int = 1_000_000,
    ) -> List[str]:
        """Annotates JSONL lines (``{"id", "text", ...}`` records as text) and
        returns the lines ``quotekit predict`` writes for them, in order,
        without parsing them in Python: the fast path for pipelines (Spark's
        ``mapPartitions``) that read and write JSONL. A bad line gives an
        error record; ``line N`` in its message counts from 1 in ``lines``.
        Blank lines give no record and a byte-order mark at the start of a
        line is dropped, as ``predict`` reads a file; ``bytes`` (or a
        ``bytearray`` or ``memoryview`` of them) lines are read as UTF-8."""
        lines = [
            bytes(l) if isinstance(l, (bytearray, memoryview)) else l
            for l in _sequence(lines, "lines", "lines")
        ]
        # (Written as `predict` writes its lines: compact, keys sorted.)
        wrong = {
            k: json.dumps(_error_record(k, None, "malformed-json",
                                        f"line {k + 1}: a line must be str or bytes, "
                                        f"not {type(line).__name__}"),
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            for k, line in enumerate(lines)
            if not isinstance(line, (str, bytes))
        }
        out = self._native.annotate_records(
            [None if k in wrong else l for k, l in enumerate(lines)],
            _count("threads", threads, 0, _quotekit.MAX_THREADS),
            _count("max_chars", max_chars),
        )
        return [wrong.get(k, line) for k, line in enumerate(out) if k in wrong or line is not None]



def load(path: PathLike, precision: Optional[str] = "f32", speakers: bool = True) -> Model:
    """Loads the model in ``path`` (a model directory, or its
    ``model.safetensors``). Raises :class:`ModelError` when it cannot.

    ``speakers=False`` names no speakers (as ``quotekit predict
    --no-speakers``): every ``speaker_name`` and ``speaker_id`` is ``None``
    and ``speakers`` is empty, in less time (the resolver is neither read
    nor run).

    ``precision="int8"`` runs a transformer model's linear layers in int8
    (as ``quotekit predict --precision int8``): about twice as fast, with
    predictions that can differ slightly from ``"f32"``'s. Other models
    raise :class:`InputError`; a processor without AVX-512 VNNI raises
    :class:`ConfigError`.

    As ``quotekit predict`` does, the first call sets the process's
    ``CANDLE_NUM_THREADS`` to 1 where it is not set (documents, not a
    network's operations, run in parallel): child processes started after
    it inherit the setting, which ``os.environ`` does not show. Set it
    before loading to choose otherwise."""
    return Model(_quotekit.load(_path("path", path), _optional_str("precision", precision),
                                _flag("speakers", speakers)))


def train(
    config: PathLike,
    train: Optional[PathLike] = None,
    dev: Optional[PathLike] = None,
    out: Optional[PathLike] = None,
    names: Optional[Names] = None,
    threads: Optional[int] = None,
    label_map: Optional[PathLike] = None,
) -> Optional[Dict[str, Any]]:
    """Trains a model as ``quotekit train`` does: the TOML ``config`` (see
    ``configs/crf.toml``), its training and dev corpora overridden by
    ``train`` and ``dev``, speaker names by ``names``, the label map of CoNLL
    corpora with labels of their own by ``label_map`` (``data.label_map``);
    writes it to the folder ``out`` (by default ``models/KIND``, KIND the
    config's model: ``crf``, ``neural`` or ``transformer``). Returns the dev evaluation (also written to
    ``out/dev-eval.json``), or ``None`` without a dev corpus. A config that
    cannot be read or used raises :class:`ConfigError`. Unread config
    sections and an unused label map are warned of before training; every
    other warning (the corpora's repairs, a lexicon with no cue, a dev
    corpus that shares documents with train) comes once the model is saved:
    where warnings are errors, such a warning is raised with the model kept
    in ``out`` and its dev evaluation in ``out/dev-eval.json``."""
    report = _quotekit.train(
        _path("config", config),
        _optional_path("out", out),
        train=_optional_path("train", train),
        dev=_optional_path("dev", dev),
        names=_paths(names),
        threads=_optional_count("threads", threads, 0, _quotekit.MAX_THREADS),
        label_map=_optional_path("label_map", label_map),
    )
    return None if report is None else json.loads(report)


def tune(
    space: PathLike,
    out: PathLike = "models/tune",
    train: Optional[PathLike] = None,
    dev: Optional[PathLike] = None,
    names: Optional[Names] = None,
    threads: Optional[int] = None,
    trials: Optional[int] = None,
    hours: Optional[float] = None,
) -> Dict[str, Any]:
    """Searches a config for the best dev score as ``quotekit tune`` does:
    the search space ``space`` (see ``configs/tune-crf.toml``), its base
    config's corpora overridden by ``train``, ``dev`` and ``names``, its
    budget by ``trials`` and ``hours``. Results go to the folder ``out``
    (``trials.jsonl``, ``trials.tsv``, ``search.json``, ``best.toml``, the
    best model in ``best/``); calling again with the same ``out`` resumes the
    search.
    Returns ``{"stop", "best", "records"}``: why it stopped, the number of
    the best trial, and every trial's params, dev scores and seconds. A
    space or base config that cannot be read or used raises
    :class:`ConfigError`. The trials' warnings come once the search stops:
    where warnings are errors, the first is raised then, with the search
    kept in ``out`` (call again to read or resume it)."""
    return json.loads(
        _quotekit.tune(
            _path("space", space),
            _path("out", out),
            train=_optional_path("train", train),
            dev=_optional_path("dev", dev),
            names=_paths(names),
            threads=_optional_count("threads", threads, 0, _quotekit.MAX_THREADS),
            trials=_optional_count("trials", trials, 1, _quotekit.MAX_TRIALS),
            hours=_optional_hours(hours),
        )
    )


def evaluate(
    gold: PathLike,
    pred: Optional[PathLike] = None,
    names: Optional[Names] = None,
    link_gold: bool = False,
    lenient: bool = False,
    annotator: Optional[str] = None,
    ignore_labels: Optional[Sequence[str]] = None,
    label_map: Optional[PathLike] = None,
    deny_overlaps: bool = False,
) -> Dict[str, Any]:
    """Scores predicted documents (``quotekit predict --format documents``,
    or any corpus) against gold ones, paired by id, as ``quotekit eval``
    does. ``pred`` may also be a JSONL file of records as ``annotate_many``
    returns them (``quotekit predict --format jsonl``), read with the gold
    texts: they hold the spans of quotes only, so spans in no quote are not
    scored (attributions, content and who-said-what are scored in full).
    When gold names its speakers (``names``, folders of the gold speakers'
    names, or names carried on its Source spans, as ``convert --names``
    writes them) the who-said-what figures too. With ``link_gold=True`` instead of ``pred``,
    scores the rule linker on its own (``quotekit eval --link-gold``): the
    gold spans, as a perfect tagger would give them, linked into
    attributions and scored against gold. Repairs made while reading either
    corpus are ``UserWarning`` warnings, as in :func:`read_corpus`; with
    ``lenient=True`` (``quotekit eval --lenient``) a document with errors in
    either is left out, a ``UserWarning`` too, instead of raising (in
    ``pred``: scored as predicting nothing). The documents ``predict``
    could not annotate (the error records of ``--format documents`` output,
    or of a brat output's ``errors.jsonl``) are scored as predicting
    nothing, each a ``UserWarning``, whether lenient or not. ``annotator``
    chooses gold's annotation files as ``--annotator`` does (the
    predictions, which ``predict`` writes one file an article, are read
    without it); ``ignore_labels``, ``label_map`` and ``deny_overlaps``
    read both corpora as ``--ignore-label``, ``--label-map`` and
    ``--deny-overlaps`` do (see :func:`read_corpus`)."""
    return json.loads(
        _quotekit.evaluate(
            _path("gold", gold),
            _optional_path("pred", pred),
            names=_paths(names),
            link_gold=_flag("link_gold", link_gold),
            lenient=_flag("lenient", lenient),
            flags=_corpus_flags(annotator, ignore_labels, label_map, deny_overlaps),
        )
    )


def who_is_quoted(
    records: Union[PathLike, Iterable[Union[str, bytes, bytearray, memoryview, Dict[str, Any]]]],
    by: Optional[str] = None,
    merge_names: bool = False,
) -> Dict[str, Any]:
    """Who is quoted, as ``quotekit stats --json`` counts it in
    ``predict``'s records: quotes (``direct`` ones too) and documents per
    speaker name, most quoted first, and the quotes with no name. ``records`` is a JSONL file
    of records (``quotekit predict --format jsonl``), or the records
    themselves, as :meth:`Model.annotate_many` returns them (dicts, or their
    JSON text, as ``str`` or UTF-8 ``bytes``: the lines of a file opened in
    either mode). ``by`` also counts each value of that field of the records
    apart (``stats --by``: a field of the input records that annotating
    passes through, such as an outlet); the result is then ``{"field",
    "all", "groups"}``. ``merge_names=True`` counts the names of one person
    across documents as one (``stats --merge-names``: ``Obama`` with
    ``Barack Obama``), the other spellings in ``spellings``. A ``by`` field
    that no record has gives a ``UserWarning`` naming the fields the records
    carry, and so do records that repeat an id (each is counted). A record that
    is not one raises :class:`InputError` naming its line (file) or its
    position from 1 (records)."""
    by = _optional_str("by", by)
    # (A field that can be none is an argument, whichever the records.)
    if by is not None and not by.strip():
        raise InputError("no field to count the records by: its name is empty")
    merge = _flag("merge_names", merge_names)
    if isinstance(records, (str, bytes, os.PathLike)):
        return json.loads(
            _quotekit.who_is_quoted(path=_path("records", records), by=by, merge_names=merge)
        )
    texts = []
    for k, record in enumerate(_sequence(records, "records")):
        if isinstance(record, dict):
            # (Escaped: a lone surrogate is then the native reader's to refuse.)
            try:
                texts.append(json.dumps(record, allow_nan=False))
            except (TypeError, ValueError, RecursionError) as e:
                raise InputError(
                    f"records: record {k + 1} is not representable as JSON ({e})"
                ) from None
        elif isinstance(record, str) and _utf8(record):
            texts.append(record)
        elif isinstance(record, str):
            raise InputError(f"records: record {k + 1} holds a lone surrogate, which no JSON text can")
        elif isinstance(record, (bytes, bytearray, memoryview)):
            # (The lines of a file opened in binary mode, as annotate_jsonl takes them.)
            try:
                texts.append(bytes(record).decode("utf-8"))
            except UnicodeDecodeError as e:
                raise InputError(f"records: record {k + 1} is not UTF-8 ({e.reason} at byte {e.start})") from None
        else:
            raise InputError(
                f"records: record {k + 1} must be a dict or its JSON text, not {type(record).__name__}"
            )
    return json.loads(_quotekit.who_is_quoted(records=texts, by=by, merge_names=merge))


def read_corpus(
    path: PathLike,
    format: Optional[str] = None,
    names: Optional[Names] = None,
    lenient: bool = False,
    annotator: Optional[str] = None,
    ignore_labels: Optional[Sequence[str]] = None,
    label_map: Optional[PathLike] = None,
    deny_overlaps: bool = False,
) -> Iterator[Dict[str, Any]]:
    """Yields the documents of a corpus (a brat folder, ``.jsonl`` or
    ``.conll``, either gzip-compressed when its name ends in ``.gz``;
    ``format`` overrides the guess) as dicts of quotekit's document JSONL
    (``id``, ``text``, ``spans``, ``attributions``). The
    corpus is read and checked when this is called: a bad document raises
    :class:`DataError` naming its file and line; a repair made while reading
    (an attribution without content dropped, roles reassigned by label; as
    ``quotekit stats`` lists them) is a ``UserWarning`` naming its line.
    With ``lenient=True`` (``--lenient``) a bad document is left out
    instead, a ``UserWarning`` naming its file and line (a file whose
    reading stops part way, a gzip stream cut short, still raises: what
    follows it was not read). The documents ``quotekit predict`` could not
    annotate (the error records of its ``--format documents`` output, or of
    its brat output's ``errors.jsonl``) are bad documents here: a corpus of
    documents has none. As the command
    line's flags: ``annotator`` (brat: which annotation file, where an
    article has several), ``ignore_labels`` (brat: more T labels to skip),
    ``label_map`` (CoNLL: a TOML map of its labels to roles; a
    ``UserWarning`` says it is not used where the corpus is not CoNLL) and
    ``deny_overlaps`` (spans of different roles that share characters are
    errors)."""
    lines = _quotekit.read_corpus(
        _path("path", path),
        format=_optional_str("format", format),
        names=_paths(names),
        lenient=_flag("lenient", lenient),
        flags=_corpus_flags(annotator, ignore_labels, label_map, deny_overlaps),
    )
    return (json.loads(line) for line in lines)

