"""Turn a formula a reader types, such as ``"exp(-x^2) * sin(y)"``, into SymPy without running code.

:func:`parse_formula` never calls ``eval``, ``exec``, ``sympify`` or ``parse_expr`` on the text.
It parses the text with Python's own parser (``ast.parse(text, mode="eval")``), which builds a
syntax tree and runs nothing, and then walks the tree with a whitelist. Only these survive:

- numbers: integers and decimals (``2``, ``0.5``, ``1e-3``), no complex numbers;
- the variables the caller names, and the constants ``pi`` and ``e``;
- the operators ``+ - * / **`` and parentheses; ``^`` means ``**``, as in mathematics
  (``-x^2`` is ``-(x**2)``, ``2^3^2`` is ``2^(3^2)``);
- the functions in :data:`FUNCTIONS`, called by bare name with exactly one argument.

Everything else (attribute access, subscripts, names with underscores in front such as
``__import__``, lambdas, comprehensions, strings, comparisons, keyword arguments, calls of
anything but a whitelisted name) is rejected with a ``ValueError`` that names what is not
allowed and lists what is. Sizes are bounded so that no formula can hang the parser: at most
:data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting; every number, typed
or computed from numbers only (``2**10``, ``exp(3)``), must be a finite real number in the
float range (below about ``1e308`` in size); every number in an exponent is at most
:data:`MAX_EXPONENT` in size, and a fraction there has a numerator and denominator of at most
1000 (write ``x**0.99999``, not ``x**(99999/100000)``). ``9**9**9**9`` is rejected after one
small power, in microseconds.

Variables given by name are real SymPy symbols (``sympy.Symbol("x", real=True)``), the right
kind for the real functions an optimiser minimises; pass your own symbols to choose otherwise.
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple, Union

import sympy

from .symbolic import NumericFunctions, to_numpy

__all__ = ["Formula", "parse_formula", "formula_to_numpy", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH",
           "MAX_DEPTH", "MAX_EXPONENT"]

#: The longest formula accepted, in characters.
MAX_LENGTH: int = 1000
#: The deepest nesting accepted: function calls, powers, signs and operands inside one another
#: (parentheses alone add none, and neither does a long sum or product).
MAX_DEPTH: int = 50
#: The largest size of a number in an exponent: ``x**100`` and ``2**(x - 100)`` are accepted,
#: ``x**101`` is not. SymPy expands powers of sums in some of its checks, at a cost that grows
#: steeply with the exponent.
MAX_EXPONENT: int = 100
#: The largest numerator and denominator of a fraction in an exponent: ``x**(999/1000)``.
_MAX_FRACTION = 1000
#: Exact numbers (numerator and denominator) have at most this many bits: the float range.
_MAX_BITS = 1023


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


#: The functions a formula may call, each with one argument. ``log`` is the natural logarithm,
#: ``abs`` the absolute value, ``sigmoid(z) = 1 / (1 + exp(-z))``.
FUNCTIONS: Mapping[str, Callable[[sympy.Expr], sympy.Expr]] = MappingProxyType({
    "abs": sympy.Abs, "atan": sympy.atan, "cos": sympy.cos, "cosh": sympy.cosh, "exp": sympy.exp,
    "log": sympy.log, "sigmoid": _sigmoid, "sin": sympy.sin, "sinh": sympy.sinh, "sqrt": sympy.sqrt,
    "tan": sympy.tan, "tanh": sympy.tanh,
})
_EXPONENTIAL = frozenset({"exp", "sinh", "cosh", "tanh", "sigmoid"})

#: The named constants a formula may use.
CONSTANTS: Mapping[str, sympy.Expr] = MappingProxyType({"pi": sympy.pi, "e": sympy.E})

#: The variables: ``"x y"`` (names separated by spaces or commas), a SymPy symbol, or a
#: sequence of names or symbols.
Variables = Union[str, sympy.Symbol, Sequence[Union[str, sympy.Symbol]]]

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_FORBIDDEN_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                        ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
                        ast.Invert: "~", ast.Not: "not"}
_NODE_NAMES = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[i])", ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.Compare: "comparisons (<, ==, ...)",
    ast.BoolOp: "and/or", ast.IfExp: "conditional expressions (a if c else b)",
    ast.NamedExpr: "assignment (:=)", ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings",
    ast.List: "lists", ast.Tuple: "tuples (a comma outside a function call)", ast.Set: "sets",
    ast.Dict: "dicts", ast.Starred: "starred arguments (*a)", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "slices",
}


class Formula(NamedTuple):
    """The result of :func:`parse_formula`: ``expr`` and the variables ``symbols``, in order.

    ``to_numpy(*formula)`` and ``hessian(*formula)`` take it as it is.
    """

    expr: sympy.Expr
    symbols: tuple[sympy.Symbol, ...]


def parse_formula(text: str, variables: Variables) -> Formula:
    """Parse ``text``, a formula in the given variables, into a SymPy expression without running code.

    Parameters
    ----------
    text : str
        The formula, at most :data:`MAX_LENGTH` characters, in Python syntax restricted to
        numbers, the variables, the constants ``pi`` and ``e``, ``+ - * / **`` (``^`` is read
        as ``**``), parentheses and the functions in :data:`FUNCTIONS` with one argument each:
        ``abs, atan, cos, cosh, exp, log, sigmoid, sin, sinh, sqrt, tan, tanh``.
    variables : str, sympy.Symbol, or sequence of str or sympy.Symbol
        The variables, in order: ``"x y"`` or ``"x, y"``, ``["x", "y"]`` or SymPy symbols.
        Names must be identifiers that do not start with ``_`` and are not a function or
        constant name. Symbols made from names are real; given symbols are used as they are.

    Returns
    -------
    Formula
        ``(expr, symbols)``: the SymPy expression and the tuple of variables. A variable the
        formula does not mention is still one (the function is constant along it).

    Raises
    ------
    TypeError
        If ``text`` is not a string, or ``variables`` is not names or symbols.
    ValueError
        If ``text`` is empty, too long, too deeply nested, not valid syntax, uses anything
        outside the whitelist, or is undefined or not real (``1/0``, ``log(0)``,
        ``sqrt(-1)``); if a number, an exponent or a number in an exponent is out of range, or
        SymPy cannot handle the constants; or if a variable name is invalid or repeated. The
        message says what is wrong and what is allowed.

    Examples
    --------
    >>> expr, (x, y) = parse_formula("x^2 - 3*x*y^2", "x y")
    >>> expr
    x**2 - 3*x*y**2
    >>> expr.subs({x: 2, y: 1})
    -2
    >>> parse_formula("exp(-x**2) * sin(y)", ["x", "y"]).expr
    exp(-x**2)*sin(y)
    >>> parse_formula("__import__('os').system('ls')", "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `text` = "__import__('os').system('ls')": not allowed: calling anything but a named function ...
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as 'x**2 - y**2', got {type(text).__name__}.")
    symbols = _as_variables(variables)
    if len(text) > MAX_LENGTH:
        raise ValueError(f"text is {len(text)} characters long; a formula may have at most {MAX_LENGTH}.")
    source = text.replace("^", "**").strip()
    if not source:
        raise ValueError("text is empty; type a formula such as 'x**2 - y**2'.")
    builder = _Builder(text, symbols)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        where = builder.column_of(err.offset - 1) if err.offset else ""
        raise ValueError(builder.message(f" is not a valid formula ({err.msg}{where})")) from None
    except (ValueError, RecursionError, MemoryError):  # null bytes (Python < 3.12), extreme nesting
        raise ValueError(builder.message(" cannot be parsed")) from None
    try:
        expr = builder.build(tree.body, 1)
    except _Rejection as rejection:
        raise ValueError(str(rejection)) from None
    except RecursionError:  # cannot happen below MAX_DEPTH, but must never escape
        raise ValueError(builder.message(f" is nested too deeply (more than {MAX_DEPTH} levels)")) from None
    except Exception as err:  # noqa: BLE001 -- SymPy's own algebra failing on extreme constants, such as
        # OverflowError for sinh(...1e-308...) or AttributeError for atan(tan(2**1000)): whitelisted text only
        # reaches SymPy's arithmetic and functions, so anything else raised here is SymPy giving up.
        raise ValueError(builder.message(f" has constants SymPy cannot handle ({type(err).__name__}: {err}); "
                                         "use numbers of moderate size")) from None
    if expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise ValueError(builder.message(" is undefined (it divides by zero or takes log(0))"))
    if expr.has(sympy.I):
        raise ValueError(builder.message(" is not a real-valued function (it takes the root or log of a "
                                         "negative number)"))
    return Formula(expr, symbols)


def formula_to_numpy(text: str, variables: Variables) -> NumericFunctions:
    """Parse ``text`` with :func:`parse_formula` and compile it with :func:`codelib.symbolic.to_numpy`.

    Parameters
    ----------
    text : str
        The formula, as in :func:`parse_formula`.
    variables : str, sympy.Symbol, or sequence of str or sympy.Symbol
        The variables, in the order of the last axis of the input.

    Returns
    -------
    NumericFunctions
        Vectorised ``f``, ``grad``, ``hess``: ``X`` of shape ``(..., n)`` gives ``(...)``,
        ``(..., n)``, ``(..., n, n)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`parse_formula`.

    Examples
    --------
    >>> f, grad, hess = formula_to_numpy("x^2 + 3*y^2", "x y")
    >>> float(f([1.0, 1.0])), grad([1.0, 1.0]).tolist(), hess([0.0, 0.0]).tolist()
    (4.0, [2.0, 6.0], [[2.0, 0.0], [0.0, 6.0]])
    """
    return to_numpy(*parse_formula(text, variables))


# --- internals ------------------------------------------------------------------------------


def _as_variables(variables: object) -> tuple[sympy.Symbol, ...]:
    """Return the variables as a non-empty tuple of distinct symbols with typeable names."""
    if isinstance(variables, str):
        items: list[object] = variables.replace(",", " ").split()
    elif isinstance(variables, sympy.Symbol):
        items = [variables]
    elif isinstance(variables, (sympy.Basic, bytes, Mapping)) or not isinstance(variables, Sequence):
        raise TypeError(f"variables must be names such as 'x y' or ['x', 'y'], or SymPy symbols; "
                        f"got {type(variables).__name__}.")
    else:
        items = list(variables)
    if not items:
        raise ValueError("variables is empty; name at least one, e.g. 'x y'.")
    symbols = []
    for item in items:
        if isinstance(item, sympy.Symbol):
            name = item.name
        elif isinstance(item, str):
            name = item
        else:
            raise TypeError(f"variables must hold names (str) or SymPy symbols, got {item!r} ({type(item).__name__}).")
        if (not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_")
                or unicodedata.normalize("NFKC", name) != name):
            raise ValueError(f"`variables` has the name {name!r}, which cannot be typed in a formula: use letters, "
                             "digits and "
                             "underscores, starting with a letter, e.g. 'x', 'x1', 'theta'.")
        if name in FUNCTIONS or name in CONSTANTS:
            raise ValueError(f"`variables` has the name {name!r}, which is taken by a function or constant of formulas; "
                             "choose another name.")
        symbols.append(item if isinstance(item, sympy.Symbol) else sympy.Symbol(name, real=True))
    names = [symbol.name for symbol in symbols]
    if len(set(names)) != len(names):
        raise ValueError(f"`variables` names a variable twice: {names}; name each once.")
    return tuple(symbols)


def _finite_real(value: sympy.Expr) -> float | None:
    """The float value of a numeric SymPy expression, or None if it is not a finite real float."""
    if not value.is_Number or value in (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None  # e.g. 1 + 2*I after evalf, or zoo
    number = float(value)
    return number if math.isfinite(number) else None


def _bits(number: sympy.Rational) -> int:
    return max(abs(number.p).bit_length(), number.q.bit_length())


class _Rejection(Exception):
    """The builder's verdict on a formula; parse_formula raises it as a ValueError.

    A separate type keeps it apart from a ValueError raised inside SymPy, which means SymPy gave up.
    """


class _Builder:
    """Walks the syntax tree of one formula and builds the SymPy expression, whitelist only."""

    def __init__(self, text: str, symbols: tuple[sympy.Symbol, ...]) -> None:
        self.text = text
        self.names = {symbol.name: symbol for symbol in symbols}
        # columns[i]: the column in ``text`` (from 1) of character i of the parsed source, which
        # has the leading blanks stripped and every ^ written as **.
        # Only for one line of ASCII: Python counts columns per line, in UTF-8 bytes.
        start = len(text) - len(text.lstrip())
        simple = text.isascii() and "\n" not in text and "\r" not in text
        self.columns = ([k + 1 for k in range(start, len(text)) for _ in range(2 if text[k] == "^" else 1)]
                        if simple else [])

    # -- messages

    def message(self, problem: str) -> str:
        """The message for ``problem``, which follows the quoted formula (" is ..." or ": not allowed: ...")."""
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return (f"`text` = {_quote(shown)}{problem}. A formula may contain numbers, the variables "
                f"{', '.join(self.names)}, the constants {', '.join(CONSTANTS)}, the operators + - * / ** "
                f"(^ also means **) with parentheses, and the functions {', '.join(FUNCTIONS)} applied to one "
                "argument each, as in exp(-x^2) * sin(y).")

    def reject(self, what: str, node: ast.AST | None = None) -> _Rejection:
        return _Rejection(self.message(f": not allowed: {what}{self._where(node)}"))

    def _where(self, node: ast.AST | None) -> str:
        return "" if node is None else self.column_of(node.col_offset)

    def column_of(self, index: int | None) -> str:
        """`` at column k`` of the text for character ``index`` of the parsed source, or ``""``."""
        if index is None or not 0 <= index < len(self.columns):
            return ""
        return f" at column {self.columns[index]}"

    # -- the walk

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        if depth > MAX_DEPTH:
            raise _Rejection(self.message(f" is nested too deeply (more than {MAX_DEPTH} levels)"))
        kind = type(node)
        if kind is ast.Constant:
            return self._number(node)
        if kind is ast.Name:
            return self._name(node)
        if kind is ast.UnaryOp:
            if type(node.op) is ast.USub:
                return self._checked(-self.build(node.operand, depth + 1), node)
            if type(node.op) is ast.UAdd:
                return self.build(node.operand, depth + 1)
            raise self.reject(f"the operator {_FORBIDDEN_OPERATORS.get(type(node.op), '?')}", node)
        if kind is ast.BinOp:
            return self._binary(node, depth)
        if kind is ast.Call:
            return self._call(node, depth)
        raise self.reject(_NODE_NAMES.get(kind, f"the Python construct {kind.__name__}"), node)

    def _number(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if type(value) is int:
            if value.bit_length() > _MAX_BITS:
                raise self.reject("an integer beyond the float range (about 1e308)", node)
            return sympy.Integer(value)
        if type(value) is float:
            if not math.isfinite(value):
                raise self.reject("a number beyond the float range (about 1e308)", node)
            return sympy.Float(value)
        what = {complex: "complex numbers (such as 1j)", str: "strings", bytes: "bytes", bool: "True and False",
                type(None): "None", type(Ellipsis): "..."}.get(type(value), f"the constant {type(value).__name__}")
        raise self.reject(what, node)

    def _name(self, node: ast.Name) -> sympy.Expr:
        name = node.id
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise self.reject(f"the function name {name} without an argument (write {name}(...))", node)
        if name.startswith("_"):
            raise self.reject(f"the name {name} (names starting with _ are never allowed)", node)
        raise self.reject(f"the unknown name {name}", node)

    def _binary(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        if type(node.op) is ast.Pow:  # right-associative: 2**3**2 is 2**(3**2)
            return self._power(node, depth)
        # a + b - c * d leans left: walk the chain with a loop, so a long sum costs no nesting.
        chain = []
        while type(node) is ast.BinOp and type(node.op) is not ast.Pow:
            chain.append(node)
            node = node.left
        result = self.build(node, depth + 1)
        for link in reversed(chain):
            op = type(link.op)
            if op not in _OPERATORS:
                raise self.reject(f"the operator {_FORBIDDEN_OPERATORS.get(op, op.__name__)}", link)
            right = self.build(link.right, depth + 1)
            if op is ast.Add:
                result = result + right
            elif op is ast.Sub:
                result = result - right
            elif op is ast.Mult:
                result = result * right
            else:
                result = result / right
            result = self._checked(result, link)
        return result

    def _power(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        base = self.build(node.left, depth + 1)
        exponent = self.build(node.right, depth + 1)
        # SymPy's algebra slows down with big numbers in exponents: x**(999999/1000) takes seconds,
        # (-2)**(x - 2**1000) minutes. Every number in an exponent stays small; fractions too.
        for number in exponent.atoms(sympy.Number):
            if abs(number) > MAX_EXPONENT:
                raise self.reject(f"a number larger than {MAX_EXPONENT} in size in an exponent", node)
            if number.is_Rational and not number.is_Integer and max(abs(number.p), number.q) > _MAX_FRACTION:
                raise self.reject(f"a fraction with a numerator or denominator above {_MAX_FRACTION} in an "
                                  "exponent (write the exponent as a decimal, e.g. x**0.99999)", node)
        if not exponent.free_symbols:
            size = abs(float(exponent))  # exponent is a checked finite real constant
            if size > MAX_EXPONENT:  # e.g. x**exp(5)
                raise self.reject(f"a constant exponent larger than {MAX_EXPONENT} in size", node)
            if base.is_Rational and exponent.is_Rational and _bits(base) * size > 2 * _MAX_BITS:
                raise self.reject("a power beyond the float range (about 1e308)", node)
        return self._checked(base**exponent, node)

    def _call(self, node: ast.Call, depth: int) -> sympy.Expr:
        func = node.func
        if type(func) is not ast.Name:
            raise self.reject("calling anything but a named function (here "
                              f"{_describe(func)})", node)
        name = func.id
        if name not in FUNCTIONS:
            if name in self.names:
                raise self.reject(f"calling the variable {name} (for a product write {name}*(...))", node)
            raise self.reject(f"calling {name} (not a function of formulas)", node)
        if node.keywords:
            raise self.reject(f"keyword arguments in {name}(...)", node)
        if any(type(arg) is ast.Starred for arg in node.args):
            raise self.reject(f"starred arguments in {name}(...)", node)
        if len(node.args) != 1:
            raise self.reject(f"{name} with {len(node.args)} arguments (it takes exactly one)", node)
        argument = self.build(node.args[0], depth + 1)
        if name in _EXPONENTIAL and not argument.free_symbols and abs(float(argument.evalf(15, maxn=30))) > 1e4:
            # exp(-2**1000) is 0 to float precision, but SymPy may spend seconds on it at high precision
            raise self.reject(f"{name} of a constant larger than 1e4 in size (it is 0, 1 or infinite to float "
                              "precision: write that instead)", node)
        return self._checked(FUNCTIONS[name](argument), node)

    def _checked(self, result: sympy.Expr, node: ast.AST) -> sympy.Expr:
        """Reject a result made of numbers only that is not a finite real float (1/0, sqrt(-1), exp(1000)),
        and any result with an infinity or NaN in it (x/0) before SymPy builds on it."""
        if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise self.reject("a part that is undefined (such as x/0 or log(0))", node)
        if result.free_symbols:
            return result
        if result.is_Rational and _bits(result) > _MAX_BITS:
            raise self.reject("a number beyond the float range (about 1e308)", node)
        # A rough value is enough to tell finite and real from not; maxn caps the work SymPy spends
        # on cancellation (cos(1e-308) - cos(1e-300) would otherwise take seconds).
        if _finite_real(result.evalf(15, maxn=30)) is None:
            raise self.reject("a part that is undefined, not real or beyond the float range (such as 1/0, "
                              "log(0), sqrt(-1) or exp(1000))", node)
        return result


def _quote(text: str) -> str:
    return repr(text) if "'" not in text else '"' + text.replace('"', '\\"') + '"'


def _describe(node: ast.AST) -> str:
    return {ast.Attribute: "a method or attribute", ast.Subscript: "a subscript", ast.Call: "the result of a call",
            ast.Lambda: "a lambda"}.get(type(node), type(node).__name__)
