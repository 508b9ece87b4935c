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
