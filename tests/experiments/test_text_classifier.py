"""The rebuilt Keras LSTM text classifier: the quick run learns, and NumPy and torch agree."""

import math

import numpy as np
import pytest

from dlref.data.text import FORTUNES_DIR
from experiments import text_classifier

pytestmark = pytest.mark.skipif(not FORTUNES_DIR.is_dir(), reason="needs Debian's fortunes package "
                                                                  "(apt-get install fortunes)")


@pytest.fixture(scope="module")
def results():
    return text_classifier.main(["--quick"])["results"]


def test_quick_run_learns(results):
    C = len(text_classifier.CATEGORIES)
    for name in ("numpy", "torch"):
        curve = results["curves"][name]
        assert abs(curve["train_loss"][0] - math.log(C)) < 0.15      # starts near guessing (ln 4)
        assert curve["train_loss"][-1] < 0.6 * curve["train_loss"][0]  # ... and falls well below it
        assert results["test_accuracy"][name] > 1.4 / C               # well above chance (0.25)
    assert results["test_accuracy"]["numpy"] > results["baseline"]["test"]["majority_class"]


def test_numpy_and_torch_train_alike(results):
    agreement = results["agreement"]
    assert agreement["float64"]["max_loss_diff"] < 1e-10              # same weights, same batches
    assert agreement["float64"]["max_param_diff"] < 1e-10
    assert agreement["float32_max_step_loss_diff"] < 1e-4
    assert agreement["float32_test_predictions_equal"] > 0.95


def test_record_holds_what_the_page_shows(results):
    data, params = results["data"], results["parameters"]
    assert [row[0] for row in data["class_counts"]["rows"]] == [*text_classifier.CATEGORIES, "total"]
    assert sum(data["sizes"].values()) <= data["n_entries"]
    # torch keeps two biases per gate (b_ih, b_hh), Keras one: 4 * 64 parameters more
    assert params["difference"] == 4 * results["config"]["hidden_size"]
    assert params["total_dlref"] == sum(params["dlref"].values())
    assert len(results["epoch_table"]["rows"]) == len(results["epochs"]) == results["config"]["epochs"]


def test_splits_are_disjoint_and_stratified():
    data = text_classifier.load_data(text_classifier.FULL)
    split, y = data["split"], data["y"]
    parts = [set(split[p].tolist()) for p in ("train", "val", "test")]
    assert sum(map(len, parts)) == len(y) == len(set.union(*parts))      # a partition
    shares = [np.bincount(y[split[p]], minlength=4) / len(split[p]) for p in ("train", "val", "test")]
    assert np.max(np.abs(shares[0] - shares[2])) < 0.02                   # the same class shares
    # the vocabulary is built on the training split only: a test-only word is <unk>
    vocab = data["vocab"]
    assert vocab.itos[:2] == ["<pad>", "<unk>"]
    assert data["x"].shape == (len(y), text_classifier.FULL["maxlen"])
    # padded before: every entry with a word ends in a real index (an unknown word is 1, not 0)
    assert np.all(data["x"][data["lengths"] > 0, -1] != 0)


def test_numpy_backward_matches_autograd():
    """One step's gradients of the NumPy model (explicit backward) equal torch's autograd."""
    import torch

    cfg = dict(text_classifier.FULL, embedding_dim=5, hidden_size=4)
    np_model, torch_model = text_classifier.build_pair(11, 3, cfg, "float64")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 11, (6, 7)), rng.integers(0, 3, 6)
    loss_fn = text_classifier.npnn.CrossEntropyLoss()
    loss = loss_fn(np_model(x), y)
    np_model.backward(loss_fn.backward())
    torch_loss = torch.nn.functional.cross_entropy(torch_model(torch.from_numpy(x)), torch.from_numpy(y))
    torch_loss.backward()
    assert abs(float(loss) - torch_loss.item()) < 1e-12
    grads = dict(torch_model.named_parameters())
    for name, p in np_model.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-10, atol=1e-12)
