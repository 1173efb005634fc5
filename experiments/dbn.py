"""DBN pretraining against random initialization on scikit-learn's digits, few labels.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1]), split once into 1257 training and 540 test images (stratified). The
training images are all available *without* labels for pretraining; a classifier sees
the labels of only ``n`` of them (``n / 10`` per class, drawn per seed), or of all 1257.

For each seed:

* a DBN 64-100-100 (`dlref.numpy.models.DBN`) is pretrained greedily on the 1257
  unlabelled training images (CD-1, ``PRETRAIN`` settings), then turned into an MLP with
  ``DBN.to_mlp(10)`` and fine-tuned on the labelled images;
* the same MLP (``Linear``-``Sigmoid`` x2, then a ``Linear`` head) from random
  initialization (torch's default), and the same with ``ReLU``, are trained the same way.

Every model is trained with Adam for the same number of steps (``FINETUNE``), whatever
``n``, and scored once, on the 540 test images. A linear probe (a ``Linear`` head alone on
frozen features: the DBN's top layer, or the raw pixels) measures what the features hold
before any fine-tuning.

    python experiments/dbn.py --write      # the recorded run (~2 CPU-minutes)
    python experiments/dbn.py --quick      # a few seconds: one seed, fewer steps
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.numpy import nn, optim  # noqa: E402
from dlref.numpy.models import DBN  # noqa: E402
from dlref.training import accuracy, fit  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "dbn"
LAYERS = [64, 100, 100]
PRETRAIN = {"epochs": 30, "batch_size": 10, "lr": 0.1, "k": 1}
FINETUNE = {"steps": 800, "batch_size": 16, "lr": 1e-2}
PROBE = {"steps": 800, "batch_size": 16, "lr": 1e-2}
FULL = {"labels": [50, 100, 200, 500, 1257], "seeds": [0, 1, 2]}
QUICK = {"labels": [50, 1257], "seeds": [0], "steps": 200, "pretrain_epochs": 10}
MODELS = ["dbn", "random_sigmoid", "random_relu"]


def load_data():
    """Digits scaled to [0, 1]; a fixed stratified split into 1257 train, 540 test."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def labelled_subset(y_train: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n / 10`` training images per class (all of them if ``n`` is the
    training-set size)."""
    if n >= len(y_train):
        return np.arange(len(y_train))
    rng = np.random.default_rng(1000 + seed)
    per_class = n // 10
    return np.concatenate(
        [rng.permutation(np.flatnonzero(y_train == c))[:per_class] for c in range(10)]
    )


def random_mlp(activation, generator: np.random.Generator) -> nn.Sequential:
    """The DBN's MLP shape (64-100-100-10), torch's default initialization."""
    return nn.Sequential(
        nn.Linear(64, 100, dtype=np.float64, generator=generator),
        activation(),
        nn.Linear(100, 100, dtype=np.float64, generator=generator),
        activation(),
        nn.Linear(100, 10, dtype=np.float64, generator=generator),
    )


def train(model, x, y, settings, steps, generator) -> float:
    """Adam on cross-entropy for about ``steps`` mini-batch updates; the last epoch's
    mean training loss."""
    batches = math.ceil(len(x) / settings["batch_size"])
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(),
                  lr=settings["lr"]), x, y, epochs=math.ceil(steps / batches),
                  batch_size=settings["batch_size"], generator=generator)
    return history["loss"][-1]


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    timer = Timer()
    quick = args.quick
    labels = QUICK["labels"] if quick else FULL["labels"]
    seeds = QUICK["seeds"] if quick else FULL["seeds"]
    steps = QUICK["steps"] if quick else FINETUNE["steps"]
    pretrain = dict(PRETRAIN, epochs=QUICK["pretrain_epochs"]) if quick else PRETRAIN

    X_train, X_test, y_train, y_test = load_data()
    accs = {name: {n: [] for n in labels} for name in MODELS}
    probe = {name: {n: [] for n in labels} for name in ("dbn_features", "pixels")}
    train_loss = {name: {n: [] for n in labels} for name in MODELS}
    pretrain_curves = None
    for seed in seeds:
        dbn = DBN(LAYERS, generator=np.random.default_rng(seed))
        histories = dbn.pretrain(X_train, epochs=pretrain["epochs"],
                                 batch_size=pretrain["batch_size"], lr=pretrain["lr"],
                                 k=pretrain["k"], shuffle=True,
                                 generator=np.random.default_rng(100 + seed))
        if pretrain_curves is None:
            pretrain_curves = histories
        features_train, features_test = dbn.transform(X_train), dbn.transform(X_test)
        for n in labels:
            idx = labelled_subset(y_train, n, seed)
            x, t = X_train[idx], y_train[idx]
            for name in MODELS:
                g = np.random.default_rng(10_000 + seed)
                if name == "dbn":
                    model = dbn.to_mlp(10, generator=g)
                else:
                    activation = nn.Sigmoid if name == "random_sigmoid" else nn.ReLU
                    model = random_mlp(activation, g)
                train_loss[name][n].append(train(model, x, t, FINETUNE, steps, g))
                model.eval()
                accs[name][n].append(accuracy(model(X_test), y_test))
            for name, (f_train, f_test) in (("dbn_features", (features_train,
                                                                features_test)),
                                             ("pixels", (X_train, X_test))):
                g = np.random.default_rng(20_000 + seed)
                head = nn.Linear(f_train.shape[1], 10, dtype=np.float64, generator=g)
                train(head, f_train[idx], t, PROBE, steps, g)
                probe[name][n].append(accuracy(head(f_test), y_test))

    def mean(values):
        return float(np.mean(values))

    def std(values):
        return float(np.std(values))

    rows = []
    for n in labels:
        rows.append([n, *(mean(accs[m][n]) for m in MODELS),
                     *(mean(probe[p][n]) for p in ("dbn_features", "pixels"))])
    results = {
        "config": {"layers": LAYERS, "pretrain": pretrain,
                   "finetune": dict(FINETUNE, steps=steps), "probe": dict(PROBE, steps=steps),
                   "labels": labels, "n_train": len(y_train), "n_test": len(y_test)},
        "accuracy": {m: {str(n): accs[m][n] for n in labels} for m in MODELS},
        "accuracy_mean": {m: {str(n): mean(accs[m][n]) for n in labels} for m in MODELS},
        "accuracy_std": {m: {str(n): std(accs[m][n]) for n in labels} for m in MODELS},
        "probe_mean": {p: {str(n): mean(probe[p][n]) for n in labels} for p in probe},
        "final_train_loss_mean": {m: {str(n): mean(train_loss[m][n]) for n in labels}
                                  for m in MODELS},
        "pretrain_reconstruction_error": pretrain_curves,
        "table": {
            "columns": ["labelled images", "DBN + fine-tuning", "random init (sigmoid)",
                        "random init (ReLU)", "probe: DBN features", "probe: pixels"],
            "rows": rows,
            "formats": ["d", ".3f", ".3f", ".3f", ".3f", ".3f"],
        },
    }
    record = finish(NAME, args, argv, {"dbn_init_and_pretraining": seeds,
                                       "subsets": [1000 + s for s in seeds],
                                       "mlp": [10_000 + s for s in seeds]},
                    results, timer.start)
    for row in rows:
        print("  ".join(f"{v:.3f}" if isinstance(v, float) else f"{v:5d}" for v in row))
    return record


if __name__ == "__main__":
    main()
