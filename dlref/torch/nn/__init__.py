"""``torch.nn.Module`` layers written from tensor primitives, with torch's parameter
names."""

from dlref.torch.nn import utils
from dlref.torch.nn.activation import (
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
from dlref.torch.nn.conv import Conv2d
from dlref.torch.nn.conv_transpose import ConvTranspose2d
from dlref.torch.nn.attention import AdditiveAttention, MultiheadAttention
from dlref.torch.nn.transformer import (
    PositionalEncoding,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
    sinusoidal_positional_encoding,
)
from dlref.torch.nn.linear import Linear
from dlref.torch.nn.embedding import Embedding
from dlref.torch.nn.gru import GRU, GRUCell
from dlref.torch.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from dlref.torch.nn.rnn import LSTM, LSTMCell, RNN, RNNCell
from dlref.torch.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm2d,
    LayerNorm,
)
from dlref.torch.nn.dropout import Dropout
from dlref.torch.nn.loss import (
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

__all__ = [
    "Linear",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm2d",
    "Dropout",
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
    "utils",
]
