"""Winograd F(m, r): the Cook-Toom transforms, their exact tile proof, and proofs that must fail."""

from __future__ import annotations

import ast
import dataclasses
import itertools
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy
from sympy import ImmutableMatrix, Rational

from conftest import ROOT
from symconv.derivation import winograd
from symconv.derivation.winograd import (
    TileProof, Transforms, magnitude_growth, prove_tile, tile_identity_text, transforms,
)

SEVENTH = Rational(1, 7)
SIZES = [(2, 3), (4, 3), (3, 2), (6, 3)]

# Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks", the published matrices.
LAVIN_F23 = dict(
    BT=[[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G=[[1, 0, 0], [Rational(1, 2)] * 3, [Rational(1, 2), Rational(-1, 2), Rational(1, 2)], [0, 0, 1]],
    AT=[[1, 1, 1, 0], [0, 1, -1, -1]],
)
LAVIN_F43 = dict(
    BT=[[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    G=[[Rational(1, 4), 0, 0], [Rational(-1, 6)] * 3, [Rational(-1, 6), Rational(1, 6), Rational(-1, 6)],
       [Rational(1, 24), Rational(1, 12), Rational(1, 6)], [Rational(1, 24), Rational(-1, 12), Rational(1, 6)],
       [0, 0, 1]],
    AT=[[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
)


def _changed(t: Transforms, label: str, row: int, col: int, delta=SEVENTH) -> Transforms:
    """``t`` with one entry of one matrix moved by ``delta``."""
    matrix = getattr(t, label).as_mutable()
    matrix[row, col] += delta
    return dataclasses.replace(t, **{label: ImmutableMatrix(matrix)})


def _fractions(matrix: ImmutableMatrix) -> np.ndarray:
    return np.array([[Fraction(int(e.p), int(e.q)) for e in matrix.row(i)] for i in range(matrix.rows)], dtype=object)


def _winograd_numeric(t: Transforms, d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """AT[(G g G^T) ⊙ (BT d B)]A in exact Fractions (rank 1 or 2), by numpy on object arrays."""
    AT, G, BT = _fractions(t.AT), _fractions(t.G), _fractions(t.BT)
    if d.ndim == 1:
        return AT @ ((G @ g) * (BT @ d))
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T


def _direct_numeric(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Valid cross-correlation by a plain loop: y[i] = sum_k g[k] d[i + k]."""
    m = tuple(a - b + 1 for a, b in zip(d.shape, g.shape))
    y = np.zeros(m, dtype=object)
    for i in itertools.product(*map(range, m)):
        y[i] = sum(g[k] * d[tuple(a + b for a, b in zip(i, k))] for k in itertools.product(*map(range, g.shape)))
    return y


# -- the transforms ------------------------------------------------------------------------------


@pytest.mark.parametrize("m, r", SIZES)
def test_transforms_have_the_shapes_of_f_m_r(m, r):
    t = transforms(m, r)
    n = m + r - 1
    assert (t.m, t.r, t.n, t.name) == (m, r, n, f"F({m}, {r})")
    assert (t.AT.shape, t.G.shape, t.BT.shape, len(t.points)) == ((m, n), (n, r), (n, n), n - 1)
    assert all(isinstance(e, Rational) for matrix in (t.AT, t.G, t.BT) for e in matrix)
    assert t.multiplications(1) == n and t.multiplications(2) == n ** 2 < (m * r) ** 2


def test_default_points_are_the_small_accurate_ones():
    assert transforms(6, 3).points == (0, 1, -1, Rational(1, 2), Rational(-1, 2), 2, -2)
    assert transforms(2, 3).points == (0, 1, -1)
    assert transforms(1, 1).points == ()
    assert list(itertools.islice(winograd.default_points(), 11))[7:] == [Rational(1, 4), Rational(-1, 4), 4, -4]


def test_f43_at_lavins_points_is_lavins_published_f43():
    t = transforms(4, 3, [0, 1, -1, 2, -2])
    assert {k: getattr(t, k) for k in LAVIN_F43} == {k: ImmutableMatrix(v) for k, v in LAVIN_F43.items()}


def test_f23_is_lavins_up_to_the_signs_of_rows_0_and_3():
    t, lavin = transforms(2, 3), {k: ImmutableMatrix(v) for k, v in LAVIN_F23.items()}
    assert t.BT == sympy.diag(-1, 1, 1, -1) * lavin["BT"]
    assert t.G == sympy.diag(-1, 1, 1, 1) * lavin["G"]
    assert t.AT == lavin["AT"] * sympy.diag(1, 1, 1, -1)
    assert prove_tile(Transforms(2, 3, t.points, **lavin), 2).holds


def test_the_scaling_sits_in_g_so_bt_and_at_have_small_integer_entries():
    t = transforms(4, 3, [0, 1, -1, 2, -2])
    assert all(e.is_Integer and abs(e) <= 8 for e in (*t.AT, *t.BT))
    assert any(not e.is_Integer for e in t.G)


def test_points_may_be_ints_fractions_or_sympy_rationals():
    assert transforms(2, 3, [Fraction(0), sympy.Integer(1), -1]) == transforms(2, 3)
    t = transforms(2, 2, [Fraction(1, 3), Rational(-2, 5)])
    assert t.points == (Rational(1, 3), Rational(-2, 5)) and prove_tile(t, 2).holds


# -- the proof -----------------------------------------------------------------------------------


@pytest.mark.parametrize("m, r, rank, name", [
    (2, 3, 1, "F(2, 3)"), (2, 3, 2, "F(2x2, 3x3)"), (2, 3, 3, "F(2x2x2, 3x3x3)"),
    (4, 3, 1, "F(4, 3)"), (4, 3, 2, "F(4x4, 3x3)"),
    (3, 2, 1, "F(3, 2)"), (3, 2, 2, "F(3x3, 2x2)"), (3, 2, 3, "F(3x3x3, 2x2x2)"),
    (6, 3, 1, "F(6, 3)"), (1, 1, 3, "F(1x1x1, 1x1x1)"), (1, 3, 2, "F(1x1, 3x3)"), (3, 1, 2, "F(3x3, 1x1)"),
])
def test_the_tile_identity_holds(m, r, rank, name):
    proof = prove_tile(transforms(m, r), rank)
    assert isinstance(proof, TileProof)
    assert (proof.name, proof.rank, proof.outputs, proof.holds, proof.failures) == (name, rank, m ** rank, True, ())
    assert "exact" in proof.method or "rationals" in proof.method
    assert "\n" not in proof.method


def test_the_fast_decision_agrees_with_sympy_expand_element_by_element():
    for t in (transforms(2, 3), _changed(transforms(2, 3), "G", 1, 2)):
        winograd_side, direct, _ = winograd._sides(t, 2)
        by_expand = tuple(i for i in direct if sympy.expand(winograd_side[i] - direct[i]) != 0)
        assert prove_tile(t, 2).failures == by_expand
    assert by_expand  # the second transform is wrong, so the comparison covered a failure too


@pytest.mark.parametrize("m, r", [(2, 3), (4, 3), (3, 2)])
def test_exact_numbers_agree_with_the_direct_sum(m, r):
    """Independent of the proof: random integers, Fractions through the matrices, a plain loop."""
    t, rng = transforms(m, r), np.random.default_rng(m * 10 + r)
    for rank in (1, 2):
        d = rng.integers(-9, 10, size=(t.n,) * rank).astype(object)
        g = rng.integers(-9, 10, size=(r,) * rank).astype(object)
        assert (_winograd_numeric(t, d, g) == _direct_numeric(d, g)).all()
        if rank == 1:
            assert list(_winograd_numeric(t, d, g)) == list(np.correlate(d.astype(int), g.astype(int), "valid"))


@pytest.mark.parametrize("m, r", [(2, 3), (4, 3), (6, 3)])
def test_float_error_stays_within_the_derived_bound(m, r):
    """gamma(R) * growth * max|g| * max|d|, R the roundings on an output's path in this evaluation:
    two matrix products with rounded constants for U (r + 1 each), for V and for Y (n + 1 each), and
    the elementwise product."""
    t, rng = transforms(m, r), np.random.default_rng(7)
    AT, G, BT = (np.array(x.tolist(), dtype=float) for x in (t.AT, t.G, t.BT))
    roundings = 2 * (r + 1) + 4 * (t.n + 1) + 1
    u = np.finfo(float).eps / 2
    bound_factor = roundings * u / (1 - roundings * u) * float(magnitude_growth(t, 2))
    worst = 0.0
    for _ in range(50):
        d, g = rng.uniform(-1, 1, (t.n, t.n)), rng.uniform(-1, 1, (r, r))
        y = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T
        exact = _direct_numeric(d.astype(object), g.astype(object)).astype(float)
        worst = max(worst, np.abs(y - exact).max() / (np.abs(g).max() * np.abs(d).max()))
    assert 0 < worst <= bound_factor


@pytest.mark.parametrize("m, r, rank", [(2, 3, 1), (4, 3, 2), (6, 3, 1), (2, 3, 3)])
def test_the_growth_is_reached_by_the_computation_on_absolute_values(m, r, rank):
    """The growth is the largest output of the tile computed with |A^T|, |G|, |B^T| on all-ones
    data, exactly: a bound that is attained, and larger than the direct sum's r ** rank."""
    t = transforms(m, r)
    AT, G, BT = (np.abs(np.array(x.tolist(), dtype=object)) for x in (t.AT, t.G, t.BT))
    d, g = np.ones((t.n,) * rank, dtype=object), np.ones((r,) * rank, dtype=object)
    for axis in range(rank):
        d = np.moveaxis(np.tensordot(BT, d, axes=(1, axis)), 0, axis)
        g = np.moveaxis(np.tensordot(G, g, axes=(1, axis)), 0, axis)
    y = d * g
    for axis in range(rank):
        y = np.moveaxis(np.tensordot(AT, y, axes=(1, axis)), 0, axis)
    assert max(y.ravel()) == magnitude_growth(t, rank) > r ** rank


def test_the_growth_of_lavin_and_grays_f2_3():
    assert magnitude_growth(transforms(2, 3, [0, 1, -1]), 1) == 8  # A^T rows (1,1,1,0), (0,1,-1,1)
    assert magnitude_growth(transforms(4, 3), 2) == 48 ** 2


def test_the_identity_text_names_the_tile():
    t = transforms(4, 3)
    assert tile_identity_text(t, 1) == "F(4, 3): y = A^T [(G g) ⊙ (B^T d)]"
    assert tile_identity_text(t, 2) == "F(4x4, 3x3): Y = A^T [(G g G^T) ⊙ (B^T d B)] A"
    assert tile_identity_text(t, 3).startswith("F(4x4x4, 3x3x3): Y = ") and "\n" not in tile_identity_text(t, 3)


# -- proofs that must fail -----------------------------------------------------------------------


@pytest.mark.parametrize("m, r", [(2, 3), (4, 3)])
@pytest.mark.parametrize("row, col", [(0, 0), (1, 2)])
def test_a_changed_entry_of_at_fails_exactly_the_outputs_of_its_row(m, r, row, col):
    t = _changed(transforms(m, r), "AT", row, col)
    assert prove_tile(t, 1).failures == ((row,),)
    proof = prove_tile(t, 2)
    assert not proof.holds
    assert set(proof.failures) == {(p, q) for p in range(m) for q in range(m) if row in (p, q)}


@pytest.mark.parametrize("label", ["G", "BT"])
@pytest.mark.parametrize("m, r", [(2, 3), (4, 3)])
@pytest.mark.parametrize("row", [0, 1])
def test_a_changed_entry_of_g_or_bt_fails_the_outputs_that_read_its_row(label, m, r, row):
    t = transforms(m, r)
    reading = {i for i in range(m) if t.AT[i, row] != 0}  # outputs whose AT row uses that product
    changed = _changed(t, label, row, 0)
    one = prove_tile(changed, 1)
    assert not one.holds and set(one.failures) == {(i,) for i in reading}
    two = prove_tile(changed, 2)
    assert not two.holds and set(two.failures) == {(p, q) for p in range(m) for q in range(m) if {p, q} & reading}


@pytest.mark.parametrize("m, r", [(2, 3), (4, 3), (3, 2)])
def test_swapping_two_rows_of_bt_only_fails(m, r):
    t = transforms(m, r)
    swapped = dataclasses.replace(t, BT=t.BT.elementary_row_op("n<->m", row1=1, row2=2))
    for rank in (1, 2):
        proof = prove_tile(swapped, rank)
        assert not proof.holds and proof.failures


@pytest.mark.parametrize("m, r", [(2, 2), (2, 3), (4, 3), (3, 2)])
def test_a_transform_for_convolution_is_not_one_for_correlation(m, r):
    """G with its columns reversed computes convolution (flipped g): correct for that, wrong here."""
    t = transforms(m, r)
    flipped = dataclasses.replace(t, G=t.G[:, ::-1])
    d, g = np.arange(1, t.n + 1, dtype=object) ** 2, np.arange(1, r + 1, dtype=object)
    assert list(_winograd_numeric(flipped, d, g)) == list(np.convolve(d.astype(int), g.astype(int), "valid"))
    for rank in (1, 2):
        proof = prove_tile(flipped, rank)
        assert not proof.holds and proof.failures


def test_reversing_g_changes_nothing_for_one_tap():
    t = transforms(3, 1)
    assert prove_tile(dataclasses.replace(t, G=t.G[:, ::-1]), 2).holds


def test_matrices_from_different_points_do_not_mix():
    a, b = transforms(2, 3, [0, 1, -1]), transforms(2, 3, [0, 2, -2])
    assert not prove_tile(dataclasses.replace(a, G=b.G), 1).holds


def test_a_transform_for_f23_used_with_the_r_of_f22_is_refused():
    t = transforms(2, 3)
    with pytest.raises(ValueError, match=r"^points: 3 given, F\(2, 2\) needs m \+ r - 2 = 2$"):
        dataclasses.replace(t, r=2)
    with pytest.raises(ValueError, match=r"^AT: shape \(2, 4\), F\(2, 2\) needs \(2, 3\)$"):
        Transforms(2, 2, t.points[:2], t.AT, t.G, t.BT)
    with pytest.raises(ValueError, match=r"^G: shape \(4, 2\), F\(2, 3\) needs \(4, 3\)$"):
        Transforms(2, 3, t.points, t.AT, t.G[:, :2], t.BT)


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, option", [
    ((2, 3, [0, 1, 1]), "points"),
    ((2, 3, [0, 1]), "points"),
    ((2, 3, [0, 1, -1, 2]), "points"),
    ((0, 3), "m"),
    ((2, 0), "r"),
    ((-1, 3), "m"),
    ((2.0, 3), "m"),
    ((True, 3), "m"),
    ((2, 3, [0, 0.5, -1]), "points"),
    ((2, 3, [0, sympy.Float(0.5), -1]), "points"),
    ((2, 3, [0, sympy.sqrt(2), -1]), "points"),
    ((2, 3, [0, "1", -1]), "points"),
    ((2, 3, [0, Rational(1, 2), Fraction(1, 2)]), "points"),
])
def test_bad_transforms_are_refused_in_one_line(args, option):
    with pytest.raises(ValueError) as info:
        transforms(*args)
    assert str(info.value).startswith(f"{option}: ") and "\n" not in str(info.value)


@pytest.mark.parametrize("rank", [0, 4, -1, 2.0, True])
def test_ranks_other_than_1_2_3_are_refused(rank):
    t = transforms(2, 3)
    for call in (prove_tile, tile_identity_text, magnitude_growth):
        with pytest.raises(ValueError, match="^rank: must be 1, 2 or 3"):
            call(t, rank)


def test_float_matrix_entries_are_refused():
    t = transforms(2, 3)
    with pytest.raises(ValueError, match="^G: entries must be exact rationals$"):
        dataclasses.replace(t, G=t.G * sympy.Float(1.0))


def test_the_module_imports_only_sympy_the_standard_library_and_errors():
    tree = ast.parse((ROOT / "symconv" / "derivation" / "winograd.py").read_text(encoding="utf-8"))
    relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    absolute = {name.split(".")[0] for node in ast.walk(tree) for name in
                ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module] if isinstance(node, ast.ImportFrom) and not node.level else [])}
    assert relative == {"errors"}
    assert absolute - set(sys.stdlib_module_names) == {"sympy"}
