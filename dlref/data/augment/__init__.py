"""Data augmentation: label-preserving random changes to training images and sentences.

Two modules, re-exported here: `dlref.data.augment.image` and `dlref.data.augment.text`.

Images are NumPy arrays laid out as torch's: ``(N, C, H, W)`` (a batch), ``(C, H, W)``
or ``(H, W)`` (one image). Every function returns the layout and dtype it was given. The
random versions draw **one** choice per image of a batch (one flip decision, one angle,
one crop offset each) from an explicit ``numpy.random.Generator``; a 3-D array is one
image with ``C`` channels, so a batch of grey images ``(N, H, W)`` is passed as
``x[:, None]``.

| function | what it does | torchvision equivalent |
|---|---|---|
| `horizontal_flip`, `vertical_flip` | mirror left-right, top-bottom | ``v2.functional.horizontal_flip``, ``vertical_flip`` |
| `random_horizontal_flip`, `random_vertical_flip` | flip each image with probability ``p`` | ``v2.RandomHorizontalFlip(p)`` |
| `rotate90` | exact rotation by ``k`` quarter turns | ``torch.rot90(x, k, dims=(-2, -1))`` |
| `rotate` | rotation by any angle, same size, bilinear or nearest | ``v2.functional.rotate`` |
| `random_rotation` | a random angle per image | ``v2.RandomRotation(degrees)`` |
| `random_crop` | pad, then cut a random window | ``v2.RandomCrop(size, padding)`` |
| `gaussian_noise` | add $\\mathcal N(\\mu, \\sigma^2)$ noise | ``v2.GaussianNoise(mean, sigma, clip)`` |

Sentences (a list of words, or a string split on whitespace) get the four operations of
EDA (Wei and Zou, 2019): `synonym_replacement`, `random_insertion`, `random_swap` and
`random_deletion`. The synonyms come from a dict the caller gives (EDA used WordNet).

References: Wei, J., Zou, K. (2019). EDA: Easy Data Augmentation Techniques for Boosting
Performance on Text Classification Tasks. EMNLP. <https://arxiv.org/abs/1901.11196>.
"""

from dlref.data.augment.image import (
    gaussian_noise,
    horizontal_flip,
    random_crop,
    random_horizontal_flip,
    random_rotation,
    random_vertical_flip,
    rotate,
    rotate90,
    vertical_flip,
)
from dlref.data.augment.text import (
    random_deletion,
    random_insertion,
    random_swap,
    synonym_replacement,
)

__all__ = [
    "horizontal_flip",
    "vertical_flip",
    "random_horizontal_flip",
    "random_vertical_flip",
    "rotate90",
    "rotate",
    "random_rotation",
    "random_crop",
    "gaussian_noise",
    "synonym_replacement",
    "random_insertion",
    "random_swap",
    "random_deletion",
]
