r"""How much memory a solve needs, estimated before anything is allocated, and the refusal when it cannot fit.

:func:`estimated_bytes` counts the float64 arrays a request allocates at its
peak, from the sizes alone (:math:`n`, :math:`d`, :math:`m`, the method and
the test set); :func:`check_memory` compares the estimate with what the
process can still get, the smallest of

* ``MemAvailable`` of ``/proc/meminfo`` (memory the kernel can hand out
  without swapping),
* the soft ``RLIMIT_AS`` less the process's current address space
  (``VmSize``), and the soft ``RLIMIT_DATA`` less its data segment
  (``VmData``), where those limits are set,

and refuses a request that does not fit with :class:`InsufficientMemoryError`
(exit 2 on the command line), naming the size it would need in GiB. Where
none of these can be read (no ``/proc``), nothing is refused.

The counts, in units of the data matrix :math:`A` (:math:`8nd` bytes),
measured as the peak resident set of one call beyond the imports
(``ru_maxrss``, n = 8000, d = 500 and n = 4000, d = 250; factors rounded
up):

=====================  =======================================================
data (planted)         :math:`A`, the test set, labels and parameters: 1.25
gd, rgd                the unit-scale copy of :math:`A` and one
                       :math:`|A|` temporary: +1.5
newton                 +1.5, and :math:`3d^2` (Gram matrices of the
                       :math:`d`-space step) for :math:`n \ge d`, else
                       :math:`3n^2` (:math:`AA^T` and its submatrices), plus
                       :math:`3d^2` where labels may be negative (the
                       :math:`d`-space step near convergence)
unboundedness LP       HiGHS's copies of :math:`[A; c^T]`: +25 (newton and
                       one-neuron rgd, only where labels may be negative)
cvxpy                  the canonicalisation copies :math:`A` several times
                       (measured 24 to 31 with CLARABEL, SCS, OSQP, in one
                       process), and the solve runs in a worker process that
                       receives its own unit-scale copy of :math:`A`: +34
exact                  +1.5 (the RGD starts for m > 1), and 40 bytes per
                       row of :math:`A` and per cell of Cover's bound
                       :math:`C(n, d)` (a pattern and the outputs of the
                       cell's rays; an estimate, not measured)
crosscheck instance    GD, RGD, three backends, KKT residuals: +50 per
                       neuron (measured 49 for m = 1, 149 for m = 3)
=====================  =======================================================
"""

from __future__ import annotations

import math

from .validation import check_positive_int
from .errors import InvalidInputError

__all__ = ["METHODS", "InsufficientMemoryError", "estimated_bytes", "available_bytes", "check_memory"]

#: methods whose memory :func:`estimated_bytes` knows
METHODS = ("gd", "rgd", "newton", "cvxpy", "exact", "crosscheck")

_GIB = 2**30
#: peak bytes beyond the data, in units of the data matrix A (module docstring)
_DATA_FACTOR = 1.25
_DESCENT_FACTOR = 1.5
_LP_FACTOR = 25
_CVXPY_FACTOR = 34
#: bytes per cell and row of A held by the global method (a boolean pattern, a few float64 columns)
_EXACT_BYTES_PER_CELL_ROW = 40
_CROSSCHECK_FACTOR_PER_NEURON = 50


class InsufficientMemoryError(InvalidInputError):
    """A request whose estimated memory exceeds what the process can get (the message gives both in GiB)."""

    def __init__(self, message: str, needed: int, available: int) -> None:
        super().__init__(message)
        self.needed = needed
        self.available = available


def estimated_bytes(n: int, d: int, m: int = 1, method: str = "rgd", *, n_test: int = 0,
                    negative_labels: bool = True) -> int:  # fmt: skip
    r"""Peak bytes of solving one instance of size :math:`n \times d` with ``m`` neurons by ``method``.

    ``n_test`` test rows are drawn with the data (planted); ``negative_labels``
    says whether the labels may have negative entries (noisy planted labels,
    a data file with some ``y < 0``), for which the one-neuron methods may
    solve the unboundedness LP. See the module docstring for the counts.
    """
    n, d, m = (check_positive_int(v, k) for v, k in ((n, "n"), (d, "d"), (m, "m")))
    n_test = check_positive_int(n_test, "n_test", minimum=0)
    if method not in METHODS:
        raise InvalidInputError(f"unknown method {method!r} for the memory estimate; accepted: {', '.join(METHODS)}")
    A = 8 * n * d
    total = _DATA_FACTOR * (A + 8 * n_test * d) + 8 * (4 * n + 4 * d * m + n_test)
    if method in ("gd", "rgd"):
        total += _DESCENT_FACTOR * A + 8 * 8 * (n + d) * m
        if method == "rgd" and m == 1 and negative_labels:
            total += _LP_FACTOR * A
    elif method == "newton":
        total += _DESCENT_FACTOR * A + 8 * 3 * (d * d if n >= d else n * n) + 8 * 16 * (n + d)
        if negative_labels:
            total += _LP_FACTOR * A + (8 * 3 * d * d if n < d else 0)
    elif method == "cvxpy":
        total += _CVXPY_FACTOR * A
    elif method == "exact":
        # the RGD starts (m > 1), and per cell its pattern and the outputs g(A x_u) of its rays, a few columns of n
        total += _DESCENT_FACTOR * A + 8 * 8 * (n + d) * m + _EXACT_BYTES_PER_CELL_ROW * n * _cells(n, d)
    else:
        total += _CROSSCHECK_FACTOR_PER_NEURON * m * A
    return int(math.ceil(total))


def _cells(n: int, d: int) -> int:
    """Cover's bound on the cells of n hyperplanes through the origin of R^d (the global method's work)."""
    from .arrangement import cover_bound

    return cover_bound(n, d)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_bytes() -> tuple[int, str] | None:
    """``(bytes, source)``: the memory the process can still allocate and which bound set it; None if unknown."""
    bounds: list[tuple[int, str]] = []
    free = _mem_available()
    if free is not None:
        bounds.append((free, "MemAvailable"))
    try:
        import resource
    except ImportError:  # not a POSIX system
        pass
    else:
        for name, field in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
            soft, _ = resource.getrlimit(getattr(resource, name))
            used = _status_kib(field)
            if soft != resource.RLIM_INFINITY and soft >= 0 and used is not None:
                bounds.append((max(0, soft - used * 1024), f"{name} less {field}"))
    return min(bounds) if bounds else None


def check_memory(n: int, d: int, m: int = 1, method: str = "rgd", *, n_test: int = 0,
                 negative_labels: bool = True, allocated: int = 0) -> int:  # fmt: skip
    r"""Refuse a request that cannot fit in memory; return its estimate in bytes.

    ``allocated`` bytes of the estimate are already held (a data file that
    was loaded). Raises :class:`InsufficientMemoryError` naming the size in
    GiB when the rest exceeds :func:`available_bytes`.
    """
    need = estimated_bytes(n, d, m, method, n_test=n_test, negative_labels=negative_labels)
    room = available_bytes()
    if room is None:
        return need
    free, source = room
    extra = max(0, need - int(allocated))
    if extra > free:
        raise InsufficientMemoryError(
            f"n = {n}, d = {d}, m = {m} with method {method} needs about {need / _GIB:.1f} GiB of memory "
            f"but only {free / _GIB:.1f} GiB can be allocated ({source}); reduce n or d",
            needed=need,
            available=free,
        )
    return need
