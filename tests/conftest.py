"""Shared fixtures and helpers: the repository root, a CLI runner, external tools, and the
finite-difference check of a generated kernel."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True, scope="session")
def kernel_cache(tmp_path_factory):
    """Keep kernels loaded by tests out of the user's ~/.cache."""
    import os

    os.environ["SYMCONV_CACHE"] = str(tmp_path_factory.mktemp("kernel-cache"))


def require_tool(name: str) -> str:
    """The path of an external tool (pdflatex, xelatex, pdftoppm, ...): skipped when missing,
    except in CI (CI=true), where .ci/run must have installed it."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing in CI: .ci/run must install it")
        pytest.skip(f"{name} is not installed")
    return path


def check_finite_differences(k, X, F, G, rng, eps: float = 1e-6) -> None:
    """Central differences of L = <forward(X, F), G> along random directions match the kernel's
    gradients (L is linear in each argument, so only rounding separates them)."""
    V, W = rng.standard_normal(X.shape), rng.standard_normal(F.shape)

    def loss(X, F):
        return np.vdot(k.forward(X, F), G)

    fd_x = (loss(X + eps * V, F) - loss(X - eps * V, F)) / (2 * eps)
    fd_f = (loss(X, F + eps * W) - loss(X, F - eps * W)) / (2 * eps)
    scale_x = np.abs(k.grad_input(F, G)).ravel() @ np.abs(V).ravel() + 1e-300
    scale_f = np.abs(k.grad_filter(X, G)).ravel() @ np.abs(W).ravel() + 1e-300
    assert fd_x == pytest.approx(np.vdot(k.grad_input(F, G), V), rel=1e-6, abs=1e-8 * scale_x)
    assert fd_f == pytest.approx(np.vdot(k.grad_filter(X, G), W), rel=1e-6, abs=1e-8 * scale_f)
