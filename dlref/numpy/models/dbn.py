"""Deep belief network: stacked RBMs, pretrained greedily, fine-tuned as an MLP."""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from dlref._checks import check_generator, check_positive_int
from dlref.numpy.models.rbm import RBM, _check_dtype
from dlref.numpy.nn.activation import Sigmoid
from dlref.numpy.nn.container import Sequential
from dlref.numpy.nn.linear import Linear
from dlref.numpy.nn.module import Module


def _check_layer_sizes(layer_sizes) -> tuple[int, ...]:
    """At least two positive ints: the visible size, then each hidden layer's."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(
            f"layer_sizes must be a sequence of ints, got {type(layer_sizes).__name__}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes must list at least 2 sizes (visible, then hidden), "
            f"got {list(layer_sizes)}"
        )
    for i, size in enumerate(layer_sizes):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(
                f"layer_sizes must hold ints, got {type(size).__name__} at index {i}"
            )
        if size < 1:
            raise ValueError(
                f"layer_sizes must hold sizes >= 1, got {size} at index {i}"
            )
    return tuple(int(size) for size in layer_sizes)


class DBN(Module):
    r"""Deep belief network: a stack of RBMs, each modelling the hidden units below it.

    With layer sizes $n_0, n_1, \dots, n_L$, RBM $l$ has $n_{l-1}$ visible and $n_l$
    hidden units. Its features are the mean-field upward pass

    $$h^{(0)} = x, \qquad h^{(l)} = \sigma\left(c^{(l)} + W^{(l)} h^{(l-1)}\right)$$

    **Greedy layer-wise pretraining** (Hinton, Osindero and Teh, 2006): train RBM 1 on
    the data, then RBM $l$ on $h^{(l-1)}$, the hidden probabilities of the trained RBM
    below, one layer at a time (``pretrain``). **Fine-tuning**: the upward pass is an
    MLP of ``Linear`` + ``Sigmoid`` layers whose weights are the RBMs' $W^{(l)},
    c^{(l)}$; ``to_mlp`` builds it with a new ``Linear`` head, to be trained by
    backpropagation (`dlref.training.fit`) on labelled data.

    Args:
        layer_sizes: $n_0$ (the visible units, the features of $x$), then the hidden
            layers' sizes; at least two ints >= 1.
        dtype: dtype of the parameters and inputs, a NumPy floating dtype (default
            ``np.float64``).
        generator: ``numpy.random.Generator`` for the RBMs' initial weights.

    Attributes:
        rbms: a ``Sequential`` of the `RBM` s, bottom first (``state_dict`` keys
            ``rbms.0.weight``, ``rbms.0.hidden_bias``, ``rbms.0.visible_bias``, ...).

    Shape:
        input ``(*, layer_sizes[0])`` with values in [0, 1]; ``transform`` gives
        ``(*, layer_sizes[-1])``.

    PyTorch equivalent: none (torch has no RBM). The MLP of ``to_mlp`` corresponds to
    ``torch.nn.Sequential(Linear, Sigmoid, ..., Linear)`` with the same ``state_dict``
    keys.

    Differences from PyTorch: not a torch module. From Hinton et al. (2006): the top two
    layers are not trained as an undirected associative memory, and fine-tuning is
    discriminative (backpropagation), not the up-down (wake-sleep) algorithm; that is
    the use that made DBNs known (Hinton and Salakhutdinov, 2006; Bengio et al., 2007).

    References:
        Hinton, Osindero, Teh, 2006, "A fast learning algorithm for deep belief nets",
        Neural Computation 18(7). https://doi.org/10.1162/neco.2006.18.7.1527 ;
        Hinton, Salakhutdinov, 2006, "Reducing the dimensionality of data with neural
        networks", Science 313(5786). https://doi.org/10.1126/science.1127647 ;
        Bengio, Lamblin, Popovici, Larochelle, 2007, "Greedy layer-wise training of deep
        networks", NeurIPS.
        https://papers.nips.cc/paper/3048-greedy-layer-wise-training-of-deep-networks
    """

    def __init__(
        self,
        layer_sizes,
        dtype=np.float64,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        sizes = _check_layer_sizes(layer_sizes)
        dtype = _check_dtype(dtype)
        rng = check_generator("generator", generator)
        self.layer_sizes = sizes
        self.rbms = Sequential(
            *[
                RBM(n_in, n_out, dtype=dtype, generator=rng)
                for n_in, n_out in itertools.pairwise(sizes)
            ]
        )

    @property
    def dtype(self) -> np.dtype:
        return self.rbms[0].dtype

    def transform(self, x: np.ndarray) -> np.ndarray:
        r"""The top layer's probabilities $h^{(L)}$ of the upward pass, ``(*, n_L)``."""
        self.rbms[0]._check_v("x", x)
        h = x
        for rbm in self.rbms:
            # h^(l) = sigma(c^(l) + W^(l) h^(l-1))
            h = rbm._prob_h(h)
        return h

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Same as ``transform``."""
        return self.transform(x)

    def backward(self, grad_output):
        """Not defined: fine-tune by backpropagation through the MLP of ``to_mlp()``."""
        raise RuntimeError(
            "DBN has no backward: the RBMs are trained by contrastive "
            "divergence (pretrain); fine-tune the MLP of to_mlp() instead"
        )

    def pretrain(
        self,
        X: np.ndarray,
        epochs: int = 10,
        batch_size: int = 10,
        lr: float = 0.1,
        k: int = 1,
        persistent: bool = False,
        shuffle: bool = False,
        generator: np.random.Generator | None = None,
    ) -> list[list[float]]:
        """Greedy layer-wise pretraining: fit the RBMs bottom first, each on the output
        of those below.

        RBM 0 is fitted on ``X``; RBM $l$ on the hidden probabilities $h^{(l-1)}$ of
        ``X`` under the RBMs already trained (probabilities, not samples, as Hinton and
        Salakhutdinov 2006 do). Every RBM gets the same `RBM.fit` arguments.

        Args:
            X: training data, ``(N, layer_sizes[0])``, values in [0, 1].
            epochs: passes over the data, per layer (`RBM.fit`).
            batch_size: rows per mini-batch (and persistent chains), per layer.
            lr: the learning rate of every layer.
            k: Gibbs steps per update.
            persistent: use persistent chains (PCD) instead of CD.
            shuffle: visit the rows in a new random order each epoch.
            generator: ``numpy.random.Generator`` for every draw, layer after layer.

        Returns:
            One reconstruction-error history per RBM (a list of ``epochs`` floats each).
        """
        rng = check_generator("generator", generator)
        histories = []
        h = X
        for rbm in self.rbms:
            histories.append(
                rbm.fit(h, epochs, batch_size, lr, k, persistent, shuffle, rng)
            )
            # the next RBM's data: this one's hidden probabilities   (N, n_l)
            h = rbm._prob_h(h)
        return histories

    def to_mlp(
        self, n_classes: int, generator: np.random.Generator | None = None
    ) -> Sequential:
        """An MLP with the DBN's weights, and a new classifier head, for fine-tuning.

        ``Sequential(Linear(n_0, n_1), Sigmoid(), ..., Linear(n_{L-1}, n_L), Sigmoid(),
        Linear(n_L, n_classes))``: the ``Linear`` at index ``2 i`` holds a copy of
        ``rbms[i]``'s ``weight`` and ``hidden_bias`` (the same layout, ``(out, in)``),
        so the output at index ``2 L - 1`` is `DBN.transform`; the head has torch's
        default initialization, drawn from ``generator``. The copies are independent of
        the DBN.

        Args:
            n_classes: outputs of the head (logits for ``CrossEntropyLoss``), >= 1.
            generator: ``numpy.random.Generator`` for the head's initial weights.

        Returns:
            A ``dlref.numpy.nn.Sequential`` in the DBN's dtype.
        """
        check_positive_int("n_classes", n_classes)
        rng = check_generator("generator", generator)
        layers = []
        for rbm in self.rbms:
            linear = Linear(
                rbm.n_visible, rbm.n_hidden, dtype=self.dtype, generator=rng
            )
            linear.load_state_dict(
                {"weight": rbm.weight.data, "bias": rbm.hidden_bias.data}
            )
            layers += [linear, Sigmoid()]
        layers.append(
            Linear(self.layer_sizes[-1], n_classes, dtype=self.dtype, generator=rng)
        )
        return Sequential(*layers)

    def extra_repr(self) -> str:
        return f"layer_sizes={list(self.layer_sizes)}"
