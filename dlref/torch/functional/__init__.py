"""Functions mirroring ``torch.nn.functional``, written from tensor primitives (autograd
does backward)."""

from dlref.torch.functional.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    tanh,
)
from dlref.torch.functional.affine import linear
from dlref.torch.functional.embedding import embedding
from dlref.torch.functional.conv import conv2d
from dlref.torch.functional.conv_transpose import conv_transpose2d
from dlref.torch.functional.attention import (
    additive_attention,
    scaled_dot_product_attention,
)
from dlref.torch.functional.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from dlref.torch.functional.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
)
from dlref.torch.functional.regularization import dropout, dropout_mask
from dlref.torch.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    multi_margin_loss,
    kl_div,
)

__all__ = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "dropout",
    "dropout_mask",
    "elu",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
    "linear",
    "embedding",
    "conv2d",
    "conv_transpose2d",
    "scaled_dot_product_attention",
    "additive_attention",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "multi_margin_loss",
    "kl_div",
]
