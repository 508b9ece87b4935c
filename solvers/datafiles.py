r"""Loading a user's data set ``(A, y)`` from ``.npz`` or ``.csv``, safely.

* ``.npz``: arrays ``A`` (n, d) and ``y`` (n,), read with
  ``allow_pickle=False``; object arrays are refused, never unpickled.
* ``.csv``: a header row, then one row per sample with the features first and
  the label ``y`` in the last column; every cell must be a finite number.
  The separator is a comma, a semicolon or a tab, found by
  :class:`csv.Sniffer` on the header row; any other separator (a space, ``|``)
  is refused with a message that names it. Line endings may be ``\n``,
  ``\r\n`` or old Mac ``\r``.

Every problem is a :class:`~.errors.DataFileError` (a ``ValueError``) whose
message names the file and what is wrong with it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .validation import check_problem
from .errors import DataFileError, InvalidInputError

__all__ = ["load_data"]


def _load_npz(path: str) -> tuple[NDArray[Any], NDArray[Any]]:  # any dtype: load_data validates it
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataFileError(f"{path}: holds a single array, not an .npz archive with arrays 'A' and 'y'")
    with archive:
        keys = set(archive.files)
        missing = [k for k in ("A", "y") if k not in keys]
        if missing:
            raise DataFileError(
                f"{path}: missing array(s) {', '.join(missing)}; found {sorted(keys) or 'no arrays'}; "
                "an .npz data file needs arrays 'A' (n, d) and 'y' (n,)"
            )
        out = []
        for key in ("A", "y"):
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
    return out[0], out[1]


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


def _load_csv(path: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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
    if len(header) < 2:
        raise DataFileError(f"{path}: the header has {len(header)} column; at least one feature and the label y are needed")
    if not body:
        raise DataFileError(f"{path}: has a header but no data rows")
    values = np.empty((len(body), len(header)))
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataFileError(f"{path}: line {i} has {len(row)} columns but the header has {len(header)}")
        for j, cell in enumerate(row):
            cell = cell.strip()
            if cell == "":
                raise DataFileError(f"{path}: line {i}, column {j + 1} ({header[j]!r}) is missing a value")
            try:
                v = float(cell)
            except ValueError:
                raise DataFileError(f"{path}: line {i}, column {j + 1} ({header[j]!r}) is not a number: {cell!r}") from None
            if not math.isfinite(v):
                raise DataFileError(f"{path}: line {i}, column {j + 1} ({header[j]!r}) is not finite: {cell!r}")
            values[i - 2, j] = v
    return values[:, :-1], values[:, -1]


def load_data(path: str | os.PathLike[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Read ``(A, y)`` from an ``.npz`` or ``.csv`` file (see module docstring)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataFileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise DataFileError(f"{path}: is a directory, not a data file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        A, y = _load_npz(path)
    elif ext == ".csv":
        A, y = _load_csv(path)
    else:
        raise DataFileError(f"{path}: unknown data file type {ext or '(none)'!r}; use .npz (arrays A, y) or .csv")
    try:
        return check_problem(A, y)
    except InvalidInputError as exc:
        raise DataFileError(f"{path}: {exc}") from None
