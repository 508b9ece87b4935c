r"""Every claim of the paper, and relurelax's beyond it, as one :class:`Claim`: statement, conditions, proofs, check, evidence.

A claim names what the paper says (with equation numbers), the conditions
the paper states or its proof uses (``paper_conditions``, names from
:mod:`.conditions`) and where the paper says so, how its numeric check
draws instances, and its parts: the sympy proof (in :mod:`.symbolic`), the
z3 proof with its negative controls (in :mod:`.smt`), the numeric check (in
:mod:`.checks`) and, for the claims about minima, the solver evidence (in
:mod:`.crosscheck`). The parts are :class:`Part` references, imported only
when used, so this module stays light (``relurelax verify --help`` counts
the claims without loading sympy, z3 or the numeric code);
:mod:`.registry` resolves and validates every part at import.

The last two claims are not the paper's: ``pplus-lower-bound`` (the convex
bound :math:`P_+` of :mod:`relurelax.solvers.pplus` on every :math:`f_m`)
and ``relaxation-identifiability`` (when :math:`\min f_r` recovers
:math:`x^*`); their ``paper_conditions`` are the ones relurelax states them
under and ``paper_basis`` says so.

The claims (generated from :data:`CLAIMS`):

"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .conditions import FULL_ROW_RANK, N_LE_D, NO_ZERO_PREACTIVATION, PLANTED, ordered

if TYPE_CHECKING:
    from ._proof import ProofResult

__all__ = ["Part", "Claim", "CLAIMS", "claim_by_id", "conventional_parts", "count_in_words"]

#: the package the modules of a :class:`Part` are relative to
PACKAGE = "relurelax.proofs"


@dataclass(frozen=True)
class Part:
    r"""A function a claim is made of, named by its module (relative to :mod:`relurelax.proofs`) and name.

    Nothing is imported until :meth:`load`: the claims stay light, and the
    symbolic half is never imported by code that only lists the claims.
    """

    module: str
    name: str

    @property
    def path(self) -> str:
        """The dotted path, ``relurelax.proofs.symbolic.prove_thm1_global_min``."""
        return f"{PACKAGE}.{self.module}.{self.name}"

    def load(self) -> Callable:
        """The function (ImportError or AttributeError when it does not exist; :mod:`.registry` reports both)."""
        return getattr(importlib.import_module(f"{PACKAGE}.{self.module}"), self.name)


@dataclass(frozen=True)
class Claim:
    r"""One claim (of the paper, or relurelax's beyond it: ``paper_conditions`` empty, ``paper_basis`` says so), with everything that examines it.

    Attributes
    ----------
    id : short identifier (``thm1-global-min``).
    summary : one line for the table of claims (the paper's name for it and its equation).
    statement : what the paper says, with equation numbers.
    paper_conditions : conditions the paper states or its proof uses (names of :mod:`.conditions`).
    paper_basis : where the paper states them (quoted where it matters).
    sympy_proof : the sympy prover in :mod:`.symbolic`, ``() -> ProofResult`` for a
        one-neuron claim and ``(m_max) -> ProofResult`` for a multi-neuron one.
    smt_proof : the z3 prover in :mod:`.smt`, the same signature; it declares its
        negative controls with :func:`.smt.z3_proof`.
    check : the numeric check in :mod:`.checks`, ``(numerics, instance) -> Outcome``.
    solver_evidence : None, or the solver comparison in :mod:`.crosscheck`,
        ``(numerics, instances, seed, counterexamples) -> SolverEvidence``.
    neurons : range (lo, hi) of m in the instances its check draws; hi > 1
        makes the claim multi-neuron (its proofs then take ``m_max``).
    second_point : the check needs two points and a weight (convexity).
    point_is_claim_point : the drawn point is where the claim speaks (False
        when it only starts a descent run).
    """

    id: str
    summary: str
    statement: str
    paper_conditions: tuple
    paper_basis: str
    sympy_proof: Part
    smt_proof: Part
    check: Part
    solver_evidence: Part | None = None
    neurons: tuple = (1, 1)
    second_point: bool = False
    point_is_claim_point: bool = True

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "paper_conditions", ordered(self.paper_conditions))
        except ValueError as e:
            raise ValueError(f"claim {self.id!r}: paper_conditions: {e}") from None

    @property
    def multi_neuron(self) -> bool:
        """Does the claim speak of m >= 2 neurons (its proofs then run for m = 1..m_max)?"""
        return self.neurons[1] > 1

    def proof_arguments(self, m_max: int) -> tuple:
        """The arguments of its provers: ``(m_max,)`` for a multi-neuron claim, none otherwise."""
        return (m_max,) if self.multi_neuron else ()

    def prove_sympy(self, m_max: int) -> ProofResult:
        """Run the sympy proof (for m = 1..m_max when multi-neuron)."""
        return self.sympy_proof.load()(*self.proof_arguments(m_max))

    def prove_smt(self, m_max: int) -> ProofResult:
        """Run the z3 proof (for m = 1..m_max when multi-neuron)."""
        return self.smt_proof.load()(*self.proof_arguments(m_max))


def conventional_parts(stem: str) -> dict:
    r"""The three parts every claim has, named by convention from ``stem``.

    ``symbolic.prove_STEM`` (sympy), ``smt.prove_STEM`` (z3) and
    ``checks.check_STEM`` (numeric); a claim whose parts are named otherwise
    passes its :class:`Part` objects itself.
    """
    return {
        "sympy_proof": Part("symbolic", f"prove_{stem}"),
        "smt_proof": Part("smt", f"prove_{stem}"),
        "check": Part("checks", f"check_{stem}"),
    }


CLAIMS = (
    Claim(
        "prop1-convexity",
        "Proposition 1: f_r (3) is convex, under (4)",
        "Proposition 1: the relaxation f_r(x) = ||g(Ax)||^2 - 2 y^T A x + ||y||^2 of (1), Eq. (3), is convex.",
        (PLANTED,),
        "stated 'provided that (4) hold'",
        **conventional_parts("prop1_convexity"),
        second_point=True,
    ),
    Claim(
        "bound-fr-ge-f",
        "f_r(x) >= f(x) for every x (proof of Theorem 1, (6))",
        "f_r(x) >= f(x) for every x in R^d, Eqs. (1) and (3) (first step (6) of the proof of Theorem 1).",
        (PLANTED,),
        "stated inside the proof of Theorem 1 (model (4)), justified 'due to its definition in (3)'",
        **conventional_parts("bound_fr_ge_f"),
    ),
    Claim(
        "thm1-global-min",
        "Theorem 1: minimisers of f_r minimise f; min f = min f_r",
        "Theorem 1: given (4), a global minimiser x~ of f_r (3) is a global minimiser of f (1), "
        "f(x*) = f(x~), and min f = min f_r.",
        (PLANTED,),
        "stated 'given the model (4)'",
        **conventional_parts("thm1_global_min"),
        solver_evidence=Part("crosscheck", "thm1_solver"),
    ),
    Claim(
        "rgd-direction",
        "(5) is gradient descent on f_r; it is GLMtron",
        "Update (5), x_{t+1} = x_t - mu A^T (g(Ax_t) - y), is gradient descent on f_r (3); with mu = 1/n it is "
        "the GLMtron update (Kakade, Kanade, Kalai, Shamir, NeurIPS 2011) with the ReLU link.",
        (),
        "(5) is derived 'based on the definition of the new objective function f_r' with no condition",
        **conventional_parts("rgd_direction"),
    ),
    Claim(
        "prop2-gradient",
        "Proposition 2: the gradient of f_mp (14) is (13) off ties",
        "Proposition 2: f_mp (14) has gradient (13), 2 A^T D_j r + 2 A^T prod_k D_k^c r, when no entry of AX "
        "is zero.",
        (PLANTED, NO_ZERO_PREACTIVATION),
        "stated 'when the entries of AX is nonzero'; the proof invokes model (8) for prod D_j^c r = -prod D_j^c y",
        **conventional_parts("prop2_gradient"),
        neurons=(1, 3),
    ),
    Claim(
        "bound-fmp-ge-fm",
        "f_mp(X) >= f_m(X) for every X (proof of Theorem 2, (15))",
        "f_mp(X) >= f_m(X) for every X in R^{d x m}, Eqs. (9) and (14) (first step (15) of the proof of "
        "Theorem 2).",
        (PLANTED,),
        "stated inside the proof of Theorem 2 (model (8)), justified 'due to (14)'",
        **conventional_parts("bound_fmp_ge_fm"),
        neurons=(1, 3),
    ),
    Claim(
        "thm2-global-min",
        "Theorem 2: minimisers of f_mp minimise f_m; equal minima",
        "Theorem 2: for (8), a global minimiser X~ of f_mp (14) is a global minimiser of f_m (9), "
        "f_m(X*) = f_m(X~), and min f_m = min f_mp.",
        (PLANTED,),
        "stated 'for (8)'",
        **conventional_parts("thm2_global_min"),
        solver_evidence=Part("crosscheck", "thm2_solver"),
        neurons=(1, 3),
    ),
    Claim(
        "cor1-stationary-global",
        "Corollary 1: a stationary point of (17) has r = 0",
        "Corollary 1 and Section II.B: at a stationary point of update (17) (gradient (13) zero for every "
        "neuron) the residual r (10) is zero, so the point globally minimises f_m (9).",
        (PLANTED, N_LE_D, FULL_ROW_RANK),
        "Corollary 1 rests on Theorem 2 (model (8)); Section II.B 'examine[s] the n <= d case' and assumes "
        "'A is full rank' to go from (11) to (12)",
        **conventional_parts("cor1_stationary_global"),
        solver_evidence=Part("crosscheck", "cor1_solver"),
        neurons=(1, 3),
        point_is_claim_point=False,
    ),
    Claim(
        "pplus-lower-bound",
        "P_+ <= f_m(X) for every X, m, y; min f_m = P_+ for m >= n (not in the paper)",
        "P_+ = min over v_D in K_D = {v : (2D - I) A v >= 0}, D every activation cell, of "
        "1/2 ||sum_D D A v_D - y||^2 satisfies P_+ <= f_m(X), Eq. (9) halved, for every X in R^{d x m}, every m "
        "and every y; and min f_m = P_+ when m >= n (Caratheodory for cones: at most n nonzero blocks).",
        (),
        "not a claim of the paper: relurelax's, the convex reformulation of Pilanci & Ergen (2020) restricted to "
        "positive output weights; stated for every m and y",
        **conventional_parts("pplus_lower_bound"),
        neurons=(1, 3),
    ),
    Claim(
        "relaxation-identifiability",
        "under (4), argmin f_r = {x : g(Ax) = y}; = {x*} iff a cone is {0} (not in the paper)",
        "Under (4), y = g(Ax*): min f_r = 0 and argmin f_r = {x : g(Ax) = y} = {x : A_S x = y_S, A_{S^c} x <= 0}, "
        "S = {i : a_i^T x* > 0}; argmin f_r = {x*} iff the cone {v : A_S v = 0, a_i^T v <= 0 for every tie i "
        "(a_i^T x* = 0)} is {0}, which without ties is rank A_S = d. (The wording 'argmin f_r = {x*} iff "
        "rank A_S = d' is false with ties: A = [[1,0],[0,1],[0,-1]], y = (1,0,0), x* = (1,0) has "
        "argmin f_r = {x*} and rank A_S = 1 < 2.)",
        (PLANTED,),
        "not a claim of the paper: relurelax's, stated under the planted model (4) of Theorem 1",
        **conventional_parts("relaxation_identifiability"),
        point_is_claim_point=False,
    ),
)


def claim_by_id(claim_id: str) -> Claim:
    """The claim with this id (ValueError naming the known ids otherwise)."""
    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim
    raise ValueError(f"unknown claim {claim_id!r}; known: {', '.join(c.id for c in CLAIMS)}")


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def count_in_words(n: int) -> str:
    """A count as prose uses it: a word up to twelve ("eight claims"), digits beyond."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _table(claims) -> str:
    width = max(len(c.id) for c in claims)
    rule = "=" * width + "  " + "=" * max(len(c.summary) for c in claims)
    rows = [f"{c.id:<{width}}  {c.summary}" for c in claims]
    return "\n".join([rule, f"{'id':<{width}}  what it says", rule, *rows, rule, ""])


__doc__ = (__doc__ or "") + _table(CLAIMS)
