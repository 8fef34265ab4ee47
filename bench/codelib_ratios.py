"""codelib against what a reader would otherwise write, timed side by side (best of N, like ``timeit``).

Three comparisons, each returning its timings and the accuracy of both sides:

- the Hessian of the lecture's multimodal function on a 200 x 200 grid: ``codelib.to_numpy``'s
  lambdified ``hess`` vs ``H.subs({x: a, y: b})`` at every grid point. ``subs`` is timed on a
  seeded sample of grid points; the full-grid time is the per-point time times the grid size
  (the cost of ``subs`` does not depend on the point, so this extrapolation is linear);
- gradient descent from a batch of starts x step sizes: one ``codelib.gradient_descent`` on the
  ``(B, n)`` batch with a ``(B,)`` array of step sizes vs a Python loop calling it once per
  (start, step size);
- the Hessian of a 2-8-1 tanh network: ``codelib.nets.hessian`` (exact, R-operator) vs
  ``numdifftools.Hessian`` on ``codelib.nets.loss``.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable
from typing import NamedTuple

import numdifftools
import numpy as np
import sympy

import codelib
from codelib import nets

GRID_SIZE = 200
GRID_RANGE = 10.0          # the square [-10, 10]^2 of the local-minima chapter
SUBS_SAMPLE = 100          # grid points at which subs is timed
SEED = 0


def best_time(function: Callable[[], object], *, repeat: int, number: int | None = None) -> float:
    """Seconds per call, the best of ``repeat`` timings of ``number`` calls (``timeit``'s autorange if None)."""
    timer = timeit.Timer(function)
    if number is None:
        number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def multimodal() -> tuple[sympy.Expr, tuple[sympy.Symbol, sympy.Symbol]]:
    """The lecture's f(x, y) = (x - y)^2 + exp((1 - sin x)^2) cos y + exp((1 - cos y)^2) sin x."""
    x, y = sympy.symbols("x y", real=True)
    f = (x - y)**2 + sympy.exp((1 - sympy.sin(x))**2) * sympy.cos(y) + sympy.exp((1 - sympy.cos(y))**2) * sympy.sin(x)
    return f, (x, y)


def square_grid(size: int) -> np.ndarray:
    """Points of a ``size x size`` grid on [-10, 10]^2, shape (size, size, 2)."""
    axis = np.linspace(-GRID_RANGE, GRID_RANGE, size)
    return np.stack(np.meshgrid(axis, axis), axis=-1)


# --- (a) lambdified Hessian vs subs ------------------------------------------------------------

class HessianGrid(NamedTuple):
    points: int              # grid points
    compile_seconds: float   # to_numpy, once
    numpy_seconds: float     # hess on the whole grid
    subs_per_point: float    # H.subs + float conversion, one point
    sample: int              # points subs was timed on
    max_abs_diff: float      # lambdified vs subs on the sample
    max_abs_value: float     # largest |H entry| on the sample, for scale

    @property
    def subs_seconds(self) -> float:
        """subs at every grid point, extrapolated linearly from the sample."""
        return self.subs_per_point * self.points

    @property
    def ratio(self) -> float:
        return self.subs_seconds / self.numpy_seconds


def hessian_by_subs(H: sympy.Matrix, symbols: tuple[sympy.Symbol, ...], points: np.ndarray) -> np.ndarray:
    """What a reader writes without lambdify: substitute each point, convert to floats."""
    return np.array([np.array(H.subs(dict(zip(symbols, point))), dtype=float) for point in points])


def lambdify_vs_subs() -> HessianGrid:
    """Time the Hessian of the multimodal function on the grid, both ways, and compare the values."""
    f, symbols = multimodal()
    start = time.perf_counter()  # first, so SymPy's cache of derivatives does not help it
    numeric = codelib.to_numpy(f, symbols)
    compile_seconds = time.perf_counter() - start
    H = codelib.hessian(f, symbols)
    grid = square_grid(GRID_SIZE)
    flat = grid.reshape(-1, 2)
    sample = flat[np.random.default_rng(SEED).choice(len(flat), SUBS_SAMPLE, replace=False)]
    by_subs = hessian_by_subs(H, symbols, sample)
    return HessianGrid(
        points=len(flat),
        compile_seconds=compile_seconds,
        numpy_seconds=best_time(lambda: numeric.hess(grid), repeat=7),
        subs_per_point=best_time(lambda: hessian_by_subs(H, symbols, sample), repeat=3, number=1) / len(sample),
        sample=len(sample),
        max_abs_diff=float(np.max(np.abs(numeric.hess(sample) - by_subs))),
        max_abs_value=float(np.max(np.abs(by_subs))),
    )


# --- (b) batched gradient descent vs a loop of single runs --------------------------------------

STARTS = 20
STEP_SIZES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3)
STEPS = 300


class GDBatch(NamedTuple):
    runs: int
    steps: int
    batched_seconds: float
    loop_seconds: float
    diverged_batched: int
    diverged_loop: int
    max_final_diff: float    # between the two ways' final points

    @property
    def ratio(self) -> float:
        return self.loop_seconds / self.batched_seconds


def batched_gradient_descent(grad: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, lrs: np.ndarray,
                             steps: int) -> tuple[np.ndarray, np.ndarray]:
    """One ``codelib.gradient_descent`` on the (B, n) batch of starts with one step size per row.

    Each row follows the single-run divergence rule and is frozen where it stops.
    Returns the final points (B, n) and the diverged flags (B,).
    """
    run = codelib.gradient_descent(grad, starts, lr=lrs, steps=steps)
    return run.final, run.diverged


def looped_gradient_descent(grad: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, lrs: np.ndarray,
                            steps: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader writes with the single-run API: one ``codelib.gradient_descent`` per row."""
    runs = [codelib.gradient_descent(grad, x0, lr=float(lr), steps=steps) for x0, lr in zip(starts, lrs)]
    return np.array([run.final for run in runs]), np.array([run.diverged for run in runs])


def batched_vs_loop() -> GDBatch:
    """Time both ways on the multimodal function from seeded starts x step sizes."""
    f, symbols = multimodal()
    grad = codelib.to_numpy(f, symbols).grad
    starts = np.random.default_rng(SEED).uniform(-GRID_RANGE, GRID_RANGE, size=(STARTS, 2))
    X0 = np.repeat(starts, len(STEP_SIZES), axis=0)
    lrs = np.tile(np.array(STEP_SIZES), STARTS)
    final_batched, diverged_batched = batched_gradient_descent(grad, X0, lrs, STEPS)
    final_loop, diverged_loop = looped_gradient_descent(grad, X0, lrs, STEPS)
    return GDBatch(
        runs=len(X0),
        steps=STEPS,
        batched_seconds=best_time(lambda: batched_gradient_descent(grad, X0, lrs, STEPS), repeat=5),
        loop_seconds=best_time(lambda: looped_gradient_descent(grad, X0, lrs, STEPS), repeat=3, number=1),
        diverged_batched=int(diverged_batched.sum()),
        diverged_loop=int(diverged_loop.sum()),
        max_final_diff=float(np.max(np.abs(final_batched - final_loop))),
    )


# --- (c) exact network Hessian vs numdifftools ---------------------------------------------------

NET_SIZES = (2, 8, 1)
SAMPLES = 100


class NetHessian(NamedTuple):
    params: int
    exact_seconds: float
    numdifftools_seconds: float
    exact_raw_asymmetry: float     # max |H - H^T| of the HVP columns, before codelib symmetrises
    exact_vs_jacobian: float       # max |H_exact - numdifftools.Jacobian(backprop gradient)|
    numdifftools_error: float      # max |H_numdifftools - H_exact|
    numdifftools_asymmetry: float  # max |H - H^T| of numdifftools' result
    scale: float                   # max |H_exact|, for relative errors

    @property
    def ratio(self) -> float:
        return self.numdifftools_seconds / self.exact_seconds


def small_network() -> tuple[nets.MLP, np.ndarray, np.ndarray, np.ndarray]:
    """A 2-8-1 tanh MLP (mse) at a seeded initialisation, with 100 seeded samples."""
    net = nets.MLP(NET_SIZES, activation="tanh")
    rng = np.random.default_rng(SEED)
    theta = nets.init_params(net, rng)
    return net, theta, rng.standard_normal((SAMPLES, NET_SIZES[0])), rng.standard_normal(SAMPLES)


def max_asymmetry(H: np.ndarray) -> float:
    return float(np.max(np.abs(H - H.T)))


def exact_vs_numdifftools() -> NetHessian:
    """Time both Hessians of the mean loss and measure each one's error."""
    net, theta, X, y = small_network()
    numerical = numdifftools.Hessian(lambda t: nets.loss(net, t, X, y))
    exact = nets.hessian(net, theta, X, y)
    by_numdifftools = numerical(theta)
    hvp_columns = np.array([nets.hvp(net, theta, X, y, e) for e in np.eye(net.n_params)])
    jacobian = numdifftools.Jacobian(lambda t: nets.loss_and_grad(net, t, X, y)[1])(theta)
    return NetHessian(
        params=net.n_params,
        exact_seconds=best_time(lambda: nets.hessian(net, theta, X, y), repeat=7),
        numdifftools_seconds=best_time(lambda: numerical(theta), repeat=3, number=1),
        exact_raw_asymmetry=max_asymmetry(hvp_columns),
        exact_vs_jacobian=float(np.max(np.abs(exact - jacobian))),
        numdifftools_error=float(np.max(np.abs(by_numdifftools - exact))),
        numdifftools_asymmetry=max_asymmetry(by_numdifftools),
        scale=float(np.max(np.abs(exact))),
    )
