r"""Output helpers shared by every command: JSON that is deterministic and
strict, and writes that are atomic (a temporary sibling renamed into place,
so an interrupted run never leaves a half-written file where the result goes).
"""

from __future__ import annotations

import enum
import json
import math
import os
import tempfile

import numpy as np

from relurelax.solvers.errors import InvalidInputError

__all__ = ["to_jsonable", "dumps_json", "atomic_write_text", "check_writable_target"]


def to_jsonable(value):
    """Convert numpy scalars/arrays, enums and non-finite floats (to null) for strict JSON."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def dumps_json(obj) -> str:
    """Strict (no NaN), indented, newline-terminated JSON."""
    return json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n"


def check_writable_target(path: str) -> str:
    """Fail early, before any long computation, when ``path`` cannot be written."""
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InvalidInputError(f"{path}: is a directory; give a file path to write")
    if not os.path.isdir(parent):
        raise InvalidInputError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InvalidInputError(f"{path}: the folder {parent} is not writable")
    return path


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary sibling and an atomic rename."""
    path = check_writable_target(path)
    parent = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
