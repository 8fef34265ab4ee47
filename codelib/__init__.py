"""codelib: the code behind the executable textbook *Challenges in Optimization*.

One module per idea, all re-exported here so a chapter can write ``from codelib import ...``:

- :mod:`codelib.symbolic`: SymPy gradients, Hessians, Taylor polynomials, critical points,
  and vectorised NumPy versions of them.
- :mod:`codelib.curvature`: what a Hessian says: eigenvalues, directional curvature,
  condition number, the type of a stationary point, good and largest stable step sizes, the
  fraction of negative eigenvalues (the index of a critical point), gradient flatness.
- :mod:`codelib.optim`: the one loop of every iterative method (:func:`iterate`): one start or a
  batch, one divergence rule, ``callback(x, i, g)``, the result :class:`Trajectory`.
- :mod:`codelib.gd`: gradient descent (a step rule on that loop); gradient clipping.
- :mod:`codelib.nets`: tiny NumPy networks with exact gradients, Hessian-vector products and
  Hessians on a flat parameter vector.
- :mod:`codelib.probes`: what the chapters measure on networks: filter-normalised directions,
  loss slices, grid minima and the gradient-norm test.
- :mod:`codelib.randmat`: random symmetric (GOE) matrices and the probability that all their
  eigenvalues are positive; random square matrices of a given spectral radius and the norms of
  their products (Jacobians through time).
- :mod:`codelib.second_order`: Newton, saddle-free Newton, perturbed gradient descent and a
  critical-point finder, step rules on the same loop.
- :mod:`codelib.rnn`: the one-unit recurrent network of Pascanu et al. with its gradient by
  backpropagation through time.
- :mod:`codelib.plotting`: the house style and contour/trajectory/surface helpers.
- :mod:`codelib.animation`: optimiser paths that play in a static web page.
- :mod:`codelib.explorable`: precomputed paths, curves or images the reader varies with sliders
  (one or two parameters) in a static web page, with a still PNG for the PDF.
- :mod:`codelib.tables`: small Markdown tables of computed numbers, shown in HTML and PDF alike.
- :mod:`codelib.formula`: a formula typed as text (``"x^2 - 3*x*y^2"``) parsed into SymPy
  without running code.
"""

from . import nets, optim, probes, randmat, rnn, second_order
from .animation import PathAnimation, animate_paths
from .curvature import (
    Eigen,
    classify,
    condition_number,
    directional_curvature,
    eigen,
    gradient_flatness,
    max_stable_lr,
    negative_eigenvalue_fraction,
    optimal_step,
)
from .explorable import Explorable, Layer, curves_layer, explore, images_layer, paths_layer
from .formula import Formula, formula_to_numpy, parse_formula
from .gd import clip_by_norm, clip_by_value, gradient_descent
from .optim import Trajectory, iterate
from .plotting import STYLE_PATH, contour, contour_with_trajectory, surface, trajectory, use_book_style
from .symbolic import NumericFunctions, critical_points, gradient, hessian, taylor, to_numpy
from .tables import Table, table

__all__ = [
    # symbolic and formulas typed as text
    "Formula", "formula_to_numpy", "parse_formula",
    "NumericFunctions", "critical_points", "gradient", "hessian", "taylor", "to_numpy",
    # curvature
    "Eigen", "classify", "condition_number", "directional_curvature", "eigen", "max_stable_lr",
    "optimal_step", "negative_eigenvalue_fraction", "gradient_flatness",
    # the loop and gradient descent
    "Trajectory", "iterate", "clip_by_norm", "clip_by_value", "gradient_descent",
    # plotting and animation
    "STYLE_PATH", "contour", "contour_with_trajectory", "surface", "trajectory", "use_book_style",
    "PathAnimation", "animate_paths",
    "Explorable", "Layer", "explore", "paths_layer", "curves_layer", "images_layer",
    # tables of computed numbers
    "Table", "table",
    # namespaces: nets.MLP, nets.hessian, probes.slice_2d, rnn.OneUnitRNN, randmat.goe, ...
    "nets", "optim", "probes", "randmat", "rnn", "second_order",
]
