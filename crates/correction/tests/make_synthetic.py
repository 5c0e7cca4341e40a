#!/usr/bin/env python3
"""Writes the synthetic correction files under tests/data/synthetic/.

Run once (the output is committed):

    python3 crates/correction/tests/make_synthetic.py

Every file is built from correctionlib's own pydantic models (correctionlib.schemav2),
so correctionlib validates it, and is then loaded back by correctionlib's C++
evaluator before it is written. Together the files cover every node type of schema v2
and the corners of each: list and uniform edges, "inf" edges, each flow mode
(clamp, error, wrap, a constant, a content node), 1-D/2-D/3-D MultiBinning,
int and string Category with and without default, nested nodes, the TFormula grammar
(precedence, unary minus, `^`, every function, comparisons, logic, parameters,
x/y/z/t and x[i] variables), FormulaRef, Transform on real and int inputs, HashPRNG
with each distribution over int and real inputs, and CompoundCorrection with each
input/output operator. `bench.json` holds the corrections the benchmark times.

Needs correctionlib 2.9 (pip install 'correctionlib==2.9.*').
"""

from __future__ import annotations

import gzip
import math
import random
import sys
import warnings
from pathlib import Path

import correctionlib
import correctionlib.schemav2 as s

OUT = Path(__file__).resolve().parent / "data" / "synthetic"

# Deterministic "awkward" floats: 17 significant digits exercise the JSON float parser.
_rng = random.Random(20240611)


def rnd(lo: float = 0.5, hi: float = 1.5) -> float:
    return _rng.uniform(lo, hi)


def real(name: str) -> s.Variable:
    return s.Variable(name=name, type="real", description=f"real input {name}")


def integer(name: str) -> s.Variable:
    return s.Variable(name=name, type="int", description=f"int input {name}")


def string(name: str) -> s.Variable:
    return s.Variable(name=name, type="string", description=f"string input {name}")


OUTPUT = s.Variable(name="weight", type="real", description="output")


def corr(name: str, inputs: list[s.Variable], data, generic_formulas=None, version: int = 1) -> s.Correction:
    kw = {}
    if generic_formulas is not None:
        kw["generic_formulas"] = generic_formulas
    return s.Correction(
        name=name,
        description=f"synthetic: {name}",
        version=version,
        inputs=inputs,
        output=OUTPUT,
        data=data,
        **kw,
    )


def formula(expr: str, variables: list[str], parameters: list[float] | None = None) -> s.Formula:
    kw = {}
    if parameters is not None:
        kw["parameters"] = parameters
    return s.Formula(nodetype="formula", expression=expr, parser="TFormula", variables=variables, **kw)


def binning(inp: str, edges, content, flow) -> s.Binning:
    return s.Binning(nodetype="binning", input=inp, edges=edges, content=content, flow=flow)


def uniform(n: int, low: float, high: float) -> s.UniformBinning:
    return s.UniformBinning(n=n, low=low, high=high)


def multibinning(inputs: list[str], edges, content, flow) -> s.MultiBinning:
    return s.MultiBinning(nodetype="multibinning", inputs=inputs, edges=edges, content=content, flow=flow)


def category(inp: str, items, default=None) -> s.Category:
    kw = {}
    if default is not None:
        kw["default"] = default
    return s.Category(
        nodetype="category",
        input=inp,
        content=[s.CategoryItem(key=k, value=v) for k, v in items],
        **kw,
    )


def transform(inp: str, rule, content) -> s.Transform:
    return s.Transform(nodetype="transform", input=inp, rule=rule, content=content)


def hashprng(inputs: list[str], distribution: str) -> s.HashPRNG:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "stdnormal" is deprecated but still evaluated
        return s.HashPRNG(nodetype="hashprng", inputs=inputs, distribution=distribution)


def formularef(index: int, parameters: list[float]) -> s.FormulaRef:
    return s.FormulaRef(nodetype="formularef", index=index, parameters=parameters)


def uniform_rounding_corner() -> tuple[float, float, int]:
    """(low, high, n) where n*((x-low)/(high-low)) rounds up to n for x = nextafter(high, -inf).

    correctionlib then reads one slot past the last bin: the default (0.0 or the flow
    constant) in a Binning, the flow/last content in a MultiBinning."""
    for n in range(3, 200):
        for low in (0.1, 0.3, -0.7, 1.1, 2.2, 0.0):
            for high in (0.7, 1.3, 2.9, 3.3, 10.1, 0.9):
                if high <= low:
                    continue
                x = math.nextafter(high, -math.inf)
                if int(n * ((x - low) / (high - low))) >= n:
                    return low, high, n
    raise SystemExit("no uniform rounding corner found")


# ---------------------------------------------------------------- binning.json
def binning_set() -> list[s.Correction]:
    pt, eta, n = real("pt"), real("eta"), integer("n")
    edges = [0.0, 10.0, 20.5, 30.0, 50.0, 100.0, 1000.0]
    content = [rnd() for _ in range(len(edges) - 1)]
    lo, hi, nb = uniform_rounding_corner()
    out = [
        corr("bin_list_clamp", [pt], binning("pt", edges, content, "clamp")),
        corr("bin_list_error", [pt], binning("pt", edges, content, "error")),
        corr("bin_list_value", [pt], binning("pt", edges, content, 0.123456789012345678)),
        corr("bin_list_wrap", [pt], binning("pt", edges, content, "wrap")),
        corr(
            "bin_list_flow_node",
            [pt, eta],
            binning("pt", edges, content, binning("eta", [-2.5, 0.0, 2.5], [2.0, 3.0], -1.0)),
        ),
        corr(
            "bin_list_flow_formula",
            [pt],
            binning("pt", edges, content, formula("1+x/1000", ["pt"])),
        ),
        corr(
            "bin_inf_edges",
            [eta],
            binning("eta", ["-inf", -2.5, -1.0, 0.0, 1.0, 2.5, "inf"], [rnd() for _ in range(6)], "error"),
        ),
        corr(
            "bin_half_inf_clamp",
            [pt],
            binning("pt", [15.0, 30.0, 60.0, "+inf"], [rnd() for _ in range(3)], "clamp"),
        ),
        corr("bin_single_bin", [pt], binning("pt", [-1.0, 1.0], [0.5], "clamp")),
        corr("bin_uniform_clamp", [eta], binning("eta", uniform(10, -2.5, 2.5), [rnd() for _ in range(10)], "clamp")),
        corr("bin_uniform_error", [eta], binning("eta", uniform(10, -2.5, 2.5), [rnd() for _ in range(10)], "error")),
        corr("bin_uniform_value", [eta], binning("eta", uniform(7, -3.3, 1.1), [rnd() for _ in range(7)], -7.5)),
        corr("bin_uniform_wrap", [eta], binning("eta", uniform(8, -math.pi, math.pi), [rnd() for _ in range(8)], "wrap")),
        corr(
            "bin_uniform_rounding_clamp",
            [eta],
            binning("eta", uniform(nb, lo, hi), [rnd() for _ in range(nb)], "clamp"),
        ),
        corr(
            "bin_uniform_rounding_value",
            [eta],
            binning("eta", uniform(nb, lo, hi), [rnd() for _ in range(nb)], 42.0),
        ),
        corr(
            "bin_uniform_tenths",
            [eta],
            binning("eta", uniform(10, 0.0, 1.0), [float(i) for i in range(10)], "clamp"),
        ),
        corr(
            "bin_int_input",
            [n],
            binning("n", [-3.0, 0.0, 1.0, 2.5, 5.0, 100.0], [rnd() for _ in range(5)], "error"),
        ),
        corr(
            "bin_int_uniform",
            [n],
            binning("n", uniform(5, 0.0, 10.0), [float(i) for i in range(5)], 99.0),
        ),
        corr(
            "bin_nested",
            [pt, eta],
            binning(
                "eta",
                [-2.5, -1.5, 0.0, 1.5, 2.5],
                [
                    binning("pt", [20.0, 40.0, 80.0], [rnd(), rnd()], "clamp"),
                    binning("pt", uniform(4, 20.0, 100.0), [rnd() for _ in range(4)], "error"),
                    formula("[0]+[1]*x", ["pt"], [rnd(), rnd(0.0, 0.01)]),
                    1.25,
                ],
                "clamp",
            ),
        ),
        corr(
            "bin_extreme_contents",
            [pt],
            binning(
                "pt",
                [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                [
                    0.1,
                    0.30000000000000004,
                    1e-300,
                    5e-324,
                    1.7976931348623157e308,
                    -0.0,
                    2.2250738585072014e-308,
                    0.9999999999999999,
                ],
                "clamp",
            ),
        ),
        corr(
            "bin_tricky_edges",
            [pt],
            binning(
                "pt",
                [-1e300, -1e-300, 0.1, 0.30000000000000004, 0.7, 1e300],
                [1.0, 2.0, 3.0, 4.0, 5.0],
                "error",
            ),
        ),
        corr("const_noinputs", [], 1.2345678901234567),
        corr("const_unused_inputs", [pt, string("syst"), n], 0.75),
    ]
    return out


# ----------------------------------------------------------- multibinning.json
def multibinning_set() -> list[s.Correction]:
    pt, eta, phi, n = real("pt"), real("eta"), real("phi"), integer("n")
    pte = [20.0, 30.0, 50.0, 80.0, 120.0, 200.0]
    etae = [-2.4, -1.2, 0.0, 1.2, 2.4]
    lo, hi, nb = uniform_rounding_corner()
    out = [
        corr(
            "mb_2d_list_clamp",
            [pt, eta],
            multibinning(["pt", "eta"], [pte, etae], [rnd() for _ in range(5 * 4)], "clamp"),
        ),
        corr(
            "mb_2d_list_error",
            [pt, eta],
            multibinning(["pt", "eta"], [pte, etae], [rnd() for _ in range(5 * 4)], "error"),
        ),
        corr(
            "mb_2d_swapped_inputs",
            [eta, pt],
            multibinning(["pt", "eta"], [pte, etae], [rnd() for _ in range(5 * 4)], 0.5),
        ),
        corr(
            "mb_2d_mixed_uniform",
            [pt, eta],
            multibinning(["pt", "eta"], [pte, uniform(6, -3.0, 3.0)], [rnd() for _ in range(5 * 6)], "error"),
        ),
        corr(
            "mb_2d_uniform_uniform_wrap",
            [eta, phi],
            multibinning(
                ["eta", "phi"],
                [uniform(5, -2.5, 2.5), uniform(6, -math.pi, math.pi)],
                [rnd() for _ in range(30)],
                "wrap",
            ),
        ),
        corr(
            "mb_2d_list_wrap",
            [pt, eta],
            multibinning(["pt", "eta"], [pte, etae], [rnd() for _ in range(20)], "wrap"),
        ),
        corr(
            "mb_3d_value",
            [pt, eta, phi],
            multibinning(
                ["pt", "eta", "phi"],
                [pte, etae, uniform(3, -math.pi, math.pi)],
                [rnd() for _ in range(5 * 4 * 3)],
                -1.0,
            ),
        ),
        corr(
            "mb_3d_flow_node",
            [pt, eta, n],
            multibinning(
                ["eta", "n", "pt"],
                [etae, [0.0, 1.0, 2.0, 5.0], ["-inf", 50.0, "inf"]],
                [rnd() for _ in range(4 * 3 * 2)],
                category("n", [(7, 7.5), (-1, -1.5)], default=formula("x*0.01", ["pt"])),
            ),
        ),
        corr(
            "mb_3d_content_nodes",
            [pt, eta, phi, string("syst")],
            multibinning(
                ["pt", "eta", "phi"],
                [[20.0, 50.0, 200.0], [-2.4, 0.0, 2.4], [-4.0, 0.0, 4.0]],
                [
                    category("syst", [("nominal", 1.0), ("up", 1.1), ("down", 0.9)]),
                    formula("1+0.001*x", ["pt"]),
                    binning("phi", [-4.0, -2.0, 0.0], [0.25, 0.5], "clamp"),
                    2.0,
                    category("syst", [("nominal", 3.0)], default=3.5),
                    formula("[0]*y", ["pt", "eta"], [rnd()]),
                    hashprng(["pt", "eta"], "stdflat"),
                    -2.0,
                ],
                "clamp",
            ),
        ),
        corr(
            "mb_1d",
            [pt],
            multibinning(["pt"], [pte], [rnd() for _ in range(5)], "clamp"),
        ),
        corr(
            "mb_int_dimension",
            [n, eta],
            multibinning(["n", "eta"], [[0.0, 1.0, 2.0, 3.0], uniform(2, -1.0, 1.0)], [rnd() for _ in range(6)], "error"),
        ),
        corr(
            "mb_uniform_rounding_clamp",
            [eta, pt],
            multibinning(["eta", "pt"], [uniform(nb, lo, hi), [0.0, 100.0]], [rnd() for _ in range(nb)], "clamp"),
        ),
        corr(
            "mb_uniform_rounding_value",
            [eta, pt],
            multibinning(["eta", "pt"], [uniform(nb, lo, hi), [0.0, 100.0]], [rnd() for _ in range(nb)], 42.0),
        ),
    ]
    return out


# -------------------------------------------------------------- category.json
def category_set() -> list[s.Correction]:
    syst, direction, n, pt = string("syst"), string("direction"), integer("n"), real("pt")
    out = [
        corr("cat_int", [n], category("n", [(0, 1.0), (1, 1.1), (5, 1.5), (-3, 0.7), (2147483647, 9.0), (-2147483648, -9.0)])),
        corr("cat_int_default", [n], category("n", [(0, 1.0), (1, 1.1), (5, 1.5)], default=0.25)),
        corr("cat_str", [syst], category("syst", [("nominal", 1.0), ("up", 1.05), ("down", 0.95), ("", 0.5), ("μ mu", 0.6)])),
        corr("cat_str_default", [syst], category("syst", [("nominal", 1.0), ("up", 1.05), ("down", 0.95)], default=1.0)),
        corr("cat_str_prefix_keys", [syst], category("syst", [("up", 1.0), ("up1", 2.0), ("upp", 3.0), ("Up", 4.0)])),
        corr("cat_empty_with_default", [n], category("n", [], default=3.25)),
        corr(
            "cat_nested",
            [syst, direction, n, pt],
            category(
                "syst",
                [
                    ("jes", category("direction", [("up", 1.02), ("down", 0.98)])),
                    (
                        "btag",
                        category(
                            "direction",
                            [
                                ("up", category("n", [(0, 1.1), (4, 1.2), (5, 1.3)], default=1.0)),
                                ("down", formula("1-x*0.001", ["pt"])),
                            ],
                            default=1.0,
                        ),
                    ),
                    ("pt", binning("pt", [0.0, 50.0, 100.0], [1.5, 2.5], "error")),
                ],
                default=category("n", [(1, 0.1), (2, 0.2)]),
            ),
        ),
        corr(
            "cat_default_node",
            [n, pt],
            category("n", [(1, 2.0), (2, 3.0)], default=binning("pt", uniform(4, 0.0, 100.0), [0.1, 0.2, 0.3, 0.4], "clamp")),
        ),
    ]
    return out


# --------------------------------------------------------------- formula.json
FORMULAS: list[tuple[str, str, list[str], list[float] | None]] = [
    ("f_identity", "x", ["x"], None),
    ("f_jec_poly", "[0]+[1]*log10(x)+[2]*pow(log10(x),2)", ["x"], [1.1, -0.05, 0.003]),
    ("f_precedence", "1+2*3-4/5*x+x/2/4-x-3-1", ["x"], None),
    ("f_pow_right_assoc", "2^3^x", ["x"], None),
    ("f_pow_after_mul", "2*x^2/3", ["x"], None),
    ("f_unary_minus_var_pow", "-x^2", ["x"], None),
    ("f_negative_literal_pow", "-2^2+x", ["x"], None),
    ("f_unary_minus_paren", "-(x+y)*-y", ["x", "y"], None),
    ("f_unary_minus_call", "-exp(x*0.01)+-abs(y)", ["x", "y"], None),
    ("f_pow_negative_exponent", "x^-1+2^-0.5", ["x"], None),
    ("f_literals", "1e3*x+2.5e-2+3.*y+0.5-1e-3+10", ["x", "y"], None),
    ("f_whitespace", "  x *\t2 +  [0]  ", ["x"], [0.25]),
    ("f_exp_log", "exp(-x*0.1)+log(abs(x)+1)+log10(abs(y)+2)+sqrt(abs(x))", ["x", "y"], None),
    ("f_log_domain", "log(x)+log10(y)", ["x", "y"], None),
    ("f_sqrt_domain", "sqrt(x)", ["x"], None),
    ("f_erf", "erf(x)*0.5+0.5", ["x"], None),
    ("f_trig", "cos(x)*sin(y)+tan(x*0.01)+atan(y)", ["x", "y"], None),
    ("f_hyperbolic", "cosh(x*0.01)-sinh(y*0.01)+tanh(x)", ["x", "y"], None),
    ("f_inverse_trig", "acos(x)+asin(y)+atan(x*y)", ["x", "y"], None),
    ("f_inverse_hyperbolic", "acosh(x)+asinh(y)+atanh(x/(1+abs(x)))", ["x", "y"], None),
    ("f_abs", "abs(x)-abs(y)", ["x", "y"], None),
    ("f_atan2", "atan2(y,x)", ["x", "y"], None),
    ("f_pow_call", "pow(x,y)", ["x", "y"], None),
    ("f_pow_call_half", "pow(x,0.5)+pow(2,x*0.1)", ["x"], None),
    ("f_max", "max(x,y)", ["x", "y"], None),
    ("f_min", "min(x,y)", ["x", "y"], None),
    ("f_clamp_minmax", "min(max(x,20.),140.)", ["x"], None),
    ("f_compare", "(x>y)+(x<y)*2+(x>=1)*4+(y<=2)*8+(x==y)*16+(x!=3)*32", ["x", "y"], None),
    ("f_logic", "(x>0&&y>0)+2*(x<0||y<0)+4*(x&&y)+8*(x||0)", ["x", "y"], None),
    ("f_logic_precedence", "x>1&&y<2||x<-1==1", ["x", "y"], None),
    ("f_compare_chain", "x<y<1", ["x", "y"], None),
    ("f_div", "1/x+y/x", ["x", "y"], None),
    ("f_four_vars", "x+2*y+3*z+4*t", ["a", "b", "c", "d"], None),
    ("f_indexed_vars", "x[0]*x[1]+x[2]-x[3]/2", ["a", "b", "c", "d"], None),
    ("f_mixed_var_names", "x[1]-y+x*z", ["d", "c", "b"], None),
    (
        "f_many_params",
        "[0]+[1]*x+[2]*x^2+[3]*x^3+[4]*x^4+[5]*x^5+[6]*x^6+[7]*x^7+[8]*x^8+[9]*x^9+[10]*x^10+[11]",
        ["x"],
        [0.5, 0.1, -0.01, 1e-3, -1e-4, 1e-5, -1e-6, 1e-7, -1e-8, 1e-9, -1e-10, 0.125],
    ),
    ("f_param_reuse", "[1]*x+[1]*[0]-[0]", ["x"], [3.0, -0.5]),
    (
        "f_l1fastjet",
        "max(0.0001,1-(y/x)*([0]+([1]*(z-[2]))*(1+[3]*log(x))))",
        ["a", "b", "c"],
        [-0.88, 0.0102, 0.58, 0.38],
    ),
    (
        "f_l2relative",
        "max(0.0001,pow(x,2)*[0]+[1]+[2]/(pow(log10(x),2)+[3])+[4]*exp(-[5]*pow(log10(x)-[6],2)))",
        ["x"],
        [1.2e-6, 0.99, 1.5, 3.2, -0.3, 0.9, 1.7],
    ),
    (
        "f_jer_sf_like",
        "max(0,sqrt([0]*abs([0])/(x*x)+[1]*[1]*pow(x,[3])+[2]*[2]))",
        ["x"],
        [-2.1, 0.65, 0.03, -0.8],
    ),
    ("f_nested_calls", "exp(log(sqrt(abs(x)+1)))*max(min(x,y),-5)", ["x", "y"], None),
    ("f_deep_parens", "((((x+1)*2)-3)/((y)))", ["x", "y"], None),
    ("f_constant_only", "3.25", ["x"], None),
    ("f_agc_btag_up", "1.0 + (x*0.075 / 50)", ["x"], None),
]


def formula_set() -> list[s.Correction]:
    out = []
    for name, expr, variables, params in FORMULAS:
        names = list(dict.fromkeys(variables))
        inputs = [real(v) for v in names]
        out.append(corr(name, inputs, formula(expr, variables, params)))
    # Formulas inside other nodes, over inputs that are not in formula order.
    pt, eta, syst = real("pt"), real("eta"), string("syst")
    out.append(
        corr(
            "f_in_binning",
            [pt, eta],
            binning(
                "eta",
                [-5.0, -2.5, 0.0, 2.5, 5.0],
                [formula("[0]+[1]*x+[2]*y", ["pt", "eta"], [rnd(), rnd(0, 0.01), rnd(-0.1, 0.1)]) for _ in range(4)],
                formula("x*y", ["eta", "pt"]),
            ),
        )
    )
    out.append(
        corr(
            "f_in_category",
            [syst, pt],
            category(
                "syst",
                [("nominal", formula("x", ["pt"])), ("up", formula("x*1.01", ["pt"])), ("down", formula("x*0.99", ["pt"]))],
            ),
        )
    )
    return out


# ------------------------------------------------------------ formularef.json
def formularef_set() -> list[s.Correction]:
    pt, eta, rho = real("pt"), real("eta"), real("rho")
    generic = [
        formula("[0]+[1]*log10(x)+[2]*pow(log10(x),2)", ["pt"]),
        formula("max(0.0001,1-(y/x)*([0]+[1]*(z-[2])))", ["pt", "rho", "eta"]),
        formula("[0]", ["pt"]),
    ]
    etae = [-5.191, -3.0, -1.3, 0.0, 1.3, 3.0, 5.191]
    out = [
        corr(
            "fref_l2",
            [eta, pt],
            binning("eta", etae, [formularef(0, [rnd(0.9, 1.1), rnd(-0.05, 0.05), rnd(-0.01, 0.01)]) for _ in range(6)], "clamp"),
            generic_formulas=generic[:1],
        ),
        corr(
            "fref_mixed",
            [eta, pt, rho],
            binning(
                "eta",
                etae,
                [
                    formularef(1, [rnd(-1, 1), rnd(0, 0.02), rnd(0, 1)]),
                    formularef(0, [1.0, 0.0, 0.0]),
                    formularef(2, [7.5]),
                    formula("x*2", ["pt"]),
                    formularef(1, [0.1, 0.2, 0.3]),
                    formularef(0, [0.9, 0.01, -0.001]),
                ],
                formularef(2, [-1.0]),
            ),
            generic_formulas=generic,
        ),
        corr(
            "fref_multibinning",
            [eta, pt],
            multibinning(
                ["eta", "pt"],
                [etae, [10.0, 30.0, 100.0, 1000.0]],
                [formularef(0, [rnd(0.9, 1.1), rnd(-0.05, 0.05), rnd(-0.01, 0.01)]) for _ in range(18)],
                "error",
            ),
            generic_formulas=generic[:1],
        ),
    ]
    return out


# ------------------------------------------------------------- transform.json
def transform_set() -> list[s.Correction]:
    pt, eta, n, syst = real("pt"), real("eta"), integer("n"), string("syst")
    out = [
        corr(
            "t_real_formula",
            [pt, eta],
            transform("pt", formula("x*1.1+y", ["pt", "eta"]), binning("pt", [0.0, 20.0, 50.0, 100.0], [1.0, 2.0, 3.0], "clamp")),
        ),
        corr("t_real_constant", [pt], transform("pt", 0.1, formula("x", ["pt"]))),
        corr(
            "t_int_rounding",
            [n],
            transform(
                "n",
                category(
                    "n",
                    [(0, 0.0), (1, 2.5), (2, -2.5), (3, 0.49999999999999994), (4, 1.5), (5, -0.5), (6, 2.999999), (7, -3.5)],
                    # Other ints: -20 and 60 land outside the content's binning (errors), -2.5 rounds to -3, 7.5 to 8.
                    default=binning("n", [-1e6, -10.0, 0.0, 10.0, 1e6], [-20.0, -2.5, 7.5, 60.0], "clamp"),
                ),
                category(
                    "n",
                    [(0, 0.0), (3, 0.3), (-3, -0.3), (2, 0.2), (-1, -0.1), (-4, -0.4), (-2, -0.2), (1, 0.1)],
                    default=binning("n", [-5.0, 0.0, 5.0, 50.0], [5.0, 6.0, 7.0], "error"),
                ),
            ),
        ),
        corr(
            "t_nested",
            [pt, eta],
            transform(
                "pt",
                formula("x*2", ["pt"]),
                transform(
                    "eta",
                    formula("abs(x)", ["eta"]),
                    transform("pt", formula("x+y", ["pt", "eta"]), formula("x*1000+y", ["pt", "eta"])),
                ),
            ),
        ),
        corr(
            "t_prng_smear",
            [pt, eta, n],
            transform("pt", hashprng(["pt", "eta", "n"], "normal"), formula("x", ["pt"])),
        ),
        corr(
            "t_then_prng",
            [pt, n],
            transform(
                "n",
                binning("pt", [0.0, 10.0, 100.0], [1.0, 2.0], 3.0),
                transform("pt", formula("x*0.5", ["pt"]), hashprng(["pt", "n"], "stdflat")),
            ),
        ),
        corr(
            "t_inside_category",
            [syst, pt],
            category(
                "syst",
                [("nominal", transform("pt", formula("x*1.2", ["pt"]), binning("pt", uniform(5, 0.0, 100.0), [1.0, 2.0, 3.0, 4.0, 5.0], "error")))],
                default=formula("x", ["pt"]),
            ),
        ),
    ]
    return out


# -------------------------------------------------------------- hashprng.json
def hashprng_set() -> list[s.Correction]:
    event, lumi, pt, eta = integer("event"), integer("lumi"), real("pt"), real("eta")
    out = []
    for dist in ("stdflat", "stdnormal", "normal"):
        out.append(corr(f"h_{dist}_int", [event, lumi], hashprng(["event", "lumi"], dist)))
        out.append(corr(f"h_{dist}_real", [pt, eta], hashprng(["pt", "eta"], dist)))
        out.append(corr(f"h_{dist}_mixed", [pt, event], hashprng(["event", "pt"], dist)))
        out.append(corr(f"h_{dist}_single", [pt], hashprng(["pt"], dist)))
    out.append(corr("h_repeated_input", [event], hashprng(["event", "event", "event"], "normal")))
    out.append(
        corr(
            "h_in_binning",
            [pt, event],
            binning("pt", [0.0, 50.0, 100.0], [hashprng(["event"], "stdflat"), hashprng(["event", "pt"], "normal")], 0.0),
        )
    )
    return out


# -------------------------------------------------------------- compound.json
def compound_set() -> tuple[list[s.Correction], list[s.CompoundCorrection]]:
    pt, eta, syst, rho = real("pt"), real("eta"), string("syst"), real("rho")
    parts = [
        corr(
            "c_l1",
            [pt, rho],
            formula("max(0.0001,1-y/x*0.5)", ["pt", "rho"]),
        ),
        corr(
            "c_l2",
            [eta, pt],
            binning(
                "eta",
                [-5.0, -2.5, 0.0, 2.5, 5.0],
                [formula("[0]+[1]*log10(x)", ["pt"], [rnd(0.9, 1.1), rnd(-0.02, 0.02)]) for _ in range(4)],
                "clamp",
            ),
        ),
        corr("c_l3", [pt], binning("pt", [0.0, 30.0, 100.0, 1e9], [1.01, 0.99, 1.0], "clamp")),
        corr(
            "c_syst",
            [syst, pt],
            category("syst", [("nominal", 1.0), ("up", formula("1+10/x", ["pt"])), ("down", 0.97)]),
        ),
        corr("c_eta_error", [eta], binning("eta", [-2.5, 0.0, 2.5], [1.1, 0.9], "error")),
        corr("c_add", [pt], formula("x*0.01", ["pt"])),
    ]

    def compound(name, inputs, update, in_op, out_op, stack):
        return s.CompoundCorrection(
            name=name,
            description=f"synthetic compound: {name}",
            inputs=inputs,
            output=OUTPUT,
            inputs_update=update,
            input_op=in_op,
            output_op=out_op,
            stack=stack,
        )

    compounds = [
        compound("cc_jec_mul", [pt, eta, rho], ["pt"], "*", "*", ["c_l1", "c_l2", "c_l3"]),
        compound("cc_last", [pt, eta, rho], ["pt"], "*", "last", ["c_l1", "c_l2", "c_l3"]),
        compound("cc_add", [pt, eta], ["pt"], "+", "+", ["c_add", "c_l2", "c_add"]),
        compound("cc_div", [pt, eta], ["pt"], "/", "/", ["c_l2", "c_l3", "c_l2"]),
        compound("cc_no_update", [pt, eta, syst], [], "*", "*", ["c_l2", "c_syst", "c_l3"]),
        compound("cc_two_updates", [pt, eta, rho], ["pt", "rho"], "+", "*", ["c_l1", "c_l1", "c_l3"]),
        compound("cc_with_errors", [syst, pt, eta], ["pt"], "*", "*", ["c_syst", "c_eta_error", "c_l3"]),
        compound("cc_single", [eta, pt], ["pt"], "*", "last", ["c_l2"]),
    ]
    return parts, compounds


# ------------------------------------------------------------------ bench.json
def bench_set() -> list[s.Correction]:
    """What benches/eval.rs times: a 10x10 pt x eta scale factor and JEC-like formulas."""
    pt, eta = real("pt"), real("eta")
    pte = [15.0, 20.0, 30.0, 40.0, 50.0, 70.0, 100.0, 150.0, 250.0, 500.0, 1000.0]
    etae = [-2.5, -2.0, -1.566, -1.444, -0.8, 0.0, 0.8, 1.444, 1.566, 2.0, 2.5]
    return [
        corr(
            "bench_binned2d",
            [pt, eta],
            multibinning(["pt", "eta"], [pte, etae], [rnd(0.8, 1.2) for _ in range(100)], "clamp"),
        ),
        corr(
            "bench_formula",
            [pt, eta],
            formula("[0]+[1]*log10(x)+[2]*pow(log10(x),2)+[3]*y*y", ["pt", "eta"], [1.05, -0.03, 0.004, 0.01]),
        ),
        corr(
            "bench_jec_l2",
            [pt, eta],
            binning(
                "eta",
                etae,
                [
                    formularef(0, [rnd(0.9, 1.1), rnd(-0.05, 0.05), rnd(-0.01, 0.01), rnd(1.0, 3.0)])
                    for _ in range(len(etae) - 1)
                ],
                "clamp",
            ),
            generic_formulas=[
                formula("max(0.0001,[0]+[1]*log10(x)+[2]*pow(log10(x),2)+[3]/x)", ["pt"]),
            ],
        ),
    ]


def write(name: str, corrections, compounds=None, gz: bool = False) -> None:
    kw = {}
    if compounds:
        kw["compound_corrections"] = compounds
    cset = s.CorrectionSet(
        schema_version=2,
        description=f"rask synthetic conformance set: {name} (generated by tests/make_synthetic.py)",
        corrections=corrections,
        **kw,
    )
    text = cset.model_dump_json(exclude_unset=True, indent=1)
    # correctionlib's own evaluator must load it (C++ parse of every node).
    ev = correctionlib.CorrectionSet.from_string(text)
    assert sorted(ev) == sorted(c.name for c in corrections), name
    path = OUT / f"{name}.json"
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(OUT.parent.parent.parent)} ({len(corrections)} corrections, {len(compounds or [])} compound)")
    if gz:
        gzpath = OUT / f"{name}.json.gz"
        with open(gzpath, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write((text + "\n").encode("utf-8"))
        correctionlib.CorrectionSet.from_file(str(gzpath))
        print(f"wrote {gzpath.relative_to(OUT.parent.parent.parent)}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    write("binning", binning_set())
    write("multibinning", multibinning_set())
    write("category", category_set(), gz=True)
    write("formula", formula_set())
    write("formularef", formularef_set())
    write("transform", transform_set())
    write("hashprng", hashprng_set())
    parts, compounds = compound_set()
    write("compound", parts, compounds)
    write("bench", bench_set())
    return 0


if __name__ == "__main__":
    sys.exit(main())
