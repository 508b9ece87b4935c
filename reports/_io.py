r"""Output helpers shared by every command: JSON that is deterministic, strict
and marked as relurelax's, and writes that lose nothing.

The rules every command that writes follows (README, "Nothing is lost"):

- every JSON file relurelax writes starts with ``{"schema": "relurelax.<command>/<version>"``
  (:func:`write_json`), so a later run can tell it wrote the file;
- an existing output file is replaced only when it is empty or carries that
  marker; anything else is refused with exit 2 naming the file, before any work
  (:func:`prepare_output_file`); an ``.npz`` relurelax writes (``solve
  --save``, :func:`write_npz`) carries the marker in its first array,
  ``metadata`` (:data:`NPZ`), and is recognised by it the same way;
- an output path that is, or resolves to, an input path is refused before
  any work (:func:`refuse_aliases`);
- a file is written to a temporary sibling ``.NAME.relurelax-<pid>-<hex>.tmp``
  with the permissions of the umask and renamed into place, so an interrupted
  run never leaves a half-written file where the result goes; such a sibling
  left by a killed run (its process is gone, its content is empty or starts
  with the marker) is removed by the next run on the same target
  (:func:`remove_leftovers`);
- the rename is a commit (:func:`~.errors.committing`): after a signal
  (Ctrl-C, SIGTERM), even one whose ``KeyboardInterrupt`` a library
  swallowed, nothing more is put in place.
"""

from __future__ import annotations

import enum
import errno
import io
import json
import math
import os
import re
import secrets
import stat
import struct
from typing import Any, Callable, NamedTuple

import numpy as np

from relurelax.solvers.errors import InvalidInputError

from .errors import committing

__all__ = [
    "starts_with_line",
    "SCHEMA_KEY",
    "schema_for",
    "to_jsonable",
    "dumps_json",
    "load_schema",
    "is_relurelax_json",
    "is_relurelax_npz",
    "OutputKind",
    "JSON",
    "NPZ",
    "write_npz",
    "atomic_write_bytes",
    "refuse_aliases",
    "check_writable_target",
    "prepare_output_file",
    "write_json",
    "atomic_write_text",
    "temp_sibling_name",
    "leftover_pid",
    "process_is_alive",
    "remove_leftovers",
]

#: first key of every JSON file relurelax writes; its value is :func:`schema_for` of the command
SCHEMA_KEY = "schema"
#: how much of an existing file is read to look for the marker
_PEEK_BYTES = 4096
_JSON_MARKER = re.compile(rb'\A\{\s*"schema"\s*:\s*"relurelax\.[a-z][a-z0-9_-]*/[0-9]+"')
_TEMP_TAG = "relurelax"


#: the version of each command's JSON document that changed since its first (1 for the others)
SCHEMA_VERSIONS = {"verify": 3, "report": 4, "solve": 2, "crosscheck": 2}


def starts_with_line(path: str, line: str) -> bool:
    """Whether the file at ``path`` reads as text whose first line is ``line`` (a folder's marker file); False if unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip("\n") == line
    except OSError:
        return False


def schema_for(command: str) -> str:
    """The marker value of the JSON that ``relurelax <command>`` writes, e.g. ``relurelax.solve/1``, ``relurelax.verify/3``."""
    return f"relurelax.{command}/{SCHEMA_VERSIONS.get(command, 1)}"


def to_jsonable(value: Any) -> Any:
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


def _layout(value, indent: int) -> str:
    """Indented JSON in which a list of scalars (a row of numbers, a list of names) stays on one line."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}  {json.dumps(k)}: {_layout(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return json.dumps(value, allow_nan=False, separators=(", ", ": "))
        items = [f"{pad}  {_layout(v, indent + 2)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, allow_nan=False)


def dumps_json(obj: Any, schema: str | None = None) -> str:
    r"""The one JSON encoder of relurelax: every file it writes (``--json`` and ``results.json``) goes through it.

    Strict JSON (NaN and infinities as null, numpy values and enums converted
    by :func:`to_jsonable`), indented by two spaces, lists of scalars on one
    line, newline-terminated. With ``schema`` (:func:`schema_for`),
    ``"schema"`` is the first key; its value names the JSON Schema in
    ``reports/schemas/`` that the document follows (:func:`load_schema`).
    """
    if schema is not None:
        obj = {SCHEMA_KEY: schema, **{k: v for k, v in obj.items() if k != SCHEMA_KEY}}
    return _layout(to_jsonable(obj), 0) + "\n"


def load_schema(command: str) -> dict:
    r"""The JSON Schema (draft 2020-12) of the JSON that ``relurelax <command>`` writes; its ``$id`` is :func:`schema_for`.

    The schemas ship with the package as ``relurelax/reports/schemas/<command>.schema.json``:
    ``report`` (``results.json``), ``verify`` and ``crosscheck`` (their ``--json``).
    """
    from importlib import resources

    path = resources.files("relurelax.reports").joinpath("schemas", f"{command}.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


def is_relurelax_json(path: str) -> bool:
    """Whether the file at ``path`` starts with relurelax's JSON marker ``{"schema": "relurelax.<command>/<n>"``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES)
    except OSError:
        return False
    return _JSON_MARKER.match(head) is not None


#: the name of the array of an .npz relurelax writes that carries the marker; it is the archive's first member
NPZ_METADATA = "metadata"


def _npz_payload(head: bytes) -> bytes | None:
    r"""The start of the data of the first member of a zip archive when that member is ``metadata.npy``,
    stored uncompressed, with a valid ``.npy`` header; else None. ``head`` is the file's first bytes."""
    if len(head) < 30 or not head.startswith(b"PK\x03\x04") or head[8:10] != b"\x00\x00":
        return None
    name_length, extra_length = struct.unpack("<HH", head[26:30])
    if head[30 : 30 + name_length] != f"{NPZ_METADATA}.npy".encode():
        return None
    data = head[30 + name_length + extra_length :]
    if not data.startswith(b"\x93NUMPY") or len(data) < 12:
        return None
    if data[6] == 1:
        start = 10 + struct.unpack("<H", data[8:10])[0]
    elif data[6] in (2, 3):
        start = 12 + struct.unpack("<I", data[8:12])[0]
    else:
        return None
    return data[start:]


def is_relurelax_npz(path: str) -> bool:
    r"""Whether the file at ``path`` is an ``.npz`` relurelax wrote (:func:`write_npz`).

    Its first member is the array ``metadata``, stored uncompressed, whose
    bytes start with relurelax's JSON marker ``{"schema": "relurelax.<command>/<n>"``.
    Only the first bytes are read, so a file cut short by a killed run is
    recognised too; nothing is unpickled or decompressed.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES)
    except OSError:
        return False
    payload = _npz_payload(head)
    return payload is not None and _JSON_MARKER.match(payload) is not None


class OutputKind(NamedTuple):
    """A kind of file relurelax writes: how it recognises one it wrote, and how a message says so."""

    is_ours: Callable[[str], bool]
    marker: str


#: JSON (``--json``, ``results.json``)
JSON = OutputKind(is_relurelax_json, f'relurelax\'s JSON starts with {{"{SCHEMA_KEY}": "relurelax.<command>/1"')
#: an .npz of arrays (``solve --save``)
NPZ = OutputKind(is_relurelax_npz, f"an .npz relurelax wrote starts with an array '{NPZ_METADATA}' holding "
                                   f'{{"{SCHEMA_KEY}": "relurelax.<command>/1", ...}}')  # fmt: skip


def _same(a: str, b: str) -> bool:
    """Whether two paths name the same file: same inode (hard links, symlinks) or the same resolved path."""
    try:
        if os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _inside(path: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return os.path.realpath(path).startswith(folder.rstrip(os.sep) + os.sep)


def refuse_aliases(inputs: dict[str, str | None], outputs: dict[str, str | None]) -> None:
    r"""Refuse, before any work, an output that is or resolves to an input (``{flag: path}`` each).

    Two paths alias when they are the same file by inode (``os.path.samefile``:
    hard links, symbolic links, ``./x`` against ``x``) or by resolved path
    (``os.path.realpath``, for a file that does not exist yet), or when the
    input lies inside an output folder that would be replaced. ``None`` or
    empty entries are skipped (a missing flag).
    """
    for out_flag, out in outputs.items():
        if not out:
            continue
        for in_flag, src in inputs.items():
            if not src:
                continue
            if _same(out, src) or (os.path.isdir(out) and _inside(src, out)):
                raise InvalidInputError(
                    f"{out_flag} {out} is the input {in_flag} {src}; writing it would destroy the input, "
                    f"give another {out_flag} path"
                )


def _refuse_empty(path: str, flag: str, what: str) -> None:
    if path == "":
        raise InvalidInputError(f"{flag} '': the path is empty (an unset shell variable?); give {what}")


def check_writable_target(path: str, flag: str = "--json", kind: OutputKind = JSON) -> str:
    r"""Fail early, before any long computation, when ``path`` may not be written.

    Refused: an empty path; a folder; a path whose folder is missing or not
    writable; a symbolic link or anything but a regular file in its place; an
    existing non-empty file that relurelax did not write as a file of this
    ``kind`` (:data:`JSON`: it does not start with relurelax's JSON marker;
    :data:`NPZ`: :func:`is_relurelax_npz`); the file is named, and left as
    it is.
    """
    path = os.fspath(path)
    _refuse_empty(path, flag, "a file path to write")
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InvalidInputError(f"{path}: is a directory; give a file path to write")
    if not os.path.isdir(parent):
        raise InvalidInputError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InvalidInputError(f"{path}: the folder {parent} is not writable")
    if os.path.lexists(path):
        if os.path.islink(path):
            raise InvalidInputError(f"{path}: is a symbolic link; relurelax replaces only a file it wrote, "
                                    f"give the path of a new file")  # fmt: skip
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInputError(f"{path}: exists and is not a regular file; refusing to replace it")
        if info.st_size > 0 and not kind.is_ours(path):
            raise InvalidInputError(
                f"{path}: exists and relurelax did not write it ({kind.marker}); refusing to replace it; "
                f"remove it yourself or give another path"
            )
    return path


def prepare_output_file(path: str, *, inputs: dict[str, str | None] | None = None, flag: str = "--json",
                        kind: OutputKind = JSON) -> str:  # fmt: skip
    r"""Everything a command does with an output file before its computation; returns ``path``.

    Refuses an empty path, an output that aliases one of ``inputs``
    (:func:`refuse_aliases`) and a target that may not be replaced
    (:func:`check_writable_target`, for files of ``kind``); then removes what
    a killed earlier run on the same target left (:func:`remove_leftovers`).
    """
    path = os.fspath(path)
    _refuse_empty(path, flag, "a file path to write")
    refuse_aliases(inputs or {}, {flag: path})
    check_writable_target(path, flag, kind)
    remove_leftovers(path, kind)
    return path


# --- temporary siblings and their clean-up ------------------------------------------------


def temp_sibling_name(base: str, *, old: bool = False) -> str:
    r"""A fresh name ``.BASE.relurelax-[old-]<pid>-<8 hex>.tmp`` for a temporary sibling of ``BASE``."""
    kind = "old-" if old else ""
    return f".{base}.{_TEMP_TAG}-{kind}{os.getpid()}-{secrets.token_hex(4)}.tmp"


def leftover_pid(name: str, base: str) -> int | None:
    r"""The process id in ``name`` when it is a temporary sibling name of ``base`` (:func:`temp_sibling_name`), else None."""
    match = re.fullmatch(rf"\.{re.escape(base)}\.{_TEMP_TAG}-(?:old-)?([0-9]{{1,10}})-[0-9a-f]{{8}}\.tmp", name)
    return int(match.group(1)) if match else None


def process_is_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (a run still writing its temporary sibling)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except (OverflowError, ValueError, OSError):
        return pid <= 0  # 0 and negatives name process groups: treat as alive, never as a leftover
    return True


def remove_leftovers(path: str, kind: OutputKind = JSON) -> list[str]:
    r"""Remove the temporary siblings of the file ``path`` that a killed run left; returns their paths.

    A sibling is removed only when all of these hold: its name is
    ``.NAME.relurelax-<pid>-<8 hex>.tmp``, the process ``pid`` no longer
    exists, it is a regular file (not a link), and it is empty or carries
    relurelax's marker for files of ``kind``. Anything else, such as a file
    of the user's that merely looks similar, is left alone. Errors are
    ignored: the clean-up is best effort and never fails the run.
    """

    def remove_if_ours(entry: os.DirEntry) -> bool:
        if not entry.is_file(follow_symlinks=False):
            return False
        if entry.stat(follow_symlinks=False).st_size > 0 and not kind.is_ours(entry.path):
            return False
        os.unlink(entry.path)
        return True

    return remove_dead_siblings(path, remove_if_ours)


def remove_dead_siblings(path: str, remove_if_ours: Callable[[os.DirEntry], bool]) -> list[str]:
    r"""The one scan behind every clean-up of leftovers: the siblings of ``path`` named
    ``.NAME.relurelax-[old-]<pid>-<hex>.tmp`` whose process no longer exists are passed to
    ``remove_if_ours``, which removes one and returns True only when it carries relurelax's
    marker. Returns the removed paths; errors are ignored (the clean-up is best effort and
    never fails the run).
    """
    parent, base = os.path.split(os.path.abspath(os.fspath(path)))
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        pid = leftover_pid(entry.name, base)
        if pid is None or process_is_alive(pid):
            continue
        try:
            if remove_if_ours(entry):
                removed.append(entry.path)
        except OSError:
            continue
    return removed


def _create_temp_file(parent: str, base: str) -> tuple[int, str]:
    # O_EXCL with mode 0o666: the umask gives the permissions (mkstemp would give 0600)
    for _ in range(100):
        tmp = os.path.join(parent, temp_sibling_name(base))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", os.path.join(parent, f".{base}.*.tmp"))


def atomic_write_bytes(path: str, data: bytes, flag: str = "--json", kind: OutputKind = JSON) -> None:
    r"""Write ``data`` to ``path`` through a temporary sibling and an atomic rename.

    The target is checked again (:func:`check_writable_target`, for files of
    ``kind``) so that a file that appeared during the run is not replaced.
    The rename is a commit (:func:`~.errors.committing`): once a signal has
    interrupted the run it raises ``KeyboardInterrupt`` and ``path`` is left
    as it was. ``data`` should carry relurelax's marker for that kind
    (:func:`write_json` and :func:`write_npz` do), so that a sibling left by
    a killed run is recognised as relurelax's.
    """
    path = check_writable_target(path, flag, kind)
    parent, base = os.path.split(os.path.abspath(path))
    fd, tmp = _create_temp_file(parent, base)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes reach the disk before the rename makes them the file
        with committing(path):  # after a signal (even one whose exception was swallowed) nothing is committed
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str, text: str, flag: str = "--json") -> None:
    """Write relurelax's JSON ``text`` to ``path`` atomically, in UTF-8 (:func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), flag, JSON)


def write_json(path: str, obj: dict, command: str, flag: str = "--json") -> None:
    """Write ``obj`` as the JSON of ``relurelax <command>``: first key ``"schema"``: :func:`schema_for`, atomically."""
    atomic_write_text(path, dumps_json(obj, schema_for(command)), flag)


def write_npz(path: str, arrays: dict[str, np.ndarray], metadata: dict, command: str, flag: str = "--save") -> None:
    r"""Write ``arrays`` and ``metadata`` as an ``.npz`` relurelax wrote, atomically.

    The archive's first member is the array ``metadata``: the bytes of
    ``metadata`` as JSON (:func:`dumps_json`, first key
    ``"schema": "relurelax.<command>/1"``), a 0-d bytes array, so that
    ``json.loads(np.load(path)["metadata"].item())`` reads it back and
    :func:`is_relurelax_npz` recognises the file; the ``arrays`` follow. It
    loads with ``allow_pickle=False``.
    """
    if NPZ_METADATA in arrays:
        raise ValueError(f"an array may not be named {NPZ_METADATA!r}: that name holds the metadata")
    buffer = io.BytesIO()
    np.savez(buffer, **{NPZ_METADATA: np.array(dumps_json(metadata, schema_for(command)).encode("utf-8"))}, **arrays)
    atomic_write_bytes(path, buffer.getvalue(), flag, NPZ)
