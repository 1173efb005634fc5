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


def test_long_runs_stop_early_and_restore_the_best_weights(results):
    long, cfg = results["long"], results["config"]["long"]
    assert len(long["runs"]) == len(cfg["variants"])
    for run in long["runs"].values():
        curves = run["curves"]
        assert len(curves["val_accuracy"]) == len(curves["train_loss"]) == run["epochs_run"]
        assert run["epochs_run"] <= cfg["max_epochs"]
        # the best epoch is the first with the largest validation accuracy ...
        assert run["best_val_accuracy"] == max(curves["val_accuracy"])
        assert curves["val_accuracy"][run["best_epoch"] - 1] == run["best_val_accuracy"]
        # ... and its weights are the ones evaluated (restored after the last epoch)
        assert run["val_accuracy_restored"] == run["best_val_accuracy"]
        if run["stopped_early"]:
            assert run["epochs_run"] - run["best_epoch"] == cfg["patience"]
        assert curves["train_loss"][-1] < curves["train_loss"][0]          # it learns
    best = long["best_lstm"]
    assert long["runs"][best["key"]]["test_accuracy"] == best["test_accuracy"]
    assert len(long["table"]["rows"]) == len(cfg["variants"]) + 2


def test_mean_of_embeddings_backward_matches_autograd():
    """The mean-of-embeddings model's explicit backward pass (padding left out) equals autograd."""
    import torch

    generator = np.random.default_rng(0)
    model = text_classifier.NumpyMeanClassifier(11, 5, 3, np.float64, generator)
    x = generator.integers(0, 11, (6, 7))
    x[0], x[1, :4] = 0, 0                         # an entry of padding only, one half padded
    y = generator.integers(0, 3, 6)
    loss_fn = text_classifier.npnn.CrossEntropyLoss()
    loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())

    weights = {k: torch.tensor(v, requires_grad=True) for k, v in model.state_dict().items()}
    mask = torch.from_numpy(x != 0).double()[:, :, None]                  # (N, T, 1)
    e = weights["embedding.weight"][torch.from_numpy(x)]                  # (N, T, E)
    m = (mask * e).sum(1) / mask.sum(1).clamp(min=1.0)                    # (N, E)
    logits = m @ weights["fc.weight"].T + weights["fc.bias"]
    torch_loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
    torch_loss.backward()
    assert abs(float(loss) - torch_loss.item()) < 1e-12
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, weights[name].grad.numpy(), rtol=1e-10, atol=1e-12)
    assert np.all(model.embedding.weight.grad[0] == 0)      # padding adds nothing to the mean


def test_embedding_dropout_backward_matches_autograd():
    """With dropout on the word vectors, the NumPy LSTM model's gradients equal autograd's
    under the same mask."""
    import torch

    cfg = dict(text_classifier.FULL, embedding_dim=5, hidden_size=4)
    np_model, torch_model = text_classifier.build_pair(11, 3, cfg, "float64")
    np_model.dropout.p = 0.5
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 11, (6, 7)), rng.integers(0, 3, 6)
    loss_fn = text_classifier.npnn.CrossEntropyLoss()
    loss = loss_fn(np_model(x), y)
    np_model.backward(loss_fn.backward())
    keep = torch.from_numpy(np_model.dropout.mask)
    assert 0 < keep.double().mean() < 1                                  # a mask was drawn
    e = torch_model.embedding(torch.from_numpy(x)) * keep / 0.5
    _, (h_n, _) = torch_model.lstm(e)
    torch_loss = torch.nn.functional.cross_entropy(torch_model.fc(h_n[-1]), torch.from_numpy(y))
    torch_loss.backward()
    assert abs(float(loss) - torch_loss.item()) < 1e-12
    grads = dict(torch_model.named_parameters())
    for name, p in np_model.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-10, atol=1e-12)
