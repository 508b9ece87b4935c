r"""Seeds derived from a user's seed and an index, through :class:`numpy.random.SeedSequence`.

A command takes one seed S (any integer >= 0) and needs many independent
streams: trial k of a reproduction panel, instance k of a cross-check,
instance t of a solver comparison in the ledger. Arithmetic such as
``1000 * S + k`` collides (S = 1, k = 0 and S = 0, k = 1000 give the same
stream) and overflows int64 for S above about 9.2e15. Here the stream for
(S, *keys) is child ``keys`` of the seed sequence of S,
``SeedSequence(S, spawn_key=keys)``: numpy writes S and the keys as 32-bit
words without ambiguity (S is padded to the pool size before the keys) and
hashes them into a 128-bit pool, so distinct (S, keys) with the same number
of keys give unrelated streams, for every S however large.

:func:`derived_seed` returns an integer below :math:`2^{63}` drawn from that
child, so that it can be passed wherever a seed is accepted
(``planted_problem(seed=...)``, ``run_trials(seeds=...)``, ``relurelax solve
--seed``) and printed in a report, and the instance it names can be drawn
again from the number alone. String keys (a namespace such as
``"crosscheck"``) are mapped to 32-bit integers by CRC-32 of their UTF-8
bytes, so that the streams of different parts of a report never coincide.
"""

from __future__ import annotations

import zlib

import numpy as np

from .validation import check_positive_int
from .errors import InvalidInputError

__all__ = ["derived_seed", "derived_rng", "SEED_BITS"]

#: derived seeds are integers in [0, 2**SEED_BITS): they fit a signed 64-bit integer
SEED_BITS = 63


def _key(key: str | int | np.integer) -> int:
    if isinstance(key, str):
        return zlib.crc32(key.encode("utf-8"))
    if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not 0 <= key < 2**32:
        raise InvalidInputError(f"a seed key must be a string or an integer in [0, 2**32); got {key!r}")
    return int(key)


def _sequence(seed: int, keys: tuple[str | int | np.integer, ...]) -> np.random.SeedSequence:
    seed = check_positive_int(seed, "seed", minimum=0)
    return np.random.SeedSequence(seed, spawn_key=tuple(_key(k) for k in keys))


def derived_seed(seed: int, *keys: str | int | np.integer) -> int:
    r"""The seed of stream ``keys`` of ``seed``: an integer in :math:`[0, 2^{63})`.

    ``seed`` is any integer >= 0; each key is a string (a namespace) or an
    integer in :math:`[0, 2^{32})` (a trial or instance index). Equal
    arguments give equal seeds; the 64 bits of the child's state are cut
    to 63.
    """
    low, high = _sequence(seed, keys).generate_state(2, np.uint32)
    return (int(high) << 32 | int(low)) >> (64 - SEED_BITS)


def derived_rng(seed: int, *keys: str | int | np.integer) -> np.random.Generator:
    r"""``numpy.random.default_rng(derived_seed(seed, *keys))``: the generator of stream ``keys`` of ``seed``."""
    return np.random.default_rng(derived_seed(seed, *keys))
