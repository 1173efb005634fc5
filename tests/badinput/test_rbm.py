"""Bad inputs to ``dlref.numpy.models.RBM`` and ``DBN``.

See framework.py for the rule. torch has no RBM, and scikit-learn's ``BernoulliRBM``
validates less (values outside [0, 1] pass) and more (it refuses a batch that is not
2-D), so ``reference=None``: every hostile call must raise ``ValueError``/``TypeError``
naming an argument, except the kinds a case lists in ``accepts``.
"""

import numpy as np
import pytest
import torch

from badinput.framework import Case, expand, ids, judge
from dlref.numpy.models import DBN, RBM

rng = np.random.default_rng(0)
V = np.round(rng.random((4, 3)))  # binary visible units, n_visible = 3
H = np.round(rng.random((4, 2)))  # binary hidden units, n_hidden = 2
X = rng.random((6, 3))  # intensities in [0, 1]

# the visible/hidden inputs of the inference methods take any leading shape (*, n) and
# an empty batch, as a layer does; dtype, size and values in [0, 1] are checked
ANY_BATCH = ("extra_dim", "fewer_dims", "empty")


def rbm():
    return RBM(3, 2, generator=np.random.default_rng(1))


def gen():
    return np.random.default_rng(2)


def numbers(name, values=(0, -1, 1.5, None, True, "3")):
    return [(f"{name}={v!r}", {name: v}) for v in values]


def rbm_new(**a):
    return RBM(**a).weight.data


def fit(**a):
    return rbm().fit(**a)


BAD_FIT = (
    numbers("epochs")
    + numbers("batch_size")
    + numbers("k")
    + [
        (f"lr={v!r}", {"lr": v})
        for v in (0.0, -0.1, float("nan"), float("inf"), None, "0.1", True)
    ]
    + [(f"persistent={v!r}", {"persistent": v}) for v in (1, None, "yes")]
    + [(f"shuffle={v!r}", {"shuffle": v}) for v in (1, None)]
    + [
        (f"generator={v!r}", {"generator": v})
        for v in (0, "rng", np.random.RandomState(0))
    ]
    + [("X=2.0", {"X": np.full((6, 3), 2.0)}), ("X=-1.0", {"X": np.full((6, 3), -1.0)})]
)

RBM_CASES = [
    Case(
        "dlref.numpy.models.RBM",
        rbm_new,
        dict(n_visible=3, n_hidden=2),
        hostile=(),
        id="RBM-constructor",
        extra=numbers("n_visible")
        + numbers("n_hidden")
        + [
            ("dtype=int64", {"dtype": np.int64}),
            ("dtype='bad'", {"dtype": "bad"}),
            ("dtype=complex128", {"dtype": np.complex128}),
            ("dtype=torch.float32", {"dtype": torch.float32}),
            ("generator=0", {"generator": 0}),
            ("generator=RandomState", {"generator": np.random.RandomState(0)}),
        ],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v: rbm().transform(v),
        dict(v=V),
        id="RBM-transform",
        accepts=ANY_BATCH,
        extra=[
            ("v=1.5", {"v": np.full((4, 3), 1.5)}),
            ("v=-0.5", {"v": np.full((4, 3), -0.5)}),
            ("v=float32", {"v": V.astype(np.float32)}),
        ],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v: rbm().prob_h_given_v(v),
        dict(v=V),
        id="RBM-prob_h_given_v",
        accepts=ANY_BATCH,
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda h: rbm().prob_v_given_h(h),
        dict(h=H),
        id="RBM-prob_v_given_h",
        accepts=ANY_BATCH,
        extra=[("h=visible-sized", {"h": V}), ("h=2.0", {"h": 2 * H + 1})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v: rbm().free_energy(v),
        dict(v=V),
        id="RBM-free_energy",
        accepts=ANY_BATCH,
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v: rbm().reconstruct(v),
        dict(v=V),
        id="RBM-reconstruct",
        accepts=ANY_BATCH,
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v: rbm().reconstruction_error(v),
        dict(v=V),
        id="RBM-reconstruction_error",
        accepts=("extra_dim", "fewer_dims"),
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v, generator: rbm().pseudo_likelihood(v, generator),
        dict(v=V, generator=gen()),
        id="RBM-pseudo_likelihood",
        accepts=ANY_BATCH,
        extra=[("generator=0", {"generator": 0})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v, generator: rbm().sample_h_given_v(v, generator),
        dict(v=V, generator=gen()),
        id="RBM-sample_h_given_v",
        accepts=ANY_BATCH,
        extra=[("generator='rng'", {"generator": "rng"})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda h, generator: rbm().sample_v_given_h(h, generator),
        dict(h=H, generator=gen()),
        id="RBM-sample_v_given_h",
        accepts=ANY_BATCH,
        extra=[("h=visible-sized", {"h": V})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v, k, generator: rbm().gibbs(v, k, generator),
        dict(v=V, k=2, generator=gen()),
        id="RBM-gibbs",
        accepts=ANY_BATCH,
        extra=numbers("k") + [("generator=1", {"generator": 1})],
    ),
    # one v and one h per pair: the leading shapes must agree, no batch variant is fine
    Case(
        "dlref.numpy.models.RBM",
        lambda v, h: rbm().energy(v, h),
        dict(v=V, h=H),
        id="RBM-energy",
        extra=[("h=(3, 2)", {"h": H[:3]})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        lambda v_data, v_model: rbm().gradient(v_data, v_model),
        dict(v_data=V, v_model=X),
        id="RBM-gradient",
        extra=[("v_model=(2, 4, 3)", {"v_model": np.zeros((2, 4, 3))})],
    ),
    Case(
        "dlref.numpy.models.RBM",
        fit,
        dict(
            X=X,
            epochs=2,
            batch_size=4,
            lr=0.1,
            k=1,
            persistent=False,
            shuffle=True,
            generator=gen(),
        ),
        id="RBM-fit",
        hostile=("X",),
        extra=BAD_FIT,
    ),
]


def dbn_new(**a):
    return DBN(**a).rbms[0].weight.data


def dbn():
    return DBN([3, 2, 2], generator=np.random.default_rng(1))


DBN_CASES = [
    Case(
        "dlref.numpy.models.DBN",
        dbn_new,
        dict(layer_sizes=[3, 2, 2]),
        hostile=(),
        id="DBN-constructor",
        extra=[
            (f"layer_sizes={v!r}", {"layer_sizes": v})
            for v in (
                [3],
                [],
                3,
                None,
                "32",
                [3, 0],
                [3, -2],
                [3, 2.0],
                [3, True],
                [3, None],
            )
        ]
        + [
            ("dtype=int64", {"dtype": np.int64}),
            ("dtype=torch.float64", {"dtype": torch.float64}),
            ("generator=0", {"generator": 0}),
        ],
    ),
    Case(
        "dlref.numpy.models.DBN",
        lambda x: dbn().transform(x),
        dict(x=V),
        id="DBN-transform",
        accepts=ANY_BATCH,
        extra=[("x=1.5", {"x": np.full((4, 3), 1.5)})],
    ),
    Case(
        "dlref.numpy.models.DBN",
        lambda X, **a: dbn().pretrain(X, **a),
        dict(X=X, epochs=1, batch_size=3, generator=gen()),
        id="DBN-pretrain",
        hostile=("X",),
        extra=numbers("epochs")
        + numbers("batch_size")
        + numbers("k")
        + [
            ("lr=0", {"lr": 0.0}),
            ("generator=0", {"generator": 0}),
            ("X=2.0", {"X": np.full((6, 3), 2.0)}),
        ],
    ),
    Case(
        "dlref.numpy.models.DBN",
        lambda n_classes, generator: dbn().to_mlp(n_classes, generator),
        dict(n_classes=3, generator=gen()),
        hostile=(),
        id="DBN-to_mlp",
        extra=numbers("n_classes") + [("generator=0", {"generator": 0})],
    ),
]

CASES = RBM_CASES + DBN_CASES
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_valid_call_works(case):
    case.ours(**case.args)
