"""Resource efficiency, measured: latency against batch size, ONNX Runtime, int8 weights.

Four measurements on the CPU, one thread (``--threads``), each timing the median of
repeated calls after a warm-up call (the first call is timed on its own and recorded):

* **Latency against batch size** of a small CNN (two 3x3 convolutions, two max-pools, two
  linear layers, 3x32x32 inputs; ``make_cnn``) in PyTorch (``torch.inference_mode``) and,
  after ``torch.onnx.export``, in ONNX Runtime: per-sample latency and throughput for
  batch sizes 1 to 256.
* **This machine's roofline**: the arithmetic rate of a float32 matrix product
  (GFLOP/s) and the bandwidth of an array copy (GB/s), for arrays far larger than the
  caches (main memory) and for arrays that fit in them, one thread, so the page can place
  the layers on a roofline.
* **Dynamic int8 quantization** (``torch.ao.quantization.quantize_dynamic``) of an MLP
  (64-512-512-10) trained on scikit-learn's digits: state_dict size, test accuracy before
  and after, per-sample latency of both against batch size.
* The largest difference between ONNX Runtime's and torch's outputs.

FLOPs follow ``dlref.counting`` (a multiply-add counts as 2, the convention of
``torch.utils.flop_counter``).

    python experiments/efficiency.py --write      # the recorded run (about a minute)
    python experiments/efficiency.py --quick      # a few seconds: fewer sizes and repeats
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from dlref.counting import conv2d_flops, linear_flops
from experiments.common import Timer, accuracy, finish, parse_args, set_threads

NAME = "efficiency"
IMAGE = (3, 32, 32)                        # (C, H, W) of one CNN input


def make_cnn() -> torch.nn.Sequential:
    """The page's running example: 3x32x32 -> 10 scores."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 8 * 8, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )


def cnn_flops() -> int:
    """FLOPs of ``make_cnn`` on one image (2 per multiply-add; bias, ReLU, pooling not
    counted)."""
    return (conv2d_flops(3, 32, 3, 32, padding=1) + conv2d_flops(32, 64, 3, 16, padding=1)
            + linear_flops(64 * 8 * 8, 128) + linear_flops(128, 10))


def layer_flops() -> list[int]:
    """FLOPs of each layer of ``make_cnn`` on one image (0 for ReLU, pooling, Flatten)."""
    return [conv2d_flops(3, 32, 3, 32, padding=1), 0, 0,
            conv2d_flops(32, 64, 3, 16, padding=1), 0, 0, 0,
            linear_flops(64 * 8 * 8, 128), 0, linear_flops(128, 10)]


def per_layer_times(model, x, min_seconds: float) -> list[float]:
    """Median seconds of each layer of a Sequential, fed the previous layer's output."""
    times = []
    with torch.inference_mode():
        for layer in model:
            times.append(time_calls(lambda m=layer, x=x: m(x), min_seconds)["median"])
            x = layer(x)
    return times


def make_mlp(hidden: int = 512) -> torch.nn.Sequential:
    """A Linear-heavy classifier of 8x8 digits: 64 -> hidden -> hidden -> 10."""
    return torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 10),
    )


def time_calls(fn, min_seconds: float, min_repeats: int = 5) -> dict:
    """Seconds of the first call, then the median of repeated calls (at least
    ``min_repeats``, and until ``min_seconds`` have passed)."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    times = []
    begun = time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - begun < min_seconds:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"first": first, "median": statistics.median(times), "repeats": len(times)}


def torch_runner(model, x):
    def run():
        with torch.inference_mode():
            model(x)
    return run


def export_onnx(model, example) -> bytes:
    """The model as ONNX bytes (torch.export-based exporter), batch size dynamic."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(model, (example,), dynamo=True, verbose=False,
                                    input_names=["x"], output_names=["y"],
                                    dynamic_shapes=({0: "batch"},))
    return program.model_proto.SerializeToString()


def ort_session(onnx_bytes: bytes, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads      # as torch.set_num_threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def machine_peaks(min_seconds: float) -> dict:
    """Arithmetic rate of a float32 matrix product and bandwidth of an array copy.

    The product is 256 x 256 (its operands fit in the cache, so it measures arithmetic,
    and one call is short enough that the median of many calls is stable)."""
    n = 256
    a, b = torch.randn(n, n), torch.randn(n, n)
    matmul = time_calls(lambda: torch.mm(a, b), min_seconds)["median"]
    size = 1 << 24                                      # 16 Mi floats = 64 MiB
    src, dst = torch.ones(size), torch.empty(size)
    copy = time_calls(lambda: dst.copy_(src), min_seconds)["median"]
    small = 1 << 17                                     # 128 Ki floats = 512 KiB: cache
    src_small, dst_small = torch.ones(small), torch.empty(small)
    cached = time_calls(lambda: dst_small.copy_(src_small), min_seconds)["median"]
    return {"matmul_n": n, "matmul_gflops": 2 * n**3 / matmul / 1e9,
            "copy_bytes": 8 * size,                     # read 4 bytes and write 4 per float
            "copy_gbps": 8 * size / copy / 1e9,
            "cache_copy_bytes": 8 * small,
            "cache_copy_gbps": 8 * small / cached / 1e9}


def cache_sizes() -> dict:
    """The CPU's cache sizes as Linux reports them ({"L1d": "48K", ...}), if it does."""
    caches = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        suffix = {"Data": "d", "Instruction": "i"}.get(kind, "")
        caches[f"L{level}{suffix}"] = size
    return caches


def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)                   # pixels 0..16 -> 0..1
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    return (torch.tensor(X_train), torch.tensor(y_train), torch.tensor(X_test),
            torch.tensor(y_test))


def train_mlp(epochs: int, seed: int, hidden: int = 512):
    """Adam (lr 1e-3), mini-batches of 64, cross-entropy; returns the model and data."""
    X_train, y_train, X_test, y_test = digits_split()
    torch.manual_seed(seed)
    model = make_mlp(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(X_train), generator=order).split(64):
            loss = torch.nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval(), (X_test, y_test)


def state_dict_bytes(model) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    if args.quick:
        batch_sizes, min_seconds, epochs = [1, 16, 64], 0.05, 8
    else:
        batch_sizes, min_seconds, epochs = [1, 2, 4, 8, 16, 32, 64, 128, 256], 1.0, 30
    seed = 0

    # 1. the CNN in torch and in ONNX Runtime, batch sizes 1 .. 256
    torch.manual_seed(seed)
    cnn = make_cnn().eval()
    flops = cnn_flops()
    onnx_bytes = export_onnx(cnn, torch.randn(2, *IMAGE))
    session = ort_session(onnx_bytes, args.threads)
    data = torch.Generator().manual_seed(seed)
    rows, sweep, max_diff = [], [], 0.0
    for n in batch_sizes:
        x = torch.randn(n, *IMAGE, generator=data)
        t = time_calls(torch_runner(cnn, x), min_seconds)
        feed = {"x": x.numpy()}
        o = time_calls(lambda feed=feed: session.run(None, feed), min_seconds)
        with torch.inference_mode():
            expected = cnn(x).numpy()
        max_diff = max(max_diff, float(np.abs(session.run(None, feed)[0] - expected).max()))
        point = {"batch": n,
                 "torch_ms_per_batch": 1e3 * t["median"],
                 "torch_us_per_sample": 1e6 * t["median"] / n,
                 "torch_samples_per_s": n / t["median"],
                 "torch_gflops": flops * n / t["median"] / 1e9,
                 "torch_first_ms": 1e3 * t["first"],
                 "ort_ms_per_batch": 1e3 * o["median"],
                 "ort_us_per_sample": 1e6 * o["median"] / n,
                 "ort_samples_per_s": n / o["median"],
                 "ort_first_ms": 1e3 * o["first"],
                 "repeats": [t["repeats"], o["repeats"]]}
        sweep.append(point)
        rows.append([n, point["torch_ms_per_batch"], point["torch_us_per_sample"],
                     point["torch_samples_per_s"], point["ort_us_per_sample"],
                     point["ort_samples_per_s"]])
        print(f"batch {n:4d}: torch {point['torch_us_per_sample']:8.1f} us/sample, "
              f"ORT {point['ort_us_per_sample']:8.1f} us/sample", flush=True)
    first, last = sweep[0], sweep[-1]

    # where torch's time goes, layer by layer, at one batch size
    layer_batch = 64 if 64 in batch_sizes else batch_sizes[-1]
    x = torch.randn(layer_batch, *IMAGE, generator=data)
    seconds = per_layer_times(cnn, x, min_seconds / 4)
    names = [f"{i}: {type(layer).__name__}" for i, layer in enumerate(cnn)]
    layer_rows = [[name, f * layer_batch / 1e6, 1e3 * s, 100 * s / sum(seconds)]
                  for name, f, s in zip(names, layer_flops(), seconds)]

    # 2. this machine's roofline: compute ceiling and memory bandwidth, one thread
    peaks = machine_peaks(min_seconds)
    print(f"matmul {peaks['matmul_gflops']:.1f} GFLOP/s, copy {peaks['copy_gbps']:.1f} GB/s")

    # 3. dynamic int8 quantization of a Linear-heavy MLP trained on digits
    mlp, (X_test, y_test) = train_mlp(epochs, seed)
    with warnings.catch_warnings():                 # torch.ao.quantization is deprecated
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        mlp_int8 = quantize_dynamic(mlp, {torch.nn.Linear}, dtype=torch.qint8)
    quant, largest = {}, batch_sizes[-1]
    for key, model in (("fp32", mlp), ("int8", mlp_int8)):
        per_sample = [1e6 * time_calls(torch_runner(model, X_test[:n]), min_seconds)["median"]
                      / n for n in batch_sizes]
        quant[key] = {"bytes": state_dict_bytes(model),
                      "accuracy": accuracy(model, X_test, y_test),
                      "us_per_sample": per_sample,
                      "us_per_sample_b1": per_sample[0],
                      "us_per_sample_largest": per_sample[-1]}
    fp32, int8 = quant["fp32"], quant["int8"]
    mlp_flops = sum(linear_flops(m.in_features, m.out_features)
                    for m in mlp if isinstance(m, torch.nn.Linear))
    print(f"MLP fp32 {fp32['bytes']} B, accuracy {fp32['accuracy']:.4f}; "
          f"int8 {int8['bytes']} B, accuracy {int8['accuracy']:.4f}")

    results = {
        "cnn": {"flops_per_sample": flops,
                "parameters": sum(p.numel() for p in cnn.parameters()),
                "input": list(IMAGE)},
        "batch_sizes": batch_sizes,
        "sweep": sweep,
        "latency_table": {
            "columns": ["batch size", "torch ms per batch", "torch µs per sample",
                        "torch samples/s", "ORT µs per sample", "ORT samples/s"],
            "rows": rows,
            "formats": ["d", ".3f", ".1f", ",.0f", ".1f", ",.0f"],
        },
        "layers": {
            "batch": layer_batch,
            "columns": ["layer", "MFLOPs per batch", "ms per batch", "% of the time"],
            "rows": layer_rows,
            "formats": ["", ".2f", ".3f", ".1f"],
        },
        "pool_time_share": sum(r[3] for r in layer_rows if "Pool" in r[0]),
        "conv_flop_share": sum(f for f, r in zip(layer_flops(), layer_rows)
                               if "Conv" in r[0]) / flops,
        "best_batch": {
            "cnn_torch": min(sweep, key=lambda p: p["torch_us_per_sample"])["batch"],
            "cnn_ort": min(sweep, key=lambda p: p["ort_us_per_sample"])["batch"],
            "mlp_fp32": batch_sizes[int(np.argmin(fp32["us_per_sample"]))],
            "mlp_int8": batch_sizes[int(np.argmin(int8["us_per_sample"]))],
        },
        "mlp_fp32_us_best": min(fp32["us_per_sample"]),
        "mlp_int8_us_best": min(int8["us_per_sample"]),
        "torch_throughput_gain": last["torch_samples_per_s"] / first["torch_samples_per_s"],
        "ort_throughput_gain": last["ort_samples_per_s"] / first["ort_samples_per_s"],
        "torch_first_over_median_b1": first["torch_first_ms"] / first["torch_ms_per_batch"],
        "ort_first_over_median_b1": first["ort_first_ms"] / first["ort_ms_per_batch"],
        "ort_over_torch_b1": first["ort_us_per_sample"] / first["torch_us_per_sample"],
        "ort_max_abs_diff": max_diff,
        "onnx_bytes": len(onnx_bytes),
        "peaks": peaks,
        "caches": cache_sizes(),
        "relu1_bytes_per_image": 32 * 32 * 32 * 4,
        "machine_balance": 1e9 * peaks["matmul_gflops"] / (1e9 * peaks["copy_gbps"]),
        "quantization": {
            "model": "MLP 64-512-512-10 on digits, Adam lr 1e-3, batch 64",
            "epochs": epochs,
            "fp32": fp32,
            "int8": int8,
            "size_ratio": fp32["bytes"] / int8["bytes"],
            "largest_batch": largest,
            "flops_per_sample": mlp_flops,
            "speedup_b1": fp32["us_per_sample_b1"] / int8["us_per_sample_b1"],
            "speedup_largest": fp32["us_per_sample_largest"] / int8["us_per_sample_largest"],
            "fp32_gain_largest_over_b1": fp32["us_per_sample_b1"]
            / fp32["us_per_sample_largest"],
            "table": {
                "columns": ["model", "state_dict bytes", "test accuracy",
                            "µs per sample, batch 1", f"µs per sample, batch {largest}"],
                "rows": [[key, quant[key]["bytes"], quant[key]["accuracy"],
                          quant[key]["us_per_sample_b1"],
                          quant[key]["us_per_sample_largest"]] for key in quant],
                "formats": ["", ",d", ".4f", ".1f", ".2f"],
            },
        },
    }
    seeds = {"torch.manual_seed (weights)": seed, "input generator": seed,
             "digits split random_state": 0, "mini-batch order": seed}
    return finish(NAME, args, argv, seeds, results, started)


if __name__ == "__main__":
    main()
