"""Transfer learning on scikit-learn's digits: scratch, frozen features, fine-tuning.

Source task: the ten digits, on one half of the images (898, many labels: 80 % train a
small CNN, 20 % give its validation accuracy). Target task: the same ten classes on the
other half, seen through a shifted domain (a noisy sensor: Gaussian noise of standard
deviation 0.3 added to every pixel of [0, 1] images, clipped, drawn once per image),
with only ``n`` labelled images per class; a fixed stratified test set of 300 noisy
images (30 per class) measures each method. The head is new in every method (the
target's classes are not assumed to match the source's). For every ``n`` and seed, five
methods train on the same labelled images:

* ``scratch``: a fresh network, every weight trained (Adam, lr 1e-2);
* ``frozen``: the pretrained body frozen (``requires_grad_(False)`` and ``eval()``, so
  its BatchNorm statistics stay the source's), a new linear head trained on its features
  (Adam, lr 1e-2);
* ``finetune``: the pretrained body and a new head, all trained, with discriminative
  learning rates: parameter groups lr 1e-3 for the body and 1e-2 for the head;
* ``frozen_unrelated`` and ``finetune_unrelated``: the same two recipes from a body
  pretrained on an *unrelated* source, the source images with their 64 pixels shuffled
  by one fixed permutation (same labels, no spatial structure left): a test for negative
  transfer.

The network is built from dlref's torch twins (``dlref.torch.nn.Conv2d``,
``BatchNorm2d``, ``ReLU``, ``MaxPool2d``, ``Linear``); it is trained with
``torch.optim.Adam``. Every run trains for the same number of updates on minibatches of
the labelled images (a fixed budget: with a few labels there is no validation set to
stop on).

Data: ``sklearn.datasets.load_digits`` (1,797 images of 8x8 pixels, 16 grey levels; a
copy of the UCI optical recognition of handwritten digits test set, shipped with
scikit-learn, BSD licence); the noise comes from ``dlref.data.augment.gaussian_noise``.

    python experiments/transfer_learning.py --write  # the recorded run (~4 CPU-minutes)
    python experiments/transfer_learning.py --quick    # a few seconds: 2 sizes, 1 seed
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from dlref.data.augment import gaussian_noise  # noqa: E402
from dlref.torch import nn  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "transfer_learning"
CLASSES = 10
TEST_PER_CLASS = 30
NOISE = 0.3
LR_HEAD, LR_BODY = 1e-2, 1e-3
METHODS = {
    "scratch": "from scratch",
    "frozen": "frozen body + new head",
    "finetune": "fine-tune (body lr 1e-3, head 1e-2)",
    "frozen_unrelated": "frozen, unrelated source",
    "finetune_unrelated": "fine-tune, unrelated source",
}


# --8<-- [start:model]
class SmallCNN(torch.nn.Module):
    """A body of two conv-BN-ReLU layers and a max-pool (8x8 -> 16 maps of 4x4, 256
    features) and a linear head."""

    def __init__(self, num_classes: int = CLASSES, widths=(8, 16)):
        super().__init__()
        c1, c2 = widths
        self.body = torch.nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(),
            nn.MaxPool2d(2),                                   # (N, c2, 4, 4)
            torch.nn.Flatten(),                                # (N, 16 c2): features
        )
        self.head = nn.Linear(16 * c2, num_classes)

    def forward(self, x):
        return self.head(self.body(x))
# --8<-- [end:model]


def digits():
    """Images ``(N, 1, 8, 8)`` scaled to [0, 1] (float32) and labels ``(N,)``."""
    x, y = load_digits(return_X_y=True)
    return torch.tensor(x / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8), y


def fit(model, groups, x, y, steps: int, batch: int,
        generator: torch.Generator) -> list:
    """Adam on ``groups`` for ``steps`` minibatches of ``(x, y)``; the losses."""
    opt = torch.optim.Adam(groups)
    losses = []
    for _ in range(steps):
        i = torch.randint(0, len(x), (min(batch, len(x)),), generator=generator)
        loss = torch.nn.functional.cross_entropy(model(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def pretrain(x, y, seed: int, steps: int) -> tuple:
    """A SmallCNN trained on the source (80 %); its accuracy on the other 20 %."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    train, val = order[:cut], order[cut:]
    torch.manual_seed(seed)
    model = SmallCNN(CLASSES)
    model.train()
    gen = torch.Generator().manual_seed(seed)
    groups = [{"params": model.parameters(), "lr": LR_HEAD}]
    losses = fit(model, groups, x[train], y[train], steps, 64, gen)
    return model, accuracy(model, x[val], y[val]), losses


# --8<-- [start:transfer]
def transfer(method: str, body, x, y, x_test, y_test, seed: int, steps: int) -> float:
    """Train one method on the labelled target images; its test accuracy."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    if method == "scratch":
        model = SmallCNN(CLASSES)
        groups = [{"params": model.parameters(), "lr": LR_HEAD}]
    else:
        model = SmallCNN(CLASSES)                      # a new, random head
        model.body = copy.deepcopy(body)               # the pretrained body
        if method.startswith("frozen"):
            model.body.requires_grad_(False)           # no gradients, no updates
            groups = [{"params": model.head.parameters(), "lr": LR_HEAD}]
        else:                                          # discriminative learning rates
            groups = [{"params": model.body.parameters(), "lr": LR_BODY},
                      {"params": model.head.parameters(), "lr": LR_HEAD}]
    model.train()
    if method.startswith("frozen"):
        model.body.eval()                              # BatchNorm: source's stats
    fit(model, groups, x, y, steps, 32, gen)
    return accuracy(model, x_test, y_test)
# --8<-- [end:transfer]


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    if args.quick:
        sizes, seeds, pretrain_steps, steps = [3, 30], [0], 150, 60
    else:
        sizes, seeds, pretrain_steps, steps = [1, 3, 10, 30], [0, 1, 2, 3, 4], 400, 150

    x_all, y_all = digits()
    halves = np.random.default_rng(2024).permutation(len(y_all))
    src, tgt = halves[: len(y_all) // 2], halves[len(y_all) // 2:]
    x_src, y_src = x_all[src], torch.tensor(y_all[src])
    # the unrelated source: the same images with their pixels shuffled (one permutation)
    perm = torch.tensor(np.random.default_rng(12345).permutation(64))
    x_shuffled = x_src.reshape(-1, 64)[:, perm].reshape(-1, 1, 8, 8)   # (N, 1, 8, 8)

    # target: the other half through a noisy sensor, noise drawn once per image
    x_tgt = torch.tensor(gaussian_noise(x_all[tgt].numpy(), sigma=NOISE,
                                        generator=np.random.default_rng(7)))
    y_tgt = y_all[tgt]
    # a fixed stratified test set; the rest of each class is the labelled pool
    split = np.random.default_rng(2025)
    test_idx, pools = [], []
    for c in range(CLASSES):
        idx = split.permutation(np.flatnonzero(y_tgt == c))
        test_idx.append(idx[:TEST_PER_CLASS])
        pools.append(idx[TEST_PER_CLASS:])
    test_idx = np.concatenate(test_idx)
    x_test, y_test = x_tgt[test_idx], torch.tensor(y_tgt[test_idx])
    assert max(sizes) <= min(len(p) for p in pools)

    runs, pretraining = [], []
    for seed in seeds:
        timer = Timer()
        related, src_acc, src_losses = pretrain(x_src, y_src, seed, pretrain_steps)
        unrelated, shuf_acc, _ = pretrain(x_shuffled, y_src, seed, pretrain_steps)
        pretraining.append({"seed": seed, "source_val_accuracy": src_acc,
                            "unrelated_source_val_accuracy": shuf_acc,
                            "first_loss": src_losses[0], "last_loss": src_losses[-1],
                            "seconds": timer()})
        print(f"seed {seed}: source val acc {src_acc:.3f}, shuffled-pixel source "
              f"{shuf_acc:.3f} ({timer():.0f} s)", flush=True)
        # nested labelled subsets: the first n of one shuffled order per class
        pick = np.random.default_rng(100 + seed)
        orders = [pick.permutation(p) for p in pools]
        for n in sizes:
            idx = np.concatenate([o[:n] for o in orders])
            x, y = x_tgt[idx], torch.tensor(y_tgt[idx])
            row = {"seed": seed, "per_class": n, "labelled": len(idx)}
            for method in METHODS:
                body = unrelated.body if method.endswith("unrelated") else related.body
                row[method] = transfer(method, body, x, y, x_test, y_test, seed, steps)
            runs.append(row)
            print(f"  n = {n:3d} per class: "
                  + ", ".join(f"{m} {row[m]:.3f}" for m in METHODS), flush=True)

    summary = {}
    for n in sizes:
        mine = [r for r in runs if r["per_class"] == n]
        summary[f"n{n}"] = {m: {"mean": float(np.mean([r[m] for r in mine])),
                                "std": float(np.std([r[m] for r in mine])),
                                "min": float(min(r[m] for r in mine)),
                                "max": float(max(r[m] for r in mine))} for m in METHODS}
        # paired by seed (same labelled images): in how many seeds a method beat scratch
        summary[f"n{n}"]["beats_scratch"] = {
            m: sum(r[m] > r["scratch"] for r in mine)
            for m in METHODS if m != "scratch"}
    # mean accuracy of each method minus that of training from scratch, per size
    gains = {}
    for n in sizes:
        mean = {m: summary[f"n{n}"][m]["mean"] for m in METHODS}
        gains[f"n{n}"] = {m: mean[m] - mean["scratch"]
                          for m in METHODS if m != "scratch"}
    rows = [[n, CLASSES * n] + [summary[f"n{n}"][m]["mean"] for m in METHODS]
            for n in sizes]
    results = {
        "source": f"digits, one half ({len(src)} images, 10 classes)",
        "target": f"digits, the other half, Gaussian noise sigma {NOISE}",
        "noise_sigma": NOISE,
        "unrelated_source": "the source images, pixels shuffled by one permutation",
        "smallest_pool": int(min(len(p) for p in pools)),
        "sizes_per_class": sizes, "test_size": len(test_idx),
        "pretrain_steps": pretrain_steps, "steps": steps, "batch": 32,
        "lr_head": LR_HEAD, "lr_body": LR_BODY, "methods": METHODS,
        "parameters": {"body": sum(p.numel() for p in related.body.parameters()),
                       "head": sum(p.numel() for p in related.head.parameters())},
        "pretraining": pretraining,
        "source_val_accuracy": float(np.mean([p["source_val_accuracy"]
                                              for p in pretraining])),
        "unrelated_source_val_accuracy": float(np.mean(
            [p["unrelated_source_val_accuracy"] for p in pretraining])),
        "table": {"columns": ["labelled per class", "labelled images"]
                  + list(METHODS.values()),
                  "rows": rows, "formats": ["d", "d"] + [".3f"] * len(METHODS)},
        "summary": summary,
        "gains": gains,
        "runs": runs,
    }
    seeds_record = {"torch.manual_seed (pretraining, heads, minibatches)": seeds,
                    "labelled subsets (numpy)": [100 + s for s in seeds],
                    "source/target halves (numpy)": 2024, "target noise (numpy)": 7,
                    "target test split (numpy)": 2025,
                    "pixel permutation (numpy)": 12345}
    return finish(NAME, args, argv, seeds_record, results, started)


if __name__ == "__main__":
    main()
