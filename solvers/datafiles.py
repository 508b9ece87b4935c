r"""Loading a user's data set ``(A, y)`` (:func:`load_data`, also for a test set) and an initial point
``X0`` (:func:`load_point`) from ``.npz`` or ``.csv``, safely.

* ``.npz``: arrays ``A`` (n, d) and ``y`` (n,), read with
  ``allow_pickle=False``; object arrays are refused, never unpickled.
* ``.csv``: a header row, then one row per sample with the features first and
  the label ``y`` in the last column; every cell must be a finite number.
  The separator is a comma, a semicolon or a tab, found by
  :class:`csv.Sniffer` on the header row; any other separator (a space, ``|``)
  is refused with a message that names it. Line endings may be ``\n``,
  ``\r\n`` or old Mac ``\r``.
* An initial point (:func:`load_point`): an ``.npz`` with an array ``X0``
  (or ``X``, as ``relurelax solve --save`` writes it) of shape (d, m), or
  a ``.csv`` with a header row (one name per neuron) and d rows of m
  numbers, in the same dialects.

Every problem is a :class:`~.errors.DataFileError` (a ``ValueError``) whose
message names the file and what is wrong with it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from .validation import as_parameters, check_problem
from .errors import DataFileError, InvalidInputError

__all__ = ["load_data", "load_point", "POINT_ARRAYS"]


def _read_npz(path: str, choose: Callable[[set[str]], tuple[str, ...]]) -> list[NDArray[Any]]:
    r"""The arrays of an ``.npz`` archive that ``choose(names)`` picks (it raises a :class:`DataFileError`
    naming what is missing); never unpickled."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataFileError(f"{path}: holds a single array, not an .npz archive of named arrays")
    with archive:
        out = []
        for key in choose(set(archive.files)):
            try:
                out.append(archive[key])
            except ValueError as exc:
                if "pickle" in str(exc).lower() or "object" in str(exc).lower():
                    raise DataFileError(
                        f"{path}: array '{key}' holds Python objects; relurelax never unpickles data, "
                        "save numeric arrays instead"
                    ) from None
                raise DataFileError(f"{path}: array '{key}' cannot be read ({exc})") from None
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DataFileError(f"{path}: array '{key}' is truncated or corrupt ({exc})") from None
    return out


def _load_npz(path: str) -> tuple[NDArray[Any], NDArray[Any]]:  # any dtype: load_data validates it
    def data_arrays(keys: set[str]) -> tuple[str, ...]:
        missing = [k for k in ("A", "y") if k not in keys]
        if missing:
            raise DataFileError(
                f"{path}: missing array(s) {', '.join(missing)}; found {sorted(keys) or 'no arrays'}; "
                "an .npz data file needs arrays 'A' (n, d) and 'y' (n,)"
            )
        return ("A", "y")

    A, y = _read_npz(path, data_arrays)
    return A, y


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


#: the separators a .csv data file may use, and their names in messages
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def _separator_name(char: str) -> str:
    return SEPARATORS.get(char) or {" ": "space"}.get(char) or repr(char)


def _delimiter(path: str, header: str) -> str:
    r"""The header's separator: one of :data:`SEPARATORS` (sniffed), refused by name when it is another one.

    A header with none of them is one column (refused later for its width)
    unless :class:`csv.Sniffer`, unrestricted, finds another punctuation
    character or a space between the names: then the file is refused here.
    """
    sniffer = csv.Sniffer()
    try:
        return sniffer.sniff(header, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        pass
    try:
        other = sniffer.sniff(header).delimiter
    except csv.Error:
        return ","
    if other.isalnum() or other in "\"'.-+_" or other not in header.strip():
        return ","  # a letter or a character of a number: the header is one column name
    raise DataFileError(
        f"{path}: the header row {header.strip()[:60]!r} is separated by {_separator_name(other)}; "
        "a .csv data file must use commas, semicolons or tabs"
    )


def _read_csv(path: str, min_columns: int, columns_needed: str) -> NDArray[np.float64]:
    r"""The numbers of a ``.csv`` file with a header row, as an array (rows, columns); at least
    ``min_columns`` columns (``columns_needed`` says which, for the message)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: is not UTF-8 text; a .csv data file must be text") from None
    # universal newlines: \n, \r\n and old Mac \r all end a line
    text = io.StringIO(text, newline=None).read()
    header_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = _delimiter(path, header_line)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if not rows:
        raise DataFileError(f"{path}: is empty; a .csv data file needs a header row and at least one data row")
    header, body = rows[0], rows[1:]
    if all(_is_number(cell) for cell in header):
        raise DataFileError(
            f"{path}: the first row is numeric; a .csv data file must start with a header row naming the columns"
        )
    if len(header) < min_columns:
        raise DataFileError(f"{path}: the header has {len(header)} column; {columns_needed}")
    if not body:
        raise DataFileError(f"{path}: has a header but no data rows")
    values = np.empty((len(body), len(header)))
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataFileError(f"{path}: line {i} has {len(row)} columns but the header has {len(header)}")
        values[i - 2] = [_cell_value(cell.strip(), f"{path}: line {i}, column {j + 1} ({header[j]!r})")
                         for j, cell in enumerate(row)]  # fmt: skip
    return values


def _cell_value(cell: str, where: str) -> float:
    """The finite number in one stripped cell of a .csv file; ``where`` names the cell in the message."""
    if cell == "":
        raise DataFileError(f"{where} is missing a value")
    try:
        v = float(cell)
    except ValueError:
        raise DataFileError(f"{where} is not a number: {cell!r}") from None
    if not math.isfinite(v):
        raise DataFileError(f"{where} is not finite: {cell!r}")
    return v


def _load_csv(path: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    values = _read_csv(path, 2, "at least one feature and the label y are needed")
    return values[:, :-1], values[:, -1]


def _file_kind(path: str, formats: str) -> str:
    """``".npz"`` or ``".csv"`` for an existing file ``path``; anything else is refused naming ``formats``."""
    if not os.path.exists(path):
        raise DataFileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise DataFileError(f"{path}: is a directory, not a data file")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npz", ".csv"):
        raise DataFileError(f"{path}: unknown data file type {ext or '(none)'!r}; use {formats}")
    return ext


def load_data(path: str | os.PathLike[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Read ``(A, y)`` from an ``.npz`` or ``.csv`` file (see module docstring)."""
    path = os.fspath(path)
    ext = _file_kind(path, ".npz (arrays A, y) or .csv")
    A, y = _load_npz(path) if ext == ".npz" else _load_csv(path)
    try:
        return check_problem(A, y)
    except InvalidInputError as exc:
        raise DataFileError(f"{path}: {exc}") from None


#: the arrays an .npz initial point may hold, in the order they are looked for (``X`` is what
#: ``relurelax solve --save`` writes, so a saved solution is a start)
POINT_ARRAYS = ("X0", "X")


def load_point(path: str | os.PathLike[str], d: int, m: int) -> NDArray[np.float64]:
    r"""Read an initial point ``X0`` of shape (d, m) from an ``.npz`` or ``.csv`` file.

    ``.npz``: an array ``X0``, or ``X`` (a solution saved by ``relurelax solve
    --save``), of shape (d,) for one neuron or (d, m); never unpickled.
    ``.csv``: a header row (one name per neuron), then d rows of m numbers,
    in the dialects :func:`load_data` reads.

    Raises
    ------
    DataFileError : a missing, malformed or unsafe file, non-finite entries,
        or a shape other than (d, m) (the message names both shapes).
    """
    path = os.fspath(path)
    ext = _file_kind(path, ".npz (an array X0 of shape (d, m)) or .csv (a header, then d rows of m numbers)")
    if ext == ".npz":

        def point_array(keys: set[str]) -> tuple[str, ...]:
            for key in POINT_ARRAYS:
                if key in keys:
                    return (key,)
            raise DataFileError(f"{path}: has no array X0 (or X); found {sorted(keys) or 'no arrays'}; an .npz "
                                f"initial point needs an array 'X0' of shape (d, m)")  # fmt: skip

        (X0,) = _read_npz(path, point_array)
    else:
        X0 = _read_csv(path, 1, "at least one column (one per neuron) is needed")
    shape = np.shape(X0)
    if shape not in ((d, m), (d,) if m == 1 else (d, m)):
        raise DataFileError(
            f"{path}: the initial point has shape {shape} but the problem needs shape (d, m) = ({d}, {m}): "
            f"one row per feature of A and one column per neuron" + (f" (or a vector of {d} entries)" if m == 1 else "")
        )
    try:
        return as_parameters(X0, d, "the initial point")
    except InvalidInputError as exc:
        raise DataFileError(f"{path}: {exc}") from None
