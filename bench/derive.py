"""Benchmark: symconv's derive + prove against two baselines run in the same process.

    python bench/derive.py            # the full table (the Matrix.jacobian baseline at 28x28/5x5 takes a minute)
    python bench/derive.py --quick    # leaves the slow baseline at 28x28/5x5 out

Baselines, written here from the same definitions (they are not part of symconv):
  * Matrix.jacobian: O as a SymPy Matrix of plain Symbols, dense Jacobians dO/dF and dO/dX, the chain rule
    as J^T G, closed forms as SymPy sums, the proof as expand(a - b) == 0 per element.
  * symengine sparse: the same sparse algorithm as symconv's reference (differentiate each
    O_y by the elements in it, chain rule, closed forms, expand(a - b) == 0) in symengine.
    symengine is only needed here (pip install symengine); without it the column says so.

Then it checks the issue's floors, as ratios measured in this run:
  1. derive + prove at least 50x faster than Matrix.jacobian (16x16/3x3 and 28x28/5x5);
  2. time(64x64/5x5) / time(32x32/5x5) at most 1.2x the ratio of their term counts;
  3. the whole command `python -m symconv derive --input 64x64 --filter 5x5` (derive, prove,
     LaTeX, kernel, files) faster than symengine's derive + prove at 64x64/5x5, with peak
     memory (ru_maxrss of the child process) under 1 GB.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import statistics
import time

import sympy

import symconv
from symconv.spec import ConvSpec

SIZES = [("16x16", "3x3"), ("28x28", "5x5"), ("32x32", "5x5"), ("64x64", "3x3"), ("64x64", "5x5")]
JACOBIAN_SIZES = [("16x16", "3x3"), ("28x28", "5x5")]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


REPEATS = 5  # symconv and symengine: median of 5 runs after one warm-up (the machine is noisy)


def median_of(n: int, fn, *args) -> float:
    fn(*args)  # warm-up: imports, caches
    return statistics.median(timed(fn, *args) for _ in range(n))


def shape(text: str) -> tuple[int, int]:
    return tuple(int(v) for v in text.split("x"))


def windows(inp, filt):
    (ih, iw), (kh, kw) = shape(inp), shape(filt)
    outs = list(itertools.product(range(ih - kh + 1), range(iw - kw + 1)))
    taps = list(itertools.product(range(kh), range(kw)))
    return (ih, iw), (kh, kw), outs, taps


# -- baseline 1: SymPy Matrix.jacobian ---------------------------------------------------
def jacobian_baseline(inp: str, filt: str) -> bool:
    (ih, iw), (kh, kw), outs, taps = windows(inp, filt)
    # plain Symbols (SymPy differentiates them much faster than Indexed elements): a generous baseline
    X = {(i, j): sympy.Symbol(f"X_{i}_{j}") for i in range(ih) for j in range(iw)}
    F = {t: sympy.Symbol(f"F_{t[0]}_{t[1]}") for t in taps}
    G = {y: sympy.Symbol(f"G_{y[0]}_{y[1]}") for y in outs}
    xs, fs = list(X.values()), list(F.values())
    O = sympy.Matrix([sympy.Add(*(X[y + k, x + l] * F[k, l] for k, l in taps)) for y, x in outs])
    g = sympy.Matrix([G[y, x] for y, x in outs])
    dF = O.jacobian(fs).T * g
    dX = O.jacobian(xs).T * g
    oh, ow = ih - kh + 1, iw - kw + 1
    closed_f = [sympy.Add(*(X[y + k, x + l] * G[y, x] for y, x in outs)) for k, l in taps]
    closed_x = [
        sympy.Add(*(G[i - k, j - l] * F[k, l] for k, l in taps if 0 <= i - k < oh and 0 <= j - l < ow))
        for i in range(ih) for j in range(iw)
    ]
    return all(sympy.expand(a - b) == 0 for a, b in zip(list(dF) + list(dX), closed_f + closed_x))


# -- baseline 2: symengine, sparse ------------------------------------------------------
def symengine_baseline(inp: str, filt: str) -> bool:
    import symengine as se

    (ih, iw), (kh, kw), outs, taps = windows(inp, filt)
    X = {(i, j): se.Symbol(f"X_{i}_{j}") for i in range(ih) for j in range(iw)}
    F = {t: se.Symbol(f"F_{t[0]}_{t[1]}") for t in taps}
    G = {y: se.Symbol(f"G_{y[0]}_{y[1]}") for y in outs}
    terms_f = {t: [] for t in taps}
    terms_x = {i: [] for i in X}
    for y, x in outs:
        o = se.add(*[X[y + k, x + l] * F[k, l] for k, l in taps])
        for k, l in taps:
            terms_f[k, l].append(G[y, x] * se.diff(o, F[k, l]))
            terms_x[y + k, x + l].append(G[y, x] * se.diff(o, X[y + k, x + l]))
    oh, ow = ih - kh + 1, iw - kw + 1
    ok = True
    for k, l in taps:
        closed = se.add(*[X[y + k, x + l] * G[y, x] for y, x in outs])
        ok &= se.expand(se.add(*terms_f[k, l]) - closed) == 0
    for i, j in X:
        closed = se.add(*[G[i - k, j - l] * F[k, l] for k, l in taps if 0 <= i - k < oh and 0 <= j - l < ow])
        ok &= se.expand(se.add(*terms_x[i, j]) - closed) == 0
    return ok


def symconv_derive(inp: str, filt: str) -> bool:
    return symconv.derive(inp, filt).proof.holds


def command(inp: str, filt: str) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB, ru_maxrss) of ``python -m symconv derive`` in a child process."""
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "symconv", "derive", "--input", inp, "--filter", filt, "--out", out]
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            raise SystemExit(f"symconv derive failed: {child.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def have_symengine() -> bool:
    try:
        import symengine  # noqa: F401
    except ImportError:
        return False
    return True


def main(quick: bool) -> int:
    se = have_symengine()
    print(f"python {sys.version.split()[0]}, sympy {sympy.__version__}, symconv {symconv.__version__}, "
          f"symengine {'installed' if se else 'not installed (pip install symengine for its column)'}, "
          f"{os.cpu_count()} cpus")
    rows, times = [], {}
    for inp, filt in SIZES:
        terms = ConvSpec.parse(inp, filt).product_terms
        ours = median_of(REPEATS, symconv_derive, inp, filt)
        jac = None
        if (inp, filt) in JACOBIAN_SIZES and not (quick and inp == "28x28"):
            jac = timed(jacobian_baseline, inp, filt)
        eng = median_of(REPEATS, symengine_baseline, inp, filt) if se else None
        times[inp, filt] = dict(ours=ours, jac=jac, eng=eng, terms=terms)
        rows.append((f"{inp}/{filt}", terms, jac, eng, ours))
    runs = [command("64x64", "5x5") for _ in range(3)]
    cli_time, cli_mb = statistics.median(t for t, _ in runs), max(mb for _, mb in runs)

    show = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    print()
    print(f"derive + prove, seconds (symconv and symengine: median of {REPEATS} after a warm-up; "
          "Matrix.jacobian: one run; command: median of 3)")
    print(f"| {'size (input/filter)':<20} | {'terms':>7} | {'SymPy Matrix.jacobian':>21} | {'symengine sparse':>16} | {'symconv':>7} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 23}|{'-' * 18}|{'-' * 9}|")
    for name, terms, jac, eng, ours in rows:
        print(f"| {name:<20} | {terms:>7} | {show(jac):>21} | {show(eng):>16} | {ours:>7.2f} |")
    print(f"| {'command 64x64/5x5':<20} | {90000:>7} | {'':>21} | {'':>16} | {cli_time:>7.2f} |")
    print(f"  (python -m symconv derive --input 64x64 --filter 5x5: derive, prove, LaTeX, kernel, files; "
          f"peak memory {cli_mb:.0f} MB)")

    print()
    print("floors")
    holds = []
    for size in JACOBIAN_SIZES:
        t = times[size]
        if t["jac"] is None:
            print(f"  speed-up vs Matrix.jacobian at {size[0]}/{size[1]}: not measured (--quick)")
            continue
        ratio = t["jac"] / t["ours"]
        holds.append(ratio >= 50)
        print(f"  speed-up vs Matrix.jacobian at {size[0]}/{size[1]}: {ratio:.0f}x (floor 50x): {'holds' if ratio >= 50 else 'DOES NOT HOLD'}")
    big, small = times["64x64", "5x5"], times["32x32", "5x5"]
    growth, allowed = big["ours"] / small["ours"], 1.2 * big["terms"] / small["terms"]
    holds.append(growth <= allowed)
    print(f"  growth 64x64/5x5 over 32x32/5x5: {growth:.2f}x for {big['terms'] / small['terms']:.2f}x the terms "
          f"(at most {allowed:.2f}x): {'holds' if growth <= allowed else 'DOES NOT HOLD'}")
    if big["eng"] is None:
        print("  command vs symengine at 64x64/5x5: not measured (symengine is not installed)")
    else:
        ok = cli_time < big["eng"]
        holds.append(ok)
        print(f"  command {cli_time:.2f} s vs symengine derive + prove {big['eng']:.2f} s at 64x64/5x5: "
              f"{'holds' if ok else 'DOES NOT HOLD'}")
    holds.append(cli_mb < 1024)
    print(f"  peak memory of the command: {cli_mb:.0f} MB (under 1024 MB): {'holds' if cli_mb < 1024 else 'DOES NOT HOLD'}")
    return 0 if all(holds) else 1


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv[1:]))
