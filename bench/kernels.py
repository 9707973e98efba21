"""Benchmark symconv's generated kernels against hand-written NumPy/SciPy and PyTorch.

Run from the repository root (PyTorch and SciPy are optional; neither is a dependency):

    python bench/kernels.py [--repeats 7]

Workloads W1-W4 (issue 4) and W5 (issue 15: ResNet's 64 -> 64 channels at 56x56), valid padding, stride 1, for forward, grad_filter and grad_input
in float32 and float64. Every timing is the median of --repeats calls after two warm-up calls,
all in this one process; the generated kernel and the hand-written baselines run in
interleaved rounds, each timed call right after an untimed one of its own. "hand" is the best of the hand-written baselines below (each checked
against the generated kernel first); torch is PyTorch CPU with the thread count printed.
Peak extra memory is tracemalloc's peak during one call minus the result's size. Each timing
series starts after a short pause (SETTLE_SECONDS) so no thread left spinning by the previous
implementation's BLAS or OpenMP pool competes for the 2 cores.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import time
import tracemalloc

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import symconv

try:
    import torch
except ImportError:  # the bench runs without PyTorch; the torch columns are then empty
    torch = None
try:
    import scipy.signal
except ImportError:
    scipy = None

WORKLOADS = {
    "W1": dict(batch=4096, input="3x3", filter="2x2", channels=None),
    "W2": dict(batch=256, input="28x28", filter="5x5", channels=None),
    "W3": dict(batch=64, input="64x64", filter="3x3", channels=None),
    "W4": dict(batch=32, input="32x32", filter="3x3", channels=(16, 32)),
    "W5": dict(batch=8, input="56x56", filter="3x3", channels=(64, 64)),  # a ResNet block's shape (issue 15)
}
OPS = ("forward", "grad_filter", "grad_input")
THREADS = 2


# OpenBLAS workers busy-wait for a while after each call (and so may OpenMP threads after
# PyTorch's); on 2 cores a spinning thread of the previous implementation steals a core from
# the next one. Each timing series starts after this pause, so every series starts quiet.
SETTLE_SECONDS = 0.25


def median_ms(call, repeats: int) -> float:
    return interleaved_ms({"call": call}, repeats)["call"]


def interleaved_ms(calls: dict, repeats: int) -> dict:
    """Median ms of each call, timed in rounds, so that a slow spell of this shared machine
    hits all of them alike. In every round each call runs once untimed right before its timed
    run: BLAS threads put to sleep by the previous call's work wake up outside the timing (a
    wake-up costs about 0.07 ms, more than W1's whole matrix product)."""
    time.sleep(SETTLE_SECONDS)
    for call in calls.values():
        call()
        call()
    times: dict = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            call()
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * float(np.median(t)) for name, t in times.items()}


def peak_extra_bytes(call) -> int:
    tracemalloc.start()
    result = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return max(0, peak - np.asarray(result).nbytes)


# -- hand-written single-channel baselines: X (N, H, W), F (kh, kw), G (N, oh, ow) ---------
def shift_forward(X, F, G):
    kh, kw = F.shape
    oh, ow = X.shape[1] - kh + 1, X.shape[2] - kw + 1
    O = np.zeros((X.shape[0], oh, ow), dtype=X.dtype)
    for a in range(kh):
        for b in range(kw):
            O += F[a, b] * X[:, a:a + oh, b:b + ow]
    return O


def shift_grad_filter(X, F, G):
    kh, kw = F.shape
    oh, ow = G.shape[1:]
    dF = np.empty_like(F)
    for a in range(kh):
        for b in range(kw):
            dF[a, b] = np.vdot(X[:, a:a + oh, b:b + ow], G)
    return dF


def shift_grad_input(X, F, G):
    kh, kw = F.shape
    oh, ow = G.shape[1:]
    dX = np.zeros(X.shape, dtype=G.dtype)
    for a in range(kh):
        for b in range(kw):
            dX[:, a:a + oh, b:b + ow] += F[a, b] * G
    return dX


def window_forward(X, F, G):
    return np.tensordot(sliding_window_view(X, F.shape, axis=(1, 2)), F, axes=2)


def window_grad_filter(X, F, G):
    return np.tensordot(G, sliding_window_view(X, F.shape, axis=(1, 2)), axes=3)


def window_grad_input(X, F, G):
    kh, kw = F.shape
    Gp = np.pad(G, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    return np.einsum("nyxab,ab->nyx", sliding_window_view(Gp, F.shape, axis=(1, 2)), F[::-1, ::-1])


def scipy_forward(X, F, G):
    return np.stack([scipy.signal.correlate2d(x, F, mode="valid") for x in X])


def scipy_grad_filter(X, F, G):
    return sum(scipy.signal.correlate2d(x, g, mode="valid") for x, g in zip(X, G))


def scipy_grad_input(X, F, G):
    return np.stack([scipy.signal.convolve2d(g, F, mode="full") for g in G])


SINGLE = {
    "forward": [shift_forward, window_forward, scipy_forward],
    "grad_filter": [shift_grad_filter, window_grad_filter, scipy_grad_filter],
    "grad_input": [shift_grad_input, window_grad_input, scipy_grad_input],
}


# -- hand-written channel baselines: X (N, C, H, W), F (O, C, kh, kw), G (N, O, oh, ow) -----
def chan_shift_forward(X, F, G):
    kh, kw = F.shape[2:]
    oh, ow = G.shape[2:]
    O = np.zeros(G.shape, dtype=X.dtype)
    for a in range(kh):
        for b in range(kw):
            O += np.einsum("nchw,oc->nohw", X[:, :, a:a + oh, b:b + ow], F[:, :, a, b], optimize=True)
    return O


def chan_shift_grad_filter(X, F, G):
    kh, kw = F.shape[2:]
    oh, ow = G.shape[2:]
    dF = np.empty_like(F)
    for a in range(kh):
        for b in range(kw):
            dF[:, :, a, b] = np.tensordot(G, X[:, :, a:a + oh, b:b + ow], axes=([0, 2, 3], [0, 2, 3]))
    return dF


def chan_shift_grad_input(X, F, G):
    kh, kw = F.shape[2:]
    oh, ow = G.shape[2:]
    dX = np.zeros(X.shape, dtype=G.dtype)
    for a in range(kh):
        for b in range(kw):
            dX[:, :, a:a + oh, b:b + ow] += np.einsum("nohw,oc->nchw", G, F[:, :, a, b], optimize=True)
    return dX


def chan_window_forward(X, F, G):
    return np.einsum("nchwab,ocab->nohw", sliding_window_view(X, F.shape[2:], axis=(2, 3)), F, optimize=True)


def chan_window_grad_filter(X, F, G):
    return np.einsum("nohw,nchwab->ocab", G, sliding_window_view(X, F.shape[2:], axis=(2, 3)), optimize=True)


def chan_window_grad_input(X, F, G):
    kh, kw = F.shape[2:]
    Gp = np.pad(G, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    windows = sliding_window_view(Gp, (kh, kw), axis=(2, 3))
    return np.einsum("nohwab,ocab->nchw", windows, F[:, :, ::-1, ::-1], optimize=True)


CHANNEL = {
    "forward": [chan_shift_forward, chan_window_forward],
    "grad_filter": [chan_shift_grad_filter, chan_window_grad_filter],
    "grad_input": [chan_shift_grad_input, chan_window_grad_input],
}


def torch_ops(channelled: bool):
    import torch.nn.functional as tf

    def prep(X, F, G):
        x, f, g = (torch.from_numpy(a) for a in (X, F, G))
        return (x, f, g) if channelled else (x[:, None], f[None, None], g[:, None])

    def forward(X, F, G):
        x, f, _ = prep(X, F, G)
        return tf.conv2d(x, f)

    def grad_filter(X, F, G):
        x, f, g = prep(X, F, G)
        return torch.nn.grad.conv2d_weight(x, f.shape, g)

    def grad_input(X, F, G):
        x, f, g = prep(X, F, G)
        return torch.nn.grad.conv2d_input(x.shape, f, g)

    return dict(forward=forward, grad_filter=grad_filter, grad_input=grad_input)


def generated_ops(kernel):
    return dict(
        forward=lambda X, F, G: kernel.forward(X, F),
        grad_filter=lambda X, F, G: kernel.grad_filter(X, G),
        grad_input=lambda X, F, G: kernel.grad_input(F, G),
    )


def blas_summary() -> str:
    try:
        from threadpoolctl import threadpool_info

        return "; ".join(
            f"{p['internal_api']} {p.get('version', '')} {p.get('architecture', '')} threads={p['num_threads']}"
            for p in threadpool_info()
        )
    except ImportError:
        return "threadpoolctl not installed; see numpy.show_config()"


def run_workload(name: str, w: dict, dtype, repeats: int, rows: list) -> None:
    channels = w["channels"]
    options = dict(in_channels=channels[0], out_channels=channels[1]) if channels else {}
    d = symconv.derive(w["input"], w["filter"], **options)  # W4 is proven on its representative
    kernel = symconv.load_kernel(d)
    spec = d.layer
    rng = np.random.default_rng(0)
    lead = (w["batch"], spec.c_in) if channels else (w["batch"],)
    glead = (w["batch"], spec.c_out) if channels else (w["batch"],)
    X = rng.standard_normal(lead + spec.input).astype(dtype)
    F = rng.standard_normal(spec.f_shape).astype(dtype)
    G = rng.standard_normal(glead + spec.output).astype(dtype)
    ours = generated_ops(kernel)
    hands = CHANNEL if channels else SINGLE
    theirs = torch_ops(bool(channels)) if torch is not None else None
    tol = 1e-3 if dtype == np.float32 else 1e-9
    for op in OPS:
        expected = ours[op](X, F, G)
        scale = float(np.abs(expected).max())
        # symconv and the hand-written baselines (all NumPy, one BLAS pool) are timed in
        # interleaved rounds; PyTorch, whose thread pool is another, in a series of its own.
        calls = {"symconv": lambda: ours[op](X, F, G)}
        for fn in hands[op]:
            if scipy is None and fn.__name__.startswith("scipy"):
                continue
            got = np.asarray(fn(X, F, G))
            assert np.allclose(got, expected, rtol=tol, atol=tol * scale), f"{fn.__name__} disagrees on {name} {op}"
            calls[fn.__name__] = functools.partial(fn, X, F, G)
        times = interleaved_ms(calls, repeats)
        t_ours = times.pop("symconv")
        hand_name = min(times, key=times.get)
        hand_best = times[hand_name]
        t_torch = math.nan
        if theirs is not None:
            got = theirs[op](X, F, G).numpy().reshape(expected.shape)
            assert np.allclose(got, expected, rtol=tol, atol=tol * scale), f"torch disagrees on {name} {op}"
            t_torch = median_ms(lambda: theirs[op](X, F, G), repeats)
        extra = peak_extra_bytes(lambda: ours[op](X, F, G))
        exact = ours[op](*(a.astype(np.float64) for a in (X, F, G)))  # the float64 reference
        error = float(np.linalg.norm(expected - exact) / np.linalg.norm(exact))
        flops = 2 * math.prod(spec.output) * math.prod(spec.filter) * spec.cg_in * spec.c_out * w["batch"]
        rows.append(dict(
            workload=name, dtype=np.dtype(dtype).name, op=op, strategy=kernel.__doc__.split("Strategy: ")[1].split(" ")[0],
            ours=t_ours, hand=hand_best, hand_name=hand_name, torch=t_torch, extra=extra,
            gflops=flops / (t_ours * 1e6), input_bytes=X.nbytes, error=error,
        ))


def floors(rows: list, peak_gflops: float) -> list[str]:
    lines = []
    for r in rows:
        checks = [("hand", r["ours"] <= r["hand"])]
        if not math.isnan(r["torch"]):  # issue 15's floors, in both dtypes
            if r["workload"] == "W1":
                checks.append(("2x torch", r["ours"] * 2 <= r["torch"]))
            elif r["workload"] in ("W2", "W3") or r["dtype"] == "float64":
                checks.append(("torch", r["ours"] <= r["torch"]))
            else:
                checks.append(("0.8x torch", r["ours"] * 0.8 <= r["torch"]))
        if r["dtype"] == "float32":
            checks.append(("1e-5 error", r["error"] <= 1e-5))
        if r["workload"] == "W4" and r["dtype"] == "float32":
            checks.append(("50% peak", r["gflops"] >= 0.5 * peak_gflops))
        for what, ok in checks:
            lines.append(f"{r['workload']} {r['dtype']:7} {r['op']:11} {what:10} {'holds' if ok else 'FAILS'}")
    return lines


def winograd_accuracy(names=("W4", "W5")) -> None:
    """float32 Winograd grad_input (the strategy's forward is gemm's; forced, also where the
    automatic choice keeps gemm) against a float64 reference computed apart
    (sliding_window_view + einsum in float64): issue 15's 1e-5 floor."""
    print("\nwinograd F(4x4, 3x3) grad_input in float32, relative error ||result - float64 reference|| / ||reference||:")
    for name in names:
        w = WORKLOADS[name]
        d = symconv.derive(w["input"], w["filter"], in_channels=w["channels"][0], out_channels=w["channels"][1])
        kernel, spec = symconv.load_kernel(d, "winograd"), d.layer
        rng = np.random.default_rng(5)
        X, F, G = (rng.standard_normal(shape) for shape in ((w["batch"], spec.c_in) + spec.input, spec.f_shape,
                                                             (w["batch"], spec.c_out) + spec.output))
        reference = chan_window_grad_input(X, F, G)
        result = kernel.grad_input(*(a.astype(np.float32) for a in (F, G)))
        error = float(np.linalg.norm(result - reference) / np.linalg.norm(reference))
        print(f"  {name} grad_input {error:.1e} (floor 1e-5: {'holds' if error <= 1e-5 else 'FAILS'})")


def gemm_shapes(w: dict) -> dict:
    """The (m, k, n) of gemm's matrix product per op for a channel workload (groups 1)."""
    spec = symconv.ConvSpec.parse(w["input"], w["filter"], in_channels=w["channels"][0], out_channels=w["channels"][1])
    columns, samples = spec.c_in * math.prod(spec.filter), w["batch"] * math.prod(spec.output)
    return dict(forward=(spec.c_out, columns, samples), grad_filter=(columns, samples, spec.c_out),
                grad_input=(columns, spec.c_out, samples))


def blas_limits(rows: list, peaks: dict, repeats: int) -> None:
    """How fast any im2col + BLAS kernel could be: its matrix product alone, with the columns
    for free, at the GEMM peak measured on 2048^3 and at the product's own shape, against
    PyTorch (whose oneDNN convolution is not a GEMM)."""
    print("\nthe limit of im2col + BLAS in NumPy: the product alone (columns for free), at the 2048^3 peak "
          "and timed at its own shape, against torch:")
    rng = np.random.default_rng(2)
    for r in rows:
        if r["workload"] not in ("W4", "W5") or math.isnan(r["torch"]):
            continue
        m, k, n = gemm_shapes(WORKLOADS[r["workload"]])[r["op"]]
        a, b = (rng.standard_normal(shape).astype(r["dtype"]) for shape in ((m, k), (k, n)))
        at_shape = median_ms(lambda: a @ b, repeats)
        at_peak = 2 * m * k * n / (peaks[r["dtype"]] * 1e6)
        print(f"  {r['workload']} {r['dtype']:7} {r['op']:11} ({m} x {k}) @ ({k} x {n}): at peak {at_peak:.2f} ms, "
              f"timed {at_shape:.2f} ms; torch {r['torch']:.2f} ms: the product alone is {r['torch'] / at_shape:.2f}x torch")


def measured_peak(dtype=np.float32) -> float:
    a = np.random.default_rng(1).standard_normal((2048, 2048)).astype(dtype)
    return 2 * 2048**3 / (median_ms(lambda: a @ a, 5) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5")
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(THREADS)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}; "
          f"torch {torch.__version__ if torch else 'not installed'} ({torch.get_num_threads() if torch else '-'} threads)")
    print(f"BLAS: {blas_summary()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, load average {os.getloadavg()}")
    peaks = {"float32": measured_peak(np.float32), "float64": measured_peak(np.float64)}
    peak = peaks["float32"]
    print(f"GEMM 2048^3 measured: float32 {peak:.0f}, float64 {peaks['float64']:.0f} GFLOP/s; "
          f"median of {args.repeats} after 2 warm-ups, ms\n")
    rows: list = []
    for name in args.workloads.split(","):
        for dtype in (np.float32, np.float64):
            run_workload(name, WORKLOADS[name], dtype, args.repeats, rows)
    head = "| workload | dtype | op | strategy | symconv ms | best hand ms (which) | torch ms | hand/symconv | torch/symconv | GFLOP/s | peak extra MiB (input MiB) | rel. error vs float64 |"
    print(head)
    print("|" + "---|" * 12)
    for r in rows:
        print(f"| {r['workload']} | {r['dtype']} | {r['op']} | {r['strategy']} | {r['ours']:.3f} | {r['hand']:.3f} ({r['hand_name']}) "
              f"| {r['torch']:.3f} | {r['hand'] / r['ours']:.2f} | {r['torch'] / r['ours']:.2f} | {r['gflops']:.1f} "
              f"| {r['extra'] / 2**20:.2f} ({r['input_bytes'] / 2**20:.2f}) | {r['error']:.1e} |")
    print("\nfloors (issue 15: hand-written, torch in both dtypes, float32 error; W4 50% of the measured GEMM peak):")
    for line in floors(rows, peak):
        print("  " + line)
    blas_limits(rows, peaks, args.repeats)
    winograd_accuracy()


if __name__ == "__main__":
    main()
