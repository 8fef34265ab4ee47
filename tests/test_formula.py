"""Tests for codelib.formula: formulas typed as text become SymPy, and hostile text runs nothing.

The proof that nothing runs has three parts: the module's source calls no evaluator; an audit
hook (``sys.addaudithook``) sees no event but the one ``compile`` of ``ast.parse`` while a hostile
string is parsed (no ``exec``, ``import``, ``open``, ``os.system``, ``subprocess.Popen``); and a
marker file that the payloads would create does not exist afterwards.
"""

import ast
import inspect
import math
import sys
import time

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import codelib
from codelib import formula
from codelib.formula import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    Formula,
    formula_to_numpy,
    parse_formula,
)

FAST = settings(max_examples=150, deadline=None, derandomize=True)
x, y = sympy.symbols("x y", real=True)


# --- valid formulas -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("x**2 - 3*x*y**2", x**2 - 3 * x * y**2),
    ("x^2 - 3*x*y^2", x**2 - 3 * x * y**2),
    ("exp(-x^2) * sin(y)", sympy.exp(-x**2) * sympy.sin(y)),
    ("-x^2", -(x**2)),                       # ^ binds tighter than the sign, as in mathematics
    ("2^3^2", sympy.Integer(512)),           # and is right-associative: 2^(3^2)
    ("(x + y)/2 - x*y/3", (x + y) / 2 - x * y / 3),
    ("x**-1", 1 / x),
    ("0.5*x**2", sympy.Float(0.5) * x**2),
    ("1e-3 * y", sympy.Float(1e-3) * y),
    ("1_000 * x", 1000 * x),
    ("+x - -y", x + y),
    ("sigmoid(x)", 1 / (1 + sympy.exp(-x))),
    ("abs(x) + sqrt(y**2 + 1)", sympy.Abs(x) + sympy.sqrt(y**2 + 1)),
    ("log(1 + exp(x))", sympy.log(1 + sympy.exp(x))),
    ("tan(x) + tanh(y) + sinh(x) * cosh(y) + atan(x*y) + cos(x)",
     sympy.tan(x) + sympy.tanh(y) + sympy.sinh(x) * sympy.cosh(y) + sympy.atan(x * y) + sympy.cos(x)),
    ("pi * e**x", sympy.pi * sympy.exp(x)),
    ("  x  # a comment", x),
    ("((((x))))", x),
    ("7", sympy.Integer(7)),
    (f"x**{MAX_EXPONENT}", x**MAX_EXPONENT),
    ("1.5e300 * x", sympy.Float(1.5e300) * x),
])
def test_valid_formula_gives_the_hand_built_expression(text, expected):
    parsed = parse_formula(text, "x y")
    assert parsed == Formula(expected, (x, y))
    assert isinstance(parsed.expr, sympy.Expr)


@pytest.mark.parametrize("variables", ["x y", "x, y", " x ,y ", ["x", "y"], ("x", "y"), [x, y], ["x", y]])
def test_variables_may_be_names_or_symbols(variables):
    assert parse_formula("x - y", variables) == (x - y, (x, y))


def test_given_symbols_are_kept_with_their_assumptions():
    a, b = sympy.symbols("a b")  # not real
    expr, symbols = parse_formula("a*b", [a, b])
    assert symbols == (a, b) and expr == a * b
    assert parse_formula("a", a).symbols == (a,)


def test_names_make_real_symbols_so_abs_has_a_derivative():
    expr, (t,) = parse_formula("abs(t)", "t")
    assert t.is_real and sympy.diff(expr, t) == sympy.sign(t)


def test_a_variable_the_formula_omits_is_still_a_variable():
    f, grad, hess = formula_to_numpy("x**2", "x y")
    assert grad([3.0, 5.0]).tolist() == [6.0, 0.0]


def test_formula_unpacks_into_the_symbolic_functions():
    assert codelib.hessian(*parse_formula("x**2 * y", "x y")) == sympy.Matrix([[2 * y, 2 * x], [2 * x, 0]])
    assert codelib.parse_formula is parse_formula and codelib.formula_to_numpy is formula_to_numpy


def test_formula_to_numpy_matches_the_analytic_derivatives():
    f, grad, hess = formula_to_numpy("exp(-x^2) * sin(y) + 0.5*x*y", "x y")
    P = np.random.default_rng(0).uniform(-2, 2, size=(50, 2))
    u, v = P[:, 0], P[:, 1]
    g = np.exp(-u**2)
    np.testing.assert_allclose(f(P), g * np.sin(v) + 0.5 * u * v, rtol=1e-12)
    np.testing.assert_allclose(grad(P), np.stack([-2 * u * g * np.sin(v) + 0.5 * v, g * np.cos(v) + 0.5 * u], -1),
                               rtol=1e-12, atol=1e-12)
    hxx, hxy, hyy = (4 * u**2 - 2) * g * np.sin(v), -2 * u * g * np.cos(v) + 0.5, -g * np.sin(v)
    np.testing.assert_allclose(hess(P), np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2),
                               rtol=1e-12, atol=1e-12)


def test_sigmoid_has_the_logistic_derivative():
    f, grad, _ = formula_to_numpy("sigmoid(x)", "x")
    s = 1 / (1 + np.exp(-0.3))
    assert math.isclose(float(f([0.3])), s) and math.isclose(float(grad([0.3])[0]), s * (1 - s))


@pytest.mark.parametrize(("text", "point"), [(f"tanh({2**1000} - x)", 1.0), ("sigmoid(x) * 2**100", 0.5),
                                           ("x * 2**70 + 1", 2.0)])
def test_integers_beyond_64_bits_evaluate_as_floats(text, point):
    expr, symbols = parse_formula(text, "x")
    f, grad, _ = formula_to_numpy(text, "x")
    assert math.isclose(float(f([point])), float(expr.subs(symbols[0], point)), rel_tol=1e-12)
    assert np.isfinite(grad([point])).all()


@pytest.mark.parametrize(("text", "which", "reason"), [
    ("(-2)**y", "gradient", "complex"),                                  # d/dy (-2)**y holds log(-2)
    (f"exp({2**600} * x)", "Hessian", "constants beyond the float range"),  # 2**1200
])
def test_a_derivative_numpy_cannot_evaluate_in_reals_says_so(text, which, reason):
    functions = formula_to_numpy(text, "x y")
    with pytest.raises(ValueError, match=f"the {which} of `expr` cannot be evaluated with NumPy.*{reason}"):
        (functions.grad if which == "gradient" else functions.hess)([0.5, 2.0])


def test_hessian_of_abs_says_what_numpy_cannot_evaluate():
    f, grad, hess = formula_to_numpy("abs(x)", "x")
    assert float(f([-2.0])) == 2.0 and grad([-2.0]).tolist() == [-1.0]
    with pytest.raises(ValueError, match="Hessian of `expr` cannot be evaluated with NumPy"):
        hess([1.0])


# --- every formula of allowed parts, built twice: as text and by hand -----------------------


LEAVES = st.sampled_from([("x", x), ("y", y), ("pi", sympy.pi)]) | st.integers(0, 9).map(
    lambda k: (str(k), sympy.Integer(k)))
SAFE_FUNCTIONS = ["sin", "cos", "tanh", "atan", "sigmoid", "abs"]


def _extend(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda t: (f"({t[0][0]}) {t[1]} ({t[2][0]})",
                   {"+": sympy.Add, "-": lambda a, b: a - b, "*": sympy.Mul}[t[1]](t[0][1], t[2][1])))
    divide = st.tuples(children, st.integers(1, 5)).map(lambda t: (f"({t[0][0]}) / {t[1]}", t[0][1] / t[1]))
    power = st.tuples(children, st.integers(0, 3), st.booleans()).map(
        lambda t: (f"({t[0][0]}){'^' if t[2] else '**'}{t[1]}", t[0][1] ** t[1]))
    call = st.tuples(st.sampled_from(SAFE_FUNCTIONS), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", FUNCTIONS[t[0]](t[1][1])))
    negate = children.map(lambda c: (f"-({c[0]})", -c[1]))
    return binary | divide | power | call | negate


@FAST
@given(st.recursive(LEAVES, _extend, max_leaves=12))
def test_random_formulas_of_allowed_parts_equal_the_hand_built_expression(pair):
    text, expected = pair
    assert parse_formula(text, "x y").expr == expected


TOKENS = ["x", "y", "1", "2.5", "pi", "e", "+", "-", "*", "/", "**", "^", "(", ")", " ", ",",
          *FUNCTIONS, *(f"{name}(" for name in FUNCTIONS)]


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_string_of_allowed_tokens_parses_or_raises_value_error(text):
    try:
        parsed = parse_formula(text, "x y")
    except ValueError as err:
        assert "A formula may contain" in str(err) or "empty" in str(err)
    else:
        assert isinstance(parsed.expr, sympy.Expr) and parsed.expr.free_symbols <= {x, y}


@FAST
@given(st.text(max_size=60) | st.text(alphabet="xy()+-*/^.,0123456789e_[]'\"abcdefghijklmnopqrstuvwz :=", max_size=60))
def test_random_text_gives_an_expression_or_a_value_error(text):
    try:
        parsed = parse_formula(text, "x y")
    except (ValueError, TypeError):
        return
    assert isinstance(parsed.expr, sympy.Expr)


# --- hostile text: rejected, and provably nothing runs -------------------------------------


class _Audit:
    """Records the audit events (PEP 578) raised while ``active``; a hook cannot be removed, so it stays idle."""

    def __init__(self):
        self.active, self.events = False, []
        sys.addaudithook(self.hook)

    def hook(self, event, args):
        if self.active:
            self.events.append((event, args))

    def __enter__(self):
        self.events, self.active = [], True
        return self

    def __exit__(self, *exc):
        self.active = False


@pytest.fixture(scope="module")
def audit():
    # Warm up: a first parse may import parts of SymPy lazily; those imports are not the formula's doing.
    parse_formula("exp(-x^2)*sin(y) + sigmoid(x)/cosh(y) + sqrt(2)*pi + e**x + log(3) + atan(tan(x))", "x y")
    for text in ("1/0", "sqrt(-1)", "exp(1000)", "x.y", "9**9**9**9"):
        with pytest.raises(ValueError):
            parse_formula(text, "x y")
    return _Audit()


def hostile_strings(marker):
    m = str(marker)
    return [
        f"__import__('os').system('touch {m}')",
        f"__import__('subprocess').run(['touch', '{m}'])",
        f"open('{m}', 'w')",
        f"open('{m}', 'w').write('owned')",
        f"exec(\"open('{m}', 'w')\")",
        f"eval(\"open('{m}', 'w')\")",
        f"__builtins__.open('{m}', 'w')",
        f"[c for c in ().__class__.__bases__[0].__subclasses__() if c.__name__ == 'Popen'][0](['touch', '{m}'])",
        f"(lambda: open('{m}', 'w'))()",
        f"x if open('{m}', 'w') else y",
        f"sin(open('{m}', 'w'))",
        f"exp(x, open('{m}', 'w'))",
        f"exp(x=open('{m}', 'w'))",
        f"exp(*[open('{m}', 'w')])",
        f"f'{{open(\"{m}\", \"w\")}}'",
        f"(y := open('{m}', 'w'))",
        f"getattr(__import__('os'), 'system')('touch {m}')",
        f"sin.__globals__['__builtins__']['open']('{m}', 'w')",
        f"x.__class__.__init__.__globals__['__builtins__']['open']('{m}', 'w')",
        f"compile(\"open('{m}', 'w')\", '', 'exec')",
        f"breakpoint() or open('{m}', 'w')",
        f"__import__('pathlib').Path('{m}').touch()",
        f"exp(x)(open('{m}', 'w'))",
        f"x; open('{m}', 'w')",
        f"x\nopen('{m}', 'w')",
        f"import os; os.system('touch {m}')",
        f"[open('{m}', 'w')][0]",
        f"{{open('{m}', 'w')}}",
        f"{{1: open('{m}', 'w')}}",
        f"open('{m}', 'w') and x",
        f"not open('{m}', 'w')",
        f"x < open('{m}', 'w')",
        f"-open('{m}', 'w')",
        f"x ** open('{m}', 'w')",
    ]


OTHER_HOSTILE = [
    "().__class__.__bases__[0].__subclasses__()", "x.__class__", "lambda: 1", "lambda x: x", "[x for x in ()]",
    "{x for x in ()}", "(x for x in ())", "{x: 1 for x in ()}", "exec('1')", "eval('1')", "getattr(x, 'y')",
    "sin.__globals__", "sin.__name__", "x.real", "x[0]", "x[0:1]", '"x" * 2', "'x'", "b'x'", "f'{x}'", "f'x'",
    "x, y", "[x]", "{x}", "{}", "()", "...", "None", "True", "x == y", "x < y", "x and y", "x or y", "not x",
    "x if y else 1", "(x := 1)", "x // y", "x % y", "x @ y", "x << 1", "x | y", "x & y", "~x", "1j", "2 + 3j",
    "1e400", "exp", "sin(x, y)", "sin()", "sin(x=1)", "sin(*x)", "sin(**x)", "x(2)", "unknown(x)", "_x", "__x__",
    "__import__", "__builtins__", "z", "nan", "inf", "oo", "zoo", "I", "E", "Symbol('x')", "S.One", "sympy.exp(x)",
    "await x", "yield x", "print(1)", "x = 1", "del x", "pass", "x\x00", "\\", "x ^^ 2", "x²", "1/0", "0/0",
    "x/(y - y)", "log(0)", "log(-1)", "sqrt(-1)", "(-8)**(1/3)", "tan(pi/2)", "exp(1000)", "exp(exp(exp(exp(10))))",
    "cosh(1e300)", "1e308 * 10", "10**400", "2**1023 * 2**1023", "(1/3)**1000", "9**9**9**9", "9^9^9^9",
    "((2**1000)**1000)**1000", "x**1001", "x**(10**9)", "2**-2000", "sqrt(2)**2000", "exp(3)**1000",
    "-" * 200 + "x", "exp(" * 60 + "x" + ")" * 60, "(" * 300 + "x" + ")" * 300, "x" + "**x" * 60,
]


def test_hostile_strings_are_rejected_and_nothing_runs(tmp_path, audit, monkeypatch):
    marker = tmp_path / "owned"
    monkeypatch.chdir(tmp_path)  # relative paths, if anything ran, would land here too
    for text in hostile_strings(marker) + OTHER_HOSTILE:
        with audit:
            with pytest.raises(ValueError, match="formula|text is"):
                parse_formula(text, "x y")
        unexpected = [(event, args) for event, args in audit.events if event != "compile"]
        assert not unexpected, f"{text!r} raised audit events {unexpected}"
        # The one compile is ast.parse: of the text itself (with ^ read as **), never of anything else.
        assert all(args[0] in (text.replace("^", "**").strip().encode(), text.replace("^", "**").strip())
                   for _, args in audit.events), (text, audit.events)
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_module_calls_no_evaluator():
    tree = ast.parse(inspect.getsource(formula))
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    called = {f.id if isinstance(f, ast.Name) else f.attr for f in calls if isinstance(f, (ast.Name, ast.Attribute))}
    assert not called & {"eval", "exec", "compile", "sympify", "parse_expr", "S", "__import__", "getattr",
                         "lambdify", "import_module", "literal_eval"}
    assert "parse" in called  # ast.parse, which only builds the tree


@pytest.mark.parametrize("text", ["9**9**9**9", "9^9^9^9", "((2**1000)**1000)**1000", "(10**300)**(10**300)",
                                  "exp(exp(exp(exp(exp(exp(10))))))", "2**2**2**2**2**2**2", "x" + "**x" * 60,
                                  "(" * 10_000 + "x" + ")" * 10_000, "x+" * 499 + "x", "-" * 999 + "x"])
def test_huge_or_deep_formulas_are_decided_fast(text):
    start = time.perf_counter()
    try:
        parse_formula(text, "x y")
    except ValueError:
        pass
    assert time.perf_counter() - start < 2.0  # unguarded, 9**9**9**9 alone would run for hours


def test_long_and_deep_input_limits():
    long_sum = "+".join(["x"] * 500)  # 999 characters: fine, and a long sum costs no nesting
    assert len(long_sum) <= MAX_LENGTH and parse_formula(long_sum, "x").expr == 500 * sympy.Symbol("x", real=True)
    with pytest.raises(ValueError, match=f"at most {MAX_LENGTH}"):
        parse_formula(long_sum + "+x", "x")
    with pytest.raises(ValueError, match=f"at most {MAX_LENGTH}"):
        parse_formula("(" * 10_000 + "x" + ")" * 10_000, "x")
    with pytest.raises(ValueError, match="too many nested parentheses"):  # Python's parser stops at 200
        parse_formula("(" * 300 + "x" + ")" * 300, "x")
    deep = "sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_formula(deep, "x")
    parse_formula("sin(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1), "x")


def test_recursion_error_never_escapes():
    depth = len(inspect.stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)  # far below what MAX_DEPTH levels of nesting need
    try:
        with pytest.raises(ValueError, match="nested too deeply|cannot be parsed"):
            parse_formula("exp(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1), "x")
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize(("text", "match"), [
    ("x.__class__", "attribute access"),
    ("open('f')", r"calling open \(not a function of formulas\)"),
    ("x(2)", r"calling the variable x \(for a product write x\*\(...\)\)"),
    ("exp", r"write exp\(...\)"),
    ("sin(x, y)", "it takes exactly one"),
    ("__import__", "names starting with _"),
    ("z + 1", "unknown name z at column 1"),
    ("x^2 + y[0]", "subscripts .* at column 7"),
    (f"x**{MAX_EXPONENT + 1}", f"larger than {MAX_EXPONENT}"),
    ("1/0", "undefined"),
    ("x/0", "undefined"),
    ("exp(1000)", "undefined, not real or beyond the float range"),
    ("x**(99999/10000)", "write the exponent as a decimal"),
    ("(-2)**(x - 2**100)", f"a number larger than {MAX_EXPONENT} in size in an exponent"),
    (f"atan(tan({2**1000}))", "constants SymPy cannot handle"),
    ("x/(y - y)", "is undefined"),
    ("x +* y", "not a valid formula"),
])
def test_messages_say_what_is_wrong_and_what_is_allowed(text, match):
    with pytest.raises(ValueError, match=match) as info:
        parse_formula(text, "x y")
    message = str(info.value)
    assert "the variables x, y" in message and "+ - * / **" in message
    assert all(name in message for name in FUNCTIONS) and all(name in message for name in CONSTANTS)


@pytest.mark.parametrize("text", [None, 1, 1.5, b"x", ["x"], sympy.Symbol("x"), x**2, {"x": 1}])
def test_non_string_text_is_a_type_error(text):
    with pytest.raises(TypeError, match="text must be a string"):
        parse_formula(text, "x")


@pytest.mark.parametrize(("variables", "error", "match"), [
    ("", ValueError, "empty"),
    ([], ValueError, "empty"),
    ("x x", ValueError, "twice"),
    ([x, "x"], ValueError, "twice"),
    ("_x", ValueError, "cannot be typed"),
    ("__class__", ValueError, "cannot be typed"),
    ("x.y", ValueError, "cannot be typed"),
    ("lambda", ValueError, "cannot be typed"),
    ("None", ValueError, "cannot be typed"),
    ("1x", ValueError, "cannot be typed"),
    ([sympy.Symbol("theta[0]")], ValueError, "cannot be typed"),
    ("exp", ValueError, "taken by a function or constant"),
    ("x pi", ValueError, "taken by a function or constant"),
    ("e", ValueError, "taken by a function or constant"),
    (None, TypeError, "variables must be"),
    (3, TypeError, "variables must be"),
    (b"x", TypeError, "variables must be"),
    ({"x": 1}, TypeError, "variables must be"),
    (x + y, TypeError, "variables must be"),
    ([1], TypeError, "variables must hold names"),
    ([x + 1], TypeError, "variables must hold names"),
])
def test_bad_variables(variables, error, match):
    with pytest.raises(error, match=match):
        parse_formula("1", variables)
