"""Tests of the teaching autograd `dlref.numpy.autograd.Tensor`.

Every expression is written once as a function of its operands and run twice: on our
Tensor and on torch tensors (float64). The gradients of both must agree to the default
float64 tolerances of assert_close; a few tests also check against finite differences
with dlref.testing.gradcheck, which needs no torch.
"""

from __future__ import annotations

import operator
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy.autograd import Tensor
from dlref.testing import assert_close, gradcheck


def grads_ours_and_torch(f, *arrays, grad_output=None, rng=None):
    """Run ``f`` on Tensors and on torch tensors; backpropagate the same grad_output in both.

    Returns (outputs, gradients) for ours and for torch, as NumPy arrays.
    """
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y_ours = f(*ours)
    y_theirs = f(*theirs)
    if grad_output is None:
        rng = rng if rng is not None else np.random.default_rng(0)
        grad_output = rng.standard_normal(y_ours.shape)
    y_ours.backward(grad_output)
    y_theirs.backward(torch.tensor(grad_output, dtype=torch.float64))
    return (y_ours.data, [t.grad for t in ours]), (y_theirs.detach().numpy(), [t.grad.numpy() for t in theirs])


def check_against_torch(f, *arrays, grad_output=None, rng=None):
    (y_ours, g_ours), (y_theirs, g_theirs) = grads_ours_and_torch(f, *arrays, grad_output=grad_output, rng=rng)
    assert_close(y_ours, y_theirs, msg="output")
    for i, (a, b) in enumerate(zip(g_ours, g_theirs)):
        assert_close(a, b, msg=f"gradient for operand {i}")


# -- composite expressions --------------------------------------------------------------


def test_value_used_twice_gets_the_sum_of_both_paths():
    x = Tensor(2.0, requires_grad=True)
    y = Tensor(3.0, requires_grad=True)
    f = x * y + x  # x reaches f through the product and directly
    f.backward()
    assert f.item() == 8.0
    assert x.grad == 4.0  # y + 1
    assert y.grad == 2.0  # x


def test_value_used_twice_in_one_operation():
    check_against_torch(lambda x: x * x, np.array([1.5, -2.0, 0.3]))
    check_against_torch(lambda x: x @ x, np.array([[1.0, 2.0], [-0.5, 3.0]]))
    check_against_torch(lambda x: x / x, np.array([1.5, -2.0, 0.3]))


def test_composite_expression_with_shared_subexpressions(rng):
    def f(a, b, c):
        h = (a * b).tanh()  # h is used by three later nodes
        u = h * c - h.exp() / (1 + b ** 2)
        v = (h + u).sigmoid() * (c * c + 1).log()
        return (u * v + h).sum(axis=0) - v.mean()

    a, b, c = rng.standard_normal((3, 4, 5))
    check_against_torch(f, a, b, c, rng=rng)


def test_diamond_graph_with_many_uses(rng):
    def f(x):
        y = x.sigmoid()
        z = y * y + y.relu() - y * 3.0
        return (z * y + z / (y + 2)).sum()

    check_against_torch(f, rng.standard_normal((3, 4)))


# -- broadcasting in every binary op -----------------------------------------------------

BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       seed=st.integers(0, 2**32 - 1))
def test_binary_op_broadcasts_like_torch(name, shapes, seed):
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    a = rng.standard_normal(shape_a)
    # keep denominators away from 0
    b = rng.uniform(0.5, 2.0, shape_b) * rng.choice([-1.0, 1.0], shape_b)
    check_against_torch(BINARY[name], a, b, rng=rng)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_with_a_constant_on_either_side(name, rng):
    op = BINARY[name]
    x = rng.uniform(0.5, 2.0, (2, 3))
    c = rng.uniform(0.5, 2.0, (3,))
    check_against_torch(lambda t: op(t, 2.5), x)
    check_against_torch(lambda t: op(2.5, t), x)
    check_against_torch(lambda t: op(t, torch.tensor(c) if isinstance(t, torch.Tensor) else c), x)
    check_against_torch(lambda t: op(torch.tensor(c) if isinstance(t, torch.Tensor) else c, t), x)


def test_numpy_scalar_on_the_left_defers_to_tensor():
    t = Tensor([1.0, 2.0], requires_grad=True)
    y = np.float64(3.0) * t
    assert isinstance(y, Tensor)
    y.sum().backward()
    assert_close(t.grad, np.array([3.0, 3.0]))


# -- elementwise functions ---------------------------------------------------------------

UNARY = {
    "neg": (lambda t: -t, "any"),
    "exp": (lambda t: t.exp(), "any"),
    "log": (lambda t: t.log(), "positive"),
    "tanh": (lambda t: t.tanh(), "any"),
    "sigmoid": (lambda t: t.sigmoid(), "any"),
    "relu": (lambda t: t.relu(), "nonzero"),
    "square": (lambda t: t ** 2, "any"),
    "cube": (lambda t: t ** 3, "any"),
    "sqrt": (lambda t: t ** 0.5, "positive"),
    "pow_neg": (lambda t: t ** -1.5, "positive"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=5), seed=st.integers(0, 2**32 - 1))
def test_unary_op_matches_torch(name, shape, seed):
    f, domain = UNARY[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3
    if domain == "positive":
        x = np.abs(x) + 0.1
    elif domain == "nonzero":
        x = np.where(np.abs(x) < 1e-3, 0.5, x)
    check_against_torch(f, x, rng=rng)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "square", "sqrt"])
def test_unary_op_passes_finite_differences(name):
    f, _ = UNARY[name]

    def forward(x):
        return f(Tensor(x)).data

    def backward(grad_output, x):
        t = Tensor(x, requires_grad=True)
        f(t).backward(grad_output)
        return t.grad

    x = np.random.default_rng(1).uniform(0.2, 2.0, (3, 4))
    assert gradcheck(forward, backward, [x])


def test_relu_gradient_at_zero_is_zero_as_in_torch():
    check_against_torch(lambda t: t.relu(), np.array([-1.0, 0.0, 2.0]), grad_output=np.ones(3))
    x = Tensor([0.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad[0] == 0.0


def test_extreme_inputs_give_finite_values_and_gradients_without_warnings():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("sigmoid", "tanh", "relu"):
            t = Tensor(x, requires_grad=True)
            y = UNARY[name][0](t)
            y.sum().backward()
            assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad)), name
        s = Tensor(x).sigmoid().data
        assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    check_against_torch(lambda t: t.sigmoid(), x)
    check_against_torch(lambda t: t.tanh(), x)


def test_exp_and_log_overflow_like_torch_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Tensor([1e4]).exp().data[0] == np.inf
        assert Tensor([0.0]).log().data[0] == -np.inf
        assert np.isnan(Tensor([-1.0]).log().data[0])
        assert Tensor([0.0]).__pow__(-1).data[0] == np.inf
    assert torch.tensor([1e4], dtype=torch.float64).exp().item() == np.inf


# -- reductions and shapes ----------------------------------------------------------------


@st.composite
def shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4))
    axis = draw(st.one_of(
        st.none(),
        st.integers(-len(shape), len(shape) - 1),
        hnp.valid_tuple_axes(len(shape), min_size=1),
    ))
    return shape, axis


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@given(case=shape_and_axis(), keepdims=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_reductions_match_torch(reduction, case, keepdims, seed):
    shape, axis = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)

    def f(t):
        return getattr(t, reduction)(axis=axis, keepdims=keepdims)

    check_against_torch(f, x, rng=rng)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), seed=st.integers(0, 2**32 - 1))
def test_reshape_permute_transpose_match_torch(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    dims = list(rng.permutation(len(shape)))
    check_against_torch(lambda t: t.reshape(-1) * t.reshape(-1).tanh(), x, rng=rng)
    check_against_torch(lambda t: t.reshape((x.size, 1)).exp(), x, rng=rng)
    check_against_torch(lambda t: t.permute(*dims) ** 2, x, rng=rng)
    check_against_torch(lambda t: t.transpose(0, -1).sigmoid(), x, rng=rng)


def test_T_reverses_axes_like_torch(rng):
    check_against_torch(lambda t: t.T * t.T, rng.standard_normal((3, 4)))


@pytest.mark.parametrize("index", [
    1,
    (slice(None), 2),
    (slice(1, None), slice(None, None, 2)),
    np.array([0, 2, 0, 0]),  # repeated rows: their gradients add up
    (np.array([0, 1, 1]), np.array([3, 3, 0])),
    np.array([True, False, True]),
    (Ellipsis, -1),
])
def test_indexing_matches_torch(index, rng):
    x = rng.standard_normal((3, 4))

    def f(t):
        i = index
        if isinstance(t, torch.Tensor):
            i = tuple(torch.tensor(k) if isinstance(k, np.ndarray) else k for k in i) if isinstance(i, tuple) \
                else (torch.tensor(i) if isinstance(i, np.ndarray) else i)
        return t[i] * 2.0

    check_against_torch(f, x, rng=rng)


# -- matmul -------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 4, 3), (3,)),
]


@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_matmul_matches_torch(shape_a, shape_b, rng):
    check_against_torch(operator.matmul, rng.standard_normal(shape_a), rng.standard_normal(shape_b), rng=rng)


@given(n=st.integers(1, 4), m=st.integers(1, 4), k=st.integers(1, 4), p=st.integers(1, 4),
       batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_chain_matches_torch(n, m, k, p, batch, seed):
    rng = np.random.default_rng(seed)
    batch_a, batch_b = batch.input_shapes
    A = rng.standard_normal(batch_a + (n, m))
    B = rng.standard_normal(batch_b + (m, k))
    C = rng.standard_normal((k, p))
    check_against_torch(lambda a, b, c: (a @ b).tanh() @ c, A, B, C, rng=rng)


def test_matmul_against_finite_differences(rng):
    def forward(a, b):
        return (Tensor(a) @ Tensor(b)).data

    def backward(grad_output, a, b):
        ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        (ta @ tb).backward(grad_output)
        return ta.grad, tb.grad

    assert gradcheck(forward, backward, [rng.standard_normal((2, 2, 3)), rng.standard_normal((3, 4))])


# -- a small MLP ----------------------------------------------------------------------------


def test_mlp_with_tanh_and_mean_loss_matches_torch(rng):
    x = rng.standard_normal((8, 5))
    y = rng.standard_normal((8, 2))
    W1, b1 = rng.standard_normal((16, 5)) * 0.4, rng.standard_normal(16) * 0.1
    W2, b2 = rng.standard_normal((2, 16)) * 0.3, rng.standard_normal(2) * 0.1

    def loss(W1, b1, W2, b2):
        # the data as a constant of the framework at hand
        X, Y = (torch.tensor(x), torch.tensor(y)) if isinstance(W1, torch.Tensor) else (Tensor(x), Tensor(y))
        # torch's Linear layout: y = x W^T + b
        h = (X @ W1.T + b1).tanh()
        y_hat = h @ W2.T + b2
        return ((y_hat - Y) ** 2).mean()

    (l_ours, g_ours), (l_theirs, g_theirs) = grads_ours_and_torch(loss, W1, b1, W2, b2, grad_output=np.float64(1.0))
    assert_close(l_ours, l_theirs)
    for name, a, b in zip(["W1", "b1", "W2", "b2"], g_ours, g_theirs):
        assert_close(a, b, msg=name)


def test_mlp_gradients_agree_with_torch_nn_modules(rng):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)).double()
    x = rng.standard_normal((10, 4))
    target = rng.standard_normal((10, 3))
    torch.nn.functional.mse_loss(net(torch.tensor(x)), torch.tensor(target)).backward()

    params = {name: Tensor(p.detach().numpy(), requires_grad=True) for name, p in net.named_parameters()}
    h = (Tensor(x) @ params["0.weight"].T + params["0.bias"]).tanh()
    out = h @ params["2.weight"].T + params["2.bias"]
    ((out - target) ** 2).mean().backward()
    for name, p in net.named_parameters():
        assert_close(params[name].grad, p.grad, msg=name)


# -- accumulation, zeroing, retained and stopped gradients ------------------------------------


def test_gradients_accumulate_across_two_backward_passes_as_in_torch(rng):
    x = rng.standard_normal((3, 2))
    w_np = rng.standard_normal(2)
    w = Tensor(w_np, requires_grad=True)
    w_t = torch.tensor(w_np, requires_grad=True)
    for _ in range(2):  # two forward and backward passes, no zeroing in between
        ((Tensor(x) @ w).tanh().sum()).backward()
        ((torch.tensor(x) @ w_t).tanh().sum()).backward()
    assert_close(w.grad, w_t.grad)

    w.zero_grad()
    assert w.grad is None
    ((Tensor(x) @ w).tanh().sum()).backward()
    w_t.grad = None
    ((torch.tensor(x) @ w_t).tanh().sum()).backward()
    assert_close(w.grad, w_t.grad)


def test_two_backward_calls_on_one_graph_match_torch_with_retain_graph(rng):
    x_np = rng.standard_normal(4)
    x = Tensor(x_np, requires_grad=True)
    x_t = torch.tensor(x_np, requires_grad=True)
    y = (x * x.sigmoid()).sum()
    y_t = (x_t * x_t.sigmoid()).sum()
    y.backward()
    y.backward()
    y_t.backward(retain_graph=True)
    y_t.backward()
    assert_close(x.grad, x_t.grad)
    first = Tensor(x_np, requires_grad=True)
    (first * first.sigmoid()).sum().backward()
    assert_close(x.grad, 2 * first.grad)


def test_retain_grad_keeps_an_intermediate_gradient_as_torch(rng):
    x_np = rng.standard_normal(3)
    x = Tensor(x_np, requires_grad=True)
    h = x.exp()
    h.retain_grad()
    (h * h).sum().backward()
    x_t = torch.tensor(x_np, requires_grad=True)
    h_t = x_t.exp()
    h_t.retain_grad()
    (h_t * h_t).sum().backward()
    assert_close(h.grad, h_t.grad)
    assert_close(x.grad, x_t.grad)


def test_intermediate_gradients_are_not_kept_by_default():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (h * h).sum().backward()
    assert h.grad is None and not h.is_leaf and x.is_leaf


def test_detach_and_constants_stop_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])  # requires_grad=False: a constant
    y = (x * c + x.detach() * x).sum()
    y.backward()
    assert_close(x.grad, np.array([3.0 + 1.0, 4.0 + 2.0]))  # the detached factor counts as a constant
    assert c.grad is None
    d = x.detach()
    assert not d.requires_grad and d.data is x.data


def test_operations_on_constants_record_no_graph():
    y = Tensor([1.0]) * 2 + 1
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="requires grad"):
        y.sum().backward()


def test_deep_graph_needs_no_recursion():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert_close(x.grad, np.float64(1.0001 ** 5000), rtol=1e-12, atol=0.0)


# -- dtypes, construction, printing -----------------------------------------------------------


def test_float32_is_kept_in_values_and_gradients(rng):
    x = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 2)).astype(np.float32), requires_grad=True)
    y = ((x @ w).sigmoid() * 2.0 - 1.0).mean(axis=0) / 3
    assert y.dtype == np.float32
    y.backward(np.ones(2))
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_gradient_of_a_float32_operand_broadcast_with_a_float64_one_is_float32():
    a = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.shape == (3,) and b.grad.dtype == np.float64
    assert_close(a.grad, np.full(3, 2.0, dtype=np.float32))


def test_construction_copies_and_converts():
    values = np.array([1.0, 2.0])
    t = Tensor(values)
    values[0] = 99.0
    assert t.data[0] == 1.0
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert Tensor(Tensor([1.0])).data[0] == 1.0


def test_repr():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "Tensor([1., 2.], requires_grad=True)"
    assert repr((x * x).sum()) == "Tensor(5., grad_fn=<sum>)"
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]])) == "Tensor([[1., 2.],\n        [3., 4.]])"


# -- errors ---------------------------------------------------------------------------------------


def test_backward_on_non_scalar_without_grad_is_an_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"scalar outputs.*shape \(2,\).*grad="):
        (x * 2).backward()
    with pytest.raises(RuntimeError):  # torch agrees (with a RuntimeError)
        (torch.ones(2, requires_grad=True) * 2).backward()


def test_backward_with_grad_of_the_wrong_shape_is_an_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad must have the shape of the tensor, \(2,\), got \(3,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (Tensor([1.0]) * 2).sum().backward()


@pytest.mark.parametrize("shape_a,shape_b,message", [
    ((2, 3), (4, 5), r"matmul: input of shape \(2, 3\) and other of shape \(4, 5\) cannot be multiplied "
                     r"\(last dimension .* 3 != .* 4\)"),
    ((3,), (4,), r"matmul: input of shape \(3,\) and other of shape \(4,\) cannot be multiplied"),
    ((2, 3), (2,), r"matmul: input of shape \(2, 3\) and other of shape \(2,\)"),
    ((), (3,), r"at least 1 dimension"),
    ((2, 2, 3), (3, 3, 4), r"batch dimensions of input \(2, 2, 3\) and other \(3, 3, 4\)"),
])
def test_matmul_with_bad_shapes_is_a_clear_error(shape_a, shape_b, message):
    a = Tensor(np.ones(shape_a), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        a @ Tensor(np.ones(shape_b))


@pytest.mark.parametrize("op", sorted(BINARY))
def test_shapes_that_do_not_broadcast_are_a_clear_error(op):
    with pytest.raises(ValueError, match=rf"{op}: input of shape \(2, 3\) and other of shape \(2,\) "
                                         r"cannot be broadcast together"):
        BINARY[op](Tensor(np.ones((2, 3))), Tensor(np.ones(2)))


def test_bad_constructor_and_operand_types_are_errors():
    with pytest.raises(TypeError, match="data must hold real numbers"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        Tensor([1.0], requires_grad=1)
    with pytest.raises(TypeError, match="exponent must be a real number"):
        Tensor([1.0]) ** Tensor([2.0])
    with pytest.raises(TypeError, match="other must be a Tensor, a real number or an array, got str"):
        Tensor([1.0]) + "a"
    with pytest.raises(ValueError, match="item"):
        Tensor([1.0, 2.0]).item()
