r"""Obviously-correct scalar reference implementations, written from the paper
with explicit loops over samples and neurons (no vectorisation), against which
the numeric code of relurelax.solvers is tested. Scaling as in
relurelax.solvers.objectives: a factor 1/2 on every objective.
"""

from __future__ import annotations


def relu(z: float) -> float:
    return z if z > 0 else 0.0


def active(z: float) -> float:
    return 1.0 if z >= 0 else 0.0


def dot(a, x) -> float:
    return sum(float(ai) * float(xi) for ai, xi in zip(a, x))


def loss(A, y, X) -> float:
    """f_m (= f for one column): 1/2 sum_i (sum_j g(a_i^T x_j) - y_i)^2."""
    n, m = len(A), len(X[0])
    total = 0.0
    for i in range(n):
        out = sum(relu(dot(A[i], [row[j] for row in X])) for j in range(m))
        total += 0.5 * (out - y[i]) ** 2
    return total


def relaxed(A, y, x) -> float:
    """f_r: sum_i 1/2 g(a_i^T x)^2 - y_i a_i^T x + 1/2 y_i^2."""
    total = 0.0
    for i in range(len(A)):
        z = dot(A[i], x)
        total += 0.5 * relu(z) ** 2 - y[i] * z + 0.5 * y[i] ** 2
    return total


def regularized(A, y, X) -> float:
    """f_mp: f_m - sum_i [all_j a_i^T x_j < 0] y_i sum_j a_i^T x_j."""
    n, m = len(A), len(X[0])
    total = loss(A, y, X)
    for i in range(n):
        zs = [dot(A[i], [row[j] for row in X]) for j in range(m)]
        if all(z < 0 for z in zs):
            total -= y[i] * sum(zs)
    return total


# --- activation cells and the exact minimum of f, by brute force -------------------------------
# Independent of relurelax: numpy for the data, scipy's HiGHS for the LPs and CVXPY with Clarabel
# for the cell QPs, called here directly.


def cover_count(n: int, d: int) -> int:
    """Cells of a central arrangement of n hyperplanes in general position in R^d (Cover 1965)."""
    import math

    return 2 * sum(math.comb(n - 1, k) for k in range(d))


def labelled_instance(kind: str, n: int, d: int, seed: int, neurons: int = 1):
    """Gaussian A (n, d) and labels: ``planted`` (sum of ``neurons`` ReLUs), ``noisy`` (those plus noise,
    clipped at 0) or ``signed`` (Gaussian, negative entries too)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    planted = np.maximum(A @ rng.standard_normal((d, neurons)), 0.0).sum(axis=1)
    if kind == "planted":
        return A, planted
    if kind == "noisy":
        return A, np.maximum(planted + 0.3 * rng.standard_normal(n), 0.0)
    return A, rng.standard_normal(n)


def is_zero_row(a) -> bool:
    return all(float(v) == 0.0 for v in a)


def cell_point(A, pattern):
    """A point x with s_i a_i^T x >= 1 on every nonzero row (s_i = +1 where pattern), or None.

    The open cone {x : s_i a_i^T x > 0} is nonempty iff this LP is feasible
    (scale a point of the cone until its smallest margin is 1). A zero row
    has a_i^T x = 0 >= 0 everywhere: it is active (True) in every cell and
    constrains nothing; a pattern with False on it is no cell. The point is
    accepted only when its signs, recomputed here in float64, are strict.
    """
    import numpy as np
    from scipy.optimize import linprog

    A = np.asarray(A, dtype=float)
    zero = np.array([is_zero_row(a) for a in A], dtype=bool)
    s = np.where(np.asarray(pattern, dtype=bool), 1.0, -1.0)
    if np.any(s[zero] < 0):
        return None
    signed = s[~zero, None] * A[~zero]
    d = A.shape[1]
    if signed.shape[0] == 0:
        return np.zeros(d)
    res = linprog(np.zeros(d), A_ub=-signed, b_ub=-np.ones(len(signed)), bounds=[(None, None)] * d, method="highs")
    if res.status != 0 or not np.all(signed @ res.x > 0.0):
        return None
    return np.asarray(res.x, dtype=float)


def realisable_patterns(A) -> set:
    """Every activation pattern (tuple of bools, True where a_i^T x > 0) of a full-dimensional cell: 2^n LPs."""
    import itertools

    n = len(A)
    return {p for p in itertools.product((True, False), repeat=n) if cell_point(A, p) is not None}


def cell_minima(A, y, patterns):
    """min 1/2 ||D A x - y||^2 s.t. (2D - I) A x >= 0 for each pattern, by CVXPY + Clarabel: [(value, x)].

    The closed cell's QP, one model with the pattern as a parameter (CVXPY
    compiles it once). A zero row's constraint 0 >= 0 is vacuous and is
    left out (it would only hand the solver a zero row).
    """
    import cvxpy as cp
    import numpy as np

    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.array([not is_zero_row(a) for a in A], dtype=bool)
    x = cp.Variable(A.shape[1])
    D = cp.Parameter(len(A))
    S = cp.Parameter(int(keep.sum()))
    constraints = [cp.multiply(S, A[keep] @ x) >= 0] if keep.any() else []
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(cp.multiply(D, A @ x) - y)), constraints)
    out = []
    for pattern in patterns:
        mask = np.asarray(pattern, dtype=bool)
        D.value = mask.astype(float)
        S.value = np.where(mask[keep], 1.0, -1.0)
        problem.solve(solver=cp.CLARABEL)
        if problem.status != cp.OPTIMAL:
            raise RuntimeError(f"CLARABEL: {problem.status} on the cell {tuple(mask.tolist())}")
        out.append((float(problem.value), np.array(x.value, dtype=float)))
    return out


def brute_force_minimum(A, y):
    """min f over R^d, the smallest cell minimum over every realisable pattern: (value, x, pattern)."""
    patterns = sorted(realisable_patterns(A))
    minima = cell_minima(A, y, patterns)
    k = min(range(len(patterns)), key=lambda c: minima[c][0])
    return minima[k][0], minima[k][1], patterns[k]


def pplus_value(A, y, patterns):
    """P_+ = min 1/2 ||sum_D D A v_D - y||^2 s.t. (2D - I) A v_D >= 0, one block per pattern, by CVXPY + Clarabel.

    Zero rows carry no constraint (0 >= 0), as in :func:`cell_minima`.
    """
    import cvxpy as cp
    import numpy as np

    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    masks = np.array([[1.0 if p else 0.0 for p in pattern] for pattern in patterns]).T  # (n, K)
    keep = np.array([not is_zero_row(a) for a in A], dtype=bool)
    V = cp.Variable((A.shape[1], masks.shape[1]))
    Z = A @ V
    fitted = cp.sum(cp.multiply(masks, Z), axis=1)
    constraints = [cp.multiply(2.0 * masks[keep] - 1.0, A[keep] @ V) >= 0] if keep.any() else []
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fitted - y)), constraints)
    problem.solve(solver=cp.CLARABEL)
    if problem.status != cp.OPTIMAL:
        raise RuntimeError(f"CLARABEL: {problem.status} on P_+ over {masks.shape[1]} cells")
    return float(problem.value)
