"""Strengths and weaknesses of deep learning, measured: learning curves, cost, seed spread.

Data (all ship with scikit-learn, BSD licence; nothing is downloaded):

* ``load_breast_cancer``: 569 tumours, 30 measured features, 2 classes (a small table);
* ``load_digits``: 1797 handwritten digits of 8x8 pixels, 10 classes (raw pixels);
* "shifted digits": the same digits pasted at a random position of a 12x12 blank canvas
  (generated here), so that a class no longer lives on fixed pixels.

Models, none tuned (the same recipe at every training-set size):

* ``logistic``: ``sklearn.linear_model.LogisticRegression()`` (C = 1, L-BFGS) on
  standardized features;
* ``boosting``: ``sklearn.ensemble.HistGradientBoostingClassifier()`` with its defaults
  (100 rounds, 31 leaves, at least 20 samples per leaf) on the raw features;
* ``mlp``: a ``dlref.numpy`` MLP ``d``-128-``k`` (ReLU), Adam (learning rate 1e-3),
  batches of 32, ``MLP_STEPS`` updates whatever the training-set size, on standardized
  features;
* ``cnn`` (shifted digits only): a ``dlref.torch`` CNN, two 3x3 convolutions (16 and
  32 channels, ReLU, a 2x2 max-pool between them), global average pooling and a linear
  head; Adam (1e-3), batches of 32, ``CNN_STEPS`` updates.

Each seed draws its own stratified 70/30 split, its own training subset and its own
network initialization and batch order. Four experiments:

1. **learning curves**: test accuracy against the training-set size, per data set;
2. **cost** on all of the digits' training split: training and prediction time, and the
   training FLOPs of the two models whose cost is matrix products (an estimate from
   ``2 * in * out`` per dense layer and example, backward twice the forward);
3. **seed spread**: the MLP trained from ``SPREAD_SEEDS`` seeds on one fixed split;
4. **shifted digits**: the four models on the translated digits.

    python experiments/pros_cons.py --write      # the recorded run (~3 CPU-minutes)
    python experiments/pros_cons.py --quick      # a few seconds: one seed, small sizes
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.counting import count_parameters, linear_flops  # noqa: E402
from dlref.numpy import nn, optim  # noqa: E402
from dlref.torch import nn as tnn  # noqa: E402
from dlref.training import accuracy, fit  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "pros_cons"
HIDDEN = 128
MLP = {"lr": 1e-3, "batch_size": 32}
MLP_STEPS = 600
CNN_STEPS = 1500
COST_EPOCHS = 40
SIZES = {"breast_cancer": [20, 40, 80, 160, 398], "digits": [30, 60, 125, 250, 500, 1257]}
FULL = {"seeds": [0, 1, 2, 3], "spread_seeds": list(range(10)), "shift_seeds": [0, 1]}
QUICK = {"seeds": [0], "spread_seeds": [0, 1], "shift_seeds": [0],
         "sizes": {"breast_cancer": [40, 398], "digits": [60, 1257]},
         "mlp_steps": 200, "cnn_steps": 150, "cost_epochs": 3, "boosting_rounds": 10}
MODELS = ["logistic", "boosting", "mlp"]
LABELS = {"logistic": "logistic regression", "boosting": "gradient boosting",
          "mlp": "MLP (dlref.numpy)", "cnn": "CNN (dlref.torch)"}


def load(name: str):
    """(X, y) of a data set as float64 features and integer labels."""
    if name == "breast_cancer":
        return load_breast_cancer(return_X_y=True)
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y                              # pixels scaled to [0, 1]


def split(X, y, n: int, seed: int):
    """A stratified 70/30 split drawn by ``seed``, then ``n`` training examples of it
    (stratified too; all of them when ``n`` is the training split's size)."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    if n < len(y_train):
        X_train, _, y_train, _ = train_test_split(
            X_train, y_train, train_size=n, stratify=y_train, random_state=seed)
    return X_train, X_test, y_train, y_test


def standardize(X_train, X_test):
    """Both scaled with the training statistics only (constant features left at 0)."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return ((X_train - mean) / std).astype(np.float32), ((X_test - mean) / std).astype(
        np.float32)


def make_mlp(d: int, k: int, generator) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d, HIDDEN, generator=generator), nn.ReLU(),
                         nn.Linear(HIDDEN, k, generator=generator))


def train_mlp(x, y, k, steps, seed, validation_data=None):
    """The MLP after about ``steps`` Adam updates; and fit's history."""
    g = np.random.default_rng(seed)
    model = make_mlp(x.shape[1], k, g)
    epochs = math.ceil(steps / math.ceil(len(x) / MLP["batch_size"]))
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(),
                  lr=MLP["lr"]), x, y, epochs=epochs, batch_size=MLP["batch_size"],
                  generator=g, validation_data=validation_data)
    model.eval()
    return model, history


def boosting(seed: int, rounds: int | None) -> HistGradientBoostingClassifier:
    if rounds is None:
        return HistGradientBoostingClassifier(random_state=seed)
    return HistGradientBoostingClassifier(max_iter=rounds, random_state=seed)


def scores(X, y, n, seed, steps, rounds):
    """Test accuracy of the three models for one training-set size and seed."""
    X_train, X_test, y_train, y_test = split(X, y, n, seed)
    Z_train, Z_test = standardize(X_train, X_test)
    k = int(y.max()) + 1
    out = {"logistic": LogisticRegression(max_iter=5000).fit(Z_train, y_train)
           .score(Z_test, y_test),
           "boosting": boosting(seed, rounds).fit(X_train, y_train).score(X_test, y_test)}
    model, _ = train_mlp(Z_train, y_train, k, steps, seed)
    out["mlp"] = accuracy(model(Z_test), y_test)
    return {m: float(v) for m, v in out.items()}


def learning_curves(sizes, seeds, steps, rounds):
    curves, rows = {}, []
    for data in sizes:
        X, y = load(data)
        acc = {m: [[] for _ in sizes[data]] for m in MODELS}
        for i, n in enumerate(sizes[data]):
            for seed in seeds:
                for m, v in scores(X, y, n, seed, steps, rounds).items():
                    acc[m][i].append(v)
            rows.append([data.replace("_", " "), n, *(
                f"{np.mean(acc[m][i]):.3f} ± {np.std(acc[m][i]):.3f}" for m in MODELS)])
            print(rows[-1], flush=True)
        curves[data] = {
            "sizes": sizes[data], "n_test": math.ceil(0.3 * len(y)),  # as train_test_split
            "mlp_parameters": count_parameters(make_mlp(X.shape[1], int(y.max()) + 1,
                                                        np.random.default_rng(0))),
            **{m: {"mean": [float(np.mean(a)) for a in acc[m]],
                   "std": [float(np.std(a)) for a in acc[m]],
                   "all": acc[m]} for m in MODELS}}
    table = {"columns": ["data set", "training examples", *(LABELS[m] for m in MODELS)],
             "rows": rows, "formats": ["", "d", "", "", ""]}
    return curves, table


def timed(function):
    timer = Timer()
    out = function()
    return out, timer()


def cost(epochs, rounds):
    """Training and prediction cost on the digits' whole training split (seed 0)."""
    X, y = load("digits")
    X_train, X_test, y_train, y_test = split(X, y, 10**9, 0)
    Z_train, Z_test = standardize(X_train, X_test)
    n, d, k = Z_train.shape[0], Z_train.shape[1], 10
    logistic, t_logistic = timed(lambda: LogisticRegression(max_iter=5000).fit(
        Z_train, y_train))
    _, p_logistic = timed(lambda: logistic.predict(Z_test))
    acc_logistic = float(logistic.score(Z_test, y_test))
    booster, t_boost = timed(lambda: boosting(0, rounds).fit(X_train, y_train))
    _, p_boost = timed(lambda: booster.predict(X_test))
    acc_boost = float(booster.score(X_test, y_test))
    steps = epochs * math.ceil(n / MLP["batch_size"])
    (model, history), t_mlp = timed(lambda: train_mlp(
        Z_train, y_train, k, steps, 0, validation_data=(Z_test, y_test)))
    _, p_mlp = timed(lambda: model(Z_test))
    acc_mlp = float(accuracy(model(Z_test), y_test))
    # FLOPs: 2 in out per dense layer and example forward, twice that backward
    forward_mlp = linear_flops(d, HIDDEN) + linear_flops(HIDDEN, k)
    train_flops_mlp = 3 * forward_mlp * n * epochs
    # L-BFGS: each iteration one forward (X W) and one gradient (X^T (P - Y)) product
    forward_logistic = linear_flops(d, k)
    train_flops_logistic = 2 * forward_logistic * n * int(logistic.n_iter_[0])
    # the first epoch whose (test) accuracy reaches logistic regression's: a cost, not
    # a model selection
    reached = [i + 1 for i, a in enumerate(history["val_accuracy"]) if a >= acc_logistic]
    epochs_to_match = reached[0] if reached else None
    per_epoch = t_mlp / epochs
    rows = [
        [LABELS["logistic"], acc_logistic, t_logistic, 1e3 * p_logistic,
         (d + 1) * k, round(train_flops_logistic / 1e6)],
        [LABELS["boosting"], acc_boost, t_boost, 1e3 * p_boost, "n/a", "n/a"],
        [LABELS["mlp"] + f", {epochs} epochs", acc_mlp, t_mlp, 1e3 * p_mlp,
         count_parameters(model), round(train_flops_mlp / 1e6)],
    ]
    if epochs_to_match is not None:
        rows.append([LABELS["mlp"] + f", {epochs_to_match} epochs (to match logistic)",
                     float(history["val_accuracy"][epochs_to_match - 1]),
                     per_epoch * epochs_to_match, 1e3 * p_mlp, count_parameters(model),
                     round(3 * forward_mlp * n * epochs_to_match / 1e6)])
    return {
        "n_train": n, "n_test": len(y_test),
        "logistic": {"accuracy": acc_logistic, "train_s": t_logistic,
                     "predict_s": p_logistic, "iterations": int(logistic.n_iter_[0]),
                     "train_mflops": train_flops_logistic / 1e6},
        "boosting": {"accuracy": acc_boost, "train_s": t_boost, "predict_s": p_boost,
                     "rounds": int(booster.n_iter_), "trees": int(booster.n_iter_) * k},
        "mlp": {"accuracy": acc_mlp, "train_s": t_mlp, "predict_s": p_mlp,
                "epochs": epochs, "train_mflops": train_flops_mlp / 1e6,
                "val_accuracy": [float(a) for a in history["val_accuracy"]],
                "epochs_to_match_logistic": epochs_to_match,
                "seconds_to_match_logistic": (per_epoch * epochs_to_match
                                              if epochs_to_match else None)},
        "extra_correct_mlp_vs_logistic": round((acc_mlp - acc_logistic) * len(y_test)),
        "ratio_train_time_mlp_to_logistic": t_mlp / t_logistic,
        "ratio_train_mflops_mlp_to_logistic": train_flops_mlp / train_flops_logistic,
        "table": {"columns": ["model", "test accuracy", "training (s)",
                              "predicting 540 (ms)", "parameters", "training MFLOPs"],
                  "rows": rows, "formats": ["", ".3f", ".2f", ".1f", "", ""]},
    }


def seed_spread(seeds, steps):
    """The MLP from several seeds (initialization and batch order) on one split."""
    X, y = load("digits")
    X_train, X_test, y_train, y_test = split(X, y, 10**9, 0)
    Z_train, Z_test = standardize(X_train, X_test)
    accs = []
    for seed in seeds:
        model, _ = train_mlp(Z_train, y_train, 10, steps, seed)
        accs.append(float(accuracy(model(Z_test), y_test)))
    logistic = [float(LogisticRegression(max_iter=5000, random_state=s)
                      .fit(Z_train, y_train).score(Z_test, y_test)) for s in seeds[:2]]
    return {"mlp": accs, "mlp_min": min(accs), "mlp_max": max(accs),
            "mlp_std": float(np.std(accs)), "mlp_range": max(accs) - min(accs),
            "errors_min": round((1 - max(accs)) * len(y_test)),
            "errors_max": round((1 - min(accs)) * len(y_test)),
            "logistic_two_seeds": logistic, "n_test": len(y_test)}


def shifted(images: np.ndarray, rng: np.random.Generator, size: int = 12) -> np.ndarray:
    """Each 8x8 image pasted at a random position of a blank ``size`` x ``size`` canvas."""
    out = np.zeros((len(images), size, size))
    rows = rng.integers(0, size - 7, len(images))
    cols = rng.integers(0, size - 7, len(images))
    for i, (r, c) in enumerate(zip(rows, cols)):
        out[i, r:r + 8, c:c + 8] = images[i]
    return out


def make_cnn() -> torch.nn.Sequential:
    return torch.nn.Sequential(
        tnn.Conv2d(1, 16, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(16, 32, 3, padding=1), tnn.ReLU(), tnn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), tnn.Linear(32, 10))


def train_cnn(x, y, steps, seed):
    torch.manual_seed(seed)
    model = make_cnn()
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=MLP["lr"])
    x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    for _ in range(steps):
        batch = torch.randint(0, len(x), (MLP["batch_size"],), generator=g)
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def shifted_digits(seeds, steps, cnn_steps, rounds):
    X, y = load("digits")
    images = X.reshape(-1, 8, 8)                       # (N, 8, 8)
    acc = {m: [] for m in [*MODELS, "cnn"]}
    for seed in seeds:
        canvas = shifted(images, np.random.default_rng(500 + seed))  # (N, 12, 12)
        flat = canvas.reshape(len(canvas), -1)            # (N, 144)
        idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.3,
                                               stratify=y, random_state=seed)
        for m, v in scores(flat, y, 10**9, seed, steps, rounds).items():
            acc[m].append(v)
        model = train_cnn(canvas[idx_train, None], y[idx_train], cnn_steps, seed)
        with torch.no_grad():
            logits = model(torch.tensor(canvas[idx_test, None], dtype=torch.float32))
        acc["cnn"].append(float((logits.argmax(1).numpy() == y[idx_test]).mean()))
    cnn_parameters = count_parameters(make_cnn())
    return {"accuracy": acc, "mean": {m: float(np.mean(v)) for m, v in acc.items()},
            "cnn_parameters": cnn_parameters, "seeds": len(seeds),
            "table": {"columns": ["model", "test accuracy (mean over seeds)"],
                      "rows": [[LABELS[m], float(np.mean(v))] for m, v in acc.items()],
                      "formats": ["", ".3f"]}}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    try:  # boosting runs on OpenMP threads: one, like the rest
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.threads, user_api="openmp")
    except ImportError:
        pass
    timer = Timer()
    q = args.quick
    config = {
        "seeds": QUICK["seeds"] if q else FULL["seeds"],
        "spread_seeds": QUICK["spread_seeds"] if q else FULL["spread_seeds"],
        "shift_seeds": QUICK["shift_seeds"] if q else FULL["shift_seeds"],
        "sizes": QUICK["sizes"] if q else SIZES,
        "mlp_steps": QUICK["mlp_steps"] if q else MLP_STEPS,
        "cnn_steps": QUICK["cnn_steps"] if q else CNN_STEPS,
        "cost_epochs": QUICK["cost_epochs"] if q else COST_EPOCHS,
        "boosting_rounds": QUICK["boosting_rounds"] if q else None,
        "hidden": HIDDEN, "mlp": MLP, "test_fraction": 0.3,
    }
    rounds = config["boosting_rounds"]
    curves, curve_table = learning_curves(config["sizes"], config["seeds"],
                                          config["mlp_steps"], rounds)
    results = {"config": config, "curves": curves, "curve_table": curve_table,
               "cost": cost(config["cost_epochs"], rounds),
               "spread": seed_spread(config["spread_seeds"], config["mlp_steps"]),
               "shifted": shifted_digits(config["shift_seeds"], config["mlp_steps"],
                                         config["cnn_steps"], rounds)}
    seeds = {"splits_subsets_and_networks": config["seeds"],
             "spread_networks": config["spread_seeds"],
             "shifted_canvas": [500 + s for s in config["shift_seeds"]],
             "shifted_splits_and_networks": config["shift_seeds"]}
    record = finish(NAME, args, argv, seeds, results, timer.start)
    print("cost:", *results["cost"]["table"]["rows"], sep="\n  ")
    print("spread:", results["spread"]["mlp_min"], results["spread"]["mlp_max"])
    print("shifted:", results["shifted"]["mean"])
    return record


if __name__ == "__main__":
    main()
