"""The DBN recorded run: the quick version pretrains, fine-tunes and beats chance."""

import pytest

from experiments import dbn


@pytest.fixture(scope="module")
def results():
    return dbn.main(["--quick"])["results"]


def test_pretraining_lowers_reconstruction_error(results):
    for curve in results["pretrain_reconstruction_error"]:
        assert curve[-1] < 0.8 * curve[0]


def test_every_model_learns(results):
    for model in dbn.MODELS:
        for n, acc in results["accuracy_mean"][model].items():
            assert acc > 0.6, (model, n, acc)          # chance is 0.1
    # the top DBN features carry the class: a linear probe on them is far above chance
    assert min(results["probe_mean"]["dbn_features"].values()) > 0.4


def test_table_matches_the_labels(results):
    table = results["table"]
    assert [row[0] for row in table["rows"]] == results["config"]["labels"]
    assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_labelled_subset_is_balanced():
    import numpy as np

    _, _, y_train, _ = dbn.load_data()
    idx = dbn.labelled_subset(y_train, 50, 0)
    assert np.array_equal(np.bincount(y_train[idx]), np.full(10, 5))
    assert len(dbn.labelled_subset(y_train, len(y_train), 0)) == len(y_train)
