"""The proof on index arrays: it agrees with the SymPy reference element by element, a wrong closed
form fails exactly at the elements where it is wrong, and its two sides are built independently."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
import symconv.derivation.bilinear as bilinear
import symconv.derivation.index_forms as index_forms
import wrong_forms
from symconv.derivation import chainrule, index_operators, recipes
from symconv.derivation.bilinear import Bilinear, canonical, failing_elements
from symconv.derivation.gradients import local_gradients_reference
from symconv.derivation.ids import ZERO, Numbering
from symconv.derivation.index_forms import Closed
from symconv.derivation.model import build_model
from symconv.derivation.polynomials import polynomial
from symconv.derivation.prove import prove, prove_reference
from symconv.derivation.symbols import G
from symconv.layer import ConvSpec, axis
from wrong_forms import break_forms

LAYERS = [
    ("3x3", "2x2", {}),
    ("7", "3", {"padding": 2, "stride": 2}),
    ("5x6", "3x2", {"padding": "same"}),
    ("4x5x6", "2x2x3", {}),
    ("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}),
    ("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True}),
    ("6", "2", {"batch": 2, "in_channels": 2, "out_channels": 3}),
    ("9", "2", {"stride": 3, "dilation": 2, "padding": 4}),
    ("10", "3", {"stride": 4}),  # stride beyond the filter's reach: interior rows no window reads
    ("3x2", "2x1", {"padding": "3:2x2:2", "in_channels": 2, "out_channels": 4, "groups": 2, "bias": True}),
    ("10x8", "3x2", {"stride": "3x2", "padding": "1:0x0:1", "in_channels": 2, "out_channels": 3}),  # r > hi
]
IDS = [f"{i}/{f}{kw}" for i, f, kw in LAYERS]


def _polynomials_of_rows(d, form: Bilinear) -> dict[int, dict]:
    """Each element's rows as a SymPy canonical polynomial (``polynomials.polynomial``'s form)."""
    terms: dict[int, list] = {}
    for element, a, b, c in canonical(form).rows():
        terms.setdefault(element, []).append(c * d.closed.ids.expr(a) * d.closed.ids.expr(b))
    return {element: polynomial(sympy.Add(*t)) for element, t in terms.items()}


def _chain_rule_by_sympy_diff(d) -> dict:
    """``{w: sum_y G[y] * dO_y/dw}`` with ``sympy.diff`` of every window's own expression (the
    windows come from ``layout``'s per-element reads, not from the model's arrays)."""
    out: dict = {}
    for window in d.model.windows:
        for w, dw in local_gradients_reference(window.expr):
            out[w] = out.get(w, sympy.S.Zero) + G[window.output] * dw
    return out


@pytest.mark.parametrize("inp, filt, kw", LAYERS, ids=IDS)
def test_every_elements_rows_are_the_sympy_polynomials_of_both_sides(inp, filt, kw):
    """Chain rule: the rows of element w are the polynomial of sum_y G[y] * sympy.diff(O_y, w);
    closed form: the rows are the polynomial of forms.py's SymPy closed form."""
    d = symconv.derive(inp, filt, **kw)
    by_diff = _chain_rule_by_sympy_diff(d)
    for name, expansions, closed, build in (("F", d.expansion_filter, d.closed_filter, d.closed.filter),
                                            ("X", d.expansion_input, d.closed_input, d.closed.input),
                                            ("b", d.expansion_bias, d.closed_bias, d.closed.bias)):
        derived, made = _polynomials_of_rows(d, d.gradients.forms[name]), _polynomials_of_rows(d, build())
        for flat, (index, e) in enumerate(expansions.items()):
            assert derived.get(flat, {}) == polynomial(by_diff.get(e.element, 0)), (name, index)
            assert made.get(flat, {}) == polynomial(closed[index]), (name, index)


@pytest.mark.parametrize("inp, filt, kw", LAYERS, ids=IDS)
def test_the_fast_proof_agrees_with_the_sympy_reference(inp, filt, kw):
    d = symconv.derive(inp, filt, **kw)
    for fast, expansions, closed, shape in ((d.proof.filter, d.expansion_filter, d.closed_filter, d.spec.f_shape),
                                            (d.proof.input, d.expansion_input, d.closed_input, d.spec.x_shape)):
        assert fast == prove_reference(fast.gradient, expansions, closed, shape)
    assert d.proof.holds


# -- wrong closed forms fail exactly where the reference says they are wrong --------------------------
WRONG = [
    ("no rotation", wrong_forms.NO_ROTATION, ("5x4", "3x2", {"stride": 2, "padding": "1:0x0:1"})),
    ("first axis rotated", wrong_forms.FIRST_AXIS_ROTATED, ("5x4", "3x2", {"padding": 1})),
    ("unswapped", wrong_forms.UNSWAPPED, ("7x6", "3x2", {"stride": "2x1", "dilation": "1x2"})),
    ("K-1 for d(K-1)", wrong_forms.UNDILATED_PADDING, ("9", "3", {"stride": 2, "dilation": 2, "padding": 1})),
    ("edge padding, 2-D", wrong_forms.EDGE_PADDING, ("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"})),
    ("edge padding, 1-D", wrong_forms.EDGE_PADDING, ("9", "2", {"stride": 3, "dilation": 2, "padding": 4})),
    ("edge padding, channels", wrong_forms.EDGE_PADDING,
     ("5x4", "2x2", {"padding": 1, "in_channels": 2, "out_channels": 2, "bias": True})),
    ("plain reshape", wrong_forms.PLAIN_RESHAPE, ("4x3", "2x2", {"in_channels": 4, "out_channels": 6, "groups": 2})),
]


@pytest.mark.parametrize("bug, layer", [(b, layer) for _, b, layer in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_closed_form_fails_exactly_where_it_is_wrong(monkeypatch, bug, layer):
    break_forms(monkeypatch, bug)
    d = symconv.derive(layer[0], layer[1], **layer[2])
    failed = 0
    for fast, expansions, closed, shape in ((d.proof.filter, d.expansion_filter, d.closed_filter, d.spec.f_shape),
                                            (d.proof.input, d.expansion_input, d.closed_input, d.spec.x_shape)):
        assert fast.failures == prove_reference(fast.gradient, expansions, closed, shape).failures
        failed += len(fast.failures)
    assert failed  # every bug here changes some element of this layer


def test_edge_padding_fails_dl_df_exactly_at_the_taps_that_read_padding(monkeypatch):
    spec = ConvSpec.parse("7x7", "3x3", stride=2, padding="1:0x2:1")
    reads_padding = [k for k in itertools.product(range(3), range(3)) if any(
        not 0 <= axis.read(y, kk, s, dd, lo) < n
        for kk, s, dd, (lo, _), n, o in zip(k, spec.stride, spec.dilation, spec.padding, spec.input, spec.output)
        for y in range(o))]
    break_forms(monkeypatch, wrong_forms.EDGE_PADDING)
    d = symconv.derive(spec)
    assert list(d.proof.filter.failures) == reads_padding and 0 < len(reads_padding) < 9


@pytest.mark.parametrize("layer, holds", [
    (("9", "3", {"stride": 2}), True),  # r = 0
    (("10", "3", {"stride": 2, "dilation": 2}), True),  # r = 1 < d = 2: the extra row makes no tap
    (("10", "3", {"stride": 3}), False),  # r = 1 = d: one tap too many
    (("6x6", "2x2", {"stride": 3, "in_channels": 2, "out_channels": 2}), False),  # r = 1 = d on both axes
], ids=["r=0", "r<d", "r=d", "channels"])
def test_a_missing_crop_fails_only_with_a_remainder_of_at_least_the_dilation(monkeypatch, layer, holds):
    break_forms(monkeypatch, wrong_forms.UNCROPPED)
    d = symconv.derive(layer[0], layer[1], **layer[2])
    assert d.proof.filter.holds is holds and d.proof.input.holds
    assert len(d.proof.filter.failures) == (0 if holds else d.proof.filter.total)


# -- the decision is local: a form wrong at some elements fails at those and only those -----------------
def _changed(form: Bilinear, elements, spurious) -> Bilinear:
    """``form`` with one more row ``G * spurious`` at each of ``elements`` (flat indices)."""
    extra = Bilinear.of(form.shape, elements, np.full(len(elements), spurious[0]), np.full(len(elements), spurious[1]),
                        form.variables)
    return bilinear.concatenate(form.shape, form.variables, [form, extra])


@pytest.mark.parametrize("layer, which", [
    (("10", "3", {"stride": 4}), "interior rows no window reads (stride 4 > reach 3)"),
    (("10", "3", {"stride": 3}), "the trailing row the remainder (r = 1 > hi = 0) leaves unread"),
    (("5x5", "2x2", {"stride": 3}), "the row and column between windows"),
], ids=["stride>reach", "remainder", "2-D"])
def test_terms_where_no_window_reads_fail_exactly_there(layer, which):
    d = symconv.derive(layer[0], layer[1], **layer[2])
    empty = [flat for flat, e in enumerate(d.expansion_input.values()) if not e.terms]
    assert empty, which
    right = d.closed.input()
    g, f = d.closed.ids.offset["G"], d.closed.ids.offset["F"]
    wrong = _changed(right, empty, (g, f))  # each unread element gets G[0] * F[0]
    proof = prove("dL/dX", d.gradients.forms["X"], wrong)
    assert [int(np.ravel_multi_index(i, d.spec.x_shape)) for i in proof.failures] == empty


def test_a_coefficient_of_two_fails_and_cancelling_rows_do_not():
    d = symconv.derive("7x7", "3x3", stride=2, padding=1)
    right = canonical(d.closed.input())
    near_padding = [0, 6, 42, 48]  # the corners, where the padding cuts every window
    coefficient = np.ones(right.size, np.int64)
    coefficient[np.searchsorted(right.element, near_padding)] = 2  # each corner's first term counted twice
    doubled = dataclasses.replace(right, coefficient=coefficient, canonical=False)
    assert failing_elements(canonical(d.gradients.forms["X"]), canonical(doubled)).tolist() == near_padding
    g, f = d.closed.ids.offset["G"], d.closed.ids.offset["F"]
    plus = _changed(right, near_padding, (g, f))
    minus = Bilinear.of(right.shape, near_padding, [g] * 4, [f] * 4, right.variables, coefficient=[-1] * 4)
    assert not prove("dL/dX", d.gradients.forms["X"], plus).holds
    assert prove("dL/dX", d.gradients.forms["X"], bilinear.concatenate(right.shape, right.variables, [plus, minus])).holds


# -- the two sides are built independently ----------------------------------------------------------
def test_the_closed_side_reads_nothing_of_the_model_or_the_chain_rule(monkeypatch):
    spec = ConvSpec.parse("7x7", "3x3", stride=2, padding="1:0x2:1", in_channels=2, out_channels=2, bias=True)
    ids = Numbering.of(spec)
    before = [canonical(f()) for f in (Closed(spec, ids).filter, Closed(spec, ids).input, Closed(spec, ids).bias)]

    def forbidden(*args, **kwargs):
        raise AssertionError("the closed side used the chain rule's construction")

    for module, name in ((axis, "read"), (chainrule, "chain_forms"), (chainrule, "derivative_rows"),
                         (symconv.derivation.model, "build_model"), (symconv.derivation.gradients, "generic_gradients")):
        monkeypatch.setattr(module, name, forbidden)
    after = [canonical(f()) for f in (Closed(spec, ids).filter, Closed(spec, ids).input, Closed(spec, ids).bias)]
    assert all(bilinear.same_polynomials(a, b) for a, b in zip(before, after))


def test_the_chain_rule_reads_nothing_of_the_closed_forms(monkeypatch):
    spec = ConvSpec.parse("7x7", "3x3", stride=2, padding="1:0x2:1", in_channels=2, out_channels=2, bias=True)
    ids = Numbering.of(spec)
    before = chainrule.chain_forms(build_model(spec), ids)

    def forbidden(*args, **kwargs):
        raise AssertionError("the chain rule used the closed forms' construction")

    for module, name in ((recipes, "grad_filter_form"), (recipes, "grad_input_form"), (index_operators, "correlate"),
                         (index_forms, "evaluate"), (axis, "grad_input_padding"), (axis, "grad_filter_padding")):
        monkeypatch.setattr(module, name, forbidden)
    after = chainrule.chain_forms(build_model(spec), ids)
    assert all(bilinear.same_polynomials(before[n], after[n]) for n in before)


def test_a_wrong_read_formula_breaks_only_the_chain_rule_side_and_the_proof_sees_it(monkeypatch):
    monkeypatch.setattr(axis, "read", lambda y, k, s, d, lo: s * y + d * k - lo + 1)  # one row late
    d = symconv.derive("6", "2", padding=1)
    assert d.proof.filter.failures and d.proof.input.failures


# -- the two ways to enumerate a correlation and to sort rows agree ---------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 9))
def test_both_enumerations_of_a_correlation_give_the_same_terms(pairs, n, k, s, dil, seed):
    rng = np.random.default_rng(seed)
    a = np.where(rng.random((pairs, n, n + 1)) < 0.4, ZERO, rng.integers(1, 50, (pairs, n, n + 1)))
    b = np.where(rng.random((pairs, k, 2)) < 0.2, ZERO, rng.integers(50, 99, (pairs, k, 2)))
    spatial_a, spatial_b = a.shape[1:], b.shape[1:]
    shape = tuple(max(axis.correlation_length(x, y, s, dil), 0) for x, y in zip(spatial_a, spatial_b))
    if 0 in shape:
        return
    args = (a.reshape(pairs, -1), b.reshape(pairs, -1), spatial_a, spatial_b, shape, (s, 1), (dil, 1))
    by_outputs, by_entries = index_operators._by_outputs(*args), index_operators._by_entries(*args)
    rows = lambda p: sorted(zip(p.pair.tolist(), p.z.tolist(), p.a.tolist(), p.b.tolist()))  # noqa: E731
    assert rows(by_outputs) == rows(by_entries)


def test_packed_and_column_sorts_give_the_same_canonical_form(monkeypatch):
    d = symconv.derive("7x7", "3x3", stride=2, padding=1, in_channels=2, out_channels=2, bias=True)
    form = d.closed.input()
    form = dataclasses.replace(form, coefficient=np.arange(form.size) % 3 - 1)  # some zero, some negative
    packed = canonical(form)
    monkeypatch.setattr(bilinear, "INT64_LIMIT", 1)
    by_columns = canonical(form)
    assert packed.rows() == by_columns.rows() and packed.size < form.size
