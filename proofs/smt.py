r"""SMT (z3) proofs of the per-sample lemmas: a second prover, independent of sympy.

The sample terms are those of :mod:`.symbolic` (:math:`\varphi_f,
\varphi_r, \psi_m, \psi_{mp}` of Eqs. (1), (3), (9), (14), halved), written
with the ReLU as ``If(u > 0, u, 0)`` and the mask :math:`D_j` as
``If(z_j >= 0, 1, 0)``. Each lemma is stated for all reals and proved by
asking z3 for a model of its negation: ``unsat`` is a proof, ``sat`` a
counterexample, ``unknown`` no verdict (reported as not proved).
Multi-neuron lemmas are proved for every m up to a bound (default 8).

Every proof ships with a negative control: a deliberately wrong variant of
one of its lemmas (plain GD's mask instead of (13), a dropped hypothesis)
for which z3 must return a model. A control that comes back ``unsat`` means
the encoding proves too much, and the proof is reported as not proved. A
proof declares its controls with :func:`z3_proof`; :mod:`.registry` refuses
a claim whose z3 proof declares none, and a run that skips a declared
control is not proved.

Convexity of :math:`f_r` is not sent to z3 whole (the products
:math:`a_i^Tx` make the theory nonlinear in many variables): the scalar
first-order convexity of :math:`\varphi_r` is proved here and lifted through
the affine map :math:`u = a^Tx` as in :mod:`.symbolic`.

Imports z3 only, never :mod:`relurelax.solvers`.
"""

from __future__ import annotations

import functools
import inspect
import time
from dataclasses import dataclass

import z3

from ._proof import ProofResult, check_m_max
from .conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION, PLANTED

__all__ = [
    "LemmaOutcome",
    "prove",
    "z3_proof",
]

#: per-query z3 timeout in milliseconds; these lemmas take milliseconds
TIMEOUT_MS = 20_000

_ZERO, _ONE = z3.RealVal(0), z3.RealVal(1)


def _relu(u):
    return z3.If(u > 0, u, _ZERO)


def _mask(u):
    return z3.If(u >= 0, _ONE, _ZERO)


def _all_inactive(z):
    return z3.If(z3.And([t < 0 for t in z]), _ONE, _ZERO)


def _phi_f(u, y):
    return (_relu(u) - y) * (_relu(u) - y) / 2


def _phi_r(u, y):
    return _relu(u) * _relu(u) / 2 - y * u + y * y / 2


def _residual(z, y):
    return z3.Sum([_relu(t) for t in z]) - y


def _psi_m(z, y):
    r = _residual(z, y)
    return r * r / 2


def _psi_mp(z, y):
    return _psi_m(z, y) - _all_inactive(z) * y * z3.Sum(z)


@dataclass(frozen=True)
class LemmaOutcome:
    """One z3 query: the lemma's name, z3's answer, and a model when there is one."""

    name: str
    answer: str  # "unsat", "sat" or "unknown"
    model: str | None


def _check(constraints, name: str) -> LemmaOutcome:
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*constraints)
    answer = solver.check()
    model = None
    if answer == z3.sat:
        m = solver.model()
        model = ", ".join(f"{d.name()} = {m[d]}" for d in sorted(m.decls(), key=lambda d: d.name()))
    return LemmaOutcome(name, str(answer), model)


def prove(hypotheses, conclusion, name: str) -> LemmaOutcome:
    r"""Prove ``hypotheses => conclusion`` for all reals: ``unsat`` of its negation."""
    return _check(list(hypotheses) + [z3.Not(conclusion)], name)


class _Run:
    r"""The lemmas and negative controls of one z3 proof, run in turn.

    ``declared`` are the names of the proof's negative controls, in the
    order it runs them (see :func:`z3_proof`); a control is named by its
    place in that list, so each name is written once.
    """

    def __init__(self, declared: tuple[str, ...]):
        self.start = time.perf_counter()
        self.declared = tuple(declared)
        self.proofs: list[LemmaOutcome] = []
        self.controls: list[LemmaOutcome] = []

    def prove(self, hypotheses, conclusion, name):
        self.proofs.append(prove(hypotheses, conclusion, name))

    def control(self, hypotheses, conclusion):
        r"""A negative control: a wrong lemma for which ``sat`` (a model refuting it) is expected."""
        if len(self.controls) == len(self.declared):
            raise ValueError(
                f"the z3 proof runs more negative controls than the {len(self.declared)} it declares "
                f"({'; '.join(self.declared) or 'none'}); name every control in @z3_proof(...)"
            )
        name = self.declared[len(self.controls)]
        self.controls.append(_check(list(hypotheses) + [z3.Not(conclusion)], name))

    def result(self, conditions, what: str) -> ProofResult:
        bad_proofs = [o for o in self.proofs if o.answer != "unsat"]
        bad_controls = [o for o in self.controls if o.answer != "sat"]
        skipped = self.declared[len(self.controls) :]
        # a proof without a control that behaved is never proved: nothing shows the encoding can fail
        proved = not bad_proofs and not bad_controls and not skipped and bool(self.controls)
        controls = "; ".join(f"{o.name}: {o.answer} ({o.model})" for o in self.controls)
        detail = f"{what} Proved: {len(self.proofs) - len(bad_proofs)}/{len(self.proofs)} lemmas unsat. Negative controls: {controls}."
        if not proved:
            failed = [f"{o.name}: {o.answer}" for o in bad_proofs] + [f"control {o.name}: {o.answer}" for o in bad_controls]
            failed += [f"control {name}: not run" for name in skipped]
            if not self.controls:
                failed.append("no negative control")
            detail = f"NOT PROVED ({'; '.join(failed[:4])}). " + detail
        cases = len(self.proofs) + len(self.controls)
        return ProofResult("smt", proved, frozenset(conditions), cases, time.perf_counter() - self.start, detail)


def z3_proof(*controls: str):
    r"""Declare a z3 proof and its negative controls, by name, in the order it runs them.

    The decorated function takes the :class:`_Run` first (then ``m_max``
    for a multi-neuron claim) and calls ``run.control(hypotheses,
    conclusion)`` once per declared control; the prover it returns has the
    signature without the run, and carries ``negative_controls``, which
    :mod:`.registry` requires to be non-empty. Declaring no control is a
    ValueError here already.
    """
    if not controls:
        raise ValueError("a z3 proof declares at least one negative control: @z3_proof('name of the wrong lemma', ...)")

    def declare(body):
        @functools.wraps(body)
        def prover(*args) -> ProofResult:
            return body(_Run(controls), *args)

        signature = inspect.signature(body)
        prover.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
        prover.negative_controls = controls
        return prover

    return declare


def _reals(prefix: str, m: int):
    return list(z3.Reals(" ".join(f"{prefix}{j}" for j in range(m))))


@z3_proof(
    "same for phi_f (f is not convex)",
    "the paper's step g(ta+(1-t)b)^2 <= g(ta)^2 + g((1-t)b)^2",
)
def prove_prop1_convexity(run: _Run) -> ProofResult:
    r"""First-order convexity of :math:`\varphi_r` for every y; lifted through :math:`u = a^Tx`."""
    u, h, y, a, b, t = z3.Reals("u h y a b alpha")
    remainder = _phi_r(u + h, y) - _phi_r(u, y) - h * (_relu(u) - y)
    run.prove([], remainder >= 0, "phi_r(u+h) >= phi_r(u) + h phi_r'(u)")
    run.control([], _phi_f(u + h, y) - _phi_f(u, y) - h * _mask(u) * (_relu(u) - y) >= 0)
    run.control(
        [t >= 0, t <= 1],
        _relu(t * a + (1 - t) * b) ** 2 <= _relu(t * a) ** 2 + _relu((1 - t) * b) ** 2,
    )
    return run.result(
        (),
        "For all reals u, h, y: phi_r(u+h) - phi_r(u) - h (g(u) - y) >= 0 (first-order convexity with the "
        "derivative g(u) - y, any y); convexity of f_r follows through the affine map u = a_i^T x and the sum. "
        "The second control is the paper's own intermediate inequality in the proof of Proposition 1, "
        "which is false.",
    )


@z3_proof("phi_r >= phi_f without y >= 0")
def prove_bound_fr_ge_f(run: _Run) -> ProofResult:
    r""":math:`y \ge 0 \Rightarrow \varphi_r \ge \varphi_f`; control: without :math:`y \ge 0`."""
    u, y = z3.Reals("u y")
    run.prove([y >= 0], _phi_r(u, y) >= _phi_f(u, y), "y >= 0 => phi_r >= phi_f")
    run.prove([], _phi_r(u, y) - _phi_f(u, y) == y * _relu(-u), "phi_r - phi_f = y g(-u)")
    run.control([], _phi_r(u, y) >= _phi_f(u, y))
    return run.result((LABELS_NONNEGATIVE,), "For all reals u, y: phi_r - phi_f = y g(-u), >= 0 when y >= 0; summed over samples.")


@z3_proof("phi_r = phi_f for any y >= 0 (not only y = g(u))")
def prove_thm1_global_min(run: _Run) -> ProofResult:
    r"""The per-sample lemmas of Theorem 1 under model (4)."""
    u, y = z3.Reals("u y")
    run.prove([], _relu(u) * u == _relu(u) * _relu(u), "g(u) u = g(u)^2")
    run.prove([], z3.And(_phi_r(u, _relu(u)) == 0, _phi_f(u, _relu(u)) == 0), "phi_r(u; g(u)) = phi_f(u; g(u)) = 0")
    run.prove([], _phi_f(u, y) >= 0, "phi_f >= 0")
    run.prove([y >= 0], _phi_r(u, y) >= _phi_f(u, y), "y >= 0 => phi_r >= phi_f")
    run.control([y >= 0], _phi_r(u, y) == _phi_f(u, y))
    return run.result(
        (PLANTED,),
        "For all reals u, y: g(u)u = g(u)^2, phi_r(u; g(u)) = phi_f(u; g(u)) = 0, phi_f >= 0 and y >= 0 => "
        "phi_r >= phi_f; with y = g(Ax*) the chain min f_r <= f_r(x*) = 0 <= f <= f_r gives Theorem 1.",
    )


@z3_proof("same with GD's weight D(u)(g(u) - y)")
def prove_rgd_direction(run: _Run) -> ProofResult:
    r""":math:`\varphi_r' = g(u) - y` everywhere (ties included), with a remainder in :math:`[0, h^2/2]`."""
    u, h, y = z3.Reals("u h y")
    remainder = _phi_r(u + h, y) - _phi_r(u, y) - h * (_relu(u) - y)
    run.prove([], z3.And(remainder >= 0, remainder <= h * h / 2), "0 <= phi_r(u+h) - phi_r(u) - h (g(u)-y) <= h^2/2")
    wrong = _phi_r(u + h, y) - _phi_r(u, y) - h * _mask(u) * (_relu(u) - y)
    run.control([], z3.And(wrong >= 0, wrong <= h * h / 2))
    return run.result(
        (),
        "For all reals u, h, y (u = 0 included): 0 <= phi_r(u+h) - phi_r(u) - h (g(u) - y) <= h^2/2, so phi_r "
        "is differentiable everywhere with derivative g(u) - y and grad f_r = A^T (g(Ax) - y): update (5).",
    )


@z3_proof("m=2 with GD's weight D_j r (no product term)")
def prove_prop2_gradient(run: _Run, m_max: int = 8) -> ProofResult:
    r"""Away from ties, :math:`\psi_{mp}(z + h e_j) = \psi_{mp}(z) + h w_j(z) + \tfrac{h^2}{2} D_j(z)` while :math:`z_j + h` keeps the sign of :math:`z_j`."""
    check_m_max(m_max)
    y, h = z3.Reals("y h")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        r = _residual(z, y)
        for j in range(m):
            zh = list(z)
            zh[j] = z[j] + h
            w = (_mask(z[j]) + _all_inactive(z)) * r
            # the step keeps the sign of z_j; one query per sign (z3 answers in milliseconds so)
            for side, keeps_sign in (("+", z3.And(z[j] > 0, zh[j] > 0)), ("-", z3.And(z[j] < 0, zh[j] < 0))):
                hyp = [t != 0 for t in z] + [keeps_sign]
                expansion = _psi_mp(zh, y) - _psi_mp(z, y) - h * w == h * h / 2 * _mask(z[j])
                run.prove(hyp, expansion, f"m={m} j={j} z_j{side}")
    z = _reals("z", 2)
    zh = [z[0] + h, z[1]]
    gd = _mask(z[0]) * _residual(z, y)
    run.control(
        [t != 0 for t in z] + [z[0] < 0, zh[0] < 0],
        _psi_mp(zh, y) - _psi_mp(z, y) - h * gd == h * h / 2 * _mask(z[0]),
    )
    return run.result(
        (NO_ZERO_PREACTIVATION,),
        f"For m = 1..{m_max}, every neuron j and all reals with no z_k = 0 and z_j + h of the sign of z_j: psi_mp(z + h e_j) - "
        "psi_mp(z) - h (D_j + prod_k D_k^c) r = h^2/2 D_j, an exact expansion, so d psi_mp/dz_j = (D_j + "
        "prod_k D_k^c) r for every y; the chain rule gives (13) halved.",
    )


@z3_proof("m=2 without y >= 0")
def prove_bound_fmp_ge_fm(run: _Run, m_max: int = 8) -> ProofResult:
    r""":math:`y \ge 0 \Rightarrow \psi_{mp} \ge \psi_m` for m up to ``m_max``; control: without :math:`y \ge 0`."""
    check_m_max(m_max)
    y = z3.Real("y")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        run.prove([y >= 0], _psi_mp(z, y) >= _psi_m(z, y), f"m={m}")
    z = _reals("z", 2)
    run.control([], _psi_mp(z, y) >= _psi_m(z, y))
    return run.result(
        (LABELS_NONNEGATIVE,),
        f"For m = 1..{m_max} and all reals z (ties included), y >= 0: psi_mp >= psi_m; summed over samples.",
    )


@z3_proof("m=2: psi_mp = psi_m for any y >= 0")
def prove_thm2_global_min(run: _Run, m_max: int = 8) -> ProofResult:
    r"""The per-sample lemmas of Theorem 2 under model (8), m up to ``m_max``."""
    check_m_max(m_max)
    y = z3.Real("y")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        planted = z3.Sum([_relu(t) for t in z])
        run.prove([], z3.And(_psi_mp(z, planted) == 0, _psi_m(z, planted) == 0), f"m={m} planted values 0")
        run.prove([], _psi_m(z, y) >= 0, f"m={m} psi_m >= 0")
        run.prove([y >= 0], _psi_mp(z, y) >= _psi_m(z, y), f"m={m} y >= 0 => psi_mp >= psi_m")
    z = _reals("z", 2)
    run.control([y >= 0], _psi_mp(z, y) == _psi_m(z, y))
    return run.result(
        (PLANTED,),
        f"For m = 1..{m_max} and all reals: psi_mp(z; sum g(z)) = psi_m(z; sum g(z)) = 0, psi_m >= 0, and "
        "psi_mp >= psi_m when y >= 0; with y = sum_j g(Ax_j*): min f_mp <= f_mp(X*) = 0 <= f_m <= f_mp.",
    )


@z3_proof("m=2 with GD's D_j r = 0")
def prove_cor1_stationary_global(run: _Run, m_max: int = 8) -> ProofResult:
    r""":math:`(D_j + \prod_k D_k^c)\,r = 0\ \forall j \Rightarrow r = 0`, m up to ``m_max``; control: plain GD."""
    check_m_max(m_max)
    r = z3.Real("r")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        P = _all_inactive(z)
        run.prove([(_mask(t) + P) * r == 0 for t in z], r == 0, f"m={m}")
    z = _reals("z", 2)
    run.control([_mask(t) * r == 0 for t in z], r == 0)
    return run.result(
        (FULL_ROW_RANK,),
        f"For m = 1..{m_max} and all reals z (ties active), r: (D_j + prod_k D_k^c) r = 0 for all j implies "
        "r = 0; with rank A = n, (13) = A^T W = 0 gives W = 0 and so r = 0.",
    )


#: every claim's prover is public (the claims name them by convention, see relurelax.proofs.claims)
__all__ += [name for name in list(globals()) if name.startswith("prove_")]
