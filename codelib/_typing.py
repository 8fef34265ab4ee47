"""Type aliases shared by codelib's public signatures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

import numpy as np
import numpy.typing as npt
import sympy

#: Anything NumPy can turn into a float array: a list, a tuple, an array.
ArrayLike = npt.ArrayLike
#: A float NumPy array.
FloatArray = npt.NDArray[np.float64]
#: A Hessian: a NumPy array or an exact SymPy matrix.
MatrixLike = Union[npt.ArrayLike, sympy.MatrixBase]
#: The differentiation variables: one SymPy symbol or a sequence of them.
Symbols = Union[sympy.Symbol, Sequence[sympy.Symbol]]
#: A vector field x -> g(x), such as a gradient.
VectorField = Callable[[FloatArray], FloatArray]
#: A scalar field x -> f(x), such as a loss.
ScalarField = Callable[[FloatArray], float]
