"""Adversarial examples (FGSM, PGD) and adversarial training on scikit-learn's digits.

The recorded run of docs/frontiers/adversarial-robustness.md.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1]), split once into 1257 training and 540 test images (stratified).
Model: an MLP 64-128-128-10 with ReLU, built from dlref's torch twins
(``dlref.torch.nn.Linear``, ``ReLU``), trained with Adam.

For each seed:

* a **standard** model is trained on the clean images;
* **adversarially trained** models (Madry et al. 2018) are trained for the same number
  of epochs on PGD examples made inside the training loop, one per ``eps_train``;
* every model is attacked on the 540 test images by FGSM and by PGD (L-infinity,
  random start, ``EVAL_STEPS`` steps of size ``2.5 eps / EVAL_STEPS``) at each ``eps``,
  and by random sign noise of the same L-infinity norm; the training CPU time is recorded
  (one thread).

Gradient masking: the standard model behind a non-differentiable preprocessing step
(pixels rounded to 1/16, ``torch.round`` has zero gradient) is attacked by FGSM and PGD
through the rounding (they see a zero gradient), by PGD with BPDA (Athalye et al. 2018:
the rounding replaced by the identity in the backward pass) and by transfer (PGD
examples of the model without the rounding).

    python experiments/adversarial.py --write    # the recorded run (~2 CPU-minutes, 5 seeds)
    python experiments/adversarial.py --quick    # a few seconds: one seed, fewer epochs
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.torch.nn import Linear, ReLU  # noqa: E402
from experiments.common import (  # noqa: E402
    Timer, accuracy, finish, parse_args, set_threads)

NAME = "adversarial"
TRAIN = {"epochs": 40, "batch_size": 64, "lr": 1e-3}
TRAIN_STEPS = 7                      # PGD steps inside adversarial training
EVAL_STEPS = 20                      # PGD steps of the evaluation attack
FULL = {"seeds": [0, 1, 2, 3, 4], "eps_train": [0.05, 0.1, 0.2],
        "eps": [0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3]}
QUICK = {"seeds": [0], "eps_train": [0.1], "eps": [0.0, 0.1], "epochs": 12,
         "train_steps": 3}
MASKING_EPS = 0.1


def fgsm(model, x, y, eps):
    """FGSM: one step of size eps along the sign of the input gradient."""
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y, reduction="sum")   # sum: no 1/N underflow
    (grad,) = torch.autograd.grad(loss, x)
    # x_adv = clip_[0, 1](x + eps * sign(grad_x L))
    return (x + eps * grad.sign()).clamp(0.0, 1.0).detach()


def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    """Projected gradient descent on the loss, L-infinity ball of radius eps."""
    x_adv = x.clone()
    if random_start:
        # a uniform point of the ball: x + U(-eps, eps), kept in [0, 1]
        u = torch.rand(x.shape, generator=generator, dtype=x.dtype,
                       device=x.device)
        x_adv = (x + eps * (2 * u - 1)).clamp(0.0, 1.0)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y, reduction="sum")
        (grad,) = torch.autograd.grad(loss, x_adv)
        # ascent step, then projection onto |x_adv - x|_inf <= eps and onto [0, 1]
        x_adv = x_adv.detach() + alpha * grad.sign()
        x_adv = torch.minimum(torch.maximum(x_adv, x - eps), x + eps)
        x_adv = x_adv.clamp(0.0, 1.0)
    return x_adv.detach()


def load_data():
    """Digits scaled to [0, 1] as float32 tensors; a fixed stratified 1257/540 split."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, stratify=y, random_state=0)
    return (torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_test, dtype=torch.float32),
            torch.tensor(y_train), torch.tensor(y_test))


def make_mlp(seed: int) -> torch.nn.Sequential:
    """MLP 64-128-128-10 with ReLU, from dlref's torch twins, seeded initialization."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(Linear(64, 128), ReLU(), Linear(128, 128), ReLU(),
                               Linear(128, 10))


def train(model, X, y, epochs, eps_train=0.0, train_steps=TRAIN_STEPS, seed=0):
    """Adam on clean images, or (eps_train > 0) on PGD examples made at every step."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=TRAIN["lr"])
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), TRAIN["batch_size"]):
            idx = order[start:start + TRAIN["batch_size"]]
            xb, yb = X[idx], y[idx]
            if eps_train > 0:
                # Madry et al.: the inner maximization, then a step on its result
                xb = pgd(model, xb, yb, eps_train, 2.5 * eps_train / train_steps,
                         train_steps, generator=generator)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def robust_accuracy(model, X, y, eps_list, seed):
    """Accuracy under FGSM, PGD and random sign noise of L-infinity norm eps."""
    generator = torch.Generator().manual_seed(seed)
    out = {"fgsm": [], "pgd": [], "noise": []}
    for eps in eps_list:
        noise = eps * torch.randint(0, 2, X.shape, generator=generator).mul(2).sub(1)
        out["noise"].append(accuracy(model, (X + noise).clamp(0, 1), y))
        out["fgsm"].append(accuracy(model, fgsm(model, X, y, eps), y))
        x_pgd = pgd(model, X, y, eps, 2.5 * eps / EVAL_STEPS, EVAL_STEPS, generator=generator)
        out["pgd"].append(accuracy(model, x_pgd, y))
    return out


class RoundPixels(torch.nn.Module):
    """Preprocessing x -> round(16 x) / 16; torch.round has a zero gradient."""

    def forward(self, x):
        return torch.round(16 * x) / 16


class RoundPixelsBPDA(torch.nn.Module):
    """The same forward pass; backward pass of the identity (straight-through)."""

    def forward(self, x):
        return x + (torch.round(16 * x) / 16 - x).detach()


def gradient_masking(model, X, y, eps, seed):
    """A masked 'defence' (rounding in front of the model) under four attacks."""
    generator = torch.Generator().manual_seed(seed)
    defended = torch.nn.Sequential(RoundPixels(), model)
    surrogate = torch.nn.Sequential(RoundPixelsBPDA(), model)   # same outputs
    alpha = 2.5 * eps / EVAL_STEPS
    attacks = {
        "fgsm": fgsm(defended, X, y, eps),
        "pgd": pgd(defended, X, y, eps, alpha, EVAL_STEPS, generator=generator),
        "pgd_bpda": pgd(surrogate, X, y, eps, alpha, EVAL_STEPS, generator=generator),
        "transfer": pgd(model, X, y, eps, alpha, EVAL_STEPS, generator=generator),
    }
    out = {"clean": accuracy(defended, X, y)}
    out.update({name: accuracy(defended, x_adv, y) for name, x_adv in attacks.items()})
    return out


def mean(values) -> float:
    return float(np.mean(values))


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer()
    config = {**FULL, "epochs": TRAIN["epochs"], "train_steps": TRAIN_STEPS}
    if args.quick:
        config.update(QUICK)
    X_train, X_test, y_train, y_test = load_data()
    eps_list, seeds = config["eps"], config["seeds"]
    # names without a dot (record keys are dotted paths): adv_010 is eps_train 0.1
    models = ["standard"] + [f"adv_{round(100 * e):03d}" for e in config["eps_train"]]
    labels = ["standard"] + [f"adversarial, eps_train {e}" for e in config["eps_train"]]
    per_seed = {m: {"clean": [], "train_seconds": [], "fgsm": [], "pgd": [], "noise": []}
                for m in models}
    masking = []
    train(make_mlp(0), X_train, y_train, 1)       # warm-up: torch's first calls are slow
    for seed in seeds:
        for name, eps_train in zip(models, [0.0, *config["eps_train"]]):
            cpu_start = time.process_time()            # CPU time: robust to load
            model = train(make_mlp(seed), X_train, y_train, config["epochs"], eps_train,
                          config["train_steps"], seed)
            per_seed[name]["train_seconds"].append(time.process_time() - cpu_start)
            per_seed[name]["clean"].append(accuracy(model, X_test, y_test))
            for attack, curve in robust_accuracy(model, X_test, y_test, eps_list,
                                                 seed).items():
                per_seed[name][attack].append(curve)
            if name == "standard":
                masking.append(gradient_masking(model, X_test, y_test, MASKING_EPS, seed))

    summary = {}
    for m in models:
        r = per_seed[m]
        summary[m] = {
            "clean": mean(r["clean"]),
            "clean_min": float(np.min(r["clean"])),
            "clean_max": float(np.max(r["clean"])),
            "train_seconds": mean(r["train_seconds"]),
            **{a: np.mean(r[a], axis=0).tolist() for a in ("fgsm", "pgd", "noise")},
            **{f"{a}_std": np.std(r[a], axis=0).tolist() for a in ("fgsm", "pgd")},
        }
        summary[m]["cost"] = summary[m]["train_seconds"] / mean(
            per_seed["standard"]["train_seconds"])
    i_01 = eps_list.index(0.1)
    table = {
        "columns": ["model", "clean acc.", "FGSM, eps 0.1", "PGD, eps 0.1",
                    "noise, eps 0.1", "training time (x standard)"],
        "rows": [[label, summary[m]["clean"], summary[m]["fgsm"][i_01],
                  summary[m]["pgd"][i_01], summary[m]["noise"][i_01], summary[m]["cost"]]
                 for m, label in zip(models, labels)],
        "formats": ["", ".3f", ".3f", ".3f", ".3f", ".1f"],
    }
    masking_mean = {k: mean([r[k] for r in masking]) for k in masking[0]}
    masking_table = {
        "columns": ["attack on round(16 x)/16 + standard MLP", "accuracy"],
        "rows": [["none (clean)", masking_mean["clean"]],
                 ["FGSM through the rounding", masking_mean["fgsm"]],
                 ["PGD through the rounding", masking_mean["pgd"]],
                 ["PGD with BPDA (identity backward)", masking_mean["pgd_bpda"]],
                 ["transfer: PGD on the MLP alone", masking_mean["transfer"]]],
        "formats": ["", ".3f"],
    }
    results = {
        "config": {**config, "eval_steps": EVAL_STEPS, "masking_eps": MASKING_EPS,
                   "train": TRAIN, "n_train": len(X_train), "n_test": len(X_test)},
        "models": models,
        "labels": labels,
        "summary": summary,
        "per_seed": per_seed,
        "masking": masking_mean,
        "table": table,
        "masking_table": masking_table,
    }
    record = finish(NAME, args, argv, {"seeds": seeds, "split": 0}, results, started.start)
    for row in table["rows"]:
        print(row)
    for row in masking_table["rows"]:
        print(row)
    print(f"{record['wall_seconds']} s")
    return record


if __name__ == "__main__":
    main()
