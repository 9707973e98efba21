"""The proof: chain-rule expansions == closed convolution forms, and it can fail."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy

import symconv
import symconv.derivation.index_forms
import symconv.derivation.prove as prove_mod
import wrong_forms
from symconv import ProofError
from symconv.derivation.bilinear import Bilinear
from symconv.derivation.symbols import F, G, X
from symconv.derivation.polynomials import identity_holds
from wrong_forms import break_forms

# -- the proof holds over a grid ---------------------------------------------------
ONE_D = [(str(i), str(k), {}) for i in range(1, 7) for k in range(1, i + 1)]
TWO_D = [
    ("1x1", "1x1", {}),
    ("2x3", "2x1", {}),
    ("3x3", "3x3", {}),
    ("4x4", "1x1", {}),
    ("5x4", "2x3", {}),
    ("6x6", "3x3", {}),
]
THREE_D = [
    ("2x2x2", "1x1x1", {}),
    ("3x3x3", "2x2x2", {}),
    ("4x5x6", "2x2x3", {}),
]
GENERAL = [
    ("7x7", "3x3", dict(stride=2, padding="1:0x2:1")),
    ("9", "2", dict(stride=3, dilation=2, padding=4)),
    ("3", "1", dict(padding=2)),
    ("9", "3", dict(stride=2, dilation=2)),
    ("6", "4", dict(padding="same")),
    ("10", "3", dict(stride=4)),
    ("7x6", "2x3", dict(stride="2x1", dilation="1x2", padding="full")),
    ("5x5", "2x2", dict(stride=3)),
]


def _id(case):
    inp, filt, kw = case
    extra = ",".join(f"{k[0]}={v}" for k, v in kw.items())
    return f"{inp}/{filt}" + (f"[{extra}]" if extra else "")


CASES = ONE_D + TWO_D + THREE_D + GENERAL


@pytest.mark.parametrize("inp, filt, kw", CASES, ids=[_id(c) for c in CASES])
def test_proof_holds(inp, filt, kw):
    d = symconv.derive(inp, filt, **kw)
    for part, n in ((d.proof.filter, math.prod(d.spec.filter)), (d.proof.input, math.prod(d.spec.input))):
        assert part.total == n
        assert part.proven == part.total
        assert part.failures == ()
        assert part.holds
    assert d.proof.filter.gradient == "dL/dF"
    assert d.proof.input.gradient == "dL/dX"
    assert d.proof.holds
    assert d.proof.identities == d.proof.filter.total + d.proof.input.total
    # the closed forms have exactly the shapes of the gradients they stand for
    assert d.closed_filter.shape == d.spec.filter
    assert d.closed_input.shape == d.spec.input


def test_tutorial_counts():
    d = symconv.derive("3x3", "2x2")
    assert (d.proof.filter.proven, d.proof.filter.total) == (4, 4)
    assert (d.proof.input.proven, d.proof.input.total) == (9, 9)
    assert d.proof.filter.empty == 0 and d.proof.input.empty == 0
    assert d.proof.identities == 13


@pytest.mark.parametrize(
    "inp, filt, kw, empty",
    [
        ("5x5", "2x2", dict(stride=3), 9),  # row 2 and column 2 unread: 5 + 5 - 1
        ("4", "2", dict(stride=3), 2),  # X[2], X[3]
        ("9", "2", dict(stride=3, dilation=2, padding=4), 3),  # X[0], X[3], X[6]
        ("6", "2", dict(stride=3), 2),  # X[2], X[5]
    ],
    ids=["5x5/2x2-s3", "4/2-s3", "9/2-s3-d2-p4", "6/2-s3"],
)
def test_empty_counts_for_unread_inputs(inp, filt, kw, empty):
    d = symconv.derive(inp, filt, **kw)
    assert d.proof.input.empty == empty
    assert d.proof.filter.empty == 0
    assert d.proof.holds
    # unread elements are proven equal to 0: the closed form is 0 there as well
    unread = [i for i, e in d.expansion_input.items() if not e.terms]
    assert len(unread) == empty
    for i in unread:
        assert sympy.expand(d.closed_input[i]) == 0


def test_closed_forms_are_the_tutorial_correlations():
    d = symconv.derive("3x3", "2x2")
    # dL/dF_12 = G11 X12 + G12 X13 + G21 X22 + G22 X23
    assert sympy.expand(d.closed_filter[0, 1] - (G[0, 0] * X[0, 1] + G[0, 1] * X[0, 2] + G[1, 0] * X[1, 1] + G[1, 1] * X[1, 2])) == 0
    # full convolution corner: dL/dX_33 = G22 F22
    assert sympy.expand(d.closed_input[2, 2] - G[1, 1] * F[1, 1]) == 0


# -- the proof compares two independent things: broken closed forms must FAIL -------
def test_unrotated_filter_fails_input_proof(monkeypatch):
    break_forms(monkeypatch, wrong_forms.NO_ROTATION)
    d = symconv.derive("3x3", "2x2")
    assert d.proof.input.failures
    assert not d.proof.input.holds
    assert not d.proof.holds
    assert d.proof.input.proven == d.proof.input.total - len(d.proof.input.failures)
    # dL/dX_11 would be G11 F22 instead of G11 F11
    assert (0, 0) in d.proof.input.failures
    assert d.proof.filter.holds  # dL/dF does not use the rotation
    assert list(d.proof.input.failures) == _reference_failures(d, "X")


def test_unrotated_filter_passes_when_rotation_is_irrelevant(monkeypatch):
    # control: a 1x1 filter equals its rotation, so the patched proof still holds
    break_forms(monkeypatch, wrong_forms.NO_ROTATION)
    assert symconv.derive("3x3", "1x1").proof.holds


def test_undilated_gradient_padding_fails_input_proof(monkeypatch):
    spec_args = ("9", "3")
    kw = dict(stride=2, dilation=2)
    assert symconv.derive(*spec_args, **kw).proof.holds  # sanity: correct before the patch
    break_forms(monkeypatch, wrong_forms.UNDILATED_PADDING)
    d = symconv.derive(*spec_args, **kw)
    assert d.spec.grad_input_padding == ((2, 2),)
    assert d.proof.input.failures
    assert not d.proof.holds
    assert d.proof.filter.holds


def test_unswapped_stride_dilation_fails_filter_proof(monkeypatch):
    break_forms(monkeypatch, wrong_forms.UNSWAPPED)
    d = symconv.derive("7x7", "3x3", stride=2)
    assert d.closed_filter.shape == (3, 3)  # same shape, wrong contents
    assert d.proof.filter.failures
    assert not d.proof.filter.holds
    assert not d.proof.holds
    assert d.proof.input.holds
    # dL/dF_11 = sum_y G[y] X[2y]; the unswapped form multiplies G[y] by X[y] instead
    assert (0, 0) in d.proof.filter.failures
    assert list(d.proof.filter.failures) == _reference_failures(d, "F")


def test_unswapped_stride_dilation_is_harmless_without_stride(monkeypatch):
    # control: stride 1, dilation 1 make the swap a no-op, so the patched pipeline still proves
    break_forms(monkeypatch, wrong_forms.UNSWAPPED)
    assert symconv.derive("4x4", "2x2").proof.holds


def _reference_failures(d, name: str) -> list:
    """The elements where SymPy's polynomials of the expansion and of the (equally broken) SymPy
    closed form differ: the reference decision, on independently built expressions."""
    expansions, closed = {"F": (d.expansion_filter, d.closed_filter), "X": (d.expansion_input, d.closed_input)}[name]
    return [i for i, e in expansions.items() if not identity_holds(e.expr, closed[i])]


# -- rendering refuses failed proofs -----------------------------------------------
@pytest.mark.parametrize("render", [symconv.render_latex, symconv.render_numpy], ids=["latex", "numpy"])
def test_render_raises_on_failed_input_proof(monkeypatch, render):
    break_forms(monkeypatch, wrong_forms.NO_ROTATION)
    d = symconv.derive("3x3", "2x2")
    with pytest.raises(ProofError) as info:
        render(d)
    message = str(info.value)
    assert "dL/dX" in message
    first = symconv.render.printing.index_label(d.proof.input.failures[0])
    assert f"X_{{{first}}}" in message
    assert "X_{" in message
    assert isinstance(info.value, symconv.SymconvError)


@pytest.mark.parametrize("render", [symconv.render_latex, symconv.render_numpy], ids=["latex", "numpy"])
def test_render_raises_on_failed_filter_proof(monkeypatch, render):
    break_forms(monkeypatch, wrong_forms.UNSWAPPED)
    d = symconv.derive("7x7", "3x3", stride=2)
    with pytest.raises(ProofError) as info:
        render(d)
    message = str(info.value)
    assert "dL/dF" in message
    assert "F_{" + symconv.render.printing.index_label(d.proof.filter.failures[0]) + "}" in message


@pytest.mark.parametrize("render", [symconv.render_latex, symconv.render_numpy], ids=["latex", "numpy"])
def test_render_raises_on_failed_bias_proof(monkeypatch, render):
    monkeypatch.setattr(symconv.derivation.index_forms, "grad_bias", _bias_from_channel_0)
    d = symconv.derive("4x4", "2x2", bias=True, out_channels=2)
    assert d.proof.bias.failures == ((1,),) and d.proof.filter.holds and d.proof.input.holds
    with pytest.raises(ProofError, match="dL/db: 1 of 2 identities failed, first at b_"):
        render(d)


def _bias_from_channel_0(spec, ids):
    """dL/db[o] as the sum of G over output channel 0, for every o: right for o = 0 only."""
    g = symconv.derivation.index_forms.tensors(spec, ids)["G"][:, :1]
    o = np.repeat(np.arange(spec.c_out), g.size)
    return Bilinear.of(spec.b_shape, o, np.zeros(o.size), np.tile(g.ravel(), spec.c_out), ids.count)


@pytest.mark.parametrize("render", [symconv.render_latex, symconv.render_numpy], ids=["latex", "numpy"])
def test_render_succeeds_on_proven_derivation(render):
    text = render(symconv.derive("3x3", "2x2"))
    assert isinstance(text, str) and text.strip()


# -- identity_holds ----------------------------------------------------------------
a, b = X[0], F[0]


@pytest.mark.parametrize(
    "derived, closed, expected",
    [
        ((a + b) ** 2, a**2 + 2 * a * b + b**2, True),
        (G[0] * (X[0] + X[1]), X[1] * G[0] + G[0] * X[0], True),
        (X[0] * F[0] + X[1] * F[1], F[1] * X[1] + F[0] * X[0], True),
        (sympy.S.Zero, sympy.S.Zero, True),
        (sympy.Add(), sympy.Integer(0), True),
        (X[0] * F[0] + X[1] * F[1], X[0] * F[0], False),
        (X[0] * F[0] + X[1] * F[1], X[0] * F[0] + X[1] * F[0], False),
        (X[0] * F[0], 2 * X[0] * F[0], False),
        (sympy.S.Zero, G[0] * F[0], False),
        (X[0] * F[0], None, False),
        (sympy.S.Zero, None, False),
    ],
    ids=[
        "binomial", "distributed", "reordered", "zero-zero", "empty-sum", "missing-term",
        "one-term-differs", "coefficient", "zero-vs-term", "closed-none", "zero-vs-none",
    ],
)
def test_identity_holds(derived, closed, expected):
    assert identity_holds(derived, closed) is expected


def test_prove_fails_every_element_of_a_closed_form_of_the_wrong_shape():
    d = symconv.derive("3", "2")
    right = d.closed.input()
    short = dataclasses.replace(right, shape=(2,))  # the closed form lacks X[2]
    result = prove_mod.prove("dL/dX", d.gradients.forms["X"], short)
    assert result.failures == ((0,), (1,), (2,))
    assert result.total == 3 and result.proven == 0
    assert not result.holds
    reference = prove_mod.prove_reference("dL/dX", d.expansion_input, d.closed_input[:2], (3,))
    assert reference.failures == result.failures


def test_crop_larger_than_the_real_input_eats_into_the_padding():
    """I=1, K=1, s=3, lo=2: r=2 > hi=0, so pad(X, lo, hi - r) crops 2 from a length-3 padded row."""
    spec = symconv.ConvSpec(input=(1,), filter=(1,), stride=(3,), padding=((2, 0),))
    d = symconv.derive(spec)
    assert spec.grad_filter_padding == ((2, -2),)
    assert d.proof.holds
    assert d.closed_filter.shape == (1,) and d.closed_filter[0] == 0
    assert d.proof.input.empty == 1 and d.proof.filter.empty == 1
