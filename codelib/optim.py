"""The loop every iterative method of codelib runs on: one start or a batch, one divergence rule.

:func:`iterate` repeats ``x <- step(x, g, i)`` and returns a :class:`Trajectory`. Gradient
descent (:mod:`codelib.gd`), Newton, saddle-free Newton, perturbed gradient descent and the
critical-point search (:mod:`codelib.second_order`) are step rules on it, so they share

* the shapes: ``x0`` of shape ``(n,)`` is one run, ``(B, n)`` is ``B`` runs updated together
  (``grad`` then maps ``(B, n)`` to ``(B, n)``, ``f`` maps ``(B, n)`` to ``(B,)``);
* the divergence rule: a run stops when its new point, gradient or loss is NaN or inf, or its
  gradient norm exceeds ``blowup * max(||grad(x0)||, 1)``. Divergence is reported, never raised;
* the early stop ``||g|| <= tol`` and the callback ``callback(x, i, g)``;
* the result type :class:`Trajectory`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple, Union

import numpy as np

from ._numeric import evaluate_grad, evaluate_loss, row_norms
from ._typing import ArrayLike, FloatArray, ScalarField, VectorField
from ._validate import as_float_array, as_starts, positive_int, positive_number, require_callable, show

__all__ = ["Trajectory", "Step", "iterate"]

#: ``callback(x, i, g)``: copies of the point(s) and gradient(s) before update ``i``.
Callback = Callable[[FloatArray, int, FloatArray], object]


class Trajectory(NamedTuple):
    """The result of every iterative method of codelib.

    Shapes are given for one run; a batch of ``B`` runs adds an axis of length ``B`` after the
    first (``points`` is ``(k + 1, B, n)``, ``losses`` is ``(k + 1, B)``, ...). Every stored point
    is finite, and so are its gradient norm and loss. A run of a batch that stopped (diverged,
    converged, or its rule had no step left) is frozen: its later entries repeat its last point.

    Attributes
    ----------
    final : ndarray, shape (n,)
        The last point reached, ``x_k``.
    points : ndarray, shape (k + 1, n), or None
        The iterates ``x_0, ..., x_k``, the start point included; ``None`` when the run was asked
        not to keep its path (``keep_path=False``: only ``final``, losses and norms are kept).
    losses : ndarray, shape (k + 1,), or None
        ``f`` at each point, or ``None`` when no ``f`` was given.
    grad_norms : ndarray, shape (k + 1,)
        Euclidean norm of the (unclipped) gradient at each point.
    diverged : bool, or ndarray of bool, shape (B,)
        True when the run stopped because it blew up (see :func:`iterate`).
    converged : bool, ndarray of bool, shape (B,), or None
        ``grad_norms[-1] <= tol`` when a tolerance ``tol`` was given, else ``None`` (not asked).
    events : ndarray of bool, shape (k + 1,), or None
        What a method marks at each point: perturbed gradient descent a kick added there, the
        critical-point search a rejected trial step (the point repeats). ``None`` for methods
        without events.
    """

    final: FloatArray
    points: FloatArray | None
    losses: FloatArray | None
    grad_norms: FloatArray
    diverged: bool | np.ndarray
    converged: bool | np.ndarray | None = None
    events: np.ndarray | None = None

    @property
    def steps_taken(self) -> int:
        """The number of recorded updates, ``len(grad_norms) - 1`` (for a batch: of the longest run)."""
        return len(self.grad_norms) - 1


class Step(NamedTuple):
    """What a step rule may return instead of a bare next point.

    Attributes
    ----------
    point : ndarray
        The next point(s), the shape of ``x``.
    event : bool or ndarray of bool, shape (B,)
        Recorded in :attr:`Trajectory.events` at the new point.
    done : bool or ndarray of bool, shape (B,)
        The rule has no step to offer: the run stops at ``x`` without an update (not diverged).
    """

    point: ArrayLike
    event: bool | np.ndarray = False
    done: bool | np.ndarray = False


#: ``step(x, g, i)`` returns the next point, or a :class:`Step`.
StepRule = Callable[[FloatArray, FloatArray, int], Union[ArrayLike, Step]]
#: ``perturb(x, g, i)`` returns ``(new x, changed)``: ``changed`` a bool, or a ``(B,)`` bool array.
Perturbation = Callable[[FloatArray, FloatArray, int], tuple]


def iterate(step: StepRule, grad: VectorField, x0: ArrayLike, *, steps: int, f: ScalarField | None = None,
            tol: float | None = None, callback: Callback | None = None, blowup: float = 1e6,
            perturb: Perturbation | None = None, keep_path: bool = True) -> Trajectory:
    """Run ``x <- step(x, g, i)`` from ``x0`` with the divergence rule, for one start or a batch.

    Before update ``i`` the loop calls ``callback(x, i, g)``, then ``step(x, g, i)``, then
    evaluates ``grad`` (and ``f``) at the new point. A run stops early when

    * it diverges (``diverged=True``): its new point, gradient or loss is NaN or inf (it keeps its
      last finite point), or its gradient norm exceeds ``blowup * max(||grad(x0)||, 1)`` (that
      point is kept: it is finite);
    * ``tol`` is given and its gradient norm is ``<= tol`` (``converged=True``);
    * the step rule returns :class:`Step` with ``done`` set for it.

    Runs of a batch are independent: a stopped run is frozen and the others go on; the loop ends
    early when every run has stopped. NumPy's warnings about overflow or invalid values inside
    the loop are silenced: what they signal is reported in ``diverged``.

    Parameters
    ----------
    step : callable
        ``step(x, g, i)``, with ``x`` and ``g`` of the shape of ``x0`` (copies), returns the next
        point(s), or a :class:`Step`. Runs that have stopped are passed too; their result is ignored.
    grad : callable
        ``grad(x)`` returns the gradient, the shape of ``x``: ``(n,)``, or ``(B, n)`` for a batch.
    x0 : array_like, shape (n,) or (B, n)
        One finite start, or ``B`` starts run together.
    steps : int
        Maximum number of updates, >= 1.
    f : callable, optional
        ``f(x)`` returns the loss, a scalar (shape ``(B,)`` for a batch); recorded in ``losses``.
    tol : float, optional
        Stop a run when its gradient norm is ``<= tol`` (> 0); it sets ``converged``.
    callback : callable, optional
        ``callback(x, i, g)`` before update ``i`` with copies of the point(s) and gradient(s);
        the return value is ignored.
    blowup : float, default 1e6
        Factor (> 1) of the divergence rule.
    perturb : callable, optional
        ``perturb(x, g, i)`` returns ``(x_new, changed)``; it is called at every recorded point
        ``i = 0, ..., steps - 1`` before the point is stored, and the runs marked in ``changed``
        (a bool, or a ``(B,)`` bool array) continue from ``x_new`` with their gradient and loss
        evaluated again (they count in ``events``). A change that makes them NaN or inf ends the
        run as diverged at the unchanged point. Perturbed gradient descent's kicks use it.
    keep_path : bool, default True
        Keep every point in ``points``. With ``False`` only ``final`` is kept (``points`` is
        ``None``), which saves time and memory when many runs take many steps and only their
        end points, losses and gradient norms are wanted.

    Returns
    -------
    Trajectory

    Raises
    ------
    TypeError
        If ``step``, ``grad``, ``f``, ``callback`` or ``perturb`` is not callable, or a number
        has the wrong type.
    ValueError
        If ``x0`` is not finite of shape ``(n,)`` or ``(B, n)``, ``steps``, ``tol`` or ``blowup``
        is out of range, ``grad``, ``f`` or ``step`` return the wrong shape, or the gradient or
        loss at ``x0`` is not finite.

    Examples
    --------
    Gradient descent with step 0.1 on ``f(x) = x**2 / 2``, from one start and from a batch
    with one step size per run (the second run, at 2.5, blows up and is frozen):

    >>> import numpy as np
    >>> run = iterate(lambda x, g, i: x - 0.1 * g, lambda x: x, [1.0], steps=3)
    >>> run.final.round(6).tolist(), run.diverged
    ([0.729], False)
    >>> lr = np.array([[0.1], [2.5]])
    >>> batch = iterate(lambda x, g, i: x - lr * g, lambda x: x, [[1.0], [1.0]], steps=40, tol=1e-3)
    >>> batch.points.shape, batch.diverged.tolist(), batch.converged.tolist()
    ((41, 2, 1), [False, True], [False, False])
    >>> iterate(lambda x, g, i: x - 0.1 * g, lambda x: x, [1.0], steps=3, keep_path=False).points is None
    True
    """
    x = as_starts(x0)
    steps = positive_int(steps, "steps")
    tol = None if tol is None else positive_number(tol, "tol")
    factor = positive_number(blowup, "blowup")
    if factor <= 1:
        raise ValueError(f"blowup must be a number > 1 (a growth factor of the gradient norm), got {blowup!r}.")
    for name, fn in (("step", step), ("grad", grad), ("f", f), ("callback", callback), ("perturb", perturb)):
        if fn is not None or name in ("step", "grad"):
            require_callable(fn, name)
    if not isinstance(keep_path, (bool, np.bool_)):
        raise TypeError(f"keep_path must be True or False, got {show(keep_path)}.")
    return _Loop(grad, f, x).run(step, steps=steps, tol=tol, callback=callback, factor=factor, perturb=perturb,
                                 keep_path=bool(keep_path))


class _Loop:
    """The state of a run: rows ``(B, n)`` inside, the caller's shape ``(n,)`` or ``(B, n)`` outside.

    While every run is still going, one finite sum per array checks a whole step (a sum of floats
    is finite only if every term is); only when it is not are the runs looked at one by one.
    """

    def __init__(self, grad: VectorField, f: ScalarField | None, x: FloatArray):
        self.grad, self.f, self.single, self.shape = grad, f, x.ndim == 1, x.shape
        self.no_loss = np.zeros(1 if self.single else len(x))
        self.false, self.true = np.zeros(self.no_loss.shape, dtype=bool), np.ones(self.no_loss.shape, dtype=bool)
        with np.errstate(all="ignore"):
            self.X = x[None, :] if self.single else x
            self.G, self.L, self.N = self.evaluate(self.X)
        if not math.isfinite(float(self.N.sum() + self.L.sum())):
            raise ValueError("the gradient or loss at x0 is NaN or inf; start from a point where both are finite.")

    def outside(self, A: FloatArray) -> FloatArray:
        return A[0] if self.single else A

    def inside(self, value: object, name: str) -> FloatArray:
        A = value if type(value) is np.ndarray and value.dtype == np.float64 else as_float_array(value, name, finite=False)
        if A.shape != self.shape:
            raise ValueError(f"{name} must return an array of shape {self.shape} like x0, got shape {A.shape}.")
        return A[None, :] if self.single else A

    def flags(self, value: object, name: str) -> np.ndarray:
        if value is True or value is False:
            return self.true if value else self.false
        try:
            flags = np.asarray(value, dtype=bool)
            return flags if flags.shape == self.no_loss.shape else np.broadcast_to(flags, self.no_loss.shape)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a bool or one bool per run (shape {self.no_loss.shape}), "
                             f"got {show(value)}.") from None

    def evaluate(self, X: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        x = self.outside(X)
        G = evaluate_grad(self.grad, x)
        L = self.no_loss if self.f is None else evaluate_loss(self.f, x)
        if self.single:
            G, L = G[None, :], L.reshape(1)
        return G, L, row_norms(G)

    def advance(self, rows: np.ndarray, P: FloatArray, everyone: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Move the runs ``rows`` to ``P`` where everything stays finite; return (moved, failed).

        ``failed`` is None when every run was going (``everyone``) and every one moved.
        """
        if everyone and math.isfinite(float(P.sum())):
            finite_points, trial = rows, P
        else:
            finite_points = rows & np.all(np.isfinite(P), axis=1)
            if not finite_points.any():
                return finite_points, rows
            trial = P if finite_points.all() else np.where(finite_points[:, None], P, self.X)
        G, L, N = self.evaluate(trial)
        if finite_points is rows and everyone and math.isfinite(float(N.sum() + L.sum())):
            self.X, self.G, self.L, self.N = trial, G, L, N
            return rows, None
        moved = finite_points & np.isfinite(N) & np.isfinite(L)
        column = moved[:, None]
        self.X, self.G = np.where(column, trial, self.X), np.where(column, G, self.G)
        self.L, self.N = np.where(moved, L, self.L), np.where(moved, N, self.N)
        return moved, rows & ~moved

    def perturb(self, perturb: Perturbation, i: int, running: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply ``perturb`` to the running runs; return (changed, failed): a failed change blew up."""
        result = perturb(self.outside(self.X).copy(), self.outside(self.G).copy(), i)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"`perturb` must return a pair (x_new, changed), got {show(result)}.")
        new, changed = result
        changed = running & self.flags(changed, "`perturb`'s `changed`")
        if not changed.any():
            return changed, changed
        moved, failed = self.advance(changed, self.inside(new, "perturb(x, g, i)"), False)
        return moved, failed

    def run(self, step: StepRule, *, steps: int, tol: float | None, callback: Callback | None,
            factor: float, perturb: Perturbation | None, keep_path: bool) -> Trajectory:
        none = np.zeros(len(self.X), dtype=bool)
        running, diverged = ~none, none
        everyone = True  # no run has stopped: the fast path, and diverged is all False
        has_events = perturb is not None
        with np.errstate(all="ignore"):
            limit = factor * np.maximum(self.N, 1.0)  # inf for blowup near the float limit: only NaN/inf stop
            events = none
            if perturb is not None:
                events, failed = self.perturb(perturb, 0, running)
                if failed.any():
                    diverged, running, everyone = failed, ~failed, False
            points, losses, norms, marks = [self.X], [self.L], [self.N], [events]
            for i in range(steps):
                if tol is not None:
                    converged = self.N <= tol
                    if converged.any():
                        running, everyone = running & ~converged, False
                if not everyone and not running.any():
                    break
                if callback is not None:
                    callback(self.outside(self.X).copy(), i, self.outside(self.G).copy())
                out = step(self.outside(self.X).copy(), self.outside(self.G).copy(), i)
                event = None
                if isinstance(out, Step):
                    has_events = True
                    done = self.flags(out.done, "`step`'s Step.done")
                    if done.any():
                        running, everyone = running & ~done, False
                        if not running.any():
                            break
                    out, event = out.point, self.flags(out.event, "`step`'s Step.event")
                moved, failed = self.advance(running, self.inside(out, "step(x, g, i)"), everyone)
                if failed is not None:
                    diverged, running, everyone = diverged | failed, moved, False
                    if not running.any():
                        break
                events = none if event is None else running & event
                if perturb is not None and i + 1 < steps:
                    kicked, failed = self.perturb(perturb, i + 1, running)
                    events = events | kicked
                    if failed.any():
                        diverged, running, everyone = diverged | failed, running & ~failed, False
                blew_up = self.N > limit
                if blew_up.any():
                    blew_up &= running
                    diverged, running, everyone = diverged | blew_up, running & ~blew_up, False
                if keep_path:
                    points.append(self.X)
                losses.append(self.L)
                norms.append(self.N)
                marks.append(events)

        def stack(history: list[np.ndarray]) -> np.ndarray:
            array = np.array(history)
            return array[:, 0] if self.single else array

        def per_run(flags: np.ndarray) -> bool | np.ndarray:
            return bool(flags[0]) if self.single else flags

        return Trajectory(final=self.outside(self.X).copy(), points=stack(points) if keep_path else None,
                          losses=None if self.f is None else stack(losses),
                          grad_norms=stack(norms), diverged=per_run(diverged),
                          converged=None if tol is None else per_run(self.N <= tol),
                          events=stack(marks) if has_events else None)
