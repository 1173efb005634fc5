"""dlref.torch.functional batch_norm, layer_norm, group_norm and instance_norm (from tensor
primitives) against torch.nn.functional in float64: outputs, autograd gradients and running
statistics, on every available device; torch.autograd.gradcheck; agreement with the NumPy
backend; the mirrored ops never called; extreme inputs and dtypes; bad arguments rejected with
the NumPy backend's messages; the import rules of the ground floor."""

import ast
import pathlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import dlref
from dlref.numpy import functional as NF
from dlref.testing import assert_close
from dlref.torch import functional as F

F64 = torch.float64
ROOT = pathlib.Path(dlref.__file__).parent


def tensor(a, device, grad=False):
    return None if a is None else torch.tensor(a, dtype=F64, device=device, requires_grad=grad)


def forward_backward(fn, x, params, g, device):
    """fn(x, *params) on ``device`` with autograd: the output and the gradients of x and each parameter."""
    xt = tensor(x, device, grad=True)
    pt = [tensor(p, device, grad=True) for p in params]
    y = fn(xt, *pt)
    y.backward(tensor(g, device))
    return y.detach(), [xt.grad] + [None if p is None else p.grad for p in pt]


def assert_same(ours, theirs):
    (y, grads), (y_ref, grads_ref) = ours, theirs
    assert y.device == y_ref.device and y.dtype == y_ref.dtype
    assert_close(y, y_ref)
    for a, b in zip(grads, grads_ref, strict=True):
        assert (a is None) == (b is None)
        if b is not None:
            assert_close(a, b, rtol=1e-7, atol=1e-6)


@st.composite
def inputs(draw, min_dims=2, max_dims=4):
    """A float64 (N, C, *) array (scaled and shifted, sometimes rounded for ties) and a seeded rng."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ndim = draw(st.integers(min_dims, max_dims))
    shape = [draw(st.integers(1, 4)) for _ in range(ndim)]
    x = rng.standard_normal(shape) * draw(st.sampled_from([1e-2, 1.0, 1e3])) + draw(st.floats(-100, 100))
    if draw(st.booleans()):
        x = np.round(x)
    return x, rng


def optional(rng, draw, shape, positive=False):
    if not draw(st.booleans()):
        return None
    return rng.uniform(0.1, 3.0, shape) if positive else rng.standard_normal(shape)


# -- against torch ------------------------------------------------------------------------------


@given(data=st.data())
def test_batch_norm_matches_torch(device, data):
    x, rng = data.draw(inputs())
    if x.size // x.shape[1] < 2:
        x = np.concatenate([x, x + 1.0])                          # two values per channel at least
    C = x.shape[1]
    training = data.draw(st.booleans())
    tracked = data.draw(st.booleans()) or not training
    mean, var = (rng.standard_normal(C), rng.uniform(0.1, 3.0, C)) if tracked else (None, None)
    weight, bias = optional(rng, data.draw, C), optional(rng, data.draw, C)
    momentum = data.draw(st.sampled_from([0.0, 0.1, 1.0]) | st.floats(0, 1))
    eps = data.draw(st.sampled_from([1e-5, 1e-2]))
    g = rng.standard_normal(x.shape)
    stats_ours = [tensor(mean, device), tensor(var, device)]
    stats_ref = [tensor(mean, device), tensor(var, device)]
    ours = forward_backward(lambda t, w, b: F.batch_norm(t, *stats_ours, w, b, training, momentum, eps),
                            x, (weight, bias), g, device)
    ref = forward_backward(lambda t, w, b: TF.batch_norm(t, *stats_ref, w, b, training, momentum, eps),
                           x, (weight, bias), g, device)
    assert_same(ours, ref)
    if tracked:
        assert_close(stats_ours[0], stats_ref[0])                # updated in place as torch updates them
        assert_close(stats_ours[1], stats_ref[1])


@given(data=st.data())
def test_layer_norm_matches_torch(device, data):
    x, rng = data.draw(inputs(min_dims=1))
    k = data.draw(st.integers(1, x.ndim))
    shape = x.shape[x.ndim - k:]
    normalized_shape = list(shape) if data.draw(st.booleans()) else shape   # a list or a tuple
    weight, bias = optional(rng, data.draw, shape), optional(rng, data.draw, shape)
    eps = data.draw(st.sampled_from([1e-5, 1e-2]))
    g = rng.standard_normal(x.shape)
    assert_same(forward_backward(lambda t, w, b: F.layer_norm(t, normalized_shape, w, b, eps),
                                 x, (weight, bias), g, device),
                forward_backward(lambda t, w, b: TF.layer_norm(t, list(shape), w, b, eps),
                                 x, (weight, bias), g, device))


@given(data=st.data())
def test_group_norm_matches_torch(device, data):
    x, rng = data.draw(inputs())
    N, C = x.shape[:2]
    G = data.draw(st.sampled_from([d for d in range(1, C + 1) if C % d == 0]))
    if x.size // G == 1:
        x = np.concatenate([x, x - 1.0])                          # torch refuses one value per group
    weight, bias = optional(rng, data.draw, C), optional(rng, data.draw, C)
    eps = data.draw(st.sampled_from([1e-5, 1e-2]))
    g = rng.standard_normal(x.shape)

    def reference(t, w, b):
        # torch 2.13's group_norm backward fails with a bias and no weight; gamma = 1 is the same function
        if w is None and b is not None:
            w = torch.ones(C, dtype=F64, device=t.device)
        return TF.group_norm(t, G, w, b, eps)

    assert_same(forward_backward(lambda t, w, b: F.group_norm(t, G, w, b, eps), x, (weight, bias), g, device),
                forward_backward(reference, x, (weight, bias), g, device))


@given(data=st.data())
def test_instance_norm_matches_torch(device, data):
    x, rng = data.draw(inputs(min_dims=3))
    if np.prod(x.shape[2:]) == 1:
        x = np.concatenate([x, x * 2 + 1], axis=2)                # more than one position per instance
    C = x.shape[1]
    use_input_stats = data.draw(st.booleans())
    tracked = data.draw(st.booleans()) or not use_input_stats
    mean, var = (rng.standard_normal(C), rng.uniform(0.1, 3.0, C)) if tracked else (None, None)
    weight, bias = optional(rng, data.draw, C), optional(rng, data.draw, C)
    momentum = data.draw(st.sampled_from([0.0, 0.1, 1.0]) | st.floats(0, 1))
    eps = data.draw(st.sampled_from([1e-5, 1e-2]))
    g = rng.standard_normal(x.shape)
    stats_ours = [tensor(mean, device), tensor(var, device)]
    stats_ref = [tensor(mean, device), tensor(var, device)]
    ours = forward_backward(
        lambda t, w, b: F.instance_norm(t, *stats_ours, w, b, use_input_stats, momentum, eps),
        x, (weight, bias), g, device)
    ref = forward_backward(
        lambda t, w, b: TF.instance_norm(t, *stats_ref, w, b, use_input_stats, momentum, eps),
        x, (weight, bias), g, device)
    assert_same(ours, ref)
    if tracked:
        assert_close(stats_ours[0], stats_ref[0])
        assert_close(stats_ours[1], stats_ref[1])


def test_running_statistics_over_several_steps(device):
    gen = torch.Generator().manual_seed(0)
    ours = [torch.zeros(3, dtype=F64, device=device), torch.ones(3, dtype=F64, device=device)]
    ref = [torch.zeros(3, dtype=F64, device=device), torch.ones(3, dtype=F64, device=device)]
    ours_in, ref_in = [t.clone() for t in ours], [t.clone() for t in ref]
    for step in range(5):
        x = (torch.randn(4, 3, 5, generator=gen, dtype=F64) * (step + 1) + step).to(device)
        F.batch_norm(x, *ours, training=True, momentum=0.3)
        TF.batch_norm(x, *ref, training=True, momentum=0.3)
        F.instance_norm(x, *ours_in, momentum=0.3)
        TF.instance_norm(x, *ref_in, momentum=0.3)
    for a, b in zip(ours + ours_in, ref + ref_in):
        assert_close(a, b)


# -- gradcheck, NumPy, never calling torch's ops ------------------------------------------------


def test_gradcheck(device):
    gen = torch.Generator().manual_seed(0)

    def leaf(*shape):
        return torch.randn(shape, generator=gen, dtype=F64).to(device).requires_grad_(True)

    x, w, b = leaf(3, 4, 2, 3), leaf(4), leaf(4)
    mean = torch.linspace(-1, 1, 4, dtype=F64, device=device)
    var = torch.linspace(0.5, 2, 4, dtype=F64, device=device)
    checks = [
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False),
        lambda x, w, b: F.layer_norm(x, (2, 3), w[:3].repeat(2).reshape(2, 3), b[:3].repeat(2).reshape(2, 3)),
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: F.instance_norm(x, None, None, w, b),
        lambda x, w, b: F.instance_norm(x, mean, var, w, b, use_input_stats=False),
    ]
    for fn in checks:
        assert torch.autograd.gradcheck(fn, (x, w, b))


@pytest.mark.parametrize("name", ["batch_norm", "group_norm", "instance_norm", "layer_norm"])
def test_agrees_with_the_numpy_backend(device, name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 5)) * 2 + 1
    w, b, g = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(x.shape)
    args = {"batch_norm": (None, None, w, b, True), "group_norm": (2, w, b), "instance_norm": (None, None, w, b),
            "layer_norm": ((5,), w[:1].repeat(5), b[:1].repeat(5))}[name]
    y_np = getattr(NF, name)(x, *args)
    grads_np = getattr(NF, f"{name}_backward")(g, x, *args)
    xt = tensor(x, device, grad=True)
    targs = [tensor(a, device, grad=True) if isinstance(a, np.ndarray) else a for a in args]
    weight, bias = [a for a in targs if isinstance(a, torch.Tensor)]
    y = getattr(F, name)(xt, *targs)
    y.backward(tensor(g, device))
    assert_close(y, y_np)
    assert_close(xt.grad, grads_np[0])
    assert_close(weight.grad, grads_np[1])
    assert_close(bias.grad, grads_np[2])


def test_never_calls_the_torch_ops(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a torch normalization op was called")

    for name in ("batch_norm", "layer_norm", "group_norm", "instance_norm", "native_batch_norm",
                 "native_layer_norm", "native_group_norm"):
        for namespace in (TF, torch):
            if hasattr(namespace, name):
                monkeypatch.setattr(namespace, name, forbidden)
    x = torch.randn(4, 6, 3, device=device, requires_grad=True)
    mean, var = torch.zeros(6, device=device), torch.ones(6, device=device)
    outputs = [F.batch_norm(x, mean, var, training=True), F.batch_norm(x, mean, var), F.layer_norm(x, (3,)),
               F.group_norm(x, 3), F.instance_norm(x, mean, var), F.instance_norm(x, mean, var, use_input_stats=False)]
    sum(y.sum() for y in outputs).backward()
    with pytest.raises(AssertionError, match="a torch normalization op was called"):
        TF.group_norm(x, 3)                                       # the patch is in force


# -- extreme inputs and dtypes ------------------------------------------------------------------


def test_extreme_inputs_and_dtypes(device):
    x64 = torch.tensor([[[1e4, -1e4, 1e4], [3.0, 3.0, 3.0]], [[-1e4, 1e4, 0.0], [3.0, 3.0, 3.0]]], device=device,
                       dtype=F64)                                 # (2, 2, 3); channel 1 constant
    calls = [lambda t: F.batch_norm(t, None, None, training=True), lambda t: F.layer_norm(t, (3,)),
             lambda t: F.group_norm(t, 2), lambda t: F.instance_norm(t)]
    for fn in calls:
        expected = fn(x64)
        for dtype in (F64, torch.float32, torch.float16, torch.bfloat16):
            x = x64.to(dtype).detach().requires_grad_(True)
            y = fn(x)
            y.sum().backward()
            assert y.dtype == dtype and torch.isfinite(y).all() and torch.isfinite(x.grad).all()
            assert_close(y.double(), expected, rtol=1e-2 if dtype in (torch.float16, torch.bfloat16) else 1e-6,
                         atol=1e-2 if dtype in (torch.float16, torch.bfloat16) else 1e-5)


def test_float32_running_statistics_with_float16_input(device):
    x = torch.randn(8, 3, 4, device=device).half()
    mean, var = torch.zeros(3, device=device), torch.ones(3, device=device)
    y = F.batch_norm(x, mean, var, training=True)
    assert y.dtype == torch.float16 and mean.dtype == torch.float32
    assert_close(mean, 0.1 * x.float().mean(dim=(0, 2)), rtol=1e-3, atol=1e-4)


# -- bad arguments ------------------------------------------------------------------------------


BAD_CALLS = [
    ("batch_norm", lambda m: m.batch_norm(m.x, m.zeros(4), m.ones(4), training=True), ValueError,
     r"running_mean must have shape \(3,\)"),
    ("batch_norm", lambda m: m.batch_norm(m.x, None, None, training=False), ValueError, "must be given"),
    ("batch_norm", lambda m: m.batch_norm(m.x[:1, :, :1], None, None, training=True), ValueError,
     "Expected more than 1 value per channel"),
    ("batch_norm", lambda m: m.batch_norm(m.x, m.zeros(3), m.ones(3), momentum=None), TypeError,
     "momentum must be a real number"),
    ("batch_norm", lambda m: m.batch_norm(m.x, m.zeros(3), m.ones(3), eps=0.0), ValueError, r"eps must be in"),
    ("batch_norm", lambda m: m.batch_norm(m.x, m.zeros(3), m.ones(3), training="no"), TypeError,
     "training must be a bool"),
    ("layer_norm", lambda m: m.layer_norm(m.x, (3,)), ValueError, r"normalized_shape=\[3\] must equal"),
    ("layer_norm", lambda m: m.layer_norm(m.x, 4.0), TypeError, "normalized_shape must be a sequence of ints"),
    ("layer_norm", lambda m: m.layer_norm(m.x, 4), TypeError, "normalized_shape must be a sequence of ints"),
    ("layer_norm", lambda m: m.layer_norm(m.x, (4,), m.ones(3)), ValueError, r"weight must have shape"),
    ("batch_norm", lambda m: m.batch_norm(m.x, m.zeros(3), m.ones(3), m.ones(3).astype("float32")
                                          if hasattr(m.x, "astype") else m.ones(3).float()), TypeError,
     r"weight must have the dtype of input \((torch\.)?float64\), got (torch\.)?float32"),
    ("group_norm", lambda m: m.group_norm(m.x, 2), ValueError, "must be divisible by num_groups"),
    ("group_norm", lambda m: m.group_norm(m.x, 0), ValueError, "num_groups must be >= 1"),
    ("group_norm", lambda m: m.group_norm(m.x, True), TypeError, "num_groups must be an int"),
    ("group_norm", lambda m: m.group_norm(m.x, 3, m.ones(2)), ValueError, r"weight must have shape \(3,\)"),
    ("group_norm", lambda m: m.group_norm(m.x[:1, :, :1], 3), ValueError, "Expected more than 1 value per group"),
    ("group_norm", lambda m: m.group_norm(m.x[:, :, :0], 3), ValueError, "input must not be empty"),
    ("instance_norm", lambda m: m.instance_norm(m.x[:, :, :1]), ValueError,
     "Expected more than 1 spatial element"),
    ("instance_norm", lambda m: m.instance_norm(m.x, use_input_stats=False), ValueError, "must be given when"),
    ("instance_norm", lambda m: m.instance_norm(m.x, m.zeros(3), None), ValueError, "both be given or both"),
    ("instance_norm", lambda m: m.instance_norm(m.x, momentum=2.0), ValueError, r"momentum must be in"),
    ("instance_norm", lambda m: m.instance_norm(m.x.astype(int) if hasattr(m.x, "astype") else m.x.long()),
     TypeError, "input must have a floating-point dtype"),
]


class _Backend:
    """The arrays of one backend, so that one bad call can be written once for both."""

    def __init__(self, functional, make):
        self.functional, self.make = functional, make
        self.x = make(np.arange(24.0).reshape(2, 3, 4))

    def zeros(self, n):
        return self.make(np.zeros(n))

    def ones(self, n):
        return self.make(np.ones(n))

    def __getattr__(self, name):
        return getattr(self.functional, name)


@pytest.mark.parametrize("case", range(len(BAD_CALLS)))
def test_bad_arguments_raise_as_in_the_numpy_backend(case):
    name, call, error, message = BAD_CALLS[case]
    with pytest.raises(error, match=message) as ours:
        call(_Backend(F, lambda a: torch.tensor(a, dtype=F64)))
    with pytest.raises(error, match=message) as numpy_backend:
        call(_Backend(NF, lambda a: np.array(a, dtype=np.float64)))
    # one message for both (a dtype prints as torch.int64 in one, int64 in the other)
    assert str(ours.value).replace("torch.", "") == str(numpy_backend.value), name


def test_type_errors_of_the_twins():
    x = torch.randn(2, 3, 4)
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        F.group_norm(np.ones((2, 3, 4)), 1)
    with pytest.raises(TypeError, match="running_mean must be a torch.Tensor"):
        F.batch_norm(x, [0.0, 0.0, 0.0], torch.ones(3), training=True)
    with pytest.raises(TypeError, match="weight must be a torch.Tensor"):
        F.layer_norm(x, (4,), np.ones(4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
def test_device_mismatch_is_a_value_error():
    x = torch.randn(2, 3, 4, device="cuda")
    with pytest.raises(ValueError, match=r"weight must be on the device of input \(cuda:0\), got cpu"):
        F.group_norm(x, 3, torch.ones(3))


# -- import rules -------------------------------------------------------------------------------


def imported_modules(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
    return names


def test_torch_twins_never_import_the_numpy_backend():
    for path in ["torch/functional/normalization.py", "torch/functional/regularization.py",
                 "torch/nn/normalization.py", "torch/nn/dropout.py"]:
        assert not any(name.startswith("dlref.numpy") for name in imported_modules(ROOT / path)), path


def test_ground_floor_imports_numpy_and_checks_only():
    assert imported_modules(ROOT / "_norm_args.py") <= {"__future__", "math", "numbers", "numpy", "dlref._checks"}
