"""The AutoML recorded run: its random search draws from the stated space, TPE beats random
search on a quadratic, and the quick version finds good digit classifiers."""

import numpy as np
import optuna
import pytest

from experiments import automl


def test_random_search_draws_from_the_stated_space():
    rng = np.random.default_rng(0)
    draws = [automl.sample_config(rng) for _ in range(4000)]
    lr = np.array([d["lr"] for d in draws])
    width = np.array([d["width"] for d in draws])
    alpha = np.array([d["alpha"] for d in draws])
    assert lr.min() >= 1e-4 and lr.max() <= 0.3
    assert alpha.min() >= 1e-6 and alpha.max() <= 1e-1
    assert all(isinstance(d["width"], int) for d in draws)
    assert width.min() == 8 and width.max() == 256          # both ends are reachable
    # log-uniform: the log is uniform, so half the draws fall below the geometric middle
    for values, (low, high) in ((lr, (1e-4, 0.3)), (alpha, (1e-6, 1e-1)),
                                (width, (8, 256))):
        middle = np.sqrt(low * high)
        assert abs(np.mean(values < middle) - 0.5) < 0.03
    for values, (low, high) in ((lr, (1e-4, 0.3)), (alpha, (1e-6, 1e-1))):
        quarter = low * (high / low) ** 0.25
        assert abs(np.mean(values < quarter) - 0.25) < 0.03
    # seeded: the same seed gives the same draws
    again = [automl.sample_config(np.random.default_rng(0)) for _ in range(1)]
    assert again[0] == draws[0]


def test_grid_covers_the_same_ranges():
    grid = automl.grid_configs()
    assert len(grid) == 30
    assert len({tuple(sorted(c.items())) for c in grid}) == 30
    for c in grid:
        assert 1e-4 <= c["lr"] <= 0.3 and 8 <= c["width"] <= 256
        assert 1e-6 <= c["alpha"] <= 1e-1


def best_on_quadratic(sampler, n_trials=40):
    """Best value of sum((x_i - c_i)^2) over [-5, 5]^3 found in ``n_trials``."""
    centre = np.array([1.3, -2.1, 0.4])

    def objective(trial):
        x = np.array([trial.suggest_float(f"x{i}", -5, 5) for i in range(3)])
        return float(((x - centre) ** 2).sum())

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study.best_value


def test_tpe_beats_random_search_on_a_quadratic():
    # fixed seeds make each run deterministic; the assertion is on the mean over five
    # seeds, with a factor-of-two margin (TPE's is about ten times lower here)
    seeds = range(5)
    tpe = [best_on_quadratic(optuna.samplers.TPESampler(seed=s)) for s in seeds]
    rnd = [best_on_quadratic(optuna.samplers.RandomSampler(seed=s)) for s in seeds]
    assert np.mean(tpe) < 0.5 * np.mean(rnd)
    assert np.median(tpe) < np.median(rnd)


@pytest.fixture(scope="module")
def results():
    return automl.main(["--quick"])["results"]


def test_quick_run_finds_good_classifiers(results):
    for method in automl.METHODS:
        summary = results["summary"][method]
        # chance is 0.1 on ten classes; every search finds a good network
        assert summary["best_val_mean"] > 0.9, method
        assert summary["test_mean"] > 0.85, method
        for run in results["runs"][method]:
            curve = run["best_so_far"]
            assert len(curve) == results["config"]["n_trials"]
            assert all(b >= a for a, b in zip(curve, curve[1:]))  # best so far
    assert results["nas"]["test_mean"] > 0.85
    rows = results["table"]["rows"]
    assert [r[0] for r in rows] == list(automl.METHODS)


def test_nas_counts_parameters(results):
    for trials in results["nas"]["trials"]:
        for t in trials:
            widths = [64, *t["hidden"], 10]
            expected = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
            assert t["params"] == expected
            assert 1 <= len(t["hidden"]) <= 3
            assert set(t["hidden"]) <= set(automl.NAS_WIDTHS)
