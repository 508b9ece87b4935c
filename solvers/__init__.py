r"""relurelax.solvers: the numbers of *Convex Optimization for Shallow Neural Networks*.

Objectives f (1), f_r (3), f_m (9), f_mp (14) and their gradients; planted
data (4), (8); one descent loop serving GD (2) and RGD (5), (17); and the
CVXPY solve of the convex relaxation and of f_m restricted to one activation
cell (:mod:`.cell`), the exact Newton solve of the relaxation (:mod:`.newton`)
and the batched trial engine (:mod:`.batched`). Every solver is an entry of
:data:`~.registry.SOLVERS` and answers with one record,
:class:`~.solution.Solution` (values from :func:`~.solution.evaluate_point`).
See :mod:`.objectives` for the one scaling used throughout (a factor 1/2 on
every objective).
"""

from .activation import activation_mask, all_inactive_mask, relu
from .arrangement import Arrangement, cover_bound, enumerate_cells
from .cell import CellResult, cell_masks, solve_cell
from .exact import ExactMinimum, PPlusResult, exact_minimum, solve_pplus
from .rays import RayArrangement, enumerate_rays
from .data import PlantedProblem, planted_problem
from .datafiles import load_data
from .descent import (
    GD,
    RGD,
    DescentResult,
    Direction,
    History,
    StopReason,
    descend,
    gradient_descent,
    regularized_gradient_descent,
    relative_error,
    safe_step,
    spectral_norm_squared,
)
from .errors import (
    DataFileError,
    InaccurateSolutionError,
    InvalidInputError,
    SolveError,
    SolverUnavailableError,
    UnboundedRelaxationError,
)
from .objectives import (
    gd_direction,
    multi_neuron_objective,
    multi_neuron_objective_gradient,
    objective,
    objective_gradient,
    regularized_objective,
    regularized_objective_gradient,
    relaxed_objective,
    relaxed_objective_gradient,
    residual,
)
from .relaxation import BACKENDS, Certificate, KKTResiduals, RelaxationResult, installed_backends, solve_relaxation
from .newton import NewtonResult, NewtonStopReason, solve_relaxation_newton
from .pplus import NetworkBound, PPlusConic, bound_network, pplus_conic, pplus_kkt
from .batched import MethodTrials, TrialBatch, run_trials
from .solution import PointEvaluation, Solution, SolveStatus, evaluate_point
from .registry import SOLVERS, SolverEntry

# every public name imported above, written out so that type checkers see what is exported
# (tests/test_typing.py holds the list against the imports)
__all__ = [
    "Arrangement", "BACKENDS", "CellResult", "Certificate", "DataFileError", "DescentResult", "Direction",
    "ExactMinimum", "GD", "History", "InaccurateSolutionError", "InvalidInputError", "KKTResiduals", "MethodTrials",
    "NewtonResult", "NetworkBound", "NewtonStopReason", "PPlusConic", "PPlusResult", "PlantedProblem",
    "PointEvaluation", "RGD", "RayArrangement", "RelaxationResult", "SOLVERS", "Solution", "SolveError",
    "SolveStatus", "SolverEntry", "SolverUnavailableError", "StopReason", "TrialBatch", "UnboundedRelaxationError",
    "activation_mask", "all_inactive_mask", "bound_network", "cell_masks", "cover_bound", "descend",
    "enumerate_cells", "enumerate_rays", "evaluate_point", "exact_minimum", "gd_direction", "gradient_descent",
    "installed_backends", "load_data", "multi_neuron_objective", "multi_neuron_objective_gradient", "objective",
    "objective_gradient", "planted_problem", "pplus_conic", "pplus_kkt", "regularized_gradient_descent",
    "regularized_objective", "regularized_objective_gradient", "relative_error", "relaxed_objective",
    "relaxed_objective_gradient", "relu", "residual", "run_trials", "safe_step", "solve_cell", "solve_pplus",
    "solve_relaxation", "solve_relaxation_newton", "spectral_norm_squared",
]  # fmt: skip
