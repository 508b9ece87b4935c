r"""SMT (z3) proofs of the per-sample lemmas: a second prover, independent of sympy.

The sample terms are those of :mod:`.symbolic` (:math:`\varphi_f,
\varphi_r, \psi_m, \psi_{mp}` of Eqs. (1), (3), (9), (14), halved), written
with the ReLU as ``If(u > 0, u, 0)`` and the mask :math:`D_j` as
``If(z_j >= 0, 1, 0)``. Each lemma is stated for all reals and proved by
asking z3 for a model of its negation: ``unsat`` is a proof, ``sat`` a
counterexample, ``unknown`` no verdict (reported as not proved).

Every lemma is guarded (:func:`lemma_guards`), mechanically, against the
ways a lemma can be proved without saying anything: contradictory or
degenerate hypotheses, and a conclusion z3 or the hypotheses make true by
themselves. A lemma that is true for every real without hypotheses (a
square is >= 0, a tautology z3's simplifier does not see) passes the guards
as any true lemma does; such facts are therefore not sent to z3 as lemmas:

* its hypotheses must be satisfiable (z3 ``sat`` on the hypotheses alone,
  or the model of a perturbed query below, which satisfies them):
  contradictory hypotheses would "prove" anything;
* its conclusion must not be trivially true: neither the lemma nor any part
  of its conclusion may simplify to ``True`` (z3's simplifier, sums of
  monomials), and every part, perturbed, must be refutable under the
  hypotheses (``sat`` of hypotheses and not the perturbed conclusion). The
  perturbation (:func:`perturbations`) shifts one comparison by 1 towards a
  stronger or different statement (``a == b`` to ``a == b + 1``, ``a >= b``
  to ``a >= b + 1``, ``a <= b`` to ``a + 1 <= b``, strict ones alike), one
  part at a time: one conjunct of an ``And`` or one disjunct of an ``Or``
  (the others kept), the consequent of an ``Implies``. For an equality this
  asks only that the hypotheses (and an implication's antecedent) can hold;
  for an inequality, that it is within 1 of tight somewhere, which every
  inequality of these proofs is (each is attained: the difference is 0 at
  some point); for an ``Or``, that each disjunct is needed somewhere. Any
  other shape (a constant, a negation, a Boolean variable) has no
  perturbation, and the guard fails: a new shape needs a designed one;
* no variable of its conclusion may be pinned by the hypotheses: from one
  model M of the hypotheses (that of a perturbed query), ``sat`` of the
  hypotheses with every such variable v away from M[v] (one query; if it
  is ``unsat``, one per variable, naming the pinned one). A degenerate
  hypothesis such as ``h == 0`` would otherwise make a wrong expansion
  ``0 == 0``. A variable no hypothesis names is free and needs no query; a
  lemma whose point is that its hypotheses fix a variable (Corollary 1's
  ``... => r = 0``) names it in ``pinned``, at its call;
* where a lemma names hypotheses as ``essential``, each dropped in turn must
  break the lemma (``sat`` of the other hypotheses and not the conclusion).

Every proof also ships with hand-written negative controls: a deliberately
wrong variant of one of its lemmas (plain GD's mask instead of (13), a
dropped hypothesis) for which z3 must return a model. A control that comes
back ``unsat`` means the encoding proves too much, and the proof is reported
as not proved. A proof declares its controls with :func:`z3_proof`;
:mod:`.registry` refuses a claim whose z3 proof declares none, and a run
that skips a declared control is not proved.

Multi-neuron lemmas are proved for every m up to a bound (default 8), and
lifted to every m by the induction over neurons of :mod:`.symbolic`, each
step a guarded z3 lemma over reals: the state :math:`S = (G, Z, P, K) =
(\sum_j g(z_j), \sum_j z_j, \prod_j D_j^c, \sum_j D_j)` starts at
:math:`S_0 = (0, 0, 1, 0)` and a neuron t maps it to :math:`(G + g(t), Z +
t, P D^c(t), K + D(t))`; the invariant :math:`I(S)`: :math:`G \ge 0`,
:math:`Z \le G` and :math:`(P, G, K) = (1, 0, 0)` or :math:`(P = 0, K \ge
1)` holds at :math:`S_0` (a closed formula, evaluated) and is kept by every
real t (three lemmas, one per conjunct, for all reals G, Z, P, K, t), so it
holds for any number of neurons; each claim's lemma is then proved for every
real state satisfying I. A proof is lifted only when it ran this induction
(:func:`_check_induction`) and every query of the lift passed. Sums and products over neurons are these folds and
the terms are symmetric in the neurons (the neuron a lemma is about may be
taken last): that, and the induction principle, is the prose of the lift.

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
from functools import reduce
from typing import Callable, Collection, Iterable

import z3

from ._proof import ProofResult, check_m_max, no_m_to_prove
from .conditions import FULL_ROW_RANK, LABELS_NONNEGATIVE, NO_ZERO_PREACTIVATION, PLANTED

__all__ = [
    "LemmaOutcome",
    "prove",
    "perturbations",
    "lemma_guards",
    "z3_proof",
]

#: per-query z3 timeout in milliseconds; these lemmas take milliseconds
TIMEOUT_MS = 20_000

_ZERO, _ONE = z3.RealVal(0), z3.RealVal(1)


def _relu(u):
    return z3.If(u > 0, u, _ZERO)


def _mask(u):
    return z3.If(u >= 0, _ONE, _ZERO)


def _phi_f(u, y):
    return (_relu(u) - y) * (_relu(u) - y) / 2


def _phi_r(u, y):
    return _relu(u) * _relu(u) / 2 - y * u + y * y / 2


# --- m neurons, one at a time: the state a sample term sees


@dataclass(frozen=True)
class _ProductMask:
    r"""How the mask :math:`\prod_j D_j^c` of (14) builds up over neurons: from ``unit``, ``combine(P, z_j)`` per neuron.

    Tests plant wrong masks here (a :math:`D_j` in place of :math:`D_j^c`, a
    sum in place of the product) to see the lift refuse them.
    """

    unit: object
    combine: Callable


#: the paper's mask: prod_j D_j^c, 1 iff every z_j < 0 (P D^c(t) written without a product: If(t < 0, P, 0))
_PRODUCT_MASK = _ProductMask(_ONE, lambda P, t: z3.If(t < 0, P, _ZERO))


@dataclass(frozen=True)
class _State:
    r"""What a sample term sees of its neurons: :math:`(\sum_j g(z_j), \sum_j z_j, \prod_j D_j^c, \sum_j D_j)`."""

    G: z3.ArithRef
    Z: z3.ArithRef
    P: z3.ArithRef
    K: z3.ArithRef


def _empty_state() -> _State:
    return _State(_ZERO, _ZERO, _PRODUCT_MASK.unit, _ZERO)


def _step(S: _State, t) -> _State:
    return _State(S.G + _relu(t), S.Z + t, _PRODUCT_MASK.combine(S.P, t), S.K + _mask(t))


def _fold(z) -> _State:
    return reduce(_step, z, _empty_state())


def _psi_m_of(S: _State, y):
    r = S.G - y
    return r * r / 2


def _psi_mp_of(S: _State, y):
    return _psi_m_of(S, y) - S.P * y * S.Z


def _weight_of(S: _State, t, y):
    r"""The weight of (13) halved of a neuron t of state S: :math:`(D(t) + P) r`."""
    return (_mask(t) + S.P) * (S.G - y)


def _all_inactive(z):
    return _fold(z).P


def _residual(z, y):
    return _fold(z).G - y


def _psi_m(z, y):
    return _psi_m_of(_fold(z), y)


def _psi_mp(z, y):
    return _psi_mp_of(_fold(z), y)


def _invariant(S: _State) -> list:
    r"""The conjuncts of the invariant :math:`I(S)` of the lift (see the module docstring)."""
    return [
        S.G >= 0,
        S.Z <= S.G,
        z3.Or(z3.And(S.P == 1, S.G == 0, S.K == 0), z3.And(S.P == 0, S.K >= 1)),
    ]


def _state(prefix: str) -> _State:
    return _State(*z3.Reals(" ".join(f"{prefix}{v}" for v in "GZPK")))


# --- one query, its guards, and the record of a proof


@dataclass(frozen=True)
class LemmaOutcome:
    """One z3 query: its name, z3's answer, a model when there is one, and the answer that counts as passing.

    ``answer`` is ``"unsat"``, ``"sat"`` or ``"unknown"`` for a query,
    ``"true"`` / ``"false"`` for a closed formula evaluated, and for a guard
    that needs no query ``"trivially true"`` or ``"no perturbation"``.
    ``expected`` is ``"unsat"`` for a lemma, ``"sat"`` for a guard or a
    negative control, ``"true"`` for an evaluation.
    """

    name: str
    answer: str
    model: str | None
    expected: str = "unsat"

    @property
    def ok(self) -> bool:
        return self.answer == self.expected


def _query(constraints, name: str, expected: str = "unsat") -> tuple[LemmaOutcome, z3.ModelRef | None]:
    r"""One z3 query: its outcome, and z3's model when the answer is ``sat`` (else None)."""
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*constraints)
    answer = solver.check()
    model = text = None
    if answer == z3.sat:
        model = solver.model()
        text = ", ".join(f"{d.name()} = {model[d]}" for d in sorted(model.decls(), key=lambda d: d.name()))
    return LemmaOutcome(name, str(answer), text, expected), model


def _check(constraints, name: str, expected: str = "unsat") -> LemmaOutcome:
    return _query(constraints, name, expected)[0]


def prove(hypotheses: Iterable[z3.BoolRef], conclusion: z3.BoolRef, name: str) -> LemmaOutcome:
    r"""Prove ``hypotheses => conclusion`` for all reals: ``unsat`` of its negation."""
    return _check(list(hypotheses) + [z3.Not(conclusion)], name)


def _evaluate(formula, name: str) -> LemmaOutcome:
    r"""A closed formula (no variable), evaluated by z3's simplifier: ``true``, ``false`` or ``not closed``."""
    value = z3.simplify(formula)
    answer = "true" if z3.is_true(value) else "false" if z3.is_false(value) else "not closed"
    return LemmaOutcome(name, answer, None, "true")


#: the perturbation of a comparison: shifted by 1 towards a stronger (or, for ==, another) statement
_SHIFT = {
    z3.Z3_OP_EQ: lambda a, b: a == b + 1,
    z3.Z3_OP_GE: lambda a, b: a >= b + 1,
    z3.Z3_OP_GT: lambda a, b: a > b + 1,
    z3.Z3_OP_LE: lambda a, b: a + 1 <= b,
    z3.Z3_OP_LT: lambda a, b: a + 1 < b,
}


def perturbations(conclusion: z3.BoolRef) -> list[tuple[z3.BoolRef, z3.BoolRef | None]]:
    r"""The parts of a conclusion and, for each, the conclusion with that part perturbed.

    Returns ``(part, perturbed)`` pairs; ``perturbed`` is None where the part
    has no perturbation (a constant, a negation, a Boolean variable, a
    comparison of non-numbers), which fails the guard. Comparisons are
    shifted by 1 (see :data:`_SHIFT`); ``And`` and ``Or`` are perturbed one
    argument at a time, the others kept; ``Implies(a, b)`` through ``b``.
    """
    if z3.is_and(conclusion) or z3.is_or(conclusion):
        join = z3.And if z3.is_and(conclusion) else z3.Or
        args = conclusion.children()
        return [
            (part, None if q is None else join(*args[:i], q, *args[i + 1 :]))
            for i, arg in enumerate(args)
            for part, q in perturbations(arg)
        ]
    if z3.is_implies(conclusion):
        antecedent, consequent = conclusion.children()
        return [(part, None if q is None else z3.Implies(antecedent, q)) for part, q in perturbations(consequent)]
    kind = conclusion.decl().kind() if z3.is_app(conclusion) else None
    if kind in _SHIFT and z3.is_arith(conclusion.arg(0)):
        return [(conclusion, _SHIFT[kind](conclusion.arg(0), conclusion.arg(1)))]
    return [(conclusion, None)]


def _trivially_true(formula) -> bool:
    return z3.is_true(z3.simplify(formula, som=True))


def lemma_guards(hypotheses: Iterable[z3.BoolRef], conclusion: z3.BoolRef, name: str, essential: Iterable[int] = (),
                 pinned: Collection[str] = ()) -> list[LemmaOutcome]:  # fmt: skip
    r"""The mechanical negative controls of the lemma ``hypotheses => conclusion``; each passes on ``sat``.

    See the module docstring: the hypotheses are satisfiable; neither the
    lemma nor a part of its conclusion simplifies to True, and each part,
    perturbed, is refutable under the hypotheses; each variable of the
    conclusion takes two values under the hypotheses, except those named in
    ``pinned`` (a lemma whose point is that its hypotheses fix a variable,
    such as "c r = 0, c >= 1 => r = 0"); each hypothesis whose index is in
    ``essential``, dropped, leaves a lemma z3 refutes. A model of a
    perturbed query satisfies the hypotheses, so when there is one it
    witnesses the first guard without a query of its own, and is the model
    the variables are moved away from.

    Parameters
    ----------
    hypotheses, conclusion
        The lemma, z3 Boolean formulas.
    name
        The lemma's name; each guard's name is it with the guard in brackets.
    essential
        Indices of hypotheses the lemma must need.
    pinned
        Names of variables of the conclusion the hypotheses may fix to one
        value; a name that is not a variable of the conclusion is a ValueError.

    Returns
    -------
    list of LemmaOutcome
        One per guard, each expecting ``sat``.
    """
    hypotheses = list(hypotheses)
    trivial = []
    if _trivially_true(z3.Implies(z3.And(*hypotheses), conclusion)):
        trivial.append(LemmaOutcome(f"{name} [not trivially true]", "trivially true", None, "sat"))
    parts = perturbations(conclusion)
    perturbed = []
    for k, (part, q) in enumerate(parts, 1):
        what = f"{name} [perturbed {k}/{len(parts)}]"
        if _trivially_true(part):
            perturbed.append((LemmaOutcome(what, "trivially true", str(part), "sat"), None))
        elif q is None:
            perturbed.append((LemmaOutcome(what, "no perturbation", str(part), "sat"), None))
        else:
            perturbed.append(_query(hypotheses + [z3.Not(q)], what, "sat"))
    needed = [
        _check(hypotheses[:i] + hypotheses[i + 1 :] + [z3.Not(conclusion)], f"{name} [needs {hypotheses[i]}]", "sat")
        for i in essential
    ]
    free = _free_variables(conclusion, name, pinned)
    if not hypotheses:  # nothing constrains a variable: each takes every value
        return trivial + [o for o, _ in perturbed] + needed
    satisfiable, model = _satisfiable(hypotheses, f"{name} [hypotheses satisfiable]", perturbed)
    constrained = _variables(z3.And(*hypotheses))  # a variable no hypothesis names takes every value
    free = [v for v in free if str(v) in constrained]
    unpinned = _unpinned(hypotheses, free, model, name) if model is not None and free else []
    return [satisfiable] + trivial + [o for o, _ in perturbed] + unpinned + needed


def _variables(formula) -> dict:
    r"""The variables (uninterpreted constants) of a z3 formula, by name."""
    found, seen, todo = {}, set(), [formula]
    while todo:
        e = todo.pop()
        if e.get_id() in seen:  # a shared subterm (the folds share theirs) is walked once
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found[str(e)] = e
        todo += e.children()
    return found


def _free_variables(conclusion, name: str, pinned) -> list:
    r"""The variables of a conclusion (sorted by name) but those named in ``pinned``, each of which must be one."""
    found = _variables(conclusion)
    unknown = sorted(set(pinned) - set(found))
    if unknown:
        raise ValueError(f"{name}: pinned names {unknown}, which are not variables of its conclusion {sorted(found)}")
    return [found[n] for n in sorted(found) if n not in pinned]


def _unpinned(hypotheses, variables, model: z3.ModelRef, name: str) -> list[LemmaOutcome]:
    r"""Each variable takes a second value under the hypotheses: ``sat`` of them with v away from its value in ``model``.

    ``model`` satisfies the hypotheses. One query moves every variable at
    once; only if that is ``unsat`` is each asked alone, to name the one
    that is pinned (or to find that each moves, just not all together).
    """
    away = [v != model.eval(v, model_completion=True) for v in variables]
    together = _check(hypotheses + away, f"{name} [{', '.join(map(str, variables))} not pinned]", "sat")
    if together.ok or len(variables) == 1:
        return [together]
    return [_check(hypotheses + [a], f"{name} [{v} not pinned]", "sat") for v, a in zip(variables, away)]


def _satisfiable(hypotheses, name: str, perturbed) -> tuple[LemmaOutcome, z3.ModelRef | None]:
    r"""``sat`` of the hypotheses alone, and a model of them: that of a perturbed query (which holds them), else asked."""
    for outcome, model in perturbed:
        if model is not None:
            return LemmaOutcome(name, "sat", f"{outcome.model} (the model of {outcome.name})", "sat"), model
    return _query(hypotheses, name, "sat")


class _Run:
    r"""The lemmas, their guards and the negative controls of one z3 proof, run in turn.

    ``declared`` are the names of the proof's negative controls, in the
    order it runs them (see :func:`z3_proof`); a control is named by its
    place in that list, so each name is written once. Lemmas of the lift to
    every m (``lift=True``) are kept apart: they decide ``lifted``, not
    ``proved``.
    """

    def __init__(self, declared: tuple[str, ...]):
        self.start = time.perf_counter()
        self.declared = tuple(declared)
        self.proofs: list[LemmaOutcome] = []
        self.guards: list[LemmaOutcome] = []
        self.lift: list[LemmaOutcome] = []
        self.controls: list[LemmaOutcome] = []
        #: set by :func:`_check_induction`: without the induction's base and step, no lift lemma reaches every m
        self.induction = False

    def prove(self, hypotheses, conclusion, name, *, essential=(), pinned=(), lift: bool = False):
        r"""Prove a lemma and run its guards (:func:`lemma_guards`)."""
        hypotheses = list(hypotheses)
        outcome = prove(hypotheses, conclusion, name)
        guards = lemma_guards(hypotheses, conclusion, name, essential, pinned)
        if lift:
            self.lift += [outcome, *guards]
        else:
            self.proofs.append(outcome)
            self.guards += guards

    def evaluate(self, formula, name):
        r"""A closed formula of the lift (its base case), which must evaluate to True."""
        self.lift.append(_evaluate(formula, name))

    def control(self, hypotheses, conclusion):
        r"""A negative control: a wrong lemma for which ``sat`` (a model refuting it) is expected."""
        if len(self.controls) == len(self.declared):
            raise ValueError(
                f"the z3 proof runs more negative controls than the {len(self.declared)} it declares "
                f"({'; '.join(self.declared) or 'none'}); name every control in @z3_proof(...)"
            )
        name = self.declared[len(self.controls)]
        self.controls.append(_check(list(hypotheses) + [z3.Not(conclusion)], name, "sat"))

    def _failures(self) -> list[str]:
        failed = [f"{o.name}: {o.answer}" for o in self.proofs + self.guards if not o.ok]
        failed += [f"control {o.name}: {o.answer}" for o in self.controls if not o.ok]
        failed += [f"control {name}: not run" for name in self.declared[len(self.controls) :]]
        if not self.controls:
            failed.append("no negative control")
        if not self.proofs:
            failed.append("no lemma")
        return failed

    def result(self, conditions, what: str, *, m_max: int | None = None, lift: str = "") -> ProofResult:
        r"""The ProofResult: proved when every lemma, guard and control behaved; lifted when the lift did too."""
        failed = self._failures()
        # a proof without a control that behaved is never proved: nothing shows the encoding can fail
        proved = not failed
        lift_failed = [f"{o.name}: {o.answer}" for o in self.lift if not o.ok]
        # the lift lemmas speak of states of I; only the induction (base and step) says every m reaches one
        lifted = proved and m_max is not None and self.induction and not lift_failed
        controls = "; ".join(f"{o.name}: {o.answer} ({o.model})" for o in self.controls)
        n_ok = sum(o.ok for o in self.proofs)
        g_ok = sum(o.ok for o in self.guards)
        detail = (
            f"{what} Proved: {n_ok}/{len(self.proofs)} lemmas unsat; guards: {g_ok}/{len(self.guards)} sat "
            f"(hypotheses satisfiable, perturbed conclusions refuted, conclusion variables not pinned, essential "
            "hypotheses needed). "
            f"Negative controls: {controls}."
        )
        if lifted:
            detail += f" {lift} The lift was checked in this run ({len(self.lift)} queries and evaluations): proved for every m."
        elif m_max is not None:
            if lift_failed:
                why = "; ".join(lift_failed[:2])
            elif not self.induction:
                why = "the induction over neurons was not run" if self.lift else "no lift was run"
            else:
                why = "the lemmas it carries are not proved"
            detail += f" {lift} LIFT NOT CHECKED ({why}): proved for m <= {m_max} only."
        if not proved:
            detail = f"NOT PROVED ({'; '.join(failed[:4])}). " + detail
        cases = len(self.proofs) + len(self.guards) + len(self.lift) + len(self.controls)
        elapsed = time.perf_counter() - self.start
        return ProofResult("smt", proved, frozenset(conditions), cases, elapsed, detail, m_max=m_max, lifted=lifted)


def z3_proof(*controls: str) -> Callable[[Callable[..., ProofResult]], Callable[..., ProofResult]]:
    r"""Declare a z3 proof and its negative controls, by name, in the order it runs them.

    The decorated function takes the :class:`_Run` first (then ``m_max``
    for a multi-neuron claim) and calls ``run.control(hypotheses,
    conclusion)`` once per declared control; the prover it returns has the
    signature without the run, and carries ``negative_controls``, which
    :mod:`.registry` requires to be non-empty, and ``guarded = True``, which
    :mod:`.registry` requires too (a prover made otherwise would not run its
    lemmas through :func:`lemma_guards`). Declaring no control is a
    ValueError here already.
    """
    if not controls:
        raise ValueError("a z3 proof declares at least one negative control: @z3_proof('name of the wrong lemma', ...)")

    def declare(body):  # the prover carries attributes a Callable type has no room for
        @functools.wraps(body)
        def prover(*args) -> ProofResult:
            return body(_Run(controls), *args)

        signature = inspect.signature(body)
        prover.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
        prover.negative_controls = controls
        prover.guarded = True  # every lemma goes through _Run.prove and so through lemma_guards
        return prover

    return declare


def _reals(prefix: str, m: int):
    return list(z3.Reals(" ".join(f"{prefix}{j}" for j in range(m))))


# --- the lift to every m


def _check_induction(run: _Run) -> None:
    r"""Base :math:`I(S_0)` (evaluated) and step :math:`I(S) \Rightarrow I(\mathrm{step}(S, t))` for all reals."""
    for i, conjunct in enumerate(_invariant(_empty_state())):
        run.evaluate(conjunct, f"lift base: I[{i}] with no neuron")
    S, t = _state("s"), z3.Real("t")
    hypotheses = _invariant(S)
    for i, conjunct in enumerate(_invariant(_step(S, t))):
        run.prove(hypotheses, conjunct, f"lift step: I => I[{i}] after a neuron", essential=(i,), lift=True)
    run.induction = True


#: the induction, in words (every multi-neuron detail carries it)
_LIFT = (
    "Lift to every m, by induction over neurons: the state (G, Z, P, K) = (sum_j g(z_j), sum_j z_j, "
    "prod_j D_j^c, sum_j D_j) starts at (0, 0, 1, 0) and a neuron t maps it to (G + g(t), Z + t, P D^c(t), "
    "K + D(t)); the invariant I: G >= 0, Z <= G, and (P, G, K) = (1, 0, 0) or (P = 0, K >= 1), holds at the "
    "start (evaluated) and I(S) => I(step(S, t)) for all reals (z3), so it holds for any number of neurons"
)


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
    run.prove([y >= 0], _phi_r(u, y) >= _phi_f(u, y), "y >= 0 => phi_r >= phi_f", essential=(0,))
    run.prove([], _phi_r(u, y) - _phi_f(u, y) == y * _relu(-u), "phi_r - phi_f = y g(-u)")
    run.control([], _phi_r(u, y) >= _phi_f(u, y))
    return run.result((LABELS_NONNEGATIVE,), "For all reals u, y: phi_r - phi_f = y g(-u), >= 0 when y >= 0; summed over samples.")


@z3_proof("phi_r = phi_f for any y >= 0 (not only y = g(u))")
def prove_thm1_global_min(run: _Run) -> ProofResult:
    r"""The per-sample lemmas of Theorem 1 under model (4)."""
    u, y = z3.Reals("u y")
    run.prove([], _relu(u) * u == _relu(u) * _relu(u), "g(u) u = g(u)^2")
    run.prove([], _phi_r(u, _relu(u)) == 0, "phi_r(u; g(u)) = 0")
    run.prove([y >= 0], _phi_r(u, y) >= _phi_f(u, y), "y >= 0 => phi_r >= phi_f", essential=(0,))
    run.control([y >= 0], _phi_r(u, y) == _phi_f(u, y))
    return run.result(
        (PLANTED,),
        "For all reals u, y: g(u)u = g(u)^2, phi_r(u; g(u)) = 0 and y >= 0 => phi_r >= phi_f (phi_f >= 0, a "
        "square, and phi_f(u; g(u)) = 0, the square of g(u) - g(u), are true by their form and not sent to "
        "z3); with y = g(Ax*) the chain min f_r <= f_r(x*) = 0 <= "
        "f <= f_r gives Theorem 1.",
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


#: the two sides of a step h that keeps the sign of z_j
_KEEPS_SIGN = (("+", lambda a, b: z3.And(a > 0, b > 0)), ("-", lambda a, b: z3.And(a < 0, b < 0)))


def _expansion(S: _State, Sh: _State, t, h, y):
    r""":math:`\psi_{mp}(S_h) - \psi_{mp}(S) - h w = \tfrac{h^2}{2} D(t)`, S the state with neuron t, S_h with t + h."""
    return _psi_mp_of(Sh, y) - _psi_mp_of(S, y) - h * _weight_of(S, t, y) == h * h / 2 * _mask(t)


def _lift_prop2(run: _Run) -> None:
    R, S, t, h, y = _state("r"), _state("s"), z3.Real("t"), z3.Real("h"), z3.Real("y")
    rest = _invariant(R)  # the other m - 1 neurons, neuron j taken last
    for side, keeps_sign in _KEEPS_SIGN:
        expansion = _expansion(_step(R, t), _step(R, t + h), t, h, y)
        essential = (2,) if side == "-" else ()  # below 0 the invariant's P G = 0 is what makes it exact
        run.prove(rest + [keeps_sign(t, t + h)], expansion, f"lift: z_j{side}", essential=essential, lift=True)
    run.prove(_invariant(S), S.P * (S.G - y) == -S.P * y, "lift: P r = -P y", essential=(2,), lift=True)


@z3_proof("m=2 with GD's weight D_j r (no product term)")
def prove_prop2_gradient(run: _Run, m_max: int = 8) -> ProofResult:
    r"""Away from ties, :math:`\psi_{mp}(z + h e_j) = \psi_{mp}(z) + h w_j(z) + \tfrac{h^2}{2} D_j(z)` while :math:`z_j + h` keeps the sign of :math:`z_j`.

    Lift to every m (checked): the same expansion with neuron j last and
    the other m - 1 neurons in any state of I; below 0 it needs
    :math:`P G = 0`, the paper's :math:`\prod_j D_j^c r = -\prod_j D_j^c y`.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("smt", (NO_ZERO_PREACTIVATION,))
    y, h = z3.Reals("y h")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        S = _fold(z)
        for j in range(m):
            zh = list(z)
            zh[j] = z[j] + h
            # the step keeps the sign of z_j; one query per sign (z3 answers in milliseconds so)
            for side, keeps_sign in _KEEPS_SIGN:
                hyp = [t != 0 for t in z] + [keeps_sign(z[j], zh[j])]
                run.prove(hyp, _expansion(S, _fold(zh), z[j], h, y), f"m={m} j={j} z_j{side}")
    _check_induction(run)
    _lift_prop2(run)
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
        m_max=m_max,
        lift=f"{_LIFT}; with neuron j last and the other m - 1 neurons in any real state of I, the same expansion "
        "holds (below 0 through P G = 0), and P r = -P y on every state of I.",
    )


def _bound_lemma(run: _Run, S: _State, y, name: str, lift: bool = False) -> None:
    r""":math:`y \ge 0 \Rightarrow \psi_{mp} \ge \psi_m` at state S (whose own hypotheses come first)."""
    hypotheses = (_invariant(S) if lift else []) + [y >= 0]
    essential = (2, 3) if lift else (0,)  # y >= 0, and in the lift the case split of I
    run.prove(hypotheses, _psi_mp_of(S, y) >= _psi_m_of(S, y), name, essential=essential, lift=lift)


@z3_proof("m=2 without y >= 0")
def prove_bound_fmp_ge_fm(run: _Run, m_max: int = 8) -> ProofResult:
    r""":math:`y \ge 0 \Rightarrow \psi_{mp} \ge \psi_m` for m up to ``m_max``; control: without :math:`y \ge 0`.

    Lift to every m (checked): the same on every real state of I.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("smt", (LABELS_NONNEGATIVE,))
    y = z3.Real("y")
    for m in range(1, m_max + 1):
        _bound_lemma(run, _fold(_reals("z", m)), y, f"m={m}")
    _check_induction(run)
    _bound_lemma(run, _state("s"), y, "lift: y >= 0 => psi_mp >= psi_m", lift=True)
    z = _reals("z", 2)
    run.control([], _psi_mp(z, y) >= _psi_m(z, y))
    return run.result(
        (LABELS_NONNEGATIVE,),
        f"For m = 1..{m_max} and all reals z (ties included), y >= 0: psi_mp >= psi_m; summed over samples.",
        m_max=m_max,
        lift=f"{_LIFT}; on every real state of I with y >= 0, psi_mp - psi_m = -P y Z >= 0.",
    )


@z3_proof("m=2: psi_mp = psi_m for any y >= 0")
def prove_thm2_global_min(run: _Run, m_max: int = 8) -> ProofResult:
    r"""The per-sample lemmas of Theorem 2 under model (8), m up to ``m_max``.

    Lift to every m (checked): the same lemmas on every real state of I.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("smt", (PLANTED,))
    y = z3.Real("y")
    for m in range(1, m_max + 1):
        S = _fold(_reals("z", m))
        run.prove([], _psi_mp_of(S, S.G) == 0, f"m={m} psi_mp(z*; sum g(z*)) = 0")
        _bound_lemma(run, S, y, f"m={m} y >= 0 => psi_mp >= psi_m")
    _check_induction(run)
    S = _state("s")
    run.prove(_invariant(S), _psi_mp_of(S, S.G) == 0, "lift: psi_mp(S*; G*) = 0", essential=(2,), lift=True)
    _bound_lemma(run, S, y, "lift: y >= 0 => psi_mp >= psi_m", lift=True)
    z = _reals("z", 2)
    run.control([y >= 0], _psi_mp(z, y) == _psi_m(z, y))
    return run.result(
        (PLANTED,),
        f"For m = 1..{m_max} and all reals: psi_mp(z; sum g(z)) = 0 and psi_mp >= psi_m when y >= 0 (psi_m "
        ">= 0, a square, and psi_m(z; sum g(z)) = 0, the square of sum g(z) - sum g(z), are true by their form "
        "and not sent to z3); with y = sum_j g(Ax_j*): min f_mp <= "
        "f_mp(X*) = 0 <= f_m <= f_mp.",
        m_max=m_max,
        lift=f"{_LIFT}; on every real state of I, psi_mp(S*; G*) = -P* G* Z* = 0 and psi_mp >= psi_m for "
        "y >= 0.",
    )


@z3_proof("m=2 with GD's D_j r = 0")
def prove_cor1_stationary_global(run: _Run, m_max: int = 8) -> ProofResult:
    r""":math:`(D_j + \prod_k D_k^c)\,r = 0\ \forall j \Rightarrow r = 0`, m up to ``m_max``; control: plain GD.

    Lift to every m (checked): summing over j, :math:`(K + mP) r = 0`; on every
    real state of I with :math:`m \ge 1`, :math:`K + mP \ge 1`, and a
    coefficient >= 1 times r is 0 only for r = 0.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("smt", (FULL_ROW_RANK,))
    r = z3.Real("r")
    for m in range(1, m_max + 1):
        z = _reals("z", m)
        P = _all_inactive(z)
        # pinned: that the hypotheses fix r (to 0) is the lemma itself
        run.prove([(_mask(t) + P) * r == 0 for t in z], r == 0, f"m={m}", pinned=("r",))
    _check_induction(run)
    S, m, c = _state("s"), z3.Real("m"), z3.Real("c")
    run.prove(_invariant(S) + [m >= 1], S.K + m * S.P >= 1, "lift: m >= 1 => K + m P >= 1", essential=(2, 3), lift=True)
    # pinned as above: c >= 1 and c r = 0 fix r to 0, which is what the lemma says
    run.prove([c >= 1, c * r == 0], r == 0, "lift: c >= 1, c r = 0 => r = 0", essential=(0, 1), pinned=("r",), lift=True)
    z = _reals("z", 2)
    run.control([_mask(t) * r == 0 for t in z], r == 0)
    return run.result(
        (FULL_ROW_RANK,),
        f"For m = 1..{m_max} and all reals z (ties active), r: (D_j + prod_k D_k^c) r = 0 for all j implies "
        "r = 0; with rank A = n, (13) = A^T W = 0 gives W = 0 and so r = 0.",
        m_max=m_max,
        lift=f"{_LIFT}; summing (D_j + P) r = 0 over the m neurons gives (K + m P) r = 0, and on every real "
        "state of I with m >= 1, K + m P >= 1, so r = 0.",
    )


# --- claims of relurelax beyond the paper


def _cell_label(z, b) -> tuple:
    r""":math:`Dz` for the label :math:`D = [b]` of a closed cell containing z, and what makes it one.

    D = 1 on z > 0, D = 0 on z < 0, either on a tie. With a Boolean b,
    :math:`Dz` is ``If(b, z, 0)``: every query stays linear (a product
    ``If(b, 1, 0) * z`` would send z3 to nonlinear arithmetic).
    """
    return z3.If(b, z, _ZERO), [z3.Implies(z > 0, b), z3.Implies(z < 0, z3.Not(b))]


@z3_proof("the open cone: (2D - 1) z > 0", "output weight -1: -g(z) = D z")
def prove_pplus_lower_bound(run: _Run, m_max: int = 8) -> ProofResult:
    r"""Every neuron lies in the closed cone of a cell with :math:`g(z) = Dz`, for m up to ``m_max``, any label.

    For m neurons with labels :math:`D_j` of closed cells containing them
    (D = 1 on z > 0, 0 on z < 0, either on a tie): :math:`\sum_j g(z_j) =
    \sum_j D_jz_j` and :math:`(2D_j - 1)z_j \ge 0`. Lift to every m
    (checked): :math:`G = \sum_j g(z_j)` and :math:`W = \sum_j D_jz_j` start
    at 0 and a neuron adds :math:`g(t) = D t` to both.
    """
    if check_m_max(m_max) == 0:
        return no_m_to_prove("smt", ())
    z, b = z3.Real("z"), z3.Bool("b")
    dz, label = _cell_label(z, b)
    # one neuron's cone constraint involves that neuron alone: one lemma serves every m
    run.prove(label, 2 * dz - z >= 0, "each neuron: (2 D - 1) z >= 0", essential=(0, 1))
    for m in range(1, m_max + 1):
        zs, bs = _reals("z", m), z3.Bools(" ".join(f"b{j}" for j in range(m)))
        cells = [_cell_label(zj, bj) for zj, bj in zip(zs, bs)]
        hypotheses = [h for _, hs in cells for h in hs]
        same_output = z3.Sum([_relu(v) for v in zs]) == z3.Sum([djzj for djzj, _ in cells])
        run.prove(hypotheses, same_output, f"m={m}: sum_j g(z_j) = sum_j D_j z_j")
    # the lift: base G = W = 0 (evaluated), step G = W => G + g(t) = W + D t
    G, W, t, c = z3.Real("G"), z3.Real("W"), z3.Real("t"), z3.Bool("c")
    dt, label_t = _cell_label(t, c)  # D t
    run.evaluate(_ZERO == _ZERO, "lift base: G = W = 0 with no neuron")
    run.prove([G == W] + label_t, G + _relu(t) == W + dt, "lift step: G = W => G + g(t) = W + D t",
              essential=(0,), lift=True)  # fmt: skip
    run.induction = True
    run.control(label, 2 * dz - z > 0)
    run.control(label, -_relu(z) == dz)
    return run.result(
        (),
        f"For m = 1..{m_max} and all reals z_j with labels D_j in {{0, 1}} of closed cells containing them (D_j = 1 "
        "on z_j > 0, 0 on z_j < 0, either on a tie, so the paper's convention and the strict one both work): "
        "sum_j g(z_j) = sum_j D_j z_j and (2 D_j - 1) z_j >= 0: each neuron is in the closed cone K_D of its "
        "cell with g(A x_j) = D A x_j, so any network with output weights +1 is feasible for P_+ with the same "
        "loss, and P_+ <= f_m(X).",
        m_max=m_max,
        lift="Lift to every m, by induction over neurons: G = sum_j g(z_j) and W = sum_j D_j z_j are 0 for no neuron "
        "(evaluated) and G = W => G + g(t) = W + D t for all reals (z3).",
    )


@z3_proof(
    "phi_r >= 0 for any label (without y = g(a^T x*))",
    "phi_r = 0 => g(u) = y for any label",
    "the issue's rank condition: a tie row constrains no direction",
)
def prove_relaxation_identifiability(run: _Run) -> ProofResult:
    r"""Per sample under (4): :math:`\varphi_r(u; g(u^*)) \ge 0`, zero iff :math:`g(u) = g(u^*)`; and the directions that keep a sample's output.

    For t > 0 and a row with :math:`w = a^Tx^*`, :math:`q = a^Tv`:
    :math:`g(w + tq) = g(w)` iff :math:`q = 0` (w > 0), :math:`q \le 0`
    (w = 0), :math:`w + tq \le 0` (w < 0): the cone of feasible directions
    of :math:`\operatorname{argmin} f_r` at x*.
    """
    u, s, y, w, q, t = z3.Reals("u s y w q t")
    planted = _relu(s)
    run.prove([], _phi_r(u, planted) >= 0, "phi_r(u; g(u*)) >= 0")
    run.prove([_phi_r(u, planted) == 0], _relu(u) == planted, "phi_r(u; g(u*)) = 0 => g(u) = g(u*)", essential=(0,))
    run.prove([_relu(u) == planted], _phi_r(u, planted) == 0, "g(u) = g(u*) => phi_r(u; g(u*)) = 0", essential=(0,))
    keeps = _relu(w + t * q) == _relu(w)
    cone = [z3.Implies(w > 0, q == 0), z3.Implies(w == 0, q <= 0)]
    run.prove([t > 0, keeps], z3.And(*cone), "t > 0, g(w + t q) = g(w) => the cone conditions", essential=(1,))
    run.prove([t > 0, *cone, z3.Implies(w < 0, w + t * q <= 0)], keeps, "the cone conditions => g(w + t q) = g(w)",
              essential=(1, 2, 3))  # fmt: skip
    run.control([], _phi_r(u, y) >= 0)
    run.control([_phi_r(u, y) == 0], _relu(u) == y)
    run.control([t > 0, w == 0], keeps)
    return run.result(
        (PLANTED,),
        "For all reals u, u* (ties included): phi_r(u; g(u*)) >= 0, and phi_r(u; g(u*)) = 0 iff g(u) = g(u*); "
        "so under model (4) f_r >= 0 = f_r(x*) and argmin f_r = {x : g(Ax) = y} = {x : A_S x = y_S, A_{S^c} x "
        "<= 0}. For t > 0, w = a_i^T x*, q = a_i^T v: g(w + t q) = g(w) iff q = 0 when w > 0, q <= 0 when "
        "w = 0, and w + t q <= 0 when w < 0 (true for small t); so x* + t v is a minimiser for some t > 0 iff "
        "A_S v = 0 and a_i^T v <= 0 on the ties, and (argmin f_r convex) argmin f_r = {x*} iff that cone is "
        "{0}. The third control is the issue's wording (rank A_S = d), which lets a tie row take any direction.",
    )


#: every claim's prover is public (the claims name them by convention, see relurelax.proofs.claims)
__all__ += [name for name in list(globals()) if name.startswith("prove_")]
