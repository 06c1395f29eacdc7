"""The native part of quotekit (Rust, PyO3). Use the functions of
``quotekit`` itself; these return JSON text that they parse."""

import os
import pathlib
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

_Path = Union[str, "os.PathLike[str]"]

__version__: str
MAX_THREADS: int
MAX_TRIALS: int

class QuotekitError(Exception): ...
class ModelError(QuotekitError): ...
class ConfigError(ModelError): ...
class DataError(QuotekitError): ...
class InputError(QuotekitError): ...

class NativeModel:
    @property
    def kind(self) -> str: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def header_json(self) -> str: ...
    @property
    def path(self) -> pathlib.Path: ...
    @property
    def members(self) -> List[Tuple[str, float]]: ...
    def annotate_records(
        self,
        records: Sequence[Optional[Union[str, bytes]]],
        threads: int = 0,
        max_chars: int = 1_000_000,
    ) -> List[Optional[str]]: ...

def load(path: _Path, precision: Optional[str] = None, speakers: bool = True) -> NativeModel: ...
def train(
    config: _Path,
    out: Optional[_Path] = None,
    train: Optional[_Path] = None,
    dev: Optional[_Path] = None,
    names: Optional[Sequence[_Path]] = None,
    threads: Optional[int] = None,
    label_map: Optional[_Path] = None,
) -> Optional[str]: ...
def tune(
    space: _Path,
    out: _Path,
    train: Optional[_Path] = None,
    dev: Optional[_Path] = None,
    names: Optional[Sequence[_Path]] = None,
    threads: Optional[int] = None,
    trials: Optional[int] = None,
    hours: Optional[float] = None,
) -> str: ...
def read_corpus(
    path: _Path,
    format: Optional[str] = None,
    names: Optional[Sequence[_Path]] = None,
    lenient: bool = False,
    flags: Optional[Dict[str, Any]] = None,
) -> List[str]: ...
def who_is_quoted(
    path: Optional[_Path] = None,
    records: Optional[Sequence[str]] = None,
    by: Optional[str] = None,
    merge_names: bool = False,
) -> str: ...
def evaluate(
    gold: _Path,
    pred: Optional[_Path] = None,
    names: Optional[Sequence[_Path]] = None,
    link_gold: bool = False,
    lenient: bool = False,
    flags: Optional[Dict[str, Any]] = None,
) -> str: ...
