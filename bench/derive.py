"""Benchmark: whole `symconv derive` runs on real networks' layers, against symengine in the same run.

    python bench/derive.py              # every floor, 3 timed runs each after a warm-up
    python bench/derive.py --repeats 5  # more runs per series
    python bench/derive.py --quick      # one timed run per series, no warm-up

Each run is a child process (`python -m symconv derive ... --out TMP`, default options): its wall
time, and its peak memory from os.wait4 (ru_maxrss). The children run with Python's default
bytecode cache, as an installed symconv has its .pyc files: a PYTHONDONTWRITEBYTECODE in this
shell is removed for them (it would make every run compile symconv's modules again, 0.08 s here). Series that are compared run interleaved
(one run of each in turn), so a change in the machine's speed hits both; the tables show medians
and the spread (max / min) of each series, as this machine is shared. The baseline, written here
from the same definitions (not part of symconv), is symengine doing the sparse derivation and proof:
differentiate each O_y by the elements in it, the chain rule, the closed forms, expand(a - b) == 0
per element (pip install symengine; without it the floor says so).

The floors (issue 14):
  1. each floor layer within 20 s wall and 2 GiB peak, its report proving every identity, files written;
  2. 64x64/5x5 at least 3x faster than symengine's sparse derivation and proof of the same layer;
  3. time(256x256/5x5) / time(64x64/5x5) at most 1.15 times the ratio of their product terms.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import symconv
from symconv.derivation import budget
from symconv.derivation.pipeline import proven_on
from symconv.layer import ConvSpec

FLOOR_LAYERS = {
    "ResNet-50 stem": "--input 224x224 --filter 7x7 --stride 2 --padding 3 --in-channels 3 --out-channels 64 --bias",
    "VGG-16 conv1_1": "--input 224x224 --filter 3x3 --padding 1 --in-channels 3 --out-channels 64 --bias",
    "ResNet 3x3 block": "--input 56x56 --filter 3x3 --padding 1 --in-channels 64 --out-channels 64",
    "C3D conv1": "--input 16x56x56 --filter 3x3x3 --padding 1 --in-channels 3 --out-channels 64",
    "single channel 128": "--input 128x128 --filter 5x5",
    "single channel 256": "--input 256x256 --filter 3x3",
}
SMALL, LARGE = "--input 64x64 --filter 5x5", "--input 256x256 --filter 5x5"
WALL_LIMIT, MEMORY_LIMIT, SPEEDUP, GROWTH = 20.0, 2 * 2**30, 3.0, 1.15


CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(args: str) -> dict:
    """One whole `symconv derive` run: wall seconds, peak bytes, and whether it proved everything and wrote."""
    argv = [sys.executable, "-m", "symconv", "derive", *args.split()]
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(argv + ["--out", out], stdout=stdout, stderr=stderr, env=CHILD_ENV)
        _, status, usage = os.wait4(child.pid, 0)  # reaps the child and reads its peak memory
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        written = len(list(Path(out).glob("*/*"))) == 3
        stdout.seek(0), stderr.seek(0)
        report, errors = stdout.read(), stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"symconv derive {args} failed: {errors.strip()}")
    counts = re.findall(r"dL/d[FXb] (\d+) of (\d+)", report)
    return dict(wall=wall, peak=usage.ru_maxrss * 1024, proven=bool(counts) and all(a == b for a, b in counts),
                report=report.splitlines()[2], written=written)


def symengine_baseline(inp: str = "64x64", filt: str = "5x5") -> bool:
    """The sparse derivation and proof of a single-channel layer in symengine."""
    import symengine as se

    (ih, iw), (kh, kw) = (tuple(int(v) for v in s.split("x")) for s in (inp, filt))
    outs, taps = list(itertools.product(range(ih - kh + 1), range(iw - kw + 1))), list(itertools.product(range(kh), range(kw)))
    X = {(i, j): se.Symbol(f"X_{i}_{j}") for i in range(ih) for j in range(iw)}
    F = {t: se.Symbol(f"F_{t[0]}_{t[1]}") for t in taps}
    G = {y: se.Symbol(f"G_{y[0]}_{y[1]}") for y in outs}
    terms_f, terms_x = {t: [] for t in taps}, {i: [] for i in X}
    for y, x in outs:
        o = se.add(*[X[y + k, x + l] * F[k, l] for k, l in taps])
        for k, l in taps:
            terms_f[k, l].append(G[y, x] * se.diff(o, F[k, l]))
            terms_x[y + k, x + l].append(G[y, x] * se.diff(o, X[y + k, x + l]))
    oh, ow = ih - kh + 1, iw - kw + 1
    ok = True
    for k, l in taps:
        ok &= se.expand(se.add(*terms_f[k, l]) - se.add(*[X[y + k, x + l] * G[y, x] for y, x in outs])) == 0
    for i, j in X:
        closed = se.add(*[G[i - k, j - l] * F[k, l] for k, l in taps if 0 <= i - k < oh and 0 <= j - l < ow])
        ok &= se.expand(se.add(*terms_x[i, j]) - closed) == 0
    return ok


def timed(fn) -> float:
    start = time.perf_counter()
    assert fn(), "the baseline's proof failed"
    return time.perf_counter() - start


def interleaved(series: dict, repeats: int, warm: bool) -> dict[str, list]:
    """Each series (a function returning a result dict with ``wall``) run ``repeats`` times in turn."""
    results = {name: [] for name in series}
    for name, fn in series.items() if warm else ():
        fn()
    for _ in range(repeats):
        for name, fn in series.items():
            results[name].append(fn())
    return results


def spread(values: list[float]) -> str:
    return f"{max(values) / min(values):.2f}x" if min(values) > 0 else "-"


def have_symengine() -> bool:
    try:
        import symengine  # noqa: F401
    except ImportError:
        return False
    return True


def floor_table(repeats: int, warm: bool) -> list[bool]:
    print(f"\nfloor layers: whole runs, median of {repeats} (limits {WALL_LIMIT:.0f} s, {MEMORY_LIMIT // 2**30} GiB)")
    print("| layer | proven on | estimate MiB | peak MiB | wall s | spread | proven, written | floor |")
    print("|---|---|---|---|---|---|---|---|")
    holds = []
    for name, args in FLOOR_LAYERS.items():
        runs = interleaved({name: lambda a=args: run(a)}, repeats, warm)[name]
        layer = ConvSpec.parse(**_options(args))
        spec, _ = proven_on(layer, budget.parse_bytes(budget.DEFAULT_MAX_MEMORY))
        wall, peak = statistics.median(r["wall"] for r in runs), max(r["peak"] for r in runs)
        ok = wall <= WALL_LIMIT and peak <= MEMORY_LIMIT and all(r["proven"] and r["written"] for r in runs)
        holds.append(ok)
        print(f"| {name} | {'representative ' + spec.name if spec != layer else 'the layer'} | "
              f"{budget.estimate(spec).total / 2**20:.0f} | {peak / 2**20:.0f} | {wall:.2f} | "
              f"{spread([r['wall'] for r in runs])} | {'yes' if all(r['proven'] and r['written'] for r in runs) else 'NO'} | "
              f"{'holds' if ok else 'DOES NOT HOLD'} |")
        print(f"  {runs[0]['report'].strip()}")
    return holds


def _options(args: str) -> dict:
    words, options = args.split(), {}
    for i, word in enumerate(words):
        if word.startswith("--"):
            takes_value = i + 1 < len(words) and not words[i + 1].startswith("--")
            options[word[2:].replace("-", "_")] = words[i + 1] if takes_value else True
    return options


def speed_and_growth(repeats: int, warm: bool) -> list[bool]:
    holds = []
    series = {"small": lambda: run(SMALL), "large": lambda: run(LARGE)}
    if have_symengine():
        series["symengine"] = lambda: dict(wall=timed(symengine_baseline))
    results = interleaved(series, repeats, warm)
    walls = {name: [r["wall"] for r in rs] for name, rs in results.items()}
    median = {name: statistics.median(w) for name, w in walls.items()}
    print(f"\ninterleaved series, median of {repeats} (spread = slowest / fastest run)")
    for name, label in (("small", f"symconv derive {SMALL}"), ("large", f"symconv derive {LARGE}"),
                        ("symengine", "symengine sparse derivation + proof, 64x64/5x5 (in this process)")):
        if name in median:
            print(f"  {label:<70} {median[name]:6.2f} s  spread {spread(walls[name])}")
    if "symengine" in median:
        ratio = median["symengine"] / median["small"]
        holds.append(ratio >= SPEEDUP)
        print(f"  speed-up of the whole run over symengine at 64x64/5x5: {ratio:.2f}x (floor {SPEEDUP:.0f}x): "
              f"{'holds' if ratio >= SPEEDUP else 'DOES NOT HOLD'}")
    else:
        print("  speed-up over symengine: not measured (pip install symengine)")
        holds.append(False)
    terms = ConvSpec.parse("256x256", "5x5").product_terms / ConvSpec.parse("64x64", "5x5").product_terms
    growth = median["large"] / median["small"]
    holds.append(growth <= GROWTH * terms)
    print(f"  growth 256x256/5x5 over 64x64/5x5: {growth:.2f}x for {terms:.2f}x the product terms "
          f"(at most {GROWTH * terms:.2f}x): {'holds' if growth <= GROWTH * terms else 'DOES NOT HOLD'}")
    (small_min, small_median), (large_min, large_median) = _in_process_cost()
    print(f"  in this process, derive + prove alone (7 rounds): {small_min:.3f} and {large_min:.3f} microseconds per "
          f"product term at 64x64/5x5 and 256x256/5x5 (fastest round; medians {small_median:.3f} and {large_median:.3f})")
    return holds


def _in_process_cost() -> list[tuple[float, float]]:
    """Microseconds per product term of symconv.derive alone (no start-up, no files), 64x64/5x5 and
    256x256/5x5 interleaved, 7 rounds: (fastest, median) for each, as the smaller takes some 15 ms."""
    layers = (("64x64", "5x5"), ("256x256", "5x5"))
    for layer in layers:
        symconv.derive(*layer)
    times = [[timed(lambda: bool(symconv.derive(*layer))) for layer in layers] for _ in range(7)]
    per_term = [[t[i] / ConvSpec.parse(*layer).product_terms * 1e6 for t in times] for i, layer in enumerate(layers)]
    return [(min(p), statistics.median(p)) for p in per_term]


def main(argv: list[str]) -> int:
    repeats = 1 if "--quick" in argv else int(argv[argv.index("--repeats") + 1]) if "--repeats" in argv else 3
    warm = "--quick" not in argv
    print(f"python {sys.version.split()[0]}, symconv {symconv.__version__}, "
          f"symengine {'installed' if have_symengine() else 'not installed'}, {os.cpu_count()} cpus, "
          f"children with the bytecode cache{' (PYTHONDONTWRITEBYTECODE removed for them)' if len(CHILD_ENV) < len(os.environ) else ''}, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    holds = floor_table(repeats, warm) + speed_and_growth(repeats, warm)
    print(f"\nfloors: {sum(holds)} of {len(holds)} hold (load average {os.getloadavg()[0]:.1f} at the end)")
    return 0 if all(holds) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
