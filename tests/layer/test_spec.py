"""ConvSpec.parse and the parse helpers: sizes, strides, paddings, index arithmetic, errors."""

from __future__ import annotations


import numpy as np
import pytest

import symconv
from symconv import ConvSpec, SpecError
from symconv.layer import slices
from symconv.layer.parse import parse_padding, parse_per_axis, parse_size


# -- valid specs: output size --------------------------------------------------
@pytest.mark.parametrize(
    "inp, filt, output",
    [
        ("5", "2", (4,)),
        ("3x3", "2x2", (2, 2)),
        ("7x5", "3x2", (5, 4)),
        ("4x5x6", "2x2x3", (3, 4, 4)),
        (5, 2, (4,)),
        ((3, 3), (2, 2), (2, 2)),
        ((7, 5), "3x2", (5, 4)),
        ("4x5x6", (2, 2, 3), (3, 4, 4)),
        (" 3X3 ", "2x2", (2, 2)),
    ],
    ids=["1d-5/2", "2d-3x3/2x2", "2d-7x5/3x2", "3d-4x5x6/2x2x3", "ints", "tuples", "tuple+str", "str+tuple", "upper-spaces"],
)
def test_output_size_plain(inp, filt, output):
    spec = ConvSpec.parse(inp, filt)
    assert spec.output == output
    assert spec.rank == len(output)
    assert spec.stride == (1,) * spec.rank
    assert spec.dilation == (1,) * spec.rank
    assert spec.padding == ((0, 0),) * spec.rank
    assert spec.remainder == (0,) * spec.rank
    assert spec.is_plain


def test_input_and_filter_are_stored_as_tuples():
    spec = ConvSpec.parse("7x5", "3x2")
    assert spec.input == (7, 5)
    assert spec.filter == (3, 2)


@pytest.mark.parametrize(
    "stride, expected",
    [("2", (2, 2)), (2, (2, 2)), ("2x1", (2, 1)), ((1, 3), (1, 3)), ((2,), (2, 2))],
    ids=["str-broadcast", "int-broadcast", "str-per-axis", "tuple-per-axis", "1-tuple-broadcast"],
)
def test_stride_broadcast_and_per_axis(stride, expected):
    spec = ConvSpec.parse("7x7", "3x3", stride=stride)
    assert spec.stride == expected
    assert not spec.is_plain


@pytest.mark.parametrize(
    "dilation, expected",
    [("2", (2, 2)), ("2x1", (2, 1)), (3, (3, 3))],
    ids=["str-broadcast", "per-axis", "int"],
)
def test_dilation_broadcast_and_per_axis(dilation, expected):
    spec = ConvSpec.parse("9x9", "3x3", dilation=dilation)
    assert spec.dilation == expected
    assert spec.extent == tuple(d * 2 + 1 for d in expected)


def test_parse_per_axis_helper():
    assert parse_per_axis(2, 3, "--stride") == (2, 2, 2)
    assert parse_per_axis("2x1", 2, "--stride") == (2, 1)
    assert parse_per_axis("3", 1, "--dilation") == (3,)


def test_parse_size_helper():
    assert parse_size("7x5", "--input") == (7, 5)
    assert parse_size(4, "--filter") == (4,)
    assert parse_size((1, 2, 3), "--input") == (1, 2, 3)


# -- padding -------------------------------------------------------------------
@pytest.mark.parametrize(
    "padding, expected",
    [
        ("1", ((1, 1), (1, 1))),
        (1, ((1, 1), (1, 1))),
        ("0", ((0, 0), (0, 0))),
        ("1x2", ((1, 1), (2, 2))),
        ("1:0x2:1", ((1, 0), (2, 1))),
        ("2:1", ((2, 1), (2, 1))),
        (((1, 0), (2, 1)), ((1, 0), (2, 1))),
        ("valid", ((0, 0), (0, 0))),
        ("VALID", ((0, 0), (0, 0))),
        ("full", ((2, 2), (1, 1))),
        ("same", ((1, 1), (0, 1))),
    ],
    ids=["str-1", "int-1", "str-0", "per-axis", "per-side", "one-pair-broadcast", "tuple", "valid", "VALID", "full", "same"],
)
def test_padding_forms(padding, expected):
    spec = ConvSpec.parse("7x7", "3x2", padding=padding)
    assert spec.padding == expected


@pytest.mark.parametrize(
    "inp, filt, dilation, expected",
    [
        ("5", "3", 1, ((2, 2),)),
        ("5", "3", 2, ((4, 4),)),
        ("6x6", "2x3", "1x3", ((1, 1), (6, 6))),
    ],
    ids=["K3", "K3-d2", "2d-per-axis-dilation"],
)
def test_full_padding_is_dilated_reach_on_both_sides(inp, filt, dilation, expected):
    spec = ConvSpec.parse(inp, filt, dilation=dilation, padding="full")
    assert spec.padding == expected
    # full correlation: output = I + d(K-1)
    assert spec.output == tuple(i + e - 1 for i, e in zip(spec.input, spec.extent))


@pytest.mark.parametrize(
    "inp, filt, dilation, expected",
    [
        ("7", "4", 1, ((1, 2),)),
        ("7", "3", 1, ((1, 1),)),
        ("6", "1", 1, ((0, 0),)),
        ("8", "2", 1, ((0, 1),)),
        ("9", "3", 2, ((2, 2),)),
        ("6x7", "4x3", 1, ((1, 2), (1, 1))),
    ],
    ids=["K4-extra-high", "K3", "K1", "K2-extra-high", "K3-d2", "2d"],
)
def test_same_padding_keeps_size_and_puts_extra_zero_high(inp, filt, dilation, expected):
    spec = ConvSpec.parse(inp, filt, dilation=dilation, padding="same")
    assert spec.padding == expected
    assert spec.output == spec.input


def test_parse_padding_helper_docstring_cases():
    assert parse_padding("1:0x2:1", 2, (3, 3), (1, 1)) == ((1, 0), (2, 1))
    assert parse_padding("same", 1, (4,), (1,)) == ((1, 2),)
    assert parse_padding("full", 1, (5,), (1,)) == ((4, 4),)
    assert parse_padding(3, 1, (2,), (2,)) == ((3, 3),)


# -- output size, remainder and gradient paddings on hand-computed cases --------
# Each row: (input, filter, kwargs, output, remainder, grad_input_padding, grad_filter_padding)
# O = floor((I + lo + hi - d(K-1) - 1) / s) + 1, r = (I + lo + hi - d(K-1) - 1) mod s
HAND = [
    # 1-D, I=7 K=3 s=2 pad 1:0 -> 7+1+0-2-1 = 5 -> O=3, r=1; gi=(2-1, 2-0+1); gf=(1, 0-1)
    ("7", "3", dict(stride=2, padding="1:0"), (3,), (1,), ((1, 3),), ((1, -1),)),
    # I=9 K=2 s=3 d=2 p=4 -> 9+8-2-1 = 14 -> O=5, r=2; gi=(2-4, 2-4+2); gf=(4, 4-2)
    ("9", "2", dict(stride=3, dilation=2, padding=4), (5,), (2,), ((-2, 0),), ((4, 2),)),
    # I=9 K=3 s=2 d=2 -> 9-4-1 = 4 -> O=3, r=0; gi=(4, 4); gf=(0, 0)
    ("9", "3", dict(stride=2, dilation=2), (3,), (0,), ((4, 4),), ((0, 0),)),
    # I=10 K=3 s=4 -> 10-2-1 = 7 -> O=2, r=3; gi=(2, 5); gf=(0, -3)
    ("10", "3", dict(stride=4), (2,), (3,), ((2, 5),), ((0, -3),)),
    # I=3 K=1 p=2 -> 3+4-0-1 = 6 -> O=7, r=0; gi=(-2, -2); gf=(2, 2)
    ("3", "1", dict(padding=2), (7,), (0,), ((-2, -2),), ((2, 2),)),
    # 2-D: axis0 I=7 K=3 s=2 p=1:0 -> O=3 r=1; axis1 I=7 K=3 s=2 p=2:1 -> 7+3-2-1=7 -> O=4 r=1
    (
        "7x7", "3x3", dict(stride=2, padding="1:0x2:1"),
        (3, 4), (1, 1), ((1, 3), (0, 2)), ((1, -1), (2, 0)),
    ),
    # 2-D per-axis stride: axis0 I=9 K=2 s=3 -> 9-1-1 = 7 -> O=3 r=1; axis1 I=5 K=2 s=1 -> O=4 r=0
    ("9x5", "2x2", dict(stride="3x1"), (3, 4), (1, 0), ((1, 2), (1, 1)), ((0, -1), (0, 0))),
    # 3-D plain
    ("4x5x6", "2x2x3", {}, (3, 4, 4), (0, 0, 0), ((1, 1), (1, 1), (2, 2)), ((0, 0), (0, 0), (0, 0))),
]


@pytest.mark.parametrize(
    "inp, filt, kw, output, remainder, gi, gf",
    HAND,
    ids=["7/3-s2-p1:0", "9/2-s3-d2-p4", "9/3-s2-d2", "10/3-s4", "3/1-p2", "7x7/3x3-s2-p1:0x2:1", "9x5/2x2-s3x1", "3d-plain"],
)
def test_hand_computed_arithmetic(inp, filt, kw, output, remainder, gi, gf):
    spec = ConvSpec.parse(inp, filt, **kw)
    assert spec.output == output
    assert spec.remainder == remainder
    assert spec.grad_input_padding == gi
    assert spec.grad_filter_padding == gf


def _formula(spec):
    out, rem = [], []
    for i, k, s, d, (lo, hi) in zip(spec.input, spec.filter, spec.stride, spec.dilation, spec.padding):
        n = i + lo + hi - d * (k - 1) - 1
        out.append(n // s + 1)
        rem.append(n % s)
    return tuple(out), tuple(rem)


PADS = {"0": (0, 0), "1": (1, 1), "2:0": (2, 0), "0:3": (0, 3)}
GRID = [
    (i, k, s, d, p)
    for i in range(1, 9)
    for k in range(1, 4)
    for s in (1, 2, 3)
    for d in (1, 2)
    for p in PADS
    if i + sum(PADS[p]) >= d * (k - 1) + 1
]


def test_formula_and_gradient_paddings_over_grid():
    assert len(GRID) > 200
    for i, k, s, d, p in GRID:
        spec = ConvSpec.parse(i, k, stride=s, dilation=d, padding=p)
        (lo, hi), = spec.padding
        assert (lo, hi) == PADS[p]
        out, rem = _formula(spec)
        assert spec.output == out, (i, k, s, d, p)
        assert spec.remainder == rem, (i, k, s, d, p)
        e = d * (k - 1)
        assert spec.grad_input_padding == ((e - lo, e - hi + rem[0]),), (i, k, s, d, p)
        assert spec.grad_filter_padding == ((lo, hi - rem[0]),), (i, k, s, d, p)
        # the last window ends exactly r rows before the end of the padded input
        last_read = s * (out[0] - 1) + e
        assert i + lo + hi - 1 - last_read == rem[0]


# -- names -------------------------------------------------------------------
def test_name_examples():
    assert ConvSpec.parse("3x3", "2x2").name == "conv2d_i3x3_f2x2"
    assert ConvSpec.parse("3x3", "2x2").name.isidentifier()


NAME_GRID = [
    dict(inp=inp, filt=filt, stride=s, dilation=d, padding=p)
    for inp, filt in (("6", "2"), ("6", "3"), ("7", "2"), ("6x6", "2x2"), ("6x7", "2x2"), ("6x6", "2x3"), ("5x5x5", "2x2x2"))
    for s in ("1", "2", "2x1")
    for d in ("1", "2", "1x2")
    for p in ("0", "1", "1:0", "0:1", "1x2", "same", "full")
]


def _try_parse(c):
    try:
        return ConvSpec.parse(c["inp"], c["filt"], stride=c["stride"], dilation=c["dilation"], padding=c["padding"])
    except SpecError:
        return None


def test_names_are_identifiers_and_distinct_for_distinct_specs():
    specs = {s for s in map(_try_parse, NAME_GRID) if s is not None}
    assert len(specs) > 100
    names = {}
    for spec in specs:
        assert spec.name.isidentifier(), spec.name
        assert spec.name.startswith(f"conv{spec.rank}d_"), spec.name
        other = names.setdefault(spec.name, spec)
        assert other == spec, f"{spec} and {other} share the name {spec.name}"
    assert len(names) == len(specs)


def test_name_does_not_depend_on_spelling():
    assert ConvSpec.parse("3x3", "2x2", stride=2).name == ConvSpec.parse((3, 3), (2, 2), stride="2x2").name
    assert ConvSpec.parse("5", "2", padding="1").name == ConvSpec.parse("5", "2", padding="1:1").name


# -- errors ----------------------------------------------------------------------
BIG = "4x4"  # input for option tests on 2 axes, filter 2x2

ERRORS = [
    # (input, filter, kwargs, option)
    ("3x3", "2", {}, "--filter"),
    ("3", "2x2", {}, "--filter"),
    ("0", "1", {}, "--input"),
    ("3x0", "1x1", {}, "--input"),
    ("3", "0", {}, "--filter"),
    ("-3", "1", {}, "--input"),
    ("3x-1", "1x1", {}, "--input"),
    ("3", "-1", {}, "--filter"),
    (-3, 1, {}, "--input"),
    ((3, -1), (1, 1), {}, "--input"),
    ("3.5", "1", {}, "--input"),
    ("3", "1.5", {}, "--filter"),
    (3.0, 1, {}, "--input"),
    ("a", "1", {}, "--input"),
    ("3x", "1", {}, "--input"),
    ("x3", "1", {}, "--input"),
    ("3xx3", "1x1", {}, "--input"),
    ("", "1", {}, "--input"),
    ("3", "", {}, "--filter"),
    ((), (), {}, "--input"),
    ("2", "3", {}, "--filter"),
    ("3x3", "2x4", {}, "--filter"),
    ("5", "3", dict(dilation=3), "--dilation"),  # the filter itself fits: the dilation is the cause
    ("2x2x2x2", "1x1x1x1", {}, "--input"),
    (BIG, "2x2", dict(stride=0), "--stride"),
    (BIG, "2x2", dict(stride="0"), "--stride"),
    (BIG, "2x2", dict(stride="2x0"), "--stride"),
    (BIG, "2x2", dict(stride=-1), "--stride"),
    (BIG, "2x2", dict(stride="1.5"), "--stride"),
    (BIG, "2x2", dict(stride="2x2x2"), "--stride"),
    (BIG, "2x2", dict(dilation=0), "--dilation"),
    (BIG, "2x2", dict(dilation="0x1"), "--dilation"),
    (BIG, "2x2", dict(dilation="1x1x1"), "--dilation"),
    (BIG, "2x2", dict(padding=((1, -1), (0, 0))), "--padding"),
    (BIG, "2x2", dict(padding=-1), "--padding"),
    (BIG, "2x2", dict(padding="-1"), "--padding"),
    (BIG, "2x2", dict(padding="1:-1"), "--padding"),
    (BIG, "2x2", dict(padding="same", stride=2), "--padding"),
    (BIG, "2x2", dict(padding="same", stride="1x2"), "--padding"),
    (BIG, "2x2", dict(padding="1x2x3"), "--padding"),
    (BIG, "2x2", dict(padding="1:0x2:1x0"), "--padding"),
    (BIG, "2x2", dict(padding=((1, 1),)), "--padding"),
    (BIG, "2x2", dict(padding=((1, 1), (1, 1), (1, 1))), "--padding"),
    (BIG, "2x2", dict(padding=((1, 1, 1), (1, 1))), "--padding"),
    (BIG, "2x2", dict(padding="abc"), "--padding"),
    (BIG, "2x2", dict(padding="1:"), "--padding"),
    (BIG, "2x2", dict(padding="1.5"), "--padding"),
    (BIG, "2x2", dict(padding="medium"), "--padding"),
    (BIG, "2x2", dict(padding=[1, 1]), "--padding"),
    (True, 1, {}, "--input"),
    (3, False, {}, "--filter"),
    ((3, True), (1, 1), {}, "--input"),
    (BIG, "2x2", dict(stride=True), "--stride"),
    (BIG, "2x2", dict(dilation=True), "--dilation"),
    (BIG, "2x2", dict(padding=True), "--padding"),
    (BIG, "2x2", dict(padding=((True, 0), (0, 0))), "--padding"),
]

ERROR_IDS = [
    "rank-mismatch-2d-1d", "rank-mismatch-1d-2d", "input-0", "input-axis-0", "filter-0",
    "input-negative", "input-negative-axis", "filter-negative", "input-negative-int", "input-negative-tuple",
    "input-3.5", "filter-1.5", "input-float", "input-a", "input-3x", "input-x3", "input-3xx3",
    "input-empty", "filter-empty", "input-empty-tuple", "filter-larger", "filter-larger-axis1",
    "dilated-filter-larger", "rank-4", "stride-0-int", "stride-0-str", "stride-axis-0", "stride-negative",
    "stride-1.5", "stride-wrong-axes", "dilation-0", "dilation-axis-0", "dilation-wrong-axes",
    "padding-negative-tuple", "padding-negative-int", "padding-negative-str", "padding-negative-side",
    "same-stride-2", "same-stride-1x2", "padding-3-axes", "padding-sides-3-axes", "padding-tuple-1-axis",
    "padding-tuple-3-axes", "padding-tuple-triple", "padding-abc", "padding-dangling-colon",
    "padding-1.5", "padding-word", "padding-list", "input-bool", "filter-bool", "input-bool-in-tuple",
    "stride-bool", "dilation-bool", "padding-bool", "padding-bool-in-tuple",
]


@pytest.mark.parametrize("inp, filt, kw, option", ERRORS, ids=ERROR_IDS)
def test_errors_name_their_option_on_one_line(inp, filt, kw, option):
    with pytest.raises(SpecError) as info:
        ConvSpec.parse(inp, filt, **kw)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, symconv.SymconvError)
    message = str(err)
    assert message.startswith(option + ": "), message
    assert err.option == option
    assert "\n" not in message and "\r" not in message
    assert len(message) > len(option) + 10  # says what is wrong, not just the option


def test_error_ids_match_cases():
    assert len(ERROR_IDS) == len(ERRORS)


def test_derive_raises_the_same_spec_error():
    with pytest.raises(SpecError, match=r"^--stride: "):
        symconv.derive("3x3", "2x2", stride=0)


def test_empty_output_message_mentions_the_padded_input():
    # reachable only with padding: filter 5 on input 2 padded by 1 on each side
    with pytest.raises(SpecError, match=r"^--filter: .*padded input"):
        ConvSpec.parse("2", "5", padding=1)
    # with enough padding it becomes valid
    assert ConvSpec.parse("2", "5", padding="2:1").output == (1,)


# -- direct construction validates as well (class docstring: "both validate") ---
@pytest.mark.parametrize(
    "kwargs, option",
    [
        (dict(input=(3, 3), filter=(2,)), "--filter"),
        (dict(input=(3, 3), filter=(2, 2), stride=(0, 1)), "--stride"),
        (dict(input=(3, 3), filter=(2, 2), dilation=(1, 0)), "--dilation"),
        (dict(input=(3, 3), filter=(2, 2), padding=((0, 0),)), "--padding"),
        (dict(input=(3, 3), filter=(4, 2)), "--filter"),
        (dict(input=(1, 1, 1, 1), filter=(1, 1, 1, 1)), "--input"),
        (dict(input=(3, 3), filter=(2, 2), stride=(2,)), "--stride"),
        (dict(input=(3, 3), filter=(2, 2), dilation=(2,)), "--dilation"),
    ],
    ids=[
        "filter-rank", "stride-0", "dilation-0", "padding-axes", "empty-output", "rank-4",
        "stride-1-tuple-for-2d", "dilation-1-tuple-for-2d",
    ],
)
def test_direct_construction_validates(kwargs, option):
    with pytest.raises(SpecError) as info:
        spec = ConvSpec(**kwargs)
        # if construction does not raise, the spec must at least be internally consistent
        pytest.fail(f"accepted {spec!r} with output {spec.output} for a rank-{spec.rank} input")
    assert str(info.value).startswith(option + ": ")


def test_input_window_is_where_x_sits_in_the_padded_input():
    spec = ConvSpec.parse("7x5", "3x3", padding="2:1x0:3")
    assert spec.padded_input == (10, 8)
    assert slices.input_window(spec) == (slice(2, 9), slice(0, 5))
    padded = np.zeros(spec.padded_input)
    padded[slices.input_window(spec)] = 1
    assert padded.sum() == 35 and padded[0].sum() == 0 and padded[:, 5:].sum() == 0
