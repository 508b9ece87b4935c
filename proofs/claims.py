r"""The eight claims of the paper, each a :class:`Claim` with its statement and stated conditions.

A claim names what the paper says (with equation numbers), the conditions
the paper states or its proof uses (``paper_conditions``, names from
:mod:`.conditions`) and where the paper says so, and how its numeric check
draws instances. Its sympy proof, z3 proof, numeric check and solver
evidence are looked up by id in :mod:`.symbolic`, :mod:`.smt`,
:mod:`.checks` and :mod:`.crosscheck`.

=========================  =====================================================
id                         what the paper says
=========================  =====================================================
prop1-convexity            Proposition 1: f_r (3) is convex, under (4)
bound-fr-ge-f              f_r(x) >= f(x) for every x (proof of Theorem 1, (6))
thm1-global-min            Theorem 1: minimisers of f_r minimise f; min f = min f_r
rgd-direction              (5) is gradient descent on f_r; it is GLMtron
prop2-gradient             Proposition 2: the gradient of f_mp (14) is (13) off ties
bound-fmp-ge-fm            f_mp(X) >= f_m(X) for every X (proof of Theorem 2, (15))
thm2-global-min            Theorem 2: minimisers of f_mp minimise f_m; equal minima
cor1-stationary-global     Corollary 1: a stationary point of (17) has r = 0
=========================  =====================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import FULL_ROW_RANK, N_LE_D, NO_ZERO_PREACTIVATION, PLANTED, ordered

__all__ = ["Claim", "CLAIMS", "claim_by_id"]


@dataclass(frozen=True)
class Claim:
    r"""One claim of the paper.

    Attributes
    ----------
    id : short identifier (``thm1-global-min``).
    statement : what the paper says, with equation numbers.
    paper_conditions : conditions the paper states or its proof uses.
    paper_basis : where the paper states them (quoted where it matters).
    neurons : range of m in the instances its check draws.
    second_point : the check needs two points and a weight (convexity).
    point_is_claim_point : the drawn point is where the claim speaks (False
        when it only starts a descent run).
    """

    id: str
    statement: str
    paper_conditions: tuple
    paper_basis: str
    neurons: tuple = (1, 1)
    second_point: bool = False
    point_is_claim_point: bool = True

    def __post_init__(self):
        object.__setattr__(self, "paper_conditions", ordered(self.paper_conditions))


CLAIMS = (
    Claim(
        "prop1-convexity",
        "Proposition 1: the relaxation f_r(x) = ||g(Ax)||^2 - 2 y^T A x + ||y||^2 of (1), Eq. (3), is convex.",
        (PLANTED,),
        "stated 'provided that (4) hold'",
        second_point=True,
    ),
    Claim(
        "bound-fr-ge-f",
        "f_r(x) >= f(x) for every x in R^d, Eqs. (1) and (3) (first step (6) of the proof of Theorem 1).",
        (PLANTED,),
        "stated inside the proof of Theorem 1 (model (4)), justified 'due to its definition in (3)'",
    ),
    Claim(
        "thm1-global-min",
        "Theorem 1: given (4), a global minimiser x~ of f_r (3) is a global minimiser of f (1), "
        "f(x*) = f(x~), and min f = min f_r.",
        (PLANTED,),
        "stated 'given the model (4)'",
    ),
    Claim(
        "rgd-direction",
        "Update (5), x_{t+1} = x_t - mu A^T (g(Ax_t) - y), is gradient descent on f_r (3); with mu = 1/n it is "
        "the GLMtron update (Kakade, Kanade, Kalai, Shamir, NeurIPS 2011) with the ReLU link.",
        (),
        "(5) is derived 'based on the definition of the new objective function f_r' with no condition",
    ),
    Claim(
        "prop2-gradient",
        "Proposition 2: f_mp (14) has gradient (13), 2 A^T D_j r + 2 A^T prod_k D_k^c r, when no entry of AX "
        "is zero.",
        (PLANTED, NO_ZERO_PREACTIVATION),
        "stated 'when the entries of AX is nonzero'; the proof invokes model (8) for prod D_j^c r = -prod D_j^c y",
        neurons=(1, 3),
    ),
    Claim(
        "bound-fmp-ge-fm",
        "f_mp(X) >= f_m(X) for every X in R^{d x m}, Eqs. (9) and (14) (first step (15) of the proof of "
        "Theorem 2).",
        (PLANTED,),
        "stated inside the proof of Theorem 2 (model (8)), justified 'due to (14)'",
        neurons=(1, 3),
    ),
    Claim(
        "thm2-global-min",
        "Theorem 2: for (8), a global minimiser X~ of f_mp (14) is a global minimiser of f_m (9), "
        "f_m(X*) = f_m(X~), and min f_m = min f_mp.",
        (PLANTED,),
        "stated 'for (8)'",
        neurons=(1, 3),
    ),
    Claim(
        "cor1-stationary-global",
        "Corollary 1 and Section II.B: at a stationary point of update (17) (gradient (13) zero for every "
        "neuron) the residual r (10) is zero, so the point globally minimises f_m (9).",
        (PLANTED, N_LE_D, FULL_ROW_RANK),
        "Corollary 1 rests on Theorem 2 (model (8)); Section II.B 'examine[s] the n <= d case' and assumes "
        "'A is full rank' to go from (11) to (12)",
        neurons=(1, 3),
        point_is_claim_point=False,
    ),
)


def claim_by_id(claim_id: str) -> Claim:
    """The claim with this id (ValueError naming the known ids otherwise)."""
    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim
    raise ValueError(f"unknown claim {claim_id!r}; known: {', '.join(c.id for c in CLAIMS)}")
