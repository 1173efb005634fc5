"""Layers with the interface of ``torch.nn``, each with an explicit ``backward``."""

from dlref.numpy.nn import init, utils
from dlref.numpy.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from dlref.numpy.nn.conv import Conv2d
from dlref.numpy.nn.conv_transpose import ConvTranspose2d
from dlref.numpy.nn.attention import AdditiveAttention, MultiheadAttention
from dlref.numpy.nn.transformer import (
    PositionalEncoding,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
    sinusoidal_positional_encoding,
)
from dlref.numpy.nn.dropout import Dropout
from dlref.numpy.nn.embedding import Embedding
from dlref.numpy.nn.gru import GRU, GRUCell
from dlref.numpy.nn.container import Flatten, Sequential
from dlref.numpy.nn.linear import Linear
from dlref.numpy.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    MultiMarginLoss,
    KLDivLoss,
)
from dlref.numpy.nn.module import Module, Parameter
from dlref.numpy.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from dlref.numpy.nn.rnn import LSTM, LSTMCell, RNN, RNNCell
from dlref.numpy.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm2d,
    LayerNorm,
)

__all__ = [
    "Parameter",
    "Module",
    "Sequential",
    "Flatten",
    "Linear",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm2d",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "LogSoftmax",
    "GELU",
    "SiLU",
    "ELU",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "MultiMarginLoss",
    "KLDivLoss",
    "RNNCell",
    "LSTMCell",
    "RNN",
    "LSTM",
    "GRUCell",
    "GRU",
    "Embedding",
    "MultiheadAttention",
    "AdditiveAttention",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "PositionalEncoding",
    "sinusoidal_positional_encoding",
    "init",
    "utils",
]
