"""The pros-and-cons recorded run: the quick version learns and its tables are whole."""

import numpy as np
import pytest

from experiments import pros_cons


@pytest.fixture(scope="module")
def results():
    return pros_cons.main(["--quick"])["results"]


def test_every_model_learns(results):
    for data, curve in results["curves"].items():
        chance = 0.63 if data == "breast_cancer" else 0.1   # majority class / 10 classes
        for model in pros_cons.MODELS:
            assert curve[model]["mean"][-1] > chance + 0.15, (data, model)
    # more data does not hurt the MLP on digits
    digits = results["curves"]["digits"]["mlp"]["mean"]
    assert digits[-1] > digits[0]


def test_cost_table(results):
    cost = results["cost"]
    assert cost["mlp"]["accuracy"] > 0.5
    assert cost["mlp"]["train_mflops"] > 0 and cost["logistic"]["train_mflops"] > 0
    table = cost["table"]
    assert all(len(row) == len(table["columns"]) for row in table["rows"])
    assert len(table["formats"]) == len(table["columns"])


def test_shifted_digits_learn(results):
    for model, acc in results["shifted"]["mean"].items():
        assert acc > 0.2, (model, acc)            # chance is 0.1


def test_curve_table_matches_sizes(results):
    table = results["curve_table"]
    sizes = [n for data in results["config"]["sizes"]
             for n in results["config"]["sizes"][data]]
    assert [row[1] for row in table["rows"]] == sizes


def test_split_is_stratified_and_sized():
    X, y = pros_cons.load("digits")
    X_train, X_test, y_train, y_test = pros_cons.split(X, y, 100, 0)
    assert len(y_train) == 100 and len(y_test) == 540
    assert np.bincount(y_train).min() >= 9


def test_shifted_keeps_every_pixel():
    images = np.random.default_rng(0).random((5, 8, 8))
    canvas = pros_cons.shifted(images, np.random.default_rng(1))
    assert canvas.shape == (5, 12, 12)
    assert np.allclose(canvas.sum(axis=(1, 2)), images.sum(axis=(1, 2)))
