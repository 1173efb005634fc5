"""dlref.data.augment.image: image ops against torch (flip, rot90, grid_sample) and their properties."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.data import augment as A
from dlref.testing import assert_close

Z = 6.0  # standard errors allowed in the statistical tests


@st.composite
def images(draw, min_side=1, max_side=9):
    """An image array of 2, 3 or 4 dimensions with random float64 values."""
    ndim = draw(st.sampled_from([2, 3, 4]))
    h, w = draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side))
    lead = {2: (), 3: (draw(st.integers(1, 3)),), 4: (draw(st.integers(1, 4)), draw(st.integers(1, 3)))}[ndim]
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).random(lead + (h, w))


def torch_rotate(x, angle, mode):
    """Reference rotation with torch.nn.functional.grid_sample (zeros outside).

    The same geometry as ``rotate``: the source of output pixel (i, j) is the point rotated
    by -angle about the centre ((H-1)/2, (W-1)/2). The input gets a border of one zero pixel
    (so that a side of length 1 still has two pixel centres), and align_corners=True puts
    the first and last pixel centres of the padded image at the normalized coordinates -1 and 1.
    """
    n, c, h, w = x.shape
    theta = np.deg2rad(np.broadcast_to(angle, (n,)))[:, None, None]
    i, j = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    u, v = j - cx, cy - i
    col = cx + np.cos(theta) * u + np.sin(theta) * v + 1          # + 1: the zero border
    row = cy - (-np.sin(theta) * u + np.cos(theta) * v) + 1
    grid = torch.tensor(np.stack([col / (w + 1) * 2 - 1, row / (h + 1) * 2 - 1], axis=-1))
    padded = torch.tensor(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    return TF.grid_sample(padded, grid, mode=mode, padding_mode="zeros", align_corners=True).numpy()


# -- flips and quarter turns ----------------------------------------------------------------

@given(images())
def test_flips_against_torch_and_twice_is_identity(x):
    assert np.array_equal(A.horizontal_flip(x), torch.flip(torch.tensor(x), dims=(-1,)).numpy())
    assert np.array_equal(A.vertical_flip(x), torch.flip(torch.tensor(x), dims=(-2,)).numpy())
    assert np.array_equal(A.horizontal_flip(A.horizontal_flip(x)), x)
    assert np.array_equal(A.vertical_flip(A.vertical_flip(x)), x)
    # a horizontal and a vertical flip make a half turn
    assert np.array_equal(A.vertical_flip(A.horizontal_flip(x)), A.rotate90(x, 2))


@given(images(), st.integers(-6, 6))
def test_rotate90_against_torch_and_four_turns_are_identity(x, k):
    assert np.array_equal(A.rotate90(x, k), torch.rot90(torch.tensor(x), k, dims=(-2, -1)).numpy())
    y = x
    for _ in range(4):
        y = A.rotate90(y, 1)
    assert np.array_equal(y, x)


def test_flip_keeps_dtype_and_returns_a_copy():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    y = A.horizontal_flip(x)
    assert y.dtype == np.uint8 and y[0].tolist() == [3, 2, 1, 0]
    y[0, 0] = 99
    assert x[0, 3] == 3


# -- rotate ---------------------------------------------------------------------------------

@given(images(), st.floats(-720, 720))
def test_rotate_bilinear_matches_torch_grid_sample(x, angle):
    batch = x.reshape((-1,) + x.shape[-3:]) if x.ndim == 4 else x.reshape((1, -1) + x.shape[-2:])
    ours = A.rotate(batch, angle)
    theirs = torch_rotate(batch, angle, "bilinear")
    assert_close(ours, theirs, atol=1e-10, rtol=1e-10)
    assert A.rotate(x, angle).shape == x.shape


@pytest.mark.parametrize("angle", [17.3, -71.9, 133.1, 200.7])
@pytest.mark.parametrize("shape", [(2, 3, 7, 7), (1, 1, 6, 9), (3, 2, 8, 5)])
def test_rotate_nearest_matches_torch_grid_sample(angle, shape):
    x = np.random.default_rng(0).random(shape)
    assert np.array_equal(A.rotate(x, angle, interpolation="nearest"), torch_rotate(x, angle, "nearest"))


@given(st.integers(1, 8), st.integers(-8, 8), st.sampled_from(["bilinear", "nearest"]))
def test_rotate_by_quarter_turns_is_exact(side, k, interpolation):
    x = np.random.default_rng(side).random((2, 3, side, side))
    assert np.array_equal(A.rotate(x, 90.0 * k, interpolation=interpolation), A.rotate90(x, k))
    y = np.random.default_rng(side).random((2, side, side + 3))
    assert np.array_equal(A.rotate(y, 180.0 * k, interpolation=interpolation), A.rotate90(y, 2 * k))


def test_rotate_fill_and_corners():
    x = np.ones((1, 1, 9, 9))
    y = A.rotate(x, 45.0, fill=-2.0)
    assert y[0, 0, 0, 0] == -2.0 and y[0, 0, 4, 4] == 1.0                  # a corner leaves, the centre stays
    c = np.full((5, 7), 0.3)
    assert_close(A.rotate(c, 33.0, fill=0.3), c)                            # fill equal to the image: nothing shows
    z = np.random.default_rng(1).random((2, 2, 6, 6))
    assert_close(A.rotate(z, 21.0, fill=0.7), A.rotate(z - 0.7, 21.0) + 0.7)


def test_rotate_one_angle_per_image_and_dtype():
    x = np.random.default_rng(2).random((3, 2, 6, 5)).astype(np.float32)
    angles = np.array([10.0, -35.0, 90.0])
    y = A.rotate(x, angles)
    assert y.dtype == np.float32
    assert A.rotate(x, 10.0, interpolation="nearest", fill=np.float64(0.5)).dtype == np.float32
    assert A.rotate(x, 10.0, fill=np.float64(0.5)).dtype == np.float32
    for n in range(3):
        assert_close(y[n], A.rotate(x[n], float(angles[n])))
    assert np.array_equal(A.rotate(x, 0.0), x)


@given(images(), st.integers(0, 2**32 - 1), st.floats(0, 180))
def test_random_rotation_uses_uniform_angles_from_the_generator(x, seed, degrees):
    y = A.random_rotation(x, degrees, generator=np.random.default_rng(seed))
    angles = np.random.default_rng(seed).uniform(-degrees, degrees, size=x.shape[0] if x.ndim == 4 else 1)
    expected = A.rotate(x, angles if x.ndim == 4 else float(angles[0]))
    assert np.array_equal(y, expected)
    assert np.array_equal(A.random_rotation(x, 0.0, generator=np.random.default_rng(seed)), x)
    z = A.random_rotation(x, (30, 30), generator=np.random.default_rng(seed))
    assert_close(z, A.rotate(x, 30.0))


# -- random flips, crop, noise ---------------------------------------------------------------

def test_random_flips_per_image_with_probability_p():
    x = np.random.default_rng(3).random((4000, 1, 2, 3))
    for flip, random_flip in [(A.horizontal_flip, A.random_horizontal_flip),
                              (A.vertical_flip, A.random_vertical_flip)]:
        assert np.array_equal(random_flip(x, 0.0, generator=np.random.default_rng(0)), x)
        assert np.array_equal(random_flip(x, 1.0, generator=np.random.default_rng(0)), flip(x))
        y = random_flip(x, 0.3, generator=np.random.default_rng(0))
        flipped = np.all(y == flip(x), axis=(1, 2, 3))
        kept = np.all(y == x, axis=(1, 2, 3))
        assert np.all(flipped | kept)
        assert abs(flipped.mean() - 0.3) < Z * np.sqrt(0.3 * 0.7 / len(x))
        again = random_flip(x, 0.3, generator=np.random.default_rng(0))
        assert np.array_equal(again, y)
    single = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(A.random_horizontal_flip(single, 1.0, generator=np.random.default_rng(0)),
                          single[:, ::-1])


@given(images(min_side=2), st.integers(0, 3), st.integers(0, 2**32 - 1), st.data())
def test_random_crop_size_and_windows(x, padding, seed, data):
    h_pad, w_pad = x.shape[-2] + 2 * padding, x.shape[-1] + 2 * padding
    h = data.draw(st.integers(1, h_pad))
    w = data.draw(st.integers(1, w_pad))
    y = A.random_crop(x, (h, w), padding=padding, fill=-1.0, generator=np.random.default_rng(seed))
    assert y.shape == x.shape[:-2] + (h, w) and y.dtype == x.dtype
    # each crop is some window of its padded image
    batch = x.reshape((-1,) + x.shape[-3:]) if x.ndim == 4 else x.reshape((1, -1) + x.shape[-2:])
    crops = y.reshape((batch.shape[0], batch.shape[1], h, w))
    padded = np.pad(batch, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-1.0)
    for n in range(batch.shape[0]):
        assert any(np.array_equal(crops[n], padded[n, :, t:t + h, s:s + w])
                   for t in range(h_pad - h + 1) for s in range(w_pad - w + 1))
    again = A.random_crop(x, (h, w), padding=padding, fill=-1.0, generator=np.random.default_rng(seed))
    assert np.array_equal(again, y)


def test_random_crop_full_size_without_padding_is_identity_and_offsets_vary():
    x = np.random.default_rng(4).integers(0, 255, (5, 3, 8, 8)).astype(np.uint8)
    assert np.array_equal(A.random_crop(x, 8, generator=np.random.default_rng(0)), x)
    y = A.random_crop(x, 8, padding=2, generator=np.random.default_rng(0))
    assert y.dtype == np.uint8 and y.shape == x.shape
    shifted = [not np.array_equal(y[n], x[n]) for n in range(5)]
    assert any(shifted)
    # every offset is reachable: over many draws all 5 x 5 shifts of a one-hot image appear
    one = np.zeros((500, 1, 3, 3))
    one[:, 0, 1, 1] = 1.0
    crops = A.random_crop(one, 3, padding=2, generator=np.random.default_rng(1))
    seen = {tuple(np.argwhere(c[0] == 1.0)[0]) if c.any() else None for c in crops}
    assert len(seen) == 10                       # 9 visible positions + "shifted out of view"


def test_gaussian_noise_statistics():
    x = np.full((200, 1, 50, 50), 0.5)
    for mean, sigma in [(0.0, 0.1), (0.05, 0.02), (-0.1, 0.2)]:
        noise = A.gaussian_noise(x, mean, sigma, clip=False, generator=np.random.default_rng(0)) - x
        n = noise.size
        assert abs(noise.mean() - mean) < Z * sigma / np.sqrt(n)
        # sample std: relative standard error sqrt((kurtosis - 1) / n) / 2, kurtosis 3
        assert abs(noise.std() / sigma - 1) < Z * np.sqrt(2 / n) / 2
    clipped = A.gaussian_noise(x, 0.0, 1.0, generator=np.random.default_rng(0))
    assert clipped.min() == 0.0 and clipped.max() == 1.0
    x32 = x.astype(np.float32)
    assert A.gaussian_noise(x32, generator=np.random.default_rng(0)).dtype == np.float32
    assert np.array_equal(A.gaussian_noise(x, 0.0, 0.0, clip=False), x)
    a = A.gaussian_noise(x, generator=np.random.default_rng(5))
    assert np.array_equal(a, A.gaussian_noise(x, generator=np.random.default_rng(5)))
    assert not np.array_equal(a, A.gaussian_noise(x, generator=np.random.default_rng(6)))


def test_image_bad_inputs():
    x = np.zeros((2, 1, 4, 4))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"x must be an image \(H, W\)"):
        A.horizontal_flip(np.zeros(5))
    with pytest.raises(ValueError, match=r"x must be an image \(H, W\)"):
        A.vertical_flip(np.zeros((1, 1, 1, 2, 2)))
    with pytest.raises(TypeError, match="x must be a numpy.ndarray"):
        A.horizontal_flip([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="H, W >= 1"):
        A.rotate90(np.zeros((3, 0)))
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        A.rotate(np.zeros((4, 4), dtype=np.uint8), 10.0)
    with pytest.raises(TypeError, match="k must be an int"):
        A.rotate90(x, 1.0)
    with pytest.raises(ValueError, match="interpolation must be 'bilinear' or 'nearest'"):
        A.rotate(x, 10.0, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"angle must be a number, or one per image with shape \(2,\)"):
        A.rotate(x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="angle must be a number for a single image"):
        A.rotate(x[0], [1.0])
    with pytest.raises(ValueError, match="angle must be finite"):
        A.rotate(x, float("nan"))
    with pytest.raises(TypeError, match="angle must be a number"):
        A.rotate(x, "ninety")
    with pytest.raises(ValueError, match=r"p must be in \[0.0, 1.0\]"):
        A.random_horizontal_flip(x, 1.5, generator=rng)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        A.random_vertical_flip(x, generator=1)
    with pytest.raises(ValueError, match=r"degrees must be in \[0.0, inf\]"):
        A.random_rotation(x, -5, generator=rng)
    with pytest.raises(ValueError, match="low <= high"):
        A.random_rotation(x, (10, -10), generator=rng)
    with pytest.raises(ValueError, match=r"size must fit in the padded image \(6, 6\)"):
        A.random_crop(x, 7, padding=1, generator=rng)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        A.random_crop(x, 3, padding=-1, generator=rng)
    with pytest.raises(TypeError, match="size must be an int or a pair"):
        A.random_crop(x, 2.5, generator=rng)
    with pytest.raises(ValueError, match="size must be >= 1"):
        A.random_crop(x, (0, 2), generator=rng)
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        A.gaussian_noise(np.zeros(3, dtype=np.int32))
    with pytest.raises(ValueError, match=r"sigma must be in \[0.0, inf\]"):
        A.gaussian_noise(x, sigma=-1.0)
    with pytest.raises(TypeError, match="clip must be a bool"):
        A.gaussian_noise(x, clip="yes")
