"""Data for training and evaluation: scaling, one-hot, splits, class imbalance,
augmentation.

NumPy only. The names and semantics follow scikit-learn where it has the function
(``StandardScaler``, ``train_test_split``, ``KFold``, ``compute_class_weight``), PyTorch
where it has (``one_hot``), and torchvision for image augmentation
(``dlref.data.augment``). Every random draw comes from an explicit
``numpy.random.Generator`` (``generator=``) or a ``random_state`` (an int seed or a
``Generator``).

* Scaling, fitted on the training set only: `standardize`, `min_max_scale`,
  `StandardScaler`, `MinMaxScaler`; labels to vectors: `one_hot`.
* Splits: `train_test_split` (optionally stratified), `KFold`, `StratifiedKFold`.
* Class imbalance: `random_oversample`, `random_undersample`, `compute_class_weight`.
* Augmentation: the module `augment` (flips, rotations, crops, noise; EDA for text).
* Text: the module `text` (Debian's ``fortunes`` as labelled text, a tokenizer, a
  vocabulary, Keras's ``pad_sequences``).
"""

from dlref.data import augment, text
from dlref.data.imbalance import (
    compute_class_weight,
    random_oversample,
    random_undersample,
)
from dlref.data.preprocessing import (
    MinMaxScaler,
    StandardScaler,
    min_max_scale,
    one_hot,
    standardize,
)
from dlref.data.split import KFold, StratifiedKFold, split_sizes, train_test_split

__all__ = [
    "StandardScaler",
    "MinMaxScaler",
    "standardize",
    "min_max_scale",
    "one_hot",
    "train_test_split",
    "split_sizes",
    "KFold",
    "StratifiedKFold",
    "compute_class_weight",
    "random_oversample",
    "random_undersample",
    "augment",
    "text",
]
