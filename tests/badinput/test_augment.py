"""Bad inputs to dlref.data.augment: image ops judged by torch where it has them, the rest must raise.

Flips and quarter turns have exact torch equivalents (``torch.flip``, ``torch.rot90``); a random
flip with ``p=1`` is a flip. Arbitrary rotations, crops, noise and the text operations (EDA)
have no torch twin, so every hostile call must raise ``ValueError``/``TypeError`` naming the
argument, unless `Case.accepts` lists it as fine.
"""

import numpy as np
import pytest
import torch

from badinput.framework import Case, check_valid_call, convert, expand, ids, judge
from dlref.data import augment

rng = np.random.default_rng(0)
X4 = rng.random((2, 3, 4, 5))
X2 = rng.random((4, 5))
SYNONYMS = {"quick": ["fast", "rapid"], "dog": ["hound"]}
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]

# why dlref raises where torch returns (each is stated in the function's docstring)
LAYOUT = "images are (H, W), (C, H, W) or (N, C, H, W); torch.flip and torch.rot90 take any number of dims"
REAL = "images hold real numbers: a complex array is a TypeError; torch flips and rotates complex tensors"
SIZE = "an image has H, W >= 1; torch flips and rotates empty tensors"
NUMPY = "dlref.data.augment takes NumPy arrays; a torch tensor is a TypeError"
IMAGE_STRICTER = {"extra_dim": LAYOUT, "complex": REAL, "x=scalar": LAYOUT, "x=zero width": SIZE, "x=tensor": NUMPY}
IMAGE_STRICTER_2D = {"extra_dim": LAYOUT, "fewer_dims": LAYOUT, "complex": REAL, "x=empty": SIZE}


def to_torch(value):
    """NumPy arrays as torch tensors where torch can hold them (strings stay, and make torch raise)."""
    try:
        return convert(value)
    except TypeError:
        return value


def generator_extras():
    return [("generator=0", {"generator": 0}), ("generator=RandomState", {"generator": np.random.RandomState(0)}),
            ("generator='a'", {"generator": "a"})]


def real_extras(name, values):
    return [(f"{name}={v!r}", {name: v}) for v in values]


def flip(dims):
    return lambda x: torch.flip(x, dims)


def image_cases():
    out = []
    for name, dims in (("horizontal_flip", (-1,)), ("vertical_flip", (-2,))):
        ours = getattr(augment, name)
        out += [
            Case(f"dlref.data.augment.{name}", ours, dict(x=X4), reference=flip(dims), stricter=IMAGE_STRICTER,
                 convert=to_torch,
                 extra=[("x=scalar", {"x": np.array(1.0)}), ("x=zero width", {"x": X4[..., :0]}),
                        ("x=bool", {"x": X4 > 0.5}), ("x=strings", {"x": np.array([["a"]])}),
                        ("x=tensor", {"x": torch.tensor(X4)})]),
            Case(f"dlref.data.augment.{name}", ours, dict(x=X2), reference=flip(dims), stricter=IMAGE_STRICTER_2D,
                 id=f"{name}-2d"),
        ]
        random_name = f"random_{name}"
        random_ours = getattr(augment, random_name)
        out += [
            # p = 1 flips every image: torch.flip judges the hostile images
            Case(f"dlref.data.augment.{random_name}", lambda ours=random_ours, **a: ours(**a, p=1.0), dict(x=X4),
                 reference=lambda dims=dims, **a: torch.flip(a["x"], dims), stricter=IMAGE_STRICTER),
            Case(f"dlref.data.augment.{random_name}", lambda ours=random_ours, **a: ours(**a, p=0.0), dict(x=X2),
                 reference=lambda **a: a["x"].clone(), stricter=IMAGE_STRICTER_2D, id=f"{random_name}-2d-p0"),
            # p and generator have no torch counterpart here: every bad one must raise
            Case(f"dlref.data.augment.{random_name}", random_ours, dict(x=X4, p=0.5), reference=None, hostile=(),
                 extra=real_extras("p", (-0.1, 1.5, np.nan, np.inf, "0.5", None, True, [0.5])) + generator_extras(),
                 id=f"{random_name}-arguments"),
        ]
    out.append(Case("dlref.data.augment.rotate90", augment.rotate90, dict(x=X4, k=1),
                    reference=lambda x, k: torch.rot90(x, k, dims=(-2, -1)),
                    stricter=dict(IMAGE_STRICTER, **{"k=True": "k is an int: a bool is refused"}),
                    extra=real_extras("k", (1.5, "1", None, True, -1, 5, 0, np.int64(2), [1]))))
    out.append(Case("dlref.data.augment.rotate90", augment.rotate90, dict(x=X2, k=3),
                    reference=lambda x, k: torch.rot90(x, k, dims=(-2, -1)), stricter=IMAGE_STRICTER_2D,
                    id="rotate90-2d"))

    # no torch twin: hostile calls must raise, except those that are legitimately fine
    fine_image = ("x=fewer_dims", "x=wrong_size", "x=float16", "x=nan", "x=inf", "x=empty")
    out.append(Case("dlref.data.augment.rotate", augment.rotate, dict(x=X4, angle=30.0), reference=None,
                    accepts=fine_image + ("angle=-30.0", "angle=per image", "interpolation='nearest'", "fill=1.0",
                                          "angle=720", "angle=int", "x=inf angle=90", "x=inf angle=0"),
                    extra=real_extras("angle", (None, "30", np.nan, np.inf, -30.0, 720)) + [
                        ("angle=per image", {"angle": np.array([10.0, 20.0])}),
                        ("angle=int", {"angle": 90}),
                        ("x=inf angle=90", {"x": np.where(X4 > 0.9, np.inf, X4), "angle": 90.0}),
                        ("x=inf angle=0", {"x": np.where(X4 > 0.9, -np.inf, X4), "angle": 0.0}),
                        ("angle=wrong count", {"angle": np.array([10.0, 20.0, 30.0])}),
                        ("angle=2-D", {"angle": np.ones((2, 1))}),
                        ("angle=strings", {"angle": np.array(["a", "b"])}),
                        ("angle=complex", {"angle": 1j}),
                        ("interpolation='cubic'", {"interpolation": "cubic"}),
                        ("interpolation=None", {"interpolation": None}),
                        ("interpolation='nearest'", {"interpolation": "nearest"}),
                        ("fill=None", {"fill": None}), ("fill=nan", {"fill": np.nan}), ("fill='0'", {"fill": "0"}),
                        ("fill=1.0", {"fill": 1.0}), ("fill=inf", {"fill": np.inf}),
                        ("fill=inf nearest", {"fill": np.inf, "interpolation": "nearest"}),
                        ("x=tensor", {"x": torch.tensor(X4)}), ("x=bool", {"x": X4 > 0.5}),
                    ]))
    out.append(Case("dlref.data.augment.rotate", augment.rotate, dict(x=X2, angle=45.0), reference=None,
                    accepts=("x=extra_dim", "x=wrong_size", "x=float16", "x=nan", "x=inf"), id="rotate-2d",
                    extra=[("angle=per image", {"angle": np.array([10.0, 20.0])})]))
    out.append(Case("dlref.data.augment.random_rotation", augment.random_rotation,
                    dict(x=X4, degrees=30.0, generator=np.random.default_rng(0)), reference=None, hostile=("x",),
                    accepts=fine_image + ("degrees=0", "degrees=(10, 20)", "degrees=[-5, 5]", "degrees=(5, 5)"),
                    extra=real_extras("degrees", (-1.0, None, "10", np.nan, np.inf, 0)) + [
                        ("degrees=(10, 20)", {"degrees": (10, 20)}), ("degrees=[-5, 5]", {"degrees": [-5, 5]}),
                        ("degrees=(5, 5)", {"degrees": (5, 5)}), ("degrees=(20, 10)", {"degrees": (20, 10)}),
                        ("degrees=(1, 2, 3)", {"degrees": (1, 2, 3)}), ("degrees=(0, nan)", {"degrees": (0, np.nan)}),
                        ("degrees=(0, inf)", {"degrees": (0, np.inf)}), ("degrees=(-inf, 0)", {"degrees": (-np.inf, 0)}),
                        ("degrees=('a', 1)", {"degrees": ("a", 1)}), ("degrees=array", {"degrees": np.array([1.0, 2.0])}),
                        ("interpolation='cubic'", {"interpolation": "cubic"}), ("fill=nan", {"fill": np.nan}),
                    ] + generator_extras()))
    out.append(Case("dlref.data.augment.random_crop", augment.random_crop,
                    dict(x=X4, size=3, padding=1, generator=np.random.default_rng(0)), reference=None, hostile=("x",),
                    accepts=fine_image + ("x=int", "x=bool", "size=(2, 3)", "size=(6, 7)", "padding=0", "fill=-1.0"),
                    extra=real_extras("size", (0, -1, 2.5, None, "3", 100, True)) + [
                        ("size=(2, 3)", {"size": (2, 3)}), ("size=(6, 7)", {"size": (6, 7)}),
                        ("size=(7, 7)", {"size": (7, 7)}), ("size=(2,)", {"size": (2,)}),
                        ("size=(2, 3, 4)", {"size": (2, 3, 4)}), ("size=(0, 2)", {"size": (0, 2)}),
                    ] + real_extras("padding", (-1, 1.5, None, "1", True, 0)) + real_extras(
                        "fill", (None, np.nan, "0", -1.0, np.inf)) + [
                        ("x=bool", {"x": X4 > 0.5}), ("x=tensor", {"x": torch.tensor(X4)}),
                        ("x=zero width", {"x": X4[..., :0]}),
                    ] + generator_extras()))
    out.append(Case("dlref.data.augment.gaussian_noise", augment.gaussian_noise,
                    dict(x=X4, generator=np.random.default_rng(0)), reference=None, hostile=("x",),
                    accepts=("x=extra_dim", "x=fewer_dims", "x=wrong_size", "x=empty", "x=float16", "x=nan", "x=inf",
                             "mean=0.5", "sigma=0", "clip=False", "x=scalar"),
                    extra=real_extras("mean", (None, "0", np.nan, np.inf, -np.inf, 0.5)) + real_extras(
                        "sigma", (-0.1, None, np.nan, np.inf, 0, "0.1")) + real_extras(
                        "clip", ("yes", None, 1, False)) + [
                        ("x=tensor", {"x": torch.tensor(X4)}), ("x=bool", {"x": X4 > 0.5}),
                        ("x=scalar", {"x": np.array(0.5)}), ("x=float", {"x": 0.5}),
                    ] + generator_extras()))
    return out


# -- text -------------------------------------------------------------------------------------


def words_extras():
    return [("words=None", {"words": None}), ("words=123", {"words": 123}),
            ("words=non-str item", {"words": ["a", 1]}), ("words=None item", {"words": ["a", None]}),
            ("words=array", {"words": np.array(["a", "b"])}), ("words=bytes", {"words": b"a b"}),
            ("words=nested", {"words": [["a"]]}), ("words=dict", {"words": {"a": 1}}),
            ("words=''", {"words": ""}), ("words=[]", {"words": []}), ("words=string", {"words": "the quick dog"}),
            ("words=tuple", {"words": tuple(WORDS)})]


def synonyms_extras():
    return [("synonyms=None", {"synonyms": None}), ("synonyms=list", {"synonyms": [("quick", ["fast"])]}),
            ("synonyms=str value", {"synonyms": {"quick": "fast"}}),
            ("synonyms=non-str synonym", {"synonyms": {"quick": [1]}}),
            ("synonyms=None value", {"synonyms": {"quick": None}}),
            ("synonyms=non-str key", {"synonyms": {1: ["one"]}}),
            ("synonyms=nested", {"synonyms": {"quick": [["fast"]]}}),
            ("synonyms={}", {"synonyms": {}}), ("synonyms=self only", {"synonyms": {"quick": ["quick"]}}),
            ("synonyms=empty list", {"synonyms": {"quick": []}}),
            ("synonyms=tuple value", {"synonyms": {"quick": ("fast",)}})]


def n_extras():
    return real_extras("n", (-1, 1.5, None, "1", True, np.nan, 0, 100, np.int64(2)))


FINE_WORDS = ("words=''", "words=[]", "words=string", "words=tuple")
FINE_SYNONYMS = ("synonyms={}", "synonyms=self only", "synonyms=empty list", "synonyms=tuple value")
FINE_N = ("n=0", "n=100", "n=np.int64(2)")


def text_cases():
    return [
        Case("dlref.data.augment.synonym_replacement", augment.synonym_replacement,
             dict(words=WORDS, synonyms=SYNONYMS, n=2, generator=np.random.default_rng(0)), reference=None,
             accepts=FINE_WORDS + FINE_SYNONYMS + FINE_N,
             extra=words_extras() + synonyms_extras() + n_extras() + generator_extras()),
        Case("dlref.data.augment.random_insertion", augment.random_insertion,
             dict(words=WORDS, synonyms=SYNONYMS, n=2, generator=np.random.default_rng(0)), reference=None,
             accepts=FINE_WORDS + FINE_SYNONYMS + FINE_N,
             extra=words_extras() + synonyms_extras() + n_extras() + generator_extras()),
        Case("dlref.data.augment.random_swap", augment.random_swap,
             dict(words=WORDS, n=2, generator=np.random.default_rng(0)), reference=None,
             accepts=FINE_WORDS + FINE_N, extra=words_extras() + n_extras() + generator_extras()),
        Case("dlref.data.augment.random_deletion", augment.random_deletion,
             dict(words=WORDS, p=0.3, generator=np.random.default_rng(0)), reference=None,
             accepts=FINE_WORDS + ("p=0.0", "p=1.0"),
             extra=words_extras() + real_extras("p", (-0.1, 1.5, np.nan, np.inf, "0.1", None, True, 0.0, 1.0))
             + generator_extras()),
    ]


CASES = image_cases() + text_cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id or c.name.split(".")[-1] for c in CASES])
def test_valid_call(case):
    check_valid_call(case)
