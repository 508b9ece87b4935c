"""Bad input to the numeric API is a ValueError that names the problem."""

from __future__ import annotations

import numpy as np
import pytest

from relurelax.solvers import (
    multi_neuron_objective,
    objective,
    regularized_gradient_descent,
    relaxed_objective,
    solve_relaxation,
)
from relurelax.solvers.errors import InvalidInputError

A = np.ones((3, 2))
y = np.ones(3)
x = np.ones(2)


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((np.ones((3, 2)), np.ones(4), x), "4 entries but A has 3 rows"),
        ((np.ones((3, 2)), y, np.ones(5)), "A has 2 columns"),
        ((np.ones(3), y, x), "2-D"),
        ((np.array([[np.nan, 1], [1, 1], [1, 1]]), y, x), "non-finite"),
        ((A, np.array([1, np.inf, 1]), x), "non-finite"),
        ((np.empty((0, 2)), np.empty(0), x), "empty"),
        ((A, y, np.array([1 + 1j, 1])), "complex"),
        ((A, np.array([True, False, True]), x), "boolean"),
        ((A, np.array(["a", "b", "c"]), x), "dtype"),
        ((A, y, np.ones((2, 2, 1))), "shape"),
    ],
)
def test_objectives_name_the_bad_argument(args, fragment):
    with pytest.raises(InvalidInputError, match=fragment):
        multi_neuron_objective(*args)


def test_single_neuron_objectives_refuse_several_neurons():
    with pytest.raises(InvalidInputError, match="one neuron"):
        objective(A, y, np.ones((2, 3)))
    with pytest.raises(InvalidInputError, match="one neuron"):
        relaxed_objective(A, y, np.ones((2, 3)))


def test_integer_data_is_accepted_as_float():
    assert objective(np.ones((3, 2), dtype=int), np.ones(3, dtype=int), np.ones(2, dtype=int)) == pytest.approx(1.5)


def test_invalid_input_is_a_value_error():
    assert issubclass(InvalidInputError, ValueError)
    with pytest.raises(ValueError):
        regularized_gradient_descent(A, y, np.ones(3))
    with pytest.raises(ValueError):
        solve_relaxation(A, np.ones(2))


@pytest.mark.parametrize("argument", ["\r", "a\nb", "\x1b[31mred"])
def test_a_usage_error_about_an_argument_with_control_characters_is_one_escaped_line(argument, capsys):
    from relurelax.reports.cli import main

    assert main(["verify", argument]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, repr(err)
    assert argument.encode("unicode_escape").decode("ascii") in err


def test_evaluate_point_names_a_test_set_given_by_half():
    from relurelax.solvers.errors import InvalidInputError
    from relurelax.solvers.solution import evaluate_point

    with pytest.raises(InvalidInputError, match="A_test and y_test must be given together"):
        evaluate_point([[1.0, 0.0]], [1.0], [1.0, 0.0], A_test=[[1.0, 0.0]])
    with pytest.raises(InvalidInputError, match="A_test has 3 columns but A has 2"):
        evaluate_point([[1.0, 0.0]], [1.0], [1.0, 0.0], A_test=[[1.0, 0.0, 0.0]], y_test=[1.0])
