"""The tutorial's 3x3 input / 2x2 filter: forward pass, local gradients, chain-rule expansions."""

from __future__ import annotations

import math
import re

import pytest
import sympy

import symconv
from symconv.render import printing
from symconv.derivation.symbols import F, G, X

BASES = {"X": X, "F": F, "G": G}


def el(label: str):
    """``"G12"`` (1-based, as in the tutorial) -> ``G[0, 1]``."""
    base, digits = label[0], label[1:]
    return BASES[base][tuple(int(c) - 1 for c in digits)]


def pairs(text: str) -> list[tuple]:
    """``"G11 F12 + G12 F11"`` -> ``[(G[0,0], F[0,1]), (G[0,1], F[0,0])]``, in the written order."""
    return [tuple(el(f) for f in term.split()) for term in text.split("+")]


def total(text: str) -> sympy.Expr:
    return sympy.Add(*(a * b for a, b in pairs(text)))


@pytest.fixture(scope="module")
def d():
    return symconv.derive("3x3", "2x2")


# -- forward pass -------------------------------------------------------------------
FORWARD = {
    "O11": "X11 F11 + X12 F12 + X21 F21 + X22 F22",
    "O12": "X12 F11 + X13 F12 + X22 F21 + X23 F22",
    "O21": "X21 F11 + X22 F12 + X31 F21 + X32 F22",
    "O22": "X22 F11 + X23 F12 + X32 F21 + X33 F22",
}


def test_forward_first_element_explicit(d):
    assert d.forward[(0, 0)] == X[0, 0] * F[0, 0] + X[0, 1] * F[0, 1] + X[1, 0] * F[1, 0] + X[1, 1] * F[1, 1]


@pytest.mark.parametrize("label", FORWARD, ids=list(FORWARD))
def test_forward_matches_tutorial(d, label):
    y = tuple(int(c) - 1 for c in label[1:])
    assert d.forward[y] == total(FORWARD[label])


def test_forward_keys_row_major(d):
    assert list(d.forward) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert d.spec.output == (2, 2)


# -- local gradients ------------------------------------------------------------------
@pytest.mark.parametrize("label", FORWARD, ids=list(FORWARD))
def test_local_gradients_match_tutorial(d, label):
    y = tuple(int(c) - 1 for c in label[1:])
    xf = pairs(FORWARD[label])  # (X[i], F[k]) in tap order
    # dO/dF_k = X_i  (e.g. dO11/dF11 = X11), listed in filter-index order
    assert d.local_filter[y] == tuple((f, x) for x, f in xf)
    # dO/dX_i = F_k  (e.g. dO11/dX11 = F11), listed in input-index order
    assert d.local_input[y] == tuple(sorted(((x, f) for x, f in xf), key=lambda p: tuple(map(int, p[0].indices))))


def test_local_gradients_first_output_explicit(d):
    assert d.local_filter[(0, 0)] == (
        (F[0, 0], X[0, 0]), (F[0, 1], X[0, 1]), (F[1, 0], X[1, 0]), (F[1, 1], X[1, 1]),
    )
    assert d.local_input[(0, 0)] == (
        (X[0, 0], F[0, 0]), (X[0, 1], F[0, 1]), (X[1, 0], F[1, 0]), (X[1, 1], F[1, 1]),
    )


def test_local_gradients_agree_with_sympy_diff(d):
    for y, o in d.forward.items():
        for w, dw in d.local_filter[y] + d.local_input[y]:
            assert sympy.diff(o, w) == dw


# -- chain-rule expansions (tutorial tables, 1-based labels, terms in row-major order of O)
DL_DF = {
    "F11": "G11 X11 + G12 X12 + G21 X21 + G22 X22",
    "F12": "G11 X12 + G12 X13 + G21 X22 + G22 X23",
    "F21": "G11 X21 + G12 X22 + G21 X31 + G22 X32",
    "F22": "G11 X22 + G12 X23 + G21 X32 + G22 X33",
}

DL_DX = {
    "X11": "G11 F11",
    "X12": "G11 F12 + G12 F11",
    "X13": "G12 F12",
    "X21": "G11 F21 + G21 F11",
    "X22": "G11 F22 + G12 F21 + G21 F12 + G22 F11",
    "X23": "G12 F22 + G22 F12",
    "X31": "G21 F21",
    "X32": "G21 F22 + G22 F21",
    "X33": "G22 F22",
}


def _check_expansion(expansion, element_label, table_text):
    expected = pairs(table_text)
    assert expansion.element == el(element_label)
    assert expansion.index == tuple(int(c) - 1 for c in element_label[1:])
    # order and content of the terms: (G_y, dO_y/dw) with y row-major
    got = [(G[t.output], t.local) for t in expansion.terms]
    assert got == expected
    outputs = [t.output for t in expansion.terms]
    assert outputs == sorted(outputs)
    assert [t.expr for t in expansion.terms] == [g * local for g, local in expected]
    assert expansion.expr == total(table_text)


@pytest.mark.parametrize("label", DL_DF, ids=[f"dL/d{k}" for k in DL_DF])
def test_filter_expansions_match_tutorial(d, label):
    k = tuple(int(c) - 1 for c in label[1:])
    _check_expansion(d.expansion_filter[k], label, DL_DF[label])


@pytest.mark.parametrize("label", DL_DX, ids=[f"dL/d{k}" for k in DL_DX])
def test_input_expansions_match_tutorial(d, label):
    i = tuple(int(c) - 1 for c in label[1:])
    _check_expansion(d.expansion_input[i], label, DL_DX[label])


def test_tutorial_examples_spelled_out(d):
    assert d.expansion_input[(1, 1)].expr == (
        G[0, 0] * F[1, 1] + G[0, 1] * F[1, 0] + G[1, 0] * F[0, 1] + G[1, 1] * F[0, 0]
    )
    assert d.expansion_filter[(0, 1)].expr == (
        G[0, 0] * X[0, 1] + G[0, 1] * X[0, 2] + G[1, 0] * X[1, 1] + G[1, 1] * X[1, 2]
    )


def test_expansion_dicts_cover_every_element_row_major(d):
    assert list(d.expansion_filter) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert list(d.expansion_input) == [(i, j) for i in range(3) for j in range(3)]


def test_expansions_equal_direct_chain_rule(d):
    """dL/dw = sum_y G_y dO_y/dw computed directly with sympy.diff on the forward pass."""
    for expansions in (d.expansion_filter, d.expansion_input):
        for e in expansions.values():
            direct = sympy.Add(*(G[y] * sympy.diff(o, e.element) for y, o in d.forward.items()))
            assert sympy.expand(e.expr - direct) == 0


# -- sparsity ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "inp, filt",
    [("3x3", "2x2"), ("5", "3"), ("7x5", "3x2"), ("4x5x6", "2x2x3"), ("4", "4")],
    ids=["3x3/2x2", "5/3", "7x5/3x2", "4x5x6/2x2x3", "4/4"],
)
def test_each_output_has_K_local_gradients_per_tensor(inp, filt):
    d = symconv.derive(inp, filt)
    K = math.prod(d.spec.filter)
    assert len(d.local_filter) == len(d.forward) == math.prod(d.spec.output)
    for y in d.forward:
        assert len(d.local_filter[y]) == K
        assert len(d.local_input[y]) == K
        assert all(w.base == F for w, _ in d.local_filter[y])
        assert all(w.base == X for w, _ in d.local_input[y])
        # every local gradient is a single symbol of the other tensor
        assert all(dw.base == X for _, dw in d.local_filter[y])
        assert all(dw.base == F for _, dw in d.local_input[y])
    # each filter tap is used by every output
    assert all(len(e.terms) == len(d.forward) for e in d.expansion_filter.values())


def test_unread_inputs_have_empty_expansions():
    # I=4, K=2, s=3: one output, reading X[0] and X[1]; X[2] and X[3] are never read
    d = symconv.derive("4", "2", stride=3)
    assert d.spec.output == (1,)
    assert d.forward[(0,)] == X[0] * F[0] + X[1] * F[1]
    assert d.expansion_input[(0,)].expr == G[0] * F[0]
    assert d.expansion_input[(1,)].expr == G[0] * F[1]
    for i in [(2,), (3,)]:
        e = d.expansion_input[i]
        assert e.terms == ()
        assert e.expr == 0
        assert e.element == X[i]
    assert d.proof.input.empty == 2
    assert d.proof.holds


def test_padding_taps_give_no_terms():
    # padding positions are zeros: O_0 with padding 1 and K=3 reads X[-1] (padding), X[0], X[1]
    d = symconv.derive("3", "3", padding=1)
    assert d.forward[(0,)] == F[1] * X[0] + F[2] * X[1]
    assert len(d.local_filter[(0,)]) == 2
    assert len(d.local_input[(0,)]) == 2
    assert d.forward[(1,)] == F[0] * X[0] + F[1] * X[1] + F[2] * X[2]


def test_strided_dilated_forward_reads_s_y_plus_d_k_minus_lo():
    d = symconv.derive("9", "2", stride=3, dilation=2, padding=4)
    # reads 3y + 2k - 4: y=0 -> -4,-2 (padding); y=1 -> -1,1; y=2 -> 2,4; y=3 -> 5,7; y=4 -> 8,10
    assert d.forward == {
        (0,): sympy.S.Zero,
        (1,): F[1] * X[1],
        (2,): F[0] * X[2] + F[1] * X[4],
        (3,): F[0] * X[5] + F[1] * X[7],
        (4,): F[0] * X[8],
    }
    assert [i for i, e in d.expansion_input.items() if not e.terms] == [(0,), (3,), (6,)]


# -- document printing -------------------------------------------------------------
@pytest.mark.parametrize(
    "index, label",
    [((0, 1), "12"), ((9, 3), "10,4"), ((0,), "1"), ((8, 8), "99"), ((0, 0, 9), "1,1,10"), ((2, 1, 0), "321")],
    ids=["12", "10,4", "1d", "99-no-comma", "3d-comma", "3d"],
)
def test_index_label(index, label):
    assert printing.index_label(index) == label


def test_latex_elements():
    assert printing.latex(X[9, 3]) == "X_{10,4}"
    assert printing.latex(X[1, 2]) == "X_{23}"
    assert printing.latex(F[0, 0]) == "F_{11}"
    assert printing.latex(G[0, 0]) == r"\frac{\partial L}{\partial O_{11}}"
    assert printing.latex(G[1, 0]) == r"\frac{\partial L}{\partial O_{21}}"
    assert printing.grad_symbol("X", (0, 1)) == r"\frac{\partial L}{\partial X_{12}}"


def test_latex_of_an_expansion_uses_document_labels(d):
    text = printing.latex(d.expansion_input[(1, 1)].expr)
    for part in (r"\partial O_{11}", r"\partial O_{22}", "F_{11}", "F_{22}", "F_{12}", "F_{21}"):
        assert part in text
    assert not re.search(r"[XFG]\[", text)
