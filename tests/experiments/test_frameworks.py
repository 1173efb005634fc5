"""The quick version of experiments/frameworks.py: one model, four frameworks, all learn."""

import math

from experiments import frameworks


def test_quick_run_learns_in_every_installed_framework():
    record = frameworks.main(["--quick"])
    results = record["results"]
    assert record["quick"] is True
    runs = {name: run for name, run in results["runs"].items() if run["installed"]}
    assert {"PyTorch", "dlref.numpy"} <= set(runs)      # keras and jax are optional extras
    for name, run in runs.items():
        # the summaries' CNN at 28x28x1: 320 + 18,496 + 36,928 + 36,928 + 650 parameters
        assert run["parameters"] == 93_322, name
        # 20 RMSprop steps: the loss leaves ln 10 (guessing), accuracy is 5x chance
        assert run["losses"][0] < 1.05 * math.log(10), name
        assert run["losses"][-1] < 0.8 * run["losses"][0], name
        assert run["test_accuracy"] > 0.5, name
    # the same initial weights and batches: dlref.numpy and JAX follow PyTorch closely
    assert runs["dlref.numpy"]["same_predictions_as_torch"] > 0.95
    if "JAX" in runs:
        assert runs["JAX"]["same_predictions_as_torch"] > 0.95
    # the ported weights give PyTorch's initial class probabilities
    for name, diff in results["initial_probability_max_abs_diff"].items():
        assert diff < 1e-5, name
    assert len(results["table"]["rows"]) == len(runs)
    # the keys the page reads
    assert {"torch", "numpy"} <= set(results["summary"])
    spread = results["spread"]
    assert spread["min_accuracy"] <= spread["max_accuracy"]
