"""Model compression, measured on scikit-learn's digits: pruning, int8 quantization, distillation.

Three experiments on MLPs trained on the 8x8 handwritten digits (1,797 images shipped with
scikit-learn, BSD licence; a quarter held out for testing, stratified, ``random_state=0``):

* **Magnitude pruning.** A trained MLP (64-256-256-10) is pruned to each sparsity, either
  layer by layer (every weight matrix loses the same fraction, its smallest |w|) or
  globally (one threshold over all weight matrices), then evaluated as it stands and after
  a short fine-tuning that keeps the pruned weights at zero. The masks are the ones
  ``torch.nn.utils.prune.l1_unstructured`` / ``global_unstructured`` compute (the test
  suite checks that they are equal).
* **Post-training quantization.** The same float32 MLP with its weights rounded to int8
  (and fewer bits) by a symmetric quantize-dequantize, per tensor and per output channel;
  then a static int8 model from ``torch.ao.quantization`` (activation scales calibrated
  on training images), whose state_dict size, test accuracy and CPU latency are measured.
* **Knowledge distillation** (Hinton et al. 2015). A small student (64-16-10) trained
  alone and trained on the loss alpha T^2 KL(p_teacher^T || p_student^T) + (1 - alpha) CE
  from the float32 MLP as teacher, on the same data, with the same initialization and
  the same batches, over several seeds, for a few temperatures; on the whole training
  set and on 100 of its images (the teacher trained on all of them).

    python experiments/compression.py --write      # the recorded run (a few minutes)
    python experiments/compression.py --quick      # a few seconds: fewer points and seeds
"""

from __future__ import annotations

import io
import itertools
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torch.nn.functional as F

from experiments.common import Timer, accuracy, finish, parse_args, set_threads

NAME = "compression"


# ----------------------------------------------------------------------------- data, models
def digits_split():
    """scikit-learn's digits scaled to [0, 1]: (X_train, X_test, y_train, y_test) tensors."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    parts = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    X_train, X_test, y_train, y_test = parts
    return (torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_test, dtype=torch.float32),
            torch.tensor(y_train), torch.tensor(y_test))


def make_mlp(hidden: tuple[int, ...], seed: int) -> torch.nn.Sequential:
    """64 -> hidden... -> 10 with ReLUs, initialized from ``seed``."""
    torch.manual_seed(seed)
    sizes = (64, *hidden, 10)
    layers: list[torch.nn.Module] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def weight_matrices(model: torch.nn.Module) -> list[torch.Tensor]:
    """The weight of every Linear layer (what pruning and quantization act on)."""
    return [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]


def train(model, X, y, epochs, seed, lr=1e-3, masks=None, loss_fn=None):
    """Adam on mini-batches of 64 in an order drawn from ``seed``.

    ``masks`` (one 0/1 tensor per weight matrix) keep pruned weights at zero after every
    step; ``loss_fn(logits, idx)`` replaces the cross-entropy (distillation)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=order).split(64):
            logits = model(X[idx])
            loss = F.cross_entropy(logits, y[idx]) if loss_fn is None else loss_fn(logits, idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if masks is not None:
                apply_masks(model, masks)
    model.eval()
    return model


# ----------------------------------------------------------------------------- pruning
def magnitude_mask(w: torch.Tensor, amount: float) -> torch.Tensor:
    """0 for the round(amount * w.numel()) entries of smallest |w|, 1 elsewhere."""
    k = round(amount * w.numel())                       # how many to prune, as torch rounds
    mask = torch.ones(w.numel(), dtype=w.dtype, device=w.device)
    smallest = torch.argsort(w.detach().abs().flatten())[:k]
    mask[smallest] = 0
    return mask.view_as(w)


def layerwise_masks(weights: list[torch.Tensor], amount: float) -> list[torch.Tensor]:
    """Per-layer pruning: every matrix loses the same fraction of its entries."""
    return [magnitude_mask(w, amount) for w in weights]


def global_masks(weights: list[torch.Tensor], amount: float) -> list[torch.Tensor]:
    """Global pruning: one ranking of |w| over all matrices together."""
    flat = torch.cat([w.detach().flatten() for w in weights])
    mask = magnitude_mask(flat, amount)
    pieces = mask.split([w.numel() for w in weights])
    return [m.view_as(w) for m, w in zip(pieces, weights)]


def channel_mask(w: torch.Tensor, amount: float) -> torch.Tensor:
    """Structured pruning: zero the round(amount * rows) output rows of smallest L2 norm."""
    k = round(amount * w.shape[0])
    norms = w.detach().norm(dim=1)                      # one norm per output unit, (out,)
    mask = torch.ones_like(w)
    mask[torch.argsort(norms)[:k]] = 0
    return mask


def apply_masks(model: torch.nn.Module, masks: list[torch.Tensor]) -> None:
    with torch.no_grad():
        for w, m in zip(weight_matrices(model), masks):
            w.mul_(m)


def sparsity(model: torch.nn.Module) -> float:
    """Fraction of zero entries over all weight matrices."""
    weights = weight_matrices(model)
    return sum((w == 0).sum().item() for w in weights) / sum(w.numel() for w in weights)


# ----------------------------------------------------------------------------- quantization
def symmetric_scale(w: torch.Tensor, bits: int = 8, per_channel: bool = False) -> torch.Tensor:
    """s = max|w| / (2^(b-1) - 1), over the whole tensor or per output row (shape (out, 1))."""
    q_max = 2 ** (bits - 1) - 1
    if per_channel:
        w_max = w.detach().abs().amax(dim=1, keepdim=True)     # (out, 1)
    else:
        w_max = w.detach().abs().max()
    return w_max.clamp(min=torch.finfo(w.dtype).tiny) / q_max


def quantize(w: torch.Tensor, scale: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """q = clamp(round(w / s), -2^(b-1), 2^(b-1) - 1), an integer tensor (zero point 0)."""
    q_min, q_max = -2 ** (bits - 1), 2 ** (bits - 1) - 1
    return torch.clamp(torch.round(w / scale), q_min, q_max).to(torch.int32)


def dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """w_hat = s q."""
    return scale * q.to(scale.dtype)


def fake_quantize(model: torch.nn.Module, bits: int, per_channel: bool) -> torch.nn.Module:
    """A copy of ``model`` whose weight matrices are replaced by their quantize-dequantize."""
    model = make_like(model)
    with torch.no_grad():
        for w in weight_matrices(model):
            s = symmetric_scale(w, bits, per_channel)
            w.copy_(dequantize(quantize(w, s, bits), s))
    return model


def make_like(model: torch.nn.Module) -> torch.nn.Module:
    """A deep copy (the state_dict round trip keeps the original untouched)."""
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)


def state_dict_bytes(model: torch.nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def static_int8(model: torch.nn.Sequential, X_calibration: torch.Tensor) -> torch.nn.Module:
    """Eager-mode static post-training quantization (torch.ao.quantization, x86 engine):
    int8 weights per channel, int8 activations whose scales come from calibration."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # deprecation notices (-> torchao)
        from torch.ao import quantization as tq

        wrapped = torch.nn.Sequential(tq.QuantStub(), *make_like(model), tq.DeQuantStub())
        wrapped.eval()
        wrapped.qconfig = tq.get_default_qconfig("x86")
        prepared = tq.prepare(wrapped)
        with torch.no_grad():
            prepared(X_calibration)                     # observers record activation ranges
        return tq.convert(prepared)


def median_ms(model, x, repeats):
    """Median wall time of one forward pass, in milliseconds (after one warm-up call)."""
    with torch.inference_mode():
        model(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


# ----------------------------------------------------------------------------- distillation
def distillation_loss(student_logits, teacher_logits, y, T, alpha):
    """alpha T^2 KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) CE(z_s, y)."""
    log_p_s = F.log_softmax(student_logits / T, dim=1)
    log_p_t = F.log_softmax(teacher_logits / T, dim=1)
    # KL(p_t || p_s) = sum_i p_t,i (log p_t,i - log p_s,i), averaged over the batch
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1).mean()
    return alpha * T ** 2 * kl + (1 - alpha) * F.cross_entropy(student_logits, y)


# ----------------------------------------------------------------------------- experiments
def pruning_curve(teacher, data, amounts, finetune_epochs, seed):
    X_train, X_test, y_train, y_test = data
    rows, points = [], []
    for amount in amounts:
        point = {"sparsity": amount}
        for scope, make_masks in (("layerwise", layerwise_masks), ("global", global_masks)):
            model = make_like(teacher)
            masks = make_masks(weight_matrices(model), amount)
            apply_masks(model, masks)
            point[f"{scope}_pruned"] = accuracy(model, X_test, y_test)
            train(model, X_train, y_train, finetune_epochs, seed, lr=3e-4, masks=masks)
            assert abs(sparsity(model) - amount) < 1e-3     # fine-tuning kept the zeros
            point[f"{scope}_finetuned"] = accuracy(model, X_test, y_test)
        points.append(point)
        rows.append([f"{amount:.0%}", point["layerwise_pruned"], point["layerwise_finetuned"],
                     point["global_pruned"], point["global_finetuned"]])
    table = {"columns": ["sparsity", "per layer, pruned", "per layer, fine-tuned",
                         "global, pruned", "global, fine-tuned"],
             "rows": rows, "formats": ["", ".3f", ".3f", ".3f", ".3f"]}
    return {"points": points, "table": table, "finetune_epochs": finetune_epochs}


def quantization_results(teacher, data, bit_widths, repeats):
    X_train, X_test, _, y_test = data
    rows, sweep = [], []
    for bits in bit_widths:
        tensor = accuracy(fake_quantize(teacher, bits, per_channel=False), X_test, y_test)
        channel = accuracy(fake_quantize(teacher, bits, per_channel=True), X_test, y_test)
        sweep.append({"bits": bits, "per_tensor": tensor, "per_channel": channel})
        rows.append([bits, tensor, channel])
    int8 = static_int8(teacher, X_train)
    out = {
        "fp32": {"accuracy": accuracy(teacher, X_test, y_test),
                 "bytes": state_dict_bytes(teacher)},
        "static_int8": {"accuracy": accuracy(int8, X_test, y_test),
                        "bytes": state_dict_bytes(int8)},
        "weights_only": {"rows": rows, "columns": ["bits", "per tensor", "per channel"],
                         "formats": ["", ".3f", ".3f"]},
        "sweep": sweep,
    }
    with torch.no_grad():
        same = (teacher(X_test).argmax(1) == int8(X_test).argmax(1)).float().mean().item()
    out["static_int8"]["agreement"] = same
    out["size_ratio"] = out["fp32"]["bytes"] / out["static_int8"]["bytes"]
    timing_rows = []
    for batch in (1, len(X_test)):
        x = X_test[:batch]
        t32, t8 = median_ms(teacher, x, repeats), median_ms(int8, x, repeats)
        out[f"ms_fp32_b{batch}"], out[f"ms_int8_b{batch}"] = t32, t8
        timing_rows.append([batch, 1e3 * t32 / batch, 1e3 * t8 / batch, t32 / t8])
    out["latency"] = {"columns": ["batch", "float32 µs/sample", "int8 µs/sample",
                                  "speed-up"],
                      "rows": timing_rows, "formats": ["", ".1f", ".1f", ".2f"]}
    out["speedup_b1"] = timing_rows[0][3]
    out["speedup_full"] = timing_rows[1][3]
    out["test_batch"] = len(X_test)
    out["table"] = {
        "columns": ["model", "state_dict bytes", "test accuracy"],
        "rows": [["float32", out["fp32"]["bytes"], out["fp32"]["accuracy"]],
                 ["static int8", out["static_int8"]["bytes"],
                  out["static_int8"]["accuracy"]]],
        "formats": ["", ",d", ".3f"]}
    return out


def distillation_run(teacher, data, subset, student_hidden, temperatures, alpha, steps,
                     seeds):
    """Students trained alone and distilled on the training images ``subset``, per seed."""
    X_train, X_test, y_train, y_test = data
    X, y = X_train[subset], y_train[subset]
    with torch.no_grad():
        teacher_logits = teacher(X)
    epochs = math.ceil(steps / math.ceil(len(X) / 64))   # the same number of Adam steps
    alone = []
    distilled = {T: [] for T in temperatures}
    for seed in seeds:
        student = train(make_mlp(student_hidden, seed), X, y, epochs, seed, lr=3e-3)
        alone.append(accuracy(student, X_test, y_test))
        for T in temperatures:
            def loss_fn(logits, idx, T=T):
                return distillation_loss(logits, teacher_logits[idx], y[idx], T, alpha)
            student = train(make_mlp(student_hidden, seed), X, y, epochs, seed, lr=3e-3,
                            loss_fn=loss_fn)
            distilled[T].append(accuracy(student, X_test, y_test))
    gains = {}
    for T in temperatures:
        diffs = [d - a for d, a in zip(distilled[T], alone)]
        gains[f"T{T:g}"] = {"mean": statistics.mean(diffs), "std": statistics.stdev(diffs),
                         "improved": sum(d > 0 for d in diffs),
                         "distilled_mean": statistics.mean(distilled[T])}
    best = max(temperatures, key=lambda T: gains[f"T{T:g}"]["mean"])
    return {"n_images": len(X), "epochs": epochs, "alone": alone,
            "alone_mean": statistics.mean(alone), "alone_std": statistics.stdev(alone),
            "distilled": {f"T{T:g}": v for T, v in distilled.items()}, "gain": gains,
            "best_T": best, "best_key": f"T{best:g}", "best_gain": gains[f"T{best:g}"]["mean"]}


def distillation_results(teacher, data, student_hidden, temperatures, alpha, steps, seeds,
                         few):
    """Two settings: the whole training set, and ``few`` of its images (same teacher)."""
    n_train = len(data[0])
    picked = torch.randperm(n_train, generator=torch.Generator().manual_seed(123))[:few]
    runs = {"all": distillation_run(teacher, data, torch.arange(n_train), student_hidden,
                                    temperatures, alpha, steps, seeds),
            "few": distillation_run(teacher, data, picked, student_hidden, temperatures,
                                    alpha, steps, seeds)}
    rows = []
    for run in runs.values():
        rows.append([run["n_images"], "alone", run["alone_mean"], run["alone_std"], "", ""])
        for T in temperatures:
            gain = run["gain"][f"T{T:g}"]
            rows.append([run["n_images"], f"distilled, T = {T:g}", gain["distilled_mean"],
                         statistics.stdev(run["distilled"][f"T{T:g}"]),
                         f"{gain['mean']:+.4f}",
                         f"{gain['improved']} of {len(seeds)}"])
    return {
        **runs,
        "teacher_accuracy": accuracy(teacher, data[1], data[3]),
        "student_parameters": sum(p.numel() for p in make_mlp(student_hidden, 0).parameters()),
        "student_hidden": list(student_hidden),
        "alpha": alpha, "steps": steps, "n_seeds": len(seeds),
        "table": {"columns": ["training images", "student", "test accuracy (mean)",
                              "std over seeds", "gain over alone", "seeds improved"],
                  "rows": rows, "formats": ["", "", ".4f", ".4f", "", ""]},
    }


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    timer = Timer()
    quick = args.quick
    teacher_hidden, student_hidden = (256, 256), (16,)
    teacher_epochs = 10 if quick else 40
    amounts = [0.5, 0.9, 0.98] if quick else [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
    finetune_epochs = 2 if quick else 5
    bit_widths = [8, 4] if quick else [8, 6, 5, 4, 3, 2]
    temperatures = [4.0] if quick else [1.0, 2.0, 4.0, 8.0]
    seeds = [0, 1] if quick else list(range(10))
    student_steps = 150 if quick else 800
    alpha = 0.9

    data = digits_split()
    teacher = train(make_mlp(teacher_hidden, 0), data[0], data[2], teacher_epochs, seed=0)
    results = {
        "teacher": {"hidden": list(teacher_hidden), "epochs": teacher_epochs,
                    "accuracy": accuracy(teacher, data[1], data[3]),
                    "parameters": sum(p.numel() for p in teacher.parameters())},
        "n_train": len(data[0]), "n_test": len(data[1]),
        "pruning": pruning_curve(teacher, data, amounts, finetune_epochs, seed=1),
        "quantization": quantization_results(teacher, data, bit_widths,
                                             repeats=20 if quick else 200),
        "distillation": distillation_results(teacher, data, student_hidden, temperatures,
                                             alpha, student_steps, seeds, few=100),
    }
    seeds_record = {"teacher init and batches": 0, "fine-tuning batches": 1,
                    "students (init and batches)": seeds}
    record = finish(NAME, args, argv, seeds_record, results, timer.start)
    if not args.write:
        print(f"teacher {results['teacher']['accuracy']:.3f}")
        for p in results["pruning"]["points"]:
            print(p)
        q = results["quantization"]
        print(q["sweep"], q["table"], q["latency"])
        d = results["distillation"]
        for row in d["table"]["rows"]:
            print(row)
        print(d["teacher_accuracy"])
        print(f"{record['wall_seconds']} s")
    return record


if __name__ == "__main__":
    main()
