"""Saliency, gradient x input, integrated gradients and occlusion on sklearn's digits.

The recorded run of docs/frontiers/interpretability.md.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1]), split once into 1257 training and 540 test images (stratified).
Model: an MLP 64-64-64-10 with ReLU on images of shape (N, 1, 8, 8) (flattened first),
built from dlref's torch twins (``dlref.torch.nn.Linear``, ``ReLU``), trained with Adam.

For each seed, the sanity check of Adebayo et al. (2018, cascading randomization): the
three Linear layers are re-initialized one after the other, from the top (output) layer
down, and after each step the maps of ``N_IMAGES`` test images are compared with the maps
of the trained model by the Spearman rank correlation of their absolute values (one
correlation per image, averaged). A map that does not depend on the model (the image
itself, ``|x|``) is the control. The completeness gap of integrated gradients
(``|sum(attributions) - (f(x) - f(baseline))|``) is measured against the number of steps.

    python experiments/interpretability.py --write   # the recorded run (~20 s, 5 seeds)
    python experiments/interpretability.py --quick   # a few seconds: one seed
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.torch.nn import Linear, ReLU  # noqa: E402
from experiments.common import (  # noqa: E402
    Timer, accuracy, finish, parse_args, set_threads)

NAME = "interpretability"
TRAIN = {"epochs": 30, "batch_size": 64, "lr": 1e-3}
FULL = {"seeds": [0, 1, 2, 3, 4], "n_images": 100}
QUICK = {"seeds": [0], "n_images": 20, "epochs": 15}
IG_STEPS = 50
WINDOW, STRIDE = (1, 3, 3), (1, 1, 1)
STEPS_GRID = [2, 4, 8, 16, 32, 64, 128]


def saliency(model, x, target):
    """Gradient saliency |d f_c / d x| (Simonyan et al. 2014), one map per input."""
    x = x.clone().requires_grad_(True)
    # f_c(x) for each input's own target class c; summed: the inputs do not interact
    score = model(x).gather(1, target[:, None]).sum()
    (grad,) = torch.autograd.grad(score, x)
    return grad.abs()


def gradient_x_input(model, x, target):
    """Gradient x input: x_i * d f_c / d x_i (signed, not an absolute value)."""
    x = x.clone().requires_grad_(True)
    score = model(x).gather(1, target[:, None]).sum()
    (grad,) = torch.autograd.grad(score, x)
    return x.detach() * grad


def integrated_gradients(model, x, target, baseline, n_steps=50):
    """Integrated gradients (Sundararajan et al. 2017) by the trapezoid rule."""
    # alpha_k = k / (n - 1), k = 0..n-1; trapezoid weights 1/(n-1), halved at both ends
    alphas = torch.linspace(0, 1, n_steps, dtype=x.dtype, device=x.device)
    weights = torch.full_like(alphas, 1.0 / (n_steps - 1))
    weights[0] = weights[-1] = 0.5 / (n_steps - 1)
    total = torch.zeros_like(x)
    for alpha, weight in zip(alphas, weights):
        # a point of the straight path baseline + alpha (x - baseline)
        point = (baseline + alpha * (x - baseline)).requires_grad_(True)
        score = model(point).gather(1, target[:, None]).sum()
        (grad,) = torch.autograd.grad(score, point)
        total = total + weight * grad
    # IG_i = (x_i - baseline_i) * integral_0^1 d f_c / d x_i (path(alpha)) d alpha
    return (x - baseline) * total


def occlusion(model, x, target, window, stride, baseline=0.0):
    """Occlusion (Zeiler and Fergus 2014): score drop when a patch is set to baseline.

    Each pixel gets the average drop over the patches that cover it. Patch positions
    start at 0, stride apart, ceil((size - window) / stride) + 1 of them per axis (the
    last one may run off the edge and is clipped), as Captum's ``Occlusion`` does.
    """
    with torch.no_grad():
        score = model(x).gather(1, target[:, None])[:, 0]           # (N,)
        total = torch.zeros_like(x)                                 # (N, C, H, W)
        count = torch.zeros_like(x[0])                              # (C, H, W)
        starts = [range(0, max(size - w, 0) + s if size > w else 1, s)
                  for size, w, s in zip(x.shape[1:], window, stride)]
        for c0 in starts[0]:
            for h0 in starts[1]:
                for w0 in starts[2]:
                    patch = (slice(None), slice(c0, c0 + window[0]),
                             slice(h0, h0 + window[1]), slice(w0, w0 + window[2]))
                    occluded = x.clone()
                    occluded[patch] = baseline
                    drop = score - model(occluded).gather(1, target[:, None])[:, 0]
                    total[patch] += drop[:, None, None, None]
                    count[patch[1:]] += 1
    return total / count


def load_data():
    """Digits scaled to [0, 1], shape (N, 1, 8, 8); a fixed stratified 1257/540 split."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, stratify=y, random_state=0)
    def as_images(a):
        return torch.tensor(a, dtype=torch.float32).reshape(-1, 1, 8, 8)  # (N, 1, 8, 8)

    return (as_images(X_train), as_images(X_test), torch.tensor(y_train),
            torch.tensor(y_test))


def make_mlp(seed: int) -> torch.nn.Sequential:
    """MLP 64-64-64-10 with ReLU on (N, 1, 8, 8) images, from dlref's torch twins."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), Linear(64, 64), ReLU(),
                               Linear(64, 64), ReLU(), Linear(64, 10))


def train(model, X, y, epochs, seed=0):
    """Adam on cross-entropy, mini-batches of 64."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=TRAIN["lr"])
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), TRAIN["batch_size"]):
            idx = order[start:start + TRAIN["batch_size"]]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def all_maps(model, x, target):
    """The four maps of one model and the model-free control |x|, each (N, 64)."""
    maps = {
        "saliency": saliency(model, x, target),
        "gradient_x_input": gradient_x_input(model, x, target),
        "integrated_gradients": integrated_gradients(model, x, target,
                                                     torch.zeros_like(x), IG_STEPS),
        "occlusion": occlusion(model, x, target, WINDOW, STRIDE),
        "input_only": x.clone(),
    }
    return {k: v.reshape(len(x), -1).abs().numpy() for k, v in maps.items()}


def rank_correlation(a, b) -> float:
    """Mean over images of the Spearman correlation of two maps (rows of a and b)."""
    values = []
    for u, v in zip(a, b):
        rho = spearmanr(u, v).statistic
        values.append(0.0 if np.isnan(rho) else rho)   # a constant map ranks nothing
    return float(np.mean(values))


def cascade(model, x, target, seed):
    """Adebayo et al.: re-initialize Linear layers from the top down; correlations."""
    reference = all_maps(model, x, target)
    layers = [m for m in model if isinstance(m, Linear)][::-1]
    rows = []
    torch.manual_seed(10_000 + seed)
    for layer in layers:
        layer.reset_parameters()
        maps = all_maps(model, x, target)
        rows.append({k: rank_correlation(reference[k], maps[k]) for k in maps})
    return rows


def completeness_gaps(model, x, target):
    """Max over images of |sum IG - (f(x) - f(0))| for each n_steps, in float64."""
    model = model.double()
    x = x.double()
    baseline = torch.zeros_like(x)
    with torch.no_grad():
        gap = (model(x) - model(baseline)).gather(1, target[:, None])[:, 0]
    out = []
    for n in STEPS_GRID:
        ig = integrated_gradients(model, x, target, baseline, n)
        out.append((ig.sum((1, 2, 3)) - gap).abs().max().item())
    model.float()
    return out


METHODS = ["saliency", "gradient_x_input", "integrated_gradients", "occlusion",
           "input_only"]
LEVELS = ["top layer", "top 2 layers", "all 3 layers"]


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer()
    cfg = {**FULL, **(QUICK if args.quick else {})}
    epochs = cfg.get("epochs", TRAIN["epochs"])
    X_train, X_test, y_train, y_test = load_data()
    x = X_test[:cfg["n_images"]]
    accs, per_seed, gaps = [], [], []
    for seed in cfg["seeds"]:
        model = train(make_mlp(seed), X_train, y_train, epochs, seed)
        accs.append(accuracy(model, X_test, y_test))
        target = model(x).argmax(1)
        gaps.append(completeness_gaps(model, x, target))
        per_seed.append(cascade(model, x, target, seed))
    mean = {m: [float(np.mean([s[i][m] for s in per_seed])) for i in range(3)]
            for m in METHODS}
    rows = [[m] + mean[m] for m in METHODS]
    results = {
        "test_accuracy": float(np.mean(accs)),
        "test_accuracy_per_seed": accs,
        "n_images": cfg["n_images"], "epochs": epochs, "ig_steps": IG_STEPS,
        "correlation": mean,
        "table": {"columns": ["map", *[f"rank corr., {v} random" for v in LEVELS]],
                  "rows": rows, "formats": ["", ".3f", ".3f", ".3f"]},
        "completeness": {"n_steps": STEPS_GRID,
                         "max_gap": [float(np.max(g)) for g in zip(*gaps)]},
    }
    seeds = {"model_and_split": cfg["seeds"],
             "randomization": [10_000 + s for s in cfg["seeds"]]}
    record = finish(NAME, args, argv, seeds, results, started.start)
    print(f"accuracy {results['test_accuracy']:.3f}")
    for row in rows:
        print(row[0], " ".join(f"{v:.3f}" for v in row[1:]))
    print("completeness", results["completeness"])
    return record


if __name__ == "__main__":
    main()
