"""Hyperparameter search (TPE, random, grid) and a small architecture search on digits.

Data: scikit-learn's 1,797 8x8 handwritten digits (BSD-3 licence), split once, stratified,
into 60% training, 20% validation, 20% test, standardized with the training statistics.
A trial trains scikit-learn's ``MLPClassifier`` (Adam, batches of 64, a few epochs) and
returns its validation accuracy; nothing is chosen with the test set, which scores only
the configuration each search chose, refitted once.

Hyperparameter search, the same budget of trials for every method, one space:
learning rate log-uniform in [1e-4, 0.3], hidden width log-uniform integer in [8, 256],
L2 penalty ``alpha`` log-uniform in [1e-6, 1e-1]:

* ``tpe``: Optuna's ``TPESampler`` (10 random start-up trials, then TPE), seeded;
* ``optuna_random``: Optuna's ``RandomSampler``, seeded;
* ``random``: our own random search (``sample_config``), seeded;
* ``grid``: 5 learning rates x 3 widths x 2 alphas = 30 points of the same ranges, in a
  random order per repetition (the order only changes the best-so-far curve).

Each repetition (seed) also fixes the network's initialization and batch order, the same
for every trial of that repetition.

Architecture search: random search over depth (1 to 3 hidden layers) and the width of
each layer (16, 32, 64 or 128), with the learning rate and alpha fixed; cost reported as
trials, seconds and the parameter counts of the chosen networks.

    python experiments/automl.py --write   # the recorded run (~2-3 CPU-minutes)
    python experiments/automl.py --quick   # a few seconds: 2 seeds, 8 trials
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "automl"
METHODS = ("tpe", "optuna_random", "random", "grid")
LR_RANGE = (1e-4, 0.3)
WIDTH_RANGE = (8, 256)
ALPHA_RANGE = (1e-6, 1e-1)
GRID = {"lr": [1e-4, 1e-3, 1e-2, 0.05, 0.3], "width": [8, 45, 256],
        "alpha": [1e-6, 1e-1]}
NAS_DEPTHS = (1, 2, 3)
NAS_WIDTHS = (16, 32, 64, 128)


def load_splits(seed: int = 0):
    """Digits split 60/20/20 (stratified), standardized with the training statistics."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2,
                                                      random_state=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25,
                                                      random_state=seed, stratify=y_rest)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train), y_train, scaler.transform(X_val), y_val,
            scaler.transform(X_test), y_test)


def sample_config(rng: np.random.Generator) -> dict:
    """One draw of our random search: log-uniform lr, width and alpha."""
    lr = 10 ** rng.uniform(np.log10(LR_RANGE[0]), np.log10(LR_RANGE[1]))
    # width: log-uniform, rounded to an integer in [8, 256]
    log_w = rng.uniform(np.log(WIDTH_RANGE[0] - 0.5), np.log(WIDTH_RANGE[1] + 0.5))
    width = int(np.clip(round(np.exp(log_w)), *WIDTH_RANGE))
    alpha = 10 ** rng.uniform(np.log10(ALPHA_RANGE[0]), np.log10(ALPHA_RANGE[1]))
    return {"lr": float(lr), "width": width, "alpha": float(alpha)}


def grid_configs() -> list[dict]:
    return [{"lr": lr, "width": w, "alpha": a}
            for lr in GRID["lr"] for w in GRID["width"] for a in GRID["alpha"]]


def train_mlp(data, hidden: tuple, lr: float, alpha: float, epochs: int, seed: int):
    """Fit one MLPClassifier; returns (model, validation accuracy)."""
    from sklearn.neural_network import MLPClassifier

    X_train, y_train, X_val, y_val = data[:4]
    model = MLPClassifier(hidden_layer_sizes=hidden, learning_rate_init=lr, alpha=alpha,
                          batch_size=64, max_iter=epochs, random_state=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")      # ConvergenceWarning: few epochs on purpose
        model.fit(X_train, y_train)
        accuracy = float(model.score(X_val, y_val))
    return model, accuracy


def test_accuracy(model, data) -> float:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(model.score(data[4], data[5]))


def n_parameters(model) -> int:
    return int(sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_))


def run_search(method: str, data, n_trials: int, epochs: int, seed: int) -> dict:
    """One search of ``n_trials``; returns its scores, best config and test accuracy."""
    import optuna

    def evaluate(config):
        return train_mlp(data, (config["width"],), config["lr"], config["alpha"],
                         epochs, seed)[1]

    timer = Timer()
    if method in ("tpe", "optuna_random"):
        sampler = (optuna.samplers.TPESampler(seed=seed) if method == "tpe"
                   else optuna.samplers.RandomSampler(seed=seed))
        study = optuna.create_study(direction="maximize", sampler=sampler)

        def objective(trial):
            return evaluate({
                "lr": trial.suggest_float("lr", *LR_RANGE, log=True),
                "width": trial.suggest_int("width", *WIDTH_RANGE, log=True),
                "alpha": trial.suggest_float("alpha", *ALPHA_RANGE, log=True)})

        study.optimize(objective, n_trials=n_trials)
        scores = [t.value for t in study.trials]
        configs = [dict(t.params) for t in study.trials]
    else:
        rng = np.random.default_rng(seed)
        if method == "random":
            configs = [sample_config(rng) for _ in range(n_trials)]
        else:
            grid = grid_configs()
            configs = [grid[i] for i in rng.permutation(len(grid))[:n_trials]]
        scores = [evaluate(c) for c in configs]
    seconds = timer()
    best = configs[int(np.argmax(scores))]
    model, _ = train_mlp(data, (best["width"],), best["lr"], best["alpha"], epochs, seed)
    return {"scores": scores, "best_so_far": np.maximum.accumulate(scores).tolist(),
            "best_config": best, "best_val": float(max(scores)),
            "test": test_accuracy(model, data), "seconds": seconds}


def run_nas(data, n_trials: int, epochs: int, seed: int) -> dict:
    """Random search over depth and per-layer widths; lr 1e-2, alpha 1e-4 fixed."""
    rng = np.random.default_rng(1000 + seed)
    timer = Timer()
    trials = []
    for _ in range(n_trials):
        depth = int(rng.choice(NAS_DEPTHS))
        hidden = tuple(int(w) for w in rng.choice(NAS_WIDTHS, size=depth))
        model, val = train_mlp(data, hidden, 1e-2, 1e-4, epochs, seed)
        trials.append({"hidden": list(hidden), "val": val, "params": n_parameters(model)})
    seconds = timer()
    best = max(trials, key=lambda t: t["val"])
    model, _ = train_mlp(data, tuple(best["hidden"]), 1e-2, 1e-4, epochs, seed)
    return {"trials": trials, "best": best, "test": test_accuracy(model, data),
            "seconds": seconds}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = Timer()
    seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
    n_trials = 8 if args.quick else 30
    epochs = 5 if args.quick else 10
    nas_trials = 6 if args.quick else 20
    data = load_splits(0)

    runs = {m: [run_search(m, data, n_trials, epochs, s) for s in seeds] for m in METHODS}
    nas = [run_nas(data, nas_trials, epochs, s) for s in seeds]

    curves = {m: np.mean([r["best_so_far"] for r in runs[m]], axis=0).tolist()
              for m in METHODS}
    summary = {m: {"best_val_mean": float(np.mean([r["best_val"] for r in runs[m]])),
                   "best_val_std": float(np.std([r["best_val"] for r in runs[m]])),
                   "test_mean": float(np.mean([r["test"] for r in runs[m]])),
                   "test_std": float(np.std([r["test"] for r in runs[m]])),
                   "seconds_mean": float(np.mean([r["seconds"] for r in runs[m]]))}
               for m in METHODS}
    # trials each method needed, on average, to pass 0.95 validation accuracy (or None)
    for m in METHODS:
        hits = [next((i + 1 for i, v in enumerate(r["best_so_far"]) if v >= 0.95), None)
                for r in runs[m]]
        summary[m]["reached_095"] = sum(h is not None for h in hits)
    table = {"columns": ["method", "best val. acc. (mean)", "std", "test acc. of chosen",
                         "std", "seconds per search"],
             "rows": [[m, summary[m]["best_val_mean"], summary[m]["best_val_std"],
                       summary[m]["test_mean"], summary[m]["test_std"],
                       summary[m]["seconds_mean"]] for m in METHODS],
             "formats": ["", ".3f", ".3f", ".3f", ".3f", ".1f"]}
    nas_table = {"columns": ["seed", "chosen hidden widths", "parameters", "val. acc.",
                             "test acc.", "trials", "seconds"],
                 "rows": [[s, "-".join(map(str, n["best"]["hidden"])), n["best"]["params"],
                           n["best"]["val"], n["test"], nas_trials, n["seconds"]]
                          for s, n in zip(seeds, nas)],
                 "formats": ["", "", ",d", ".3f", ".3f", "", ".1f"]}
    all_params = [t["params"] for n in nas for t in n["trials"]]
    results = {
        "config": {"seeds": seeds, "n_trials": n_trials, "epochs": epochs,
                   "nas_trials": nas_trials, "grid": GRID, "lr_range": LR_RANGE,
                   "width_range": WIDTH_RANGE, "alpha_range": ALPHA_RANGE},
        "curves": curves, "summary": summary, "table": table, "nas_table": nas_table,
        "runs": {m: [{k: r[k] for k in ("best_so_far", "best_config", "best_val",
                                         "test", "seconds")} for r in runs[m]]
                 for m in METHODS},
        "nas": {"trials": [n["trials"] for n in nas],
                "params_min": min(all_params), "params_max": max(all_params),
                "test_mean": float(np.mean([n["test"] for n in nas])),
                "seconds_mean": float(np.mean([n["seconds"] for n in nas]))},
    }
    for m in METHODS:
        print(f"{m:14s} best val {summary[m]['best_val_mean']:.3f} "
              f"test {summary[m]['test_mean']:.3f} {summary[m]['seconds_mean']:.1f} s")
    print("nas", [(n["best"]["hidden"], n["best"]["params"], round(n["test"], 3))
                  for n in nas])
    return finish(NAME, args, argv, {"repetitions": seeds, "data_split": 0}, results,
                  started.start)


if __name__ == "__main__":
    main()
