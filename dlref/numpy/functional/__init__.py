"""Functions mirroring ``torch.nn.functional``; each op ``f`` has ``f_backward``.

Convention: ``f_backward(grad_output, *inputs, **same_keywords_as_f)`` returns the
gradient for each array input of ``f``, in order (one array when there is one input).
"""

from dlref.numpy.functional.activation import (elu, elu_backward, gelu, gelu_backward, leaky_relu,
                                               leaky_relu_backward, log_softmax, log_softmax_backward,
                                               relu, relu_backward, sigmoid, sigmoid_backward, silu,
                                               silu_backward, softmax, softmax_backward, tanh,
                                               tanh_backward)
from dlref.numpy.functional.conv import conv2d, conv2d_backward
from dlref.numpy.functional.regularization import dropout, dropout_backward, dropout_mask
from dlref.numpy.functional.affine import linear, linear_backward
from dlref.numpy.functional.loss import (binary_cross_entropy, binary_cross_entropy_backward,
                                         binary_cross_entropy_with_logits,
                                         binary_cross_entropy_with_logits_backward, cross_entropy,
                                         cross_entropy_backward, huber_loss, huber_loss_backward, l1_loss,
                                         l1_loss_backward, mse_loss, mse_loss_backward, nll_loss,
                                         nll_loss_backward)
from dlref.numpy.functional.pooling import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, avg_pool2d,
                                            avg_pool2d_backward, max_pool2d, max_pool2d_backward)
from dlref.numpy.functional.normalization import (batch_norm, batch_norm_backward, layer_norm,
                                                  layer_norm_backward)

__all__ = [
    "elu",
    "elu_backward",
    "gelu",
    "gelu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "log_softmax",
    "log_softmax_backward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "silu",
    "silu_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
    "conv2d",
    "conv2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
    "dropout",
    "dropout_backward",
    "dropout_mask",
    "batch_norm",
    "batch_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "linear",
    "linear_backward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "huber_loss",
    "huber_loss_backward",
    "l1_loss",
    "l1_loss_backward",
    "mse_loss",
    "mse_loss_backward",
    "nll_loss",
    "nll_loss_backward",
]
