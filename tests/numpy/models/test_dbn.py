"""The DBN: stacked RBMs, greedy pretraining, conversion to an MLP, fine-tuning."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from dlref import training
from dlref.numpy import nn, optim
from dlref.numpy.models import DBN, RBM
from dlref.testing import assert_close

DIGITS = load_digits()
X_ALL = DIGITS.data / 16.0  # (1797, 64), in [0, 1]
Y_ALL = DIGITS.target


def test_layout():
    dbn = DBN([6, 4, 3], generator=np.random.default_rng(0))
    assert list(dbn.state_dict()) == [
        f"rbms.{i}.{name}"
        for i in (0, 1)
        for name in ("weight", "hidden_bias", "visible_bias")
    ]
    assert dbn.rbms[0].weight.shape == (4, 6) and dbn.rbms[1].weight.shape == (3, 4)
    assert all(isinstance(rbm, RBM) for rbm in dbn.rbms)
    assert repr(dbn).startswith("DBN(layer_sizes=[6, 4, 3]")
    assert DBN((5, 2), dtype=np.float32).rbms[0].weight.dtype == np.float32


def test_transform_is_the_upward_pass():
    dbn = DBN([6, 5, 4, 2], generator=np.random.default_rng(0))
    for rbm in dbn.rbms:
        rbm.weight.data *= 100  # away from sigma(0) = 1/2
    x = np.random.default_rng(1).random((7, 6))
    h = x
    for rbm in dbn.rbms:
        h = rbm.transform(h)
    assert_close(dbn.transform(x), h, rtol=0, atol=0)
    assert_close(dbn(x), h, rtol=0, atol=0)
    assert dbn.transform(np.zeros((2, 3, 6))).shape == (2, 3, 2)


def test_pretraining_is_greedy_on_hidden_probabilities():
    x = np.round(np.random.default_rng(0).random((20, 6)))
    dbn = DBN([6, 4, 3], generator=np.random.default_rng(1))
    bottom, top = RBM(6, 4), RBM(4, 3)
    bottom.load_state_dict(dbn.rbms[0].state_dict())
    top.load_state_dict(dbn.rbms[1].state_dict())
    histories = dbn.pretrain(
        x,
        epochs=3,
        batch_size=5,
        lr=0.2,
        k=2,
        persistent=True,
        shuffle=True,
        generator=np.random.default_rng(2),
    )
    # by hand, with the same stream of draws: bottom on x, top on bottom's P(h | x)
    g = np.random.default_rng(2)
    expected = [bottom.fit(x, 3, 5, 0.2, 2, True, True, g)]
    expected.append(top.fit(bottom.transform(x), 3, 5, 0.2, 2, True, True, g))
    assert histories == expected and [len(h) for h in histories] == [3, 3]
    assert_close(dbn.rbms[0].weight.data, bottom.weight.data, rtol=0, atol=0)
    assert_close(dbn.rbms[1].weight.data, top.weight.data, rtol=0, atol=0)


def test_mlp_hidden_activations_equal_transform():
    dbn = DBN([64, 20, 10], generator=np.random.default_rng(0))
    dbn.pretrain(
        X_ALL[:200], epochs=1, batch_size=20, generator=np.random.default_rng(1)
    )
    mlp = dbn.to_mlp(10, generator=np.random.default_rng(2))
    kinds = [type(m) for m in mlp]
    assert kinds == [nn.Linear, nn.Sigmoid, nn.Linear, nn.Sigmoid, nn.Linear]
    assert mlp[-1].weight.shape == (10, 10) and mlp[0].weight.dtype == np.float64
    x = X_ALL[:50]
    assert_close(mlp[:-1](x), dbn.transform(x), rtol=1e-12, atol=1e-14)
    assert_close(mlp[:2](x), dbn.rbms[0].transform(x), rtol=1e-12, atol=1e-14)
    # copies: training the MLP leaves the DBN as it was
    mlp[0].weight.data += 1
    assert not np.allclose(mlp[0].weight.data, dbn.rbms[0].weight.data)
    assert list(mlp.state_dict()) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "4.weight",
        "4.bias",
    ]


def test_pretrain_then_fine_tune_with_few_labels():
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X_ALL))
    train, test = order[:1200], order[1200:]
    labelled = train[:100]  # 100 labels, 1200 unlabelled
    dbn = DBN([64, 48], generator=rng)
    histories = dbn.pretrain(
        X_ALL[train], epochs=5, batch_size=10, lr=0.05, generator=rng
    )
    assert histories[0][-1] < histories[0][0]
    mlp = dbn.to_mlp(10, generator=rng)
    loss_fn = nn.CrossEntropyLoss()
    history = training.fit(
        mlp,
        loss_fn,
        optim.SGD(mlp.parameters(), lr=0.5),
        X_ALL[labelled],
        Y_ALL[labelled],
        epochs=30,
        batch_size=10,
        generator=rng,
    )
    assert history["loss"][-1] < history["loss"][0] / 3
    mlp.eval()
    accuracy = training.accuracy(mlp(X_ALL[test]), Y_ALL[test])
    assert accuracy > 0.7  # chance: 0.1


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: DBN([6]), ValueError, "layer_sizes must list at least 2"),
        (lambda: DBN([]), ValueError, "layer_sizes"),
        (lambda: DBN(6), TypeError, "layer_sizes must be a sequence"),
        (lambda: DBN("64"), TypeError, "layer_sizes"),
        (lambda: DBN([6, 0]), ValueError, "layer_sizes must hold sizes >= 1"),
        (lambda: DBN([6, 2.0]), TypeError, "layer_sizes must hold ints"),
        (lambda: DBN([6, True]), TypeError, "layer_sizes must hold ints"),
        (lambda: DBN([6, 3], dtype=np.int64), TypeError, "dtype"),
        (lambda: DBN([6, 3], generator=1), TypeError, "generator"),
        (
            lambda: DBN([6, 3]).transform(np.zeros((2, 5))),
            ValueError,
            "x must have shape",
        ),
        (
            lambda: DBN([6, 3]).transform(np.full((2, 6), 3.0)),
            ValueError,
            "x must hold values",
        ),
        (
            lambda: DBN([6, 3]).pretrain(np.full((2, 6), 3.0)),
            ValueError,
            "X must hold values",
        ),
        (lambda: DBN([6, 3]).pretrain(np.zeros((2, 6)), k=0), ValueError, "k must be"),
        (lambda: DBN([6, 3]).to_mlp(0), ValueError, "n_classes"),
        (lambda: DBN([6, 3]).to_mlp(2.0), TypeError, "n_classes"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_backward_is_not_defined():
    with pytest.raises(RuntimeError, match="DBN has no backward"):
        DBN([3, 2]).backward(np.ones((1, 2)))
