"""The guards of the symbolic half: a vacuous or trivially true lemma, a vacuous or mislabelled case, a jump
at u = 0 and a wrong multi-neuron lemma are each refused, and the lift to every m is checked, not assumed."""

from __future__ import annotations

import pytest
import sympy as sp
import z3

from relurelax.proofs import smt, symbolic
from relurelax.proofs._proof import ProofResult
from relurelax.proofs.registry import CLAIMS

# the multi-neuron claims whose lemmas are read on the state (G, Z, P, K) and lifted by its induction;
# pplus-lower-bound's lemma is per neuron (g(z) = D z, no product mask) and has its own induction over
# G = W (guarded in tests/test_proofs_pplus_identifiability.py)
MULTI_NEURON = [c for c in CLAIMS if c.multi_neuron and c.id != "pplus-lower-bound"]


def _run_one(hypotheses, conclusion, name="planted lemma"):
    """A z3 proof of one lemma, with a negative control that behaves (so only the lemma decides)."""
    run = smt._Run(("g(u) = u",))
    run.prove(hypotheses, conclusion, name)
    u = z3.Real("u")
    run.control([], smt._relu(u) == u)
    return run.result((), "test.")


# --- z3: vacuous and trivially true lemmas


def test_two_wrong_lemmas_with_contradictory_hypotheses_are_not_reported_proved():
    u, y = z3.Reals("u y")
    z = smt._reals("z", 2)
    wrong = [
        ([y >= 1, y <= 0], smt._psi_mp(z, y) < smt._psi_m(z, y), "y >= 1, y <= 0 => psi_mp < psi_m"),
        ([u > 0, u < 0], smt._relu(u) == -1, "u > 0, u < 0 => g(u) = -1"),
    ]
    run = smt._Run(("g(u) = u",))
    for hypotheses, conclusion, name in wrong:
        assert smt.prove(hypotheses, conclusion, name).answer == "unsat"  # what the query alone would call proved
        run.prove(hypotheses, conclusion, name)
    run.control([], smt._relu(u) == u)
    result = run.result((), "test.")
    assert not result.proved
    for _, _, name in wrong:
        assert f"{name} [hypotheses satisfiable]: unsat" in result.detail


@pytest.mark.parametrize(
    "hypotheses, conclusion",
    [
        ([], lambda x, y: z3.BoolVal(True)),
        ([], lambda x, y: x == x),
        ([], lambda x, y: smt._relu(x) - smt._relu(x) == 0),
        ([], lambda x, y: (x + 1) * (x + 1) - x * x - 2 * x == 1),
        ([], lambda x, y: z3.Or(x > 0, z3.Not(x > 0))),
        ([lambda x, y: y >= 0], lambda x, y: y >= 0),
        ([], lambda x, y: smt._relu(x) + 1 >= smt._relu(x)),
        ([], lambda x, y: z3.Implies(z3.And(x > 0, x < 0), smt._relu(x) == 5)),
        ([], lambda x, y: z3.And(smt._relu(x) >= 0, y * 0 == 0)),
    ],
    ids=[
        "True",
        "x == x",
        "g(x) - g(x) == 0",
        "a polynomial identity",
        "a tautology",
        "the hypothesis restated",
        "a bound with slack 1",
        "an implication whose antecedent never holds",
        "a conjunct that is trivially true",
    ],
)
def test_a_z3_lemma_whose_conclusion_is_trivially_true_is_not_proved(hypotheses, conclusion):
    x, y = z3.Reals("x y")
    hypotheses = [h(x, y) for h in hypotheses]
    conclusion = conclusion(x, y)
    assert smt.prove(hypotheses, conclusion, "trivial").answer == "unsat"  # valid, so the query alone would pass it
    result = _run_one(hypotheses, conclusion)
    assert not result.proved
    assert result.detail.startswith("NOT PROVED (planted lemma [")


@pytest.mark.parametrize(
    "conclusion, perturbed",
    [
        (lambda x, y: x == y, lambda x, y: [x == y + 1]),
        (lambda x, y: x >= y, lambda x, y: [x >= y + 1]),
        (lambda x, y: x > y, lambda x, y: [x > y + 1]),
        (lambda x, y: x <= y, lambda x, y: [x + 1 <= y]),
        (lambda x, y: x < y, lambda x, y: [x + 1 < y]),
        (lambda x, y: z3.And(x >= 0, y == 0), lambda x, y: [z3.And(x >= 1, y == 0), z3.And(x >= 0, y == 1)]),
        (lambda x, y: z3.Or(x == 0, y == 1), lambda x, y: [z3.Or(x == 1, y == 1), z3.Or(x == 0, y == 2)]),
        (lambda x, y: z3.Implies(x > 0, y >= 0), lambda x, y: [z3.Implies(x > 0, y >= 1)]),
    ],
    ids=["==", ">=", ">", "<=", "<", "And", "Or", "Implies"],
)
def test_every_lemma_shape_is_perturbed_part_by_part_towards_a_stronger_or_other_statement(conclusion, perturbed):
    x, y = z3.Reals("x y")
    got = [q for _, q in smt.perturbations(conclusion(x, y))]
    expected = perturbed(x, y)
    assert len(got) == len(expected)
    for q, e in zip(got, expected):
        assert smt.prove([], q == e, "the same formula").answer == "unsat", (q, e)


@pytest.mark.parametrize(
    "conclusion", [lambda x, b: z3.Not(x == 0), lambda x, b: b, lambda x, b: z3.BoolVal(True)], ids=["Not", "a Boolean", "True"]
)
def test_a_conclusion_with_no_designed_perturbation_fails_its_guard(conclusion):
    x, b = z3.Real("x"), z3.Bool("b")
    formula = conclusion(x, b)
    assert smt.perturbations(formula) == [(formula, None)]
    guards = smt.lemma_guards([x >= 1], formula, "shape")
    assert not all(g.ok for g in guards)


def test_the_wrong_proposition_2_lemma_made_degenerate_by_h_equal_0_is_not_proved():
    # plain GD's weight on the all-negative pattern (the proof's own negative control), with h == 0 added:
    # the expansion becomes 0 == 0, which z3 proves, and every other guard passes
    y, h = z3.Reals("y h")
    z = smt._reals("z", 2)
    zh = [z[0] + h, z[1]]
    gd = smt._mask(z[0]) * smt._residual(z, y)
    wrong = smt._psi_mp(zh, y) - smt._psi_mp(z, y) - h * gd == h * h / 2 * smt._mask(z[0])
    sign = [t != 0 for t in z] + [z[0] < 0, zh[0] < 0]
    assert smt.prove(sign, wrong, "wrong").answer == "sat"  # without h == 0 z3 refutes it
    assert smt.prove(sign + [h == 0], wrong, "degenerate").answer == "unsat"  # what the query alone would call proved
    result = _run_one(sign + [h == 0], wrong)
    assert not result.proved
    assert result.detail.startswith("NOT PROVED (planted lemma [h not pinned]: unsat). ")  # the only guard that fails


@pytest.mark.parametrize(
    "hypotheses, conclusion, pinned",
    [
        (lambda x, y, r: [r >= 0, r <= 0], lambda x, y, r: r * x == 0, "r"),
        (lambda x, y, r: [2 * r >= r * r + 1], lambda x, y, r: smt._relu(r) == r, "r"),
        (lambda x, y, r: [x >= 2, x <= 2, y >= 0], lambda x, y, r: smt._relu(x) + y >= 2, "x"),
        (lambda x, y, r: [x * x == 0, y >= 0], lambda x, y, r: smt._phi_r(x, y) >= smt._phi_f(x, y), "x"),
    ],
    ids=["0 <= r <= 0 => r x == 0", "2r >= r^2 + 1 => g(r) == r", "2 <= x <= 2 => g(x) + y >= 2", "x^2 == 0 => phi_r >= phi_f"],
)
def test_a_lemma_whose_hypotheses_pin_a_variable_of_its_conclusion_is_not_proved(hypotheses, conclusion, pinned):
    x, y, r = z3.Reals("x y r")
    hypotheses, conclusion = hypotheses(x, y, r), conclusion(x, y, r)
    assert smt.prove(hypotheses, conclusion, "pinned").answer == "unsat"
    result = _run_one(hypotheses, conclusion)
    assert not result.proved
    # every other guard passes: the pinned variable is the only thing refused
    assert result.detail.startswith(f"NOT PROVED (planted lemma [{pinned} not pinned]: unsat). ")


def test_a_variable_named_pinned_is_exempt_and_a_name_not_in_the_conclusion_is_refused():
    c, r, x = z3.Reals("c r x")
    guards = smt.lemma_guards([c >= 1, c * r == 0], r == 0, "cr", pinned=("r",))
    assert all(g.ok for g in guards) and not any("not pinned" in g.name for g in guards)
    assert not all(g.ok for g in smt.lemma_guards([c >= 1, c * r == 0], r == 0, "cr"))
    with pytest.raises(ValueError, match=r"pinned names \['x'\], which are not variables of its conclusion"):
        smt.lemma_guards([c >= 1, c * r == 0], r == 0, "cr", pinned=("x",))


def test_the_pinned_guard_moves_every_variable_in_one_query_and_names_the_pinned_one_when_it_cannot():
    x, y = z3.Reals("x y")
    free = smt.lemma_guards([x >= 0, y >= 0], x + y >= 0, "free")
    assert [g.name for g in free if "pinned" in g.name] == ["free [x, y not pinned]"]
    held = smt.lemma_guards([x >= 0, y >= 0, y <= 0], x + y >= 0, "held")
    # y is pinned: both cannot move together, so each is asked alone, and only y's guard fails
    assert [(g.name, g.answer) for g in held if "pinned" in g.name] == [
        ("held [x not pinned]", "sat"),
        ("held [y not pinned]", "unsat"),
    ]


def test_a_hypothesis_declared_essential_must_be_needed_by_the_lemma():
    y, u = z3.Reals("y u")
    needed = smt.lemma_guards([y >= 0], smt._phi_r(u, y) >= smt._phi_f(u, y), "bound", essential=(0,))
    assert all(g.ok for g in needed)
    idle = smt.lemma_guards([y >= 0, u >= 5], smt._relu(u) >= 0, "g >= 0", essential=(1,))
    assert [g.ok for g in idle if "[needs" in g.name] == [False]


def test_a_true_lemma_passes_its_guards_and_every_query_is_counted():
    u, h, y = z3.Reals("u h y")
    remainder = smt._phi_r(u + h, y) - smt._phi_r(u, y) - h * (smt._relu(u) - y)
    guards = smt.lemma_guards([], z3.And(remainder >= 0, remainder <= h * h / 2), "rgd")
    assert [g.answer for g in guards] == ["sat", "sat"]  # no hypotheses to check; two conjuncts, each perturbed
    bound = smt.lemma_guards([y >= 0], smt._phi_r(u, y) >= smt._phi_f(u, y), "bound")
    assert [(g.name, g.answer) for g in bound] == [
        ("bound [hypotheses satisfiable]", "sat"),
        ("bound [perturbed 1/1]", "sat"),
        ("bound [y not pinned]", "sat"),  # u is in no hypothesis: free without a query
    ]
    assert bound[0].model.endswith("(the model of bound [perturbed 1/1])")  # its model holds y >= 0: no query of its own
    result = _run_one([y >= 0], smt._phi_r(u, y) >= smt._phi_f(u, y))
    assert result.proved and "guards: 3/3 sat" in result.detail
    assert result.cases == 1 + 3 + 1  # the lemma, its three guards, the control


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.smt_proof], ids=lambda c: c.id)
def test_every_lemma_of_every_registered_z3_proof_passes_at_least_one_guard(claim):
    result = claim.prove_smt(2)
    assert result.proved, result.detail
    lemmas, guards = _counts(result.detail)
    assert guards[0] == guards[1] >= lemmas[1] >= 1


def _counts(detail: str):
    """(ok, total) of the lemmas and of the guards, read from a z3 detail."""
    import re

    found = re.search(r"Proved: (\d+)/(\d+) lemmas unsat; guards: (\d+)/(\d+) sat", detail)
    ok, total, g_ok, g_total = map(int, found.groups())
    return (ok, total), (g_ok, g_total)


# --- sympy: every case inside the region it names, and non-empty


def test_a_sympy_case_whose_conditions_contradict_each_other_is_refused():
    t = symbolic._Tally()
    p = sp.Symbol("p", positive=True)
    t.case("z > 0 and z < 0", [p], lambda v: [v[0] > 0, v[0] < 0])
    assert t.undecided and "not in the region it names" in t.undecided[0]
    assert not symbolic._result(t, (), 0.0, "detail").proved


def test_a_sympy_case_whose_symbols_no_number_satisfies_is_refused():
    t = symbolic._Tally()
    prime_square = sp.Symbol("c", prime=True, square=True)  # sympy accepts these assumptions; no number has both
    t.case("c", [prime_square], lambda v: [sp.true])
    assert t.undecided == ["case c: no number satisfies the assumptions of c"]


def test_a_sympy_case_is_checked_at_a_witness_as_well_as_symbolically():
    p, n = sp.Symbol("p", positive=True), sp.Symbol("n", nonnegative=True)
    assert (symbolic._witness(p), symbolic._witness(n), symbolic._witness(sp.Symbol("q", negative=True))) == (1, 1, -1)
    t = symbolic._Tally()
    # a region the symbolic check cannot see through (true for any symbolic value) that no number here is in
    t.case("p is 2", [p], lambda v: [sp.true if v[0].free_symbols else sp.Eq(v[0], 2)])
    assert t.undecided == ["case p is 2 is empty: its witness [1] fails False"]


@pytest.mark.parametrize(
    "prover",
    [symbolic.prove_bound_fr_ge_f, lambda: symbolic.prove_bound_fmp_ge_fm(2), lambda: symbolic.prove_cor1_stationary_global(2)],
    ids=["bound-fr-ge-f", "bound-fmp-ge-fm", "cor1-stationary-global"],
)
def test_a_sympy_case_split_with_a_mislabelled_case_is_not_proved(monkeypatch, prover):
    assert prover().proved
    # every '-' case takes a positive value: the lemmas still hold on what is checked, but u < 0 is never seen
    monkeypatch.setattr(symbolic, "_substitute", lambda pattern, ps: [sp.Integer(0) if s == "0" else p for s, p in zip(pattern, ps)])
    result = prover()
    assert not result.proved
    assert "case z = -" in result.detail and "are not in the region it names" in result.detail


# --- the RGD direction: continuity at u = 0


def _jump_at_zero(u, y):
    """phi_r with the weight of its linear term jumping at u = 0: the same slopes on both sides, a jump of y."""
    return symbolic.phi_r(u, y) - y * symbolic.mask(u)


def test_a_direction_whose_sample_term_jumps_at_zero_is_refused_by_the_sympy_proof():
    direction = lambda u, y: symbolic.relu(u) - y  # noqa: E731
    assert symbolic._prove_rgd_direction(symbolic.phi_r, direction, 0.0).proved
    result = symbolic._prove_rgd_direction(_jump_at_zero, direction, 0.0)
    assert not result.proved
    assert "continuous at u = 0 from the left: expected 0, sympy left y" in result.detail
    # the one-sided derivatives agree: only the continuity check sees the jump
    assert "derivative at 0" not in result.detail.split("). ")[0]


def test_z3_refutes_the_remainder_bound_of_a_sample_term_that_jumps_at_zero():
    u, h, y = z3.Reals("u h y")
    jump = lambda v: smt._phi_r(v, y) - y * smt._mask(v)  # noqa: E731
    remainder = jump(u + h) - jump(u) - h * (smt._relu(u) - y)
    assert smt.prove([], z3.And(remainder >= 0, remainder <= h * h / 2), "jump").answer == "sat"


# --- the lift to every m: a wrong multi-neuron lemma fails it, whatever m_max


def _sympy_masks():
    return {
        "D_j in place of D_j^c": symbolic._ProductMask(sp.Integer(1), lambda P, t: P * symbolic.mask(t)),
        "a sum in place of the product": symbolic._ProductMask(sp.Integer(0), lambda P, t: P + 1 - symbolic.mask(t)),
    }


def _smt_masks():
    return {
        "D_j in place of D_j^c": smt._ProductMask(smt._ONE, lambda P, t: z3.If(t >= 0, P, smt._ZERO)),
        "a sum in place of the product": smt._ProductMask(smt._ZERO, lambda P, t: P + z3.If(t < 0, smt._ONE, smt._ZERO)),
    }


@pytest.mark.parametrize("wrong", ["D_j in place of D_j^c", "a sum in place of the product"])
def test_a_wrong_product_mask_breaks_the_induction_itself_in_both_provers(monkeypatch, wrong):
    monkeypatch.setattr(symbolic, "_PRODUCT_MASK", _sympy_masks()[wrong])
    monkeypatch.setattr(smt, "_PRODUCT_MASK", _smt_masks()[wrong])
    tally = symbolic._Tally()
    symbolic._check_induction(tally)
    assert tally.undecided  # the base or a step of the induction fails: no m is involved
    run = smt._Run(("unused",))
    smt._check_induction(run)
    assert not all(o.ok for o in run.lift)


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
@pytest.mark.parametrize("wrong", ["D_j in place of D_j^c", "a sum in place of the product"])
@pytest.mark.parametrize("m_max", [1, 3])
def test_a_wrong_multi_neuron_lemma_is_never_lifted_to_every_m(monkeypatch, claim, wrong, m_max):
    monkeypatch.setattr(symbolic, "_PRODUCT_MASK", _sympy_masks()[wrong])
    monkeypatch.setattr(smt, "_PRODUCT_MASK", _smt_masks()[wrong])
    for result in (claim.prove_sympy(m_max), claim.prove_smt(m_max)):
        assert not result.lifted and not result.every_m
        assert result.scope == f"m <= {m_max}"
        assert "LIFT NOT CHECKED" in result.detail


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
def _wrong_invariants(module):
    """Invariants whose lemmas still hold on their states, but which fail the base or the step of the induction."""
    Or, And = (z3.Or, z3.And) if module is smt else (sp.Or, sp.And)
    Eq = (lambda a, b: a == b) if module is smt else sp.Eq
    return {
        # false for no neuron (P = 1, K = 0); kept by every neuron
        "false at the start": lambda S: [S.G >= 0, S.Z <= S.G, And(Eq(S.P, 0), S.K >= 1)],
        # true for no neuron; an active neuron leaves it
        "not kept by a neuron": lambda S: [S.G >= 0, S.Z <= S.G, Or(And(Eq(S.P, 1), Eq(S.G, 0), Eq(S.K, 0)))],
    }


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
@pytest.mark.parametrize("wrong", ["false at the start", "not kept by a neuron"])
def test_a_multi_neuron_proof_is_never_lifted_on_an_invariant_the_induction_does_not_establish(monkeypatch, claim, wrong):
    monkeypatch.setattr(symbolic, "_invariant", _wrong_invariants(symbolic)[wrong])
    monkeypatch.setattr(smt, "_invariant", _wrong_invariants(smt)[wrong])
    for result in (claim.prove_sympy(2), claim.prove_smt(2)):
        assert not result.lifted and not result.every_m, result.detail
        assert result.scope == "m <= 2"
        assert "LIFT NOT CHECKED" in result.detail


def test_a_z3_proof_that_skips_the_induction_is_not_lifted_even_when_its_lift_lemmas_hold(monkeypatch):
    monkeypatch.setattr(smt, "_check_induction", lambda run: None)
    result = smt.prove_prop2_gradient(2)
    assert result.proved and not result.lifted and result.scope == "m <= 2"
    assert "LIFT NOT CHECKED (the induction over neurons was not run)" in result.detail


@pytest.mark.parametrize("claim", MULTI_NEURON, ids=lambda c: c.id)
def test_a_sum_of_masks_passes_the_cases_of_m_1_but_not_the_lift(monkeypatch, claim):
    # for m = 1 the sum and the product of the masks agree: only the lift sees the wrong lemma
    monkeypatch.setattr(symbolic, "_PRODUCT_MASK", _sympy_masks()["a sum in place of the product"])
    monkeypatch.setattr(smt, "_PRODUCT_MASK", _smt_masks()["a sum in place of the product"])
    for result in (claim.prove_sympy(1), claim.prove_smt(1)):
        assert result.proved and not result.lifted, result.detail
        assert result.detail.endswith("proved for m <= 1 only.")


@pytest.mark.parametrize("claim", [c for c in MULTI_NEURON if c.id != "cor1-stationary-global"], ids=lambda c: c.id)
def test_a_sum_of_masks_fails_the_cases_from_m_2_on(monkeypatch, claim):
    monkeypatch.setattr(symbolic, "_PRODUCT_MASK", _sympy_masks()["a sum in place of the product"])
    monkeypatch.setattr(smt, "_PRODUCT_MASK", _smt_masks()["a sum in place of the product"])
    assert not claim.prove_sympy(2).proved and not claim.prove_smt(2).proved


def test_with_a_sum_of_masks_corollary_1s_lemma_stays_true_and_only_the_lift_is_refused(monkeypatch):
    # c_j = D_j + (number of inactive neurons) >= 1 for some j at every m: the lemma holds, but not the
    # invariant the lift is built on (P in {0, 1}); the lift refuses what it cannot prove, it never overclaims
    monkeypatch.setattr(smt, "_PRODUCT_MASK", _smt_masks()["a sum in place of the product"])
    result = smt.prove_cor1_stationary_global(3)
    assert result.proved and not result.lifted and result.scope == "m <= 3"


def test_the_paper_mask_is_the_fold_of_the_product_in_both_provers():
    z = [sp.Integer(v) for v in (-1, -2, -3)]
    assert symbolic.all_inactive(z) == 1 and symbolic.all_inactive(z + [sp.Integer(0)]) == 0
    zs = smt._reals("z", 3)
    assert smt.prove([], smt._all_inactive(zs) == z3.If(z3.And([t < 0 for t in zs]), 1, 0), "P").answer == "unsat"


# --- results: no lift without a proof, no proof without an m


def test_a_lifted_result_must_be_a_proved_multi_neuron_one():
    ProofResult("smt", True, frozenset(), 1, 0.0, "-", m_max=3, lifted=True)
    with pytest.raises(ValueError, match="lifted=True needs a proved multi-neuron result"):
        ProofResult("smt", True, frozenset(), 1, 0.0, "-", m_max=None, lifted=True)
    with pytest.raises(ValueError, match="lifted=True needs a proved multi-neuron result"):
        ProofResult("smt", False, frozenset(), 1, 0.0, "-", m_max=3, lifted=True)


def test_a_z3_proof_with_no_lemma_is_not_proved_even_with_its_controls():
    run = smt._Run(("g(u) = u",))
    u = z3.Real("u")
    run.control([], smt._relu(u) == u)
    result = run.result((), "test.", m_max=2)
    assert not result.proved and not result.lifted and "no lemma" in result.detail


def test_a_z3_lift_that_fails_leaves_the_cases_proved_for_m_up_to_m_max_only():
    run = smt._Run(("g(u) = u",))
    u = z3.Real("u")
    run.prove([], smt._relu(u) >= 0, "g >= 0")
    run.prove([], smt._relu(u) >= 1, "a lift lemma that is false", lift=True)
    run.control([], smt._relu(u) == u)
    result = run.result((), "test.", m_max=4, lift="lift.")
    assert result.proved and not result.lifted and result.scope == "m <= 4"
    assert "LIFT NOT CHECKED (a lift lemma that is false: sat" in result.detail
