"""One table of layer options feeds ConvSpec, the API and the CLI."""

from __future__ import annotations

import dataclasses

import pytest

import symconv
from symconv.cli import main
from symconv.layer import OPTIONS, ConvSpec


def test_convspec_fields_are_the_table():
    assert [f.name for f in dataclasses.fields(ConvSpec)] == [o.name for o in OPTIONS]


def test_cli_derive_has_a_flag_per_option(runner):
    text = runner.invoke(main, ["derive", "--help"]).output
    for option in OPTIONS:
        assert option.flag in text
        assert option.help.split(";")[0].split(" (")[0] in " ".join(text.split())


def test_api_takes_every_option_by_name():
    values = dict(stride="2", dilation="1", padding="1", in_channels=2, out_channels=2, groups=1, batch=1, bias=True)
    assert set(values) | {"input", "filter"} == {o.name for o in OPTIONS}
    d = symconv.derive("5x5", "3x3", **values)
    assert d.spec == ConvSpec.parse("5x5", "3x3", **values)


def test_unknown_option_is_refused():
    with pytest.raises(symconv.SpecError, match="colour: not a layer option"):
        symconv.derive("3x3", "2x2", colour="red")


def test_a_convspec_is_the_whole_layer():
    with pytest.raises(symconv.SpecError, match="do not also pass filter, stride"):
        symconv.derive(ConvSpec.parse("5x5", "2x2"), "5x5", stride=3)


def test_bias_must_be_a_bool():
    with pytest.raises(symconv.SpecError, match="--bias: 'no' is not allowed"):
        symconv.derive("3x3", "2x2", bias="no")
