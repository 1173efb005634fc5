"""Group metrics and mitigations of experiments/fairness.py, checked against Fairlearn;
its quick recorded run."""

import inspect
from pathlib import Path

import numpy as np
import pytest
from fairlearn.metrics import (MetricFrame, demographic_parity_difference,
                               demographic_parity_ratio, equalized_odds_difference,
                               false_positive_rate, selection_rate, true_positive_rate)
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments import fairness
from experiments.fairness import (balanced_accuracy, fit_parity_thresholds,
                                  group_thresholds, reweighing_weights,
                                  selection_rate_by_group, tpr_fpr_by_group)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "frontiers" / "fairness.md"
SHOWN = ["mean_by_group", "selection_rate_by_group", "tpr_fpr_by_group",
         "demographic_parity_difference", "demographic_parity_ratio",
         "equalized_odds_difference", "reweighing_weights", "group_thresholds",
         "balanced_accuracy", "fit_parity_thresholds"]


def test_page_shows_the_code_of_the_experiment():
    page = PAGE.read_text()
    for name in SHOWN:
        assert inspect.getsource(getattr(fairness, name)) in page, name


@st.composite
def labelled_groups(draw):
    """Labels, predictions and 2-4 groups, every group with both labels."""
    n_groups = draw(st.integers(2, 4))
    rows = []
    for g in range(n_groups):
        size = draw(st.integers(2, 12))
        y = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
        y[:2] = [0, 1]
        y_pred = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
        rows += [(t, p, f"g{g}") for t, p in zip(y, y_pred)]
    y_true, y_pred, group = map(np.array, zip(*rows))
    return y_true, y_pred, group


@settings(deadline=None, max_examples=12)
@given(data=labelled_groups())
def test_group_metrics_equal_fairlearn(data):
    y_true, y_pred, group = data
    frame = MetricFrame(metrics={"selection": selection_rate, "tpr": true_positive_rate,
                                 "fpr": false_positive_rate},
                        y_true=y_true, y_pred=y_pred, sensitive_features=group)
    _, sel = selection_rate_by_group(y_pred, group)
    _, tpr, fpr = tpr_fpr_by_group(y_true, y_pred, group)
    np.testing.assert_array_equal(np.c_[sel, tpr, fpr], frame.by_group.to_numpy())
    assert fairness.demographic_parity_difference(y_pred, group) == \
        demographic_parity_difference(y_true, y_pred, sensitive_features=group)
    ours = fairness.demographic_parity_ratio(y_pred, group)
    theirs = demographic_parity_ratio(y_true, y_pred, sensitive_features=group)
    assert ours == theirs or (np.isnan(ours) and np.isnan(theirs))
    assert fairness.equalized_odds_difference(y_true, y_pred, group) == \
        equalized_odds_difference(y_true, y_pred, sensitive_features=group)


def test_group_without_positives_is_nan_for_us_and_zero_for_fairlearn():
    y_true = np.array([1, 0, 1, 0, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 1, 0])
    group = np.array([0, 0, 0, 1, 1, 1])
    _, tpr, fpr = tpr_fpr_by_group(y_true, y_pred, group)
    assert tpr[0] == 0.5 and np.isnan(tpr[1])
    np.testing.assert_allclose(fpr, [0.0, 2 / 3])
    frame = MetricFrame(metrics=true_positive_rate, y_true=y_true, y_pred=y_pred,
                        sensitive_features=group)
    assert frame.by_group.tolist() == [0.5, 0.0]
    assert np.isnan(fairness.equalized_odds_difference(y_true, y_pred, group))
    assert np.isnan(fairness.demographic_parity_ratio(np.zeros(6, int), group))


@settings(deadline=None, max_examples=25)
@given(data=labelled_groups())
def test_reweighing_makes_the_label_independent_of_the_group(data):
    y_true, _, group = data
    w = reweighing_weights(y_true, group)
    assert np.all(w > 0)
    np.testing.assert_allclose(w.sum(), len(y_true), rtol=1e-12)   # total mass kept
    for g in np.unique(group):
        rows = group == g
        rate = np.sum(w[rows] * y_true[rows]) / np.sum(w[rows])
        np.testing.assert_allclose(rate, y_true.mean(), rtol=1e-12)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10_000), rates=st.lists(st.floats(0.05, 0.95), min_size=3,
                                                    max_size=3))
def test_group_thresholds_select_the_requested_rates(seed, rates):
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1, 2], [40, 60, 80])
    score = rng.random(group.size)                      # no ties
    t = group_thresholds(score, group, rates)
    _, selected = selection_rate_by_group((score >= t[group]).astype(int), group)
    sizes = np.array([40, 60, 80])
    assert np.all(np.abs(selected - rates) <= 1.0 / sizes + 1e-12)


def test_parity_thresholds_equalize_rates_and_pick_the_best_rate():
    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], [300, 500])
    y = (rng.random(800) < np.where(group == 0, 0.7, 0.4)).astype(int)
    score = np.clip(0.3 * y + 0.2 * (group == 0) + 0.5 * rng.random(800), 0, 1)
    rate, t = fit_parity_thresholds(score, y, group)
    y_pred = (score >= t[group]).astype(int)
    assert fairness.demographic_parity_difference(y_pred, group) < 0.01
    grid_best = max(balanced_accuracy(y, (score >= group_thresholds(
        score, group, [r, r])[group]).astype(int)) for r in np.linspace(0.01, 0.99, 99))
    assert balanced_accuracy(y, y_pred) == grid_best


@pytest.fixture(scope="module")
def quick():
    return fairness.main(["--quick"])["results"]


def test_quick_run_measures_the_gap_and_the_mitigations_close_it(quick):
    methods = quick["methods"]
    assert methods["baseline"]["dp_difference"]["mean"] > 0.2
    # unawareness shrinks the gap but does not remove it (proxies)
    assert 0.08 < methods["unaware"]["dp_difference"]["mean"] < \
        methods["baseline"]["dp_difference"]["mean"]
    for name in ("reweighing", "group_thresholds", "fairlearn_demographic_parity",
                 "exponentiated_gradient"):
        assert methods[name]["dp_difference"]["mean"] < 0.1, name
    for name, m in methods.items():
        assert m["balanced_accuracy"]["mean"] > 0.6, name        # chance is 0.5
