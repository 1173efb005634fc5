"""Image augmentation: label-preserving random changes to training images.

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
"""

from __future__ import annotations

import numbers
from typing import Callable

import numpy as np

from dlref._checks import check_real, shape_of
from dlref._geometry import pair
from dlref.data._random import check_generator

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
]

# -- images: helpers -------------------------------------------------------------------


def _image(name: str, x, floating: bool = False) -> np.ndarray:
    """Check an image array: 2-D, 3-D or 4-D, real numbers (floating-point when
    asked)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray of shape (N, C, H, W), (C, H, W) or (H, "
            f"W), got {type(x).__name__}"
        )
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must be an image (H, W), (C, H, W) or a batch (N, C, H, W), got "
            f"shape {x.shape}"
        )
    if floating and not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{name} must have a floating-point dtype, got {x.dtype} (convert with "
            "x.astype(np.float32))"
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool) or np.issubdtype(
        x.dtype, np.complexfloating
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if 0 in x.shape[-2:]:
        raise ValueError(f"{name} must have H, W >= 1, got shape {x.shape}")
    return x


def _as_batch(x: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """View ``x`` as ``(N, C, H, W)``, and the function that gives a result ``x``'s
    layout back."""
    if x.ndim == 4:
        return x, lambda out: out
    if x.ndim == 3:
        return x[None], lambda out: out[0]  # (1, C, H, W)
    return x[None, None], lambda out: out[0, 0]  # (1, 1, H, W)


def _probability(name: str, p) -> None:
    check_real(name, p, low=0.0, high=1.0)


def _finite_real(name: str, value, low: float | None = None) -> None:
    """A real number that is finite (and at least ``low``): a fill, a mean, a range
    end."""
    check_real(name, value, low=low)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")


def _random_flip(
    x, p, generator, flip: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    x = _image("x", x)
    _probability("p", p)
    rng = check_generator("generator", generator)
    batch, restore = _as_batch(x)
    # one Bernoulli(p) decision per image: (N, 1, 1, 1)
    chosen = (rng.random(batch.shape[0]) < p)[:, None, None, None]
    return restore(np.where(chosen, flip(batch), batch))


# -- images: flips and rotations -------------------------------------------------------


def horizontal_flip(x: np.ndarray) -> np.ndarray:
    r"""Mirror the image left to right: $\text{out}[\ldots, i, j] = x[\ldots, i, W - 1 -
    j]$.

    Shape:
        ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``, returned as given (a new array).

    torchvision equivalent:
    ``torchvision.transforms.v2.functional.horizontal_flip``; torch: ``torch.flip(x,
    dims=(-1,))``.

    Differences from torch: ``x`` is a NumPy image or batch: 2-D to 4-D, real (or
    boolean) values, $H, W \ge 1$; ``torch.flip`` takes tensors of any shape and complex
    values.
    """
    x = _image("x", x)
    return np.flip(x, axis=-1).copy()


def vertical_flip(x: np.ndarray) -> np.ndarray:
    r"""Mirror the image top to bottom: $\text{out}[\ldots, i, j] = x[\ldots, H - 1 - i,
    j]$.

    Shape:
        ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``, returned as given (a new array).

    torchvision equivalent:
    ``torchvision.transforms.v2.functional.vertical_flip``; torch: ``torch.flip(x,
    dims=(-2,))``.

    Differences from torch: as `horizontal_flip`.
    """
    x = _image("x", x)
    return np.flip(x, axis=-2).copy()


def random_horizontal_flip(
    x: np.ndarray, p: float = 0.5, *, generator: np.random.Generator | None = None
) -> np.ndarray:
    """Flip each image left to right with probability ``p`` (independently within a
    batch).

    Args:
        x: ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``.
        p: the probability of flipping, in $[0, 1]$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new array of ``x``'s shape and dtype.

    torchvision equivalent: ``v2.RandomHorizontalFlip(p)``, which flips a whole batch
    together; here each image of a batch gets its own decision. ``x`` as in
    `horizontal_flip`.
    """
    return _random_flip(x, p, generator, lambda b: np.flip(b, axis=-1))


def random_vertical_flip(
    x: np.ndarray, p: float = 0.5, *, generator: np.random.Generator | None = None
) -> np.ndarray:
    """Flip each image top to bottom with probability ``p``; see
    `random_horizontal_flip`.

    torchvision equivalent: ``v2.RandomVerticalFlip(p)`` (one decision for a whole batch
    there). ``x`` as in `horizontal_flip`.
    """
    return _random_flip(x, p, generator, lambda b: np.flip(b, axis=-2))


def rotate90(x: np.ndarray, k: int = 1) -> np.ndarray:
    r"""Rotate by ``k`` quarter turns counter-clockwise, exactly (a permutation of the
    pixels).

    One quarter turn: $\text{out}[\ldots, i, j] = x[\ldots, j, W - 1 - i]$, and the
    image's shape becomes ``(..., W, H)``. ``k`` may be any integer; ``k % 4`` counts.

    torchvision/torch equivalent: ``torch.rot90(x, k, dims=(-2, -1))``.

    Differences from torch: ``x`` as in `horizontal_flip`; ``k`` must be an int (not a
    bool).
    """
    x = _image("x", x)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(
            f"k must be an int (the number of quarter turns), got {type(k).__name__}"
        )
    return np.rot90(x, k, axes=(-2, -1)).copy()


def _cos_sin(angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of angles in degrees, exact (0, 1, -1) at multiples of 90 degrees."""
    theta = np.deg2rad(angle)
    cos, sin = np.cos(theta), np.sin(theta)
    quarter = np.mod(angle, 90.0) == 0
    k = np.mod(np.round(angle / 90.0), 4).astype(np.int64)
    cos = np.where(quarter, np.array([1.0, 0.0, -1.0, 0.0])[k], cos)
    sin = np.where(quarter, np.array([0.0, 1.0, 0.0, -1.0])[k], sin)
    return cos, sin


def _sample_grid(
    batch: np.ndarray, row: np.ndarray, col: np.ndarray, interpolation: str, fill: float
) -> np.ndarray:
    """Read ``batch`` (N, C, H, W) at real coordinates ``row``, ``col`` (N, H', W');
    ``fill`` outside."""
    N, C, H, W = batch.shape
    n = np.arange(N)[:, None, None]  # (N, 1, 1)
    if interpolation == "nearest":
        r, c = np.rint(row).astype(np.int64), np.rint(col).astype(np.int64)
        inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)  # (N, H', W')
        # (N, H', W', C)
        value = batch[n, :, np.clip(r, 0, H - 1), np.clip(c, 0, W - 1)]
        out = np.where(inside[..., None], value, fill)
        return np.moveaxis(out, -1, 1).astype(batch.dtype, copy=False)  # (N, C, H', W')
    # bilinear, on a frame of one pixel of zeros around x - fill,
    # so that outside reads as fill
    shifted = np.pad(
        batch - np.asarray(fill, dtype=batch.dtype), ((0, 0), (0, 0), (1, 1), (1, 1))
    )
    r0, c0 = np.floor(row), np.floor(col)
    dr, dc = (row - r0)[..., None], (col - c0)[..., None]  # (N, H', W', 1) weights
    # pixel (r, c) sits at (r + 1, c + 1) in the frame; clipping sends every outside
    # index to the frame's border of zeros (index 0 or H + 1),
    # so outside neighbours read as 0
    r0, c0 = r0.astype(np.int64) + 1, c0.astype(np.int64) + 1
    r1, c1 = np.clip(r0 + 1, 0, H + 1), np.clip(c0 + 1, 0, W + 1)
    r0, c0 = np.clip(r0, 0, H + 1), np.clip(c0, 0, W + 1)
    # an infinite pixel times a weight of 0 is NaN (as in torch's grid_sample):
    # silently so
    with np.errstate(invalid="ignore"):
        # (N, H', W', C)
        top = (1 - dc) * shifted[n, :, r0, c0] + dc * shifted[n, :, r0, c1]
        bottom = (1 - dc) * shifted[n, :, r1, c0] + dc * shifted[n, :, r1, c1]
        # bilinear: (1 - dr) * top + dr * bottom, then undo the shift by fill
        out = (1 - dr) * top + dr * bottom + fill
    return np.moveaxis(out, -1, 1).astype(batch.dtype, copy=False)  # (N, C, H', W')


def rotate(
    x: np.ndarray, angle, *, interpolation: str = "bilinear", fill: float = 0.0
) -> np.ndarray:
    r"""Rotate about the image centre by ``angle`` degrees counter-clockwise; same
    output size.

    Each output pixel $(i, j)$ reads the input at the point that the rotation carries
    onto it: with the centre $(c_y, c_x) = ((H-1)/2, (W-1)/2)$, $u = j - c_x$
    (rightwards) and $v = c_y - i$ (upwards),

    $$
    \begin{pmatrix} u_\text{src} \\ v_\text{src} \end{pmatrix}
    = \begin{pmatrix} \cos\theta & \sin\theta \\ -\sin\theta & \cos\theta \end{pmatrix}
      \begin{pmatrix} u \\ v \end{pmatrix},
    \qquad
    \text{out}[i, j] = x[c_y - v_\text{src},\; c_x + u_\text{src}],
    $$

    read between pixels by bilinear interpolation (the four neighbours weighted by
    $(1 - \delta_r)(1 - \delta_c)$, $(1 - \delta_r)\delta_c$, $\delta_r(1 - \delta_c)$,
    $\delta_r\delta_c$), or by the nearest pixel. Neighbours outside the image count as
    ``fill``. At multiples of 90 degrees $\cos\theta$ and $\sin\theta$ are taken
    exactly, so a square image is rotated exactly (as `rotate90`).

    Args:
        x: a floating-point image or batch.
        angle: degrees, counter-clockwise; a number, or one per image ``(N,)`` for a
            batch.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill: the value of the area outside the input (finite).

    Shape:
        ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``, returned as given.

    Returns:
        The rotated array, ``x``'s shape and dtype.

    torchvision equivalent: ``v2.functional.rotate(x, angle, interpolation,
    expand=False,
    fill=fill)``. Differences from torchvision: no ``expand`` or ``center``; the values
    can differ slightly at the borders (torchvision samples with
    ``align_corners=False``).
    """
    x = _image("x", x, floating=True)
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(
            f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}"
        )
    _finite_real("fill", fill)
    batch, restore = _as_batch(x)
    N, _, H, W = batch.shape
    if isinstance(angle, bool) or not isinstance(
        angle, (numbers.Real, np.ndarray, list, tuple)
    ):
        raise TypeError(
            f"angle must be a number or an array of numbers, got {type(angle).__name__}"
        )
    try:
        angle_arr = np.asarray(angle, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"angle must be a number or an array of numbers, got {angle!r}"
        ) from None
    if angle_arr.ndim > 1 or (angle_arr.ndim == 1 and angle_arr.shape != (N,)):
        raise ValueError(
            f"angle must be a number, or one per image with shape ({N},), got {angle!r}"
        )
    if angle_arr.ndim == 1 and x.ndim != 4:
        raise ValueError(
            "angle must be a number for a single image (one angle per image needs a "
            "batch)"
        )
    if not np.all(np.isfinite(angle_arr)):
        raise ValueError(f"angle must be finite, got {angle!r}")
    cos, sin = _cos_sin(np.broadcast_to(angle_arr, (N,)))
    cos, sin = cos[:, None, None], sin[:, None, None]  # (N, 1, 1)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    i, j = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")  # (H, W)
    u, v = j - cx, cy - i
    # inverse rotation by -theta: the source point of each output pixel
    u_src = cos * u + sin * v  # (N, H, W)
    v_src = -sin * u + cos * v
    out = _sample_grid(batch, cy - v_src, cx + u_src, interpolation, fill)
    return restore(out)


def random_rotation(
    x: np.ndarray,
    degrees,
    *,
    interpolation: str = "bilinear",
    fill: float = 0.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    """Rotate each image by an angle drawn uniformly from ``[-degrees, degrees]``.

    Args:
        x: ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``, floating point.
        degrees: finite $d \\ge 0$ for the range $[-d, d]$, or a finite pair
            ``(low, high)``.
        interpolation: ``"bilinear"`` or ``"nearest"``, as in `rotate`.
        fill: the value of the area outside the input (finite).
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new array of ``x``'s shape and dtype.

    torchvision equivalent: ``v2.RandomRotation(degrees, interpolation, fill=fill)``
    (one angle for a whole batch there; one per image here).
    """
    x = _image("x", x, floating=True)
    rng = check_generator("generator", generator)
    if isinstance(degrees, (tuple, list)):
        if len(degrees) != 2:
            raise ValueError(
                f"degrees must be a number or a pair (low, high), got {degrees!r}"
            )
        low, high = degrees
        _finite_real("degrees[0]", low)
        _finite_real("degrees[1]", high)
        if low > high:
            raise ValueError(
                f"degrees must be (low, high) with low <= high, got {tuple(degrees)}"
            )
    else:
        _finite_real("degrees", degrees, low=0.0)
        low, high = -degrees, degrees
    n = x.shape[0] if x.ndim == 4 else 1
    angle = rng.uniform(low, high, size=n)
    return rotate(
        x,
        angle if x.ndim == 4 else float(angle[0]),
        interpolation=interpolation,
        fill=fill,
    )


# -- images: crops and noise -----------------------------------------------------------


def random_crop(
    x: np.ndarray,
    size,
    *,
    padding: int = 0,
    fill: float = 0.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Pad each image by ``padding`` pixels of ``fill``, then cut out a random ``size``
    window.

    With padding $P$ the padded image is $(H + 2P) \times (W + 2P)$; the window's
    top-left corner is drawn uniformly from the $(H + 2P - h + 1)(W + 2P - w + 1)$
    positions. With ``size = (H, W)`` this is a random shift by up to $P$ pixels in each
    direction.

    Args:
        x: the image or batch.
        size: the window, ``h = w = size`` or ``(h, w)``; at most the padded size.
        padding: $P \ge 0$, on all four sides.
        fill: the value of the padding (finite).
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Shape:
        ``(N, C, H, W)`` gives ``(N, C, h, w)``; ``(C, H, W)`` gives ``(C, h, w)``;
        ``(H, W)`` gives ``(h, w)``. Any dtype.

    Returns:
        The crops, one window per image.

    torchvision equivalent: ``v2.RandomCrop(size, padding=padding, fill=fill)`` (one
    window for a whole batch there; one per image here).
    """
    x = _image("x", x)
    h, w = pair("size", size, 1)
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral):
        raise TypeError(f"padding must be an int, got {type(padding).__name__}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    _finite_real("fill", fill)
    rng = check_generator("generator", generator)
    batch, restore = _as_batch(x)
    N, C, H, W = batch.shape
    Hp, Wp = H + 2 * padding, W + 2 * padding
    if h > Hp or w > Wp:
        raise ValueError(
            f"size must fit in the padded image ({Hp}, {Wp}), got ({h}, {w})"
        )
    padded = np.pad(
        batch,
        ((0, 0), (0, 0), (padding, padding), (padding, padding)),
        # (N, C, Hp, Wp)
        constant_values=np.asarray(fill).astype(batch.dtype),
    )
    top = rng.integers(0, Hp - h + 1, size=N)
    left = rng.integers(0, Wp - w + 1, size=N)
    rows = (top[:, None] + np.arange(h))[:, :, None]  # (N, h, 1)
    cols = (left[:, None] + np.arange(w))[:, None, :]  # (N, 1, w)
    crops = padded[np.arange(N)[:, None, None], :, rows, cols]  # (N, h, w, C)
    return restore(np.moveaxis(crops, -1, 1).copy())  # (N, C, h, w)


def gaussian_noise(
    x: np.ndarray,
    mean: float = 0.0,
    sigma: float = 0.1,
    clip: bool = True,
    *,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Add independent Gaussian noise to every pixel: $x + \mu + \sigma\,\varepsilon$,
    $\varepsilon \sim \mathcal N(0, 1)$.

    With ``clip=True`` the result is clipped to $[0, 1]$, the range of a float image.

    Args:
        x: a floating-point array (any shape; images are usually in $[0, 1]$).
        mean: $\mu$, finite.
        sigma: $\sigma \ge 0$, finite.
        clip: clip to $[0, 1]$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new array of ``x``'s shape and dtype.

    torchvision equivalent: ``v2.GaussianNoise(mean, sigma, clip)`` /
    ``v2.functional.gaussian_noise``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy.ndarray, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x must have a floating-point dtype, got {x.dtype} (convert with "
            "x.astype(np.float32))"
        )
    _finite_real("mean", mean)
    _finite_real("sigma", sigma, low=0.0)
    if not isinstance(clip, (bool, np.bool_)):
        raise TypeError(f"clip must be a bool, got {type(clip).__name__}")
    rng = check_generator("generator", generator)
    draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    epsilon = rng.standard_normal(x.shape, dtype=draw_dtype)
    # x + mu + sigma * eps
    out = (x + mean + sigma * epsilon).astype(x.dtype, copy=False)
    return np.clip(out, 0, 1) if clip else out
