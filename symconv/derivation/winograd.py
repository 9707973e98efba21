"""Winograd minimal filtering F(m, r) (Lavin & Gray 2016): the transforms and an exact proof.

The transforms are derived by Cook-Toom (Lagrange) interpolation with exact SymPy Rationals.
Linear convolution of an r-tap filter g(x) with an m-tap signal h(x) is a polynomial s(x) of
degree n - 1 (n = m + r - 1). Evaluating g and h at n - 1 = m + r - 2 finite points a_j and at infinity
(the leading coefficient) and interpolating back gives ``s = C [(E_r g) ⊙ (E_m h)]``, with E_k
the evaluation rows ``[1, a, ..., a^(k-1)]`` (infinity: ``[0, ..., 0, 1]``) and C the Lagrange
interpolation. Cross-correlation, the DL convolution ``y[i] = sum_k g[k] d[i + k]``, is the
transpose of that bilinear algorithm: ``y = A^T [(G g) ⊙ (B^T d)]`` with

    A^T = E_m^T                       (m, n)  powers of the points: small entries
    G   = diag(1 / c_j, 1) E_r        (n, r)  the Lagrange scale c_j = prod_{i != j} (a_j - a_i)
    B^T = coefficients (low degree first) of N_j(x) = prod_{i != j} (x - a_i), then of
          M(x) = prod_i (x - a_i) for the point at infinity      (n, n)

so the 1 / c_j factors sit in G, and B^T and A^T keep small entries. With points 0, 1, -1, 2, -2 this
is exactly Lavin & Gray's F(4, 3); their F(2, 3) differs from it only by the signs of rows 0 and 3.

The proof (:func:`prove_tile`) builds both sides from fresh SymPy symbols: the Winograd side by
applying the matrices along every axis of a tile d and a filter g, the direct side from the
definition of valid cross-correlation alone. Each output element is decided exactly: the
difference ``winograd - direct`` is expanded into its canonical sparse polynomial over the
rationals (``sympy.polys.rings``, the same normal form ``sympy.expand(winograd - direct) == 0``
tests, several times faster) and compared with zero. No simplify, no floats, no sampling.

Examples:
    >>> t = transforms(2, 3)
    >>> t.name, t.points, t.AT.shape, t.G.shape, t.BT.shape
    ('F(2, 3)', (0, 1, -1), (2, 4), (4, 3), (4, 4))
    >>> t.G.tolist()
    [[-1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    >>> prove_tile(t, 2).holds
    True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from typing import Iterator, Sequence, Union

import sympy
from sympy import ImmutableMatrix, Rational

from ..errors import SpecError

RANKS = (1, 2, 3)
Point = Union[int, Rational, Fraction]


@dataclass(frozen=True)
class Transforms:
    """The matrices of F(m, r): ``y = AT [(G g) ⊙ (BT d)]`` per axis; shapes are checked on creation."""

    m: int
    r: int
    points: tuple
    AT: ImmutableMatrix
    G: ImmutableMatrix
    BT: ImmutableMatrix

    def __post_init__(self) -> None:
        _check_size("m", self.m)
        _check_size("r", self.r)
        n = self.n
        object.__setattr__(self, "points", tuple(_rationals(self.points, n - 1, self.name)))
        for label, shape in (("AT", (self.m, n)), ("G", (n, self.r)), ("BT", (n, n))):
            matrix = ImmutableMatrix(getattr(self, label))
            if matrix.shape != shape:
                raise SpecError(label, f"shape {matrix.shape}, {self.name} needs {shape}")
            if not all(entry.is_Rational for entry in matrix):
                raise SpecError(label, "entries must be exact rationals")
            object.__setattr__(self, label, matrix)

    @property
    def n(self) -> int:
        """The tile size m + r - 1 per axis."""
        return self.m + self.r - 1

    @property
    def name(self) -> str:
        """``"F(m, r)"``."""
        return f"F({self.m}, {self.r})"

    def multiplications(self, rank: int) -> int:
        """General multiplications per tile, ``n**rank`` (direct correlation needs ``(m*r)**rank``).

        Examples:
            >>> transforms(4, 3).multiplications(2), (4 * 3) ** 2
            (36, 144)
        """
        _check_size("rank", rank)
        return self.n ** rank


@dataclass(frozen=True)
class TileProof:
    """The verdict on every output element of one tile identity."""

    name: str
    rank: int
    outputs: int
    holds: bool
    failures: tuple
    method: str


def default_points() -> Iterator[Rational]:
    """0, 1, -1, 1/2, -1/2, 2, -2, 1/4, -1/4, 4, -4, ...: small points, the usual accurate choice.

    Examples:
        >>> list(itertools.islice(default_points(), 9))
        [0, 1, -1, 1/2, -1/2, 2, -2, 1/4, -1/4]
    """
    yield Rational(0)
    yield from (Rational(1), Rational(-1))
    for k in itertools.count(1):
        for p in (Rational(1, 2 ** k), Rational(2 ** k)):
            yield from (p, -p)


def transforms(m: int, r: int, points: Sequence[Point] | None = None) -> Transforms:
    """AT, G, BT of F(m, r) by Lagrange interpolation at ``points`` (m + r - 2 of them) and infinity."""
    _check_size("m", m)
    _check_size("r", r)
    count = m + r - 2
    name = f"F({m}, {r})"
    chosen = list(itertools.islice(default_points(), count)) if points is None else _rationals(points, count, name)
    scales = [_product(a - b for b in chosen if b != a) for a in chosen] + [Rational(1)]
    G = ImmutableMatrix([[entry / c for entry in row] for row, c in zip(_evaluation_rows(chosen, r), scales)])
    AT = ImmutableMatrix(_evaluation_rows(chosen, m)).T
    BT = ImmutableMatrix([_coefficients([b for b in chosen if b != a], count + 1) for a in chosen]
                         + [_coefficients(chosen, count + 1)])
    return Transforms(m, r, tuple(chosen), AT, G, BT)


def prove_tile(t: Transforms, rank: int) -> TileProof:
    """Decide ``AT-along-axes[(G g) ⊙ (BT d)] == direct correlation`` for every output of a rank-``rank`` tile."""
    _check_rank(rank)
    winograd, direct, symbols = _sides(t, rank)
    from sympy.polys.rings import ring  # here: importing it costs a tenth of a second every run

    polynomials = ring(symbols, sympy.QQ)[0]
    failures = tuple(i for i in direct if polynomials(winograd[i] - direct[i]) != 0)
    method = (f"each of the {len(direct)} outputs, in fresh SymPy symbols, was decided by expanding "
              "winograd - direct into its canonical polynomial over the rationals (the normal form of "
              "sympy.expand) and comparing it with 0: no simplify, no floats, no sampling")
    return TileProof(_tile_name(t, rank), rank, len(direct), not failures, failures, method)


def tile_identity_text(t: Transforms, rank: int) -> str:
    """The tile identity of ``t`` at ``rank`` on one line, after the tile's name.

    Examples:
        >>> tile_identity_text(transforms(4, 3), 2)
        'F(4x4, 3x3): Y = A^T [(G g G^T) ⊙ (B^T d B)] A'
    """
    _check_rank(rank)
    text = {
        1: "y = A^T [(G g) ⊙ (B^T d)]",
        2: "Y = A^T [(G g G^T) ⊙ (B^T d B)] A",
        3: "Y = [(g ×₁ G ×₂ G ×₃ G) ⊙ (d ×₁ B^T ×₂ B^T ×₃ B^T)] ×₁ A^T ×₂ A^T ×₃ A^T",
    }[rank]
    return f"{_tile_name(t, rank)}: {text}"


def magnitude_growth(t: Transforms, rank: int) -> Rational:
    """How much larger than ``max|g| max|d|`` the magnitude of one tile output's computation can be.

    Rounding errors are proportional to the computation run on absolute values: per axis,
    output p of ``A^T [(G g) ⊙ (B^T d)]`` is at most ``k_p max|g| max|d|`` with
    ``k_p = sum_i |A^T_pi| (sum_k |G_ik|) (sum_l |B^T_il|)``, and the axes multiply, so the
    growth is ``(max_p k_p) ** rank`` (the direct correlation's is the filter's tap count ``r ** rank``).
    A kernel computing the tile with R successive roundings on any output's path is then within
    ``gamma(R) * growth * max|g| * max|d|`` of the exact tile, per channel pair
    (``gamma(R) = R u / (1 - R u)``, u the unit roundoff). Exact, in rationals.

    Examples:
        >>> magnitude_growth(transforms(2, 3, [0, 1, -1]), 1), magnitude_growth(transforms(4, 3), 2)
        (8, 2304)
    """
    _check_rank(rank)
    row_sums = [sum(abs(v) for v in G_row) * sum(abs(v) for v in BT_row)
                for G_row, BT_row in zip(t.G.tolist(), t.BT.tolist())]
    per_axis = max(sum(abs(a) * s for a, s in zip(row, row_sums)) for row in t.AT.tolist())
    return Rational(per_axis) ** rank


# -- helpers -------------------------------------------------------------------------------------


def _check_size(label: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(label, f"must be a positive integer, got {value!r}")


def _check_rank(rank: object) -> None:
    if type(rank) is not int or rank not in RANKS:
        raise SpecError("rank", f"must be 1, 2 or 3, got {rank!r}")


def _rationals(points: Sequence[Point], count: int, name: str) -> list:
    """The points as SymPy Rationals, refusing a wrong count, repeats and anything not rational."""
    points = list(points)
    if len(points) != count:
        raise SpecError("points", f"{len(points)} given, {name} needs m + r - 2 = {count}")
    chosen = [_rational(p) for p in points]
    if len(set(chosen)) != len(chosen):
        raise SpecError("points", f"repeated point in {[str(p) for p in chosen]}")
    return chosen


def _rational(point: object) -> Rational:
    if isinstance(point, Fraction):
        return Rational(point.numerator, point.denominator)
    if isinstance(point, int) and not isinstance(point, bool):
        return Rational(point)
    if isinstance(point, sympy.Basic) and point.is_Rational:
        return point
    raise SpecError("points", f"{point!r} is not an exact rational (int, Fraction or sympy.Rational)")


def _evaluation_rows(points: list, size: int) -> list:
    """Rows ``[1, a, ..., a^(size-1)]`` for each point, then ``[0, ..., 0, 1]`` for infinity."""
    return [[a ** k for k in range(size)] for a in points] + [[Rational(int(k == size - 1)) for k in range(size)]]


def _coefficients(roots: list, length: int) -> list:
    """Coefficients of ``prod (x - root)``, lowest degree first, padded with zeros to ``length``."""
    coefficients = [Rational(1)]
    for root in roots:
        shifted = [Rational(0)] + coefficients
        coefficients = [s - root * c for s, c in zip(shifted, coefficients + [Rational(0)])]
    return coefficients + [Rational(0)] * (length - len(coefficients))


def _product(values) -> Rational:
    return reduce(lambda a, b: a * b, values, Rational(1))


def _symbols(prefix: str, shape: tuple) -> dict:
    """A tensor of fresh symbols, ``{index: Symbol}``, named like ``d_0_2``."""
    return {i: sympy.Dummy(prefix + "_" + "_".join(map(str, i))) for i in itertools.product(*map(range, shape))}


def _along(matrix: ImmutableMatrix, tensor: dict, axis: int) -> dict:
    """``matrix`` applied along one axis of ``tensor``: ``out[.., p, ..] = sum_j M[p, j] T[.., j, ..]``."""
    rest = sorted({key[:axis] + key[axis + 1:] for key in tensor})
    out = {}
    for outer, p in itertools.product(rest, range(matrix.rows)):
        terms = [matrix[p, j] * tensor[outer[:axis] + (j,) + outer[axis:]] for j in range(matrix.cols) if matrix[p, j]]
        out[outer[:axis] + (p,) + outer[axis:]] = sympy.Add(*terms)
    return out


def _along_all(matrix: ImmutableMatrix, tensor: dict, rank: int) -> dict:
    """``matrix`` applied along every axis (rank 2: ``M T M^T``)."""
    return reduce(lambda acc, axis: _along(matrix, acc, axis), range(rank), tensor)


def _sides(t: Transforms, rank: int) -> tuple:
    """``({output: winograd}, {output: direct}, symbols)`` for a tile d and a filter g of fresh symbols."""
    d = _symbols("d", (t.n,) * rank)
    g = _symbols("g", (t.r,) * rank)
    transformed = _along_all(t.BT, d, rank)
    product = {key: value * transformed[key] for key, value in _along_all(t.G, g, rank).items()}
    winograd = _along_all(t.AT, product, rank)
    outputs = itertools.product(range(t.m), repeat=rank)
    return winograd, {i: _direct(d, g, i, t.r) for i in outputs}, [*g.values(), *d.values()]


def _direct(d: dict, g: dict, i: tuple, r: int) -> sympy.Expr:
    """Valid cross-correlation by its definition: ``y[i] = sum_k g[k] d[i + k]``, k in [0, r)^rank."""
    taps = itertools.product(range(r), repeat=len(i))
    return sympy.Add(*(g[k] * d[tuple(a + b for a, b in zip(i, k))] for k in taps))


def _tile_name(t: Transforms, rank: int) -> str:
    """``F(4x4, 3x3)`` for rank 2 (``F(4, 3)`` for rank 1)."""
    return f"F({'x'.join([str(t.m)] * rank)}, {'x'.join([str(t.r)] * rank)})"
