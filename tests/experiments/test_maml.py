"""The MAML recorded run: its meta-gradients are right, and the quick version learns."""

import pytest
import torch
from torch.func import functional_call, hessian

from experiments import maml


def tiny_problem(seed=0):
    """A 1-3-3-1 network in float64 and one task's support and query sets."""
    torch.manual_seed(seed)
    model = maml.make_model((3, 3), dtype=torch.float64)
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    g = torch.Generator().manual_seed(seed)
    amplitude, phase = maml.sample_tasks(1, g, dtype=torch.float64)
    x_s, y_s = maml.sample_points(amplitude, phase, 5, g)          # (1, 5, 1)
    x_q, y_q = maml.sample_points(amplitude, phase, 5, g)
    return model, params, (x_s, y_s, x_q, y_q)


def meta_gradient(model, params, data, lr, steps, first_order=False):
    params = {n: p.clone().requires_grad_(True) for n, p in params.items()}
    loss = maml.maml_loss(model, params, *data, lr, steps, first_order)
    return torch.autograd.grad(loss, list(params.values()))


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(theta, params):
    out, i = {}, 0
    for name, p in params.items():
        out[name] = theta[i:i + p.numel()].reshape(p.shape)
        i += p.numel()
    return out


@pytest.mark.parametrize("steps", [1, 2])
def test_second_order_meta_gradient_matches_finite_differences(steps):
    model, params, data = tiny_problem()
    lr = 0.05
    analytic = flat(meta_gradient(model, params, data, lr, steps))
    theta = flat(params.values())

    def post_adaptation_loss(t):
        with torch.no_grad():
            return maml.maml_loss(model, unflatten(t, params), *data, lr, steps).item()

    eps = 1e-6
    numeric = torch.zeros_like(theta)
    for i in range(len(theta)):
        e = torch.zeros_like(theta)
        e[i] = eps
        numeric[i] = (post_adaptation_loss(theta + e)
                      - post_adaptation_loss(theta - e)) / (2 * eps)
    torch.testing.assert_close(analytic, numeric, rtol=1e-6, atol=1e-8)
    # the first-order gradient is a different vector (the Hessian term is not zero here)
    first = flat(meta_gradient(model, params, data, lr, steps, first_order=True))
    assert (first - analytic).norm() > 1e-3 * analytic.norm()


def test_fomaml_is_maml_without_the_hessian_term():
    """One inner step: MAML's gradient is (I - a H) g', FOMAML's is g', both explicit."""
    model, params, data = tiny_problem(1)
    x_s, y_s, x_q, y_q = data
    lr = 0.05
    theta = flat(params.values())

    def loss(t, x, y):
        return ((functional_call(model, unflatten(t, params), (x,)) - y) ** 2).mean()

    g_support = torch.func.grad(loss)(theta, x_s[0], y_s[0])
    H = hessian(loss)(theta, x_s[0], y_s[0])                        # (P, P)
    theta_adapted = theta - lr * g_support                         # one SGD step
    g_query = torch.func.grad(loss)(theta_adapted, x_q[0], y_q[0])  # g'
    explicit_maml = (torch.eye(len(theta), dtype=theta.dtype) - lr * H) @ g_query
    torch.testing.assert_close(flat(meta_gradient(model, params, data, lr, 1)),
                               explicit_maml, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(flat(meta_gradient(model, params, data, lr, 1, True)),
                               g_query, rtol=1e-10, atol=1e-12)


def test_sample_points_are_sinusoids():
    g = torch.Generator().manual_seed(0)
    amplitude, phase = maml.sample_tasks(100, g)
    assert amplitude.min() >= 0.1 and amplitude.max() <= 5.0
    assert phase.min() >= 0.0 and phase.max() <= torch.pi
    x, y = maml.sample_points(amplitude, phase, 10, g)
    assert x.shape == y.shape == (100, 10, 1)
    assert x.abs().max() <= 5.0
    expected = amplitude[:, None, None] * torch.sin(x - phase[:, None, None])
    torch.testing.assert_close(y, expected)


@pytest.fixture(scope="module")
def results():
    return maml.main(["--quick"])["results"]


def test_quick_run_learns_to_adapt(results):
    mse = results["mse_mean"]
    # one step of SGD from MAML's initialization helps far more than from the baseline's
    assert mse["maml"]["1"] < mse["pretrained"]["1"]
    assert mse["maml"]["1"] < 0.75 * mse["maml"]["0"]
    # more steps keep helping, and every method's training loss fell
    assert mse["maml"]["10"] < mse["maml"]["1"]
    for method in maml.METHODS:
        curve = results["train_curves"][method]
        assert curve[-1] < curve[0], method


def test_table_has_every_method(results):
    table = results["table"]
    assert [row[0] for row in table["rows"]] == list(maml.METHODS)
    assert all(len(row) == len(table["columns"]) for row in table["rows"])
