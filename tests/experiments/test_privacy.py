"""DP-SGD, the accountant and FedAvg of experiments/privacy.py, checked against Opacus in
float64; the page shows the same code; the quick recorded run still learns."""

import copy
import inspect
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from opacus import GradSampleModule
from opacus.accountants import RDPAccountant
from opacus.optimizers import DPOptimizer

from dlref.torch.nn import Linear, ReLU
from dlref.torch.optim import SGD
from experiments import privacy
from experiments.privacy import (
    clip_and_sum,
    dp_sgd_step,
    epsilon,
    fedavg_round,
    iid_split,
    per_example_grads,
    poisson_batch,
    shard_split,
    train_sgd,
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "frontiers" / "privacy.md"
# the input does not require a gradient, so torch's full backward hooks say so
pytestmark = pytest.mark.filterwarnings("ignore:Full backward hook")


def twins(seed, d_in=6, hidden=5, classes=3):
    """Our MLP (dlref twins) and a torch.nn copy with the same weights, float64."""
    torch.manual_seed(seed)
    ours = torch.nn.Sequential(Linear(d_in, hidden), ReLU(),
                               Linear(hidden, classes)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(),
                                 torch.nn.Linear(hidden, classes)).double()
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def batch(seed, n, d_in=6, classes=3, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    x = scale * torch.randn(n, d_in, dtype=torch.float64, generator=generator)
    y = torch.randint(0, classes, (n,), generator=generator)
    return x, y


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 9))
def test_per_example_grads_match_opacus_and_a_loop(seed, n):
    ours, theirs = twins(seed)
    x, y = batch(seed, n)
    grads = per_example_grads(ours, x, y)
    for i in range(n):
        ours.zero_grad()
        F.cross_entropy(ours(x[i:i + 1]), y[i:i + 1]).backward()
        for k, p in ours.named_parameters():
            torch.testing.assert_close(grads[k][i], p.grad, rtol=1e-12, atol=1e-15)
    gsm = GradSampleModule(theirs)          # Linear hooks: outer products, no vmap
    F.cross_entropy(gsm(x), y).backward()
    for k, p in theirs.named_parameters():
        torch.testing.assert_close(grads[k], p.grad_sample, rtol=1e-12, atol=1e-15)


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 9),
       sigma=st.sampled_from([0.0, 0.7, 2.0]), max_norm=st.floats(0.05, 5.0),
       expected=st.integers(1, 12))
def test_dp_sgd_step_equals_opacus_dp_optimizer(seed, n, sigma, max_norm, expected):
    ours, theirs = twins(seed)
    x, y = batch(seed, n)
    dp_sgd_step(ours, SGD(ours.parameters(), lr=0.3), x, y, sigma, max_norm, expected,
                torch.Generator().manual_seed(seed), stabilizer=1e-6)
    gsm = GradSampleModule(theirs)
    optimizer = DPOptimizer(torch.optim.SGD(theirs.parameters(), lr=0.3),
                            noise_multiplier=sigma, max_grad_norm=max_norm,
                            expected_batch_size=expected,
                            generator=torch.Generator().manual_seed(seed))
    F.cross_entropy(gsm(x), y).backward()
    optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_textbook_clipping_differs_from_opacus_only_by_its_stabilizer():
    ours, _ = twins(0)
    x, y = batch(0, 8)
    grads = per_example_grads(ours, x, y)
    textbook = clip_and_sum(grads, 0.5)
    opacus_like = clip_and_sum(grads, 0.5, stabilizer=1e-6)
    gaps = [(textbook[k] - opacus_like[k]).abs().max().item() for k in grads]
    assert 0 < max(gaps) < 1e-6


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 10_000), max_norm=st.floats(1e-3, 10.0))
def test_clipping_bounds_each_examples_contribution(seed, max_norm):
    ours, _ = twins(seed)
    x, y = batch(seed, 6, scale=10.0)
    grads = per_example_grads(ours, x, y)
    full = clip_and_sum(grads, max_norm)
    for j in range(6):
        rest = clip_and_sum({k: torch.cat([g[:j], g[j + 1:]]) for k, g in grads.items()},
                            max_norm)
        move = torch.cat([(full[k] - rest[k]).flatten() for k in full]).norm()
        assert move <= max_norm * (1 + 1e-12)


def test_an_empty_poisson_batch_adds_noise_only():
    ours, _ = twins(0)
    before = copy.deepcopy(ours)
    x, y = batch(0, 0)
    dp_sgd_step(ours, SGD(ours.parameters(), lr=1.0), x, y, 1.0, 1.0, 4.0,
                torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(0)
    for p, p0 in zip(ours.parameters(), before.parameters()):
        noise = torch.normal(0.0, 1.0, size=p.shape, generator=generator,
                             dtype=p.dtype)
        torch.testing.assert_close(p, p0 - noise / 4.0, rtol=1e-12, atol=1e-14)


def test_poisson_batches_have_rate_q():
    generator = torch.Generator().manual_seed(0)
    sizes = [len(poisson_batch(1000, 0.1, generator)) for _ in range(400)]
    assert abs(np.mean(sizes) - 100) < 1.5 and np.std(sizes) > 5


@settings(deadline=None, max_examples=15)
@given(sigma=st.floats(0.5, 20.0), steps=st.integers(1, 1000),
       delta=st.sampled_from([1e-3, 1e-5, 1e-8]))
def test_rdp_accountant_at_sample_rate_one_is_the_gaussian_formula(sigma, steps, delta):
    alphas = np.array(RDPAccountant.DEFAULT_ALPHAS, dtype=float)
    rdp = steps * alphas / (2 * sigma**2)
    eps = rdp + np.log1p(-1 / alphas) - (np.log(delta) + np.log(alphas)) / (alphas - 1)
    expected = eps.min()
    assert math.isclose(epsilon(sigma, 1.0, steps, delta), expected, rel_tol=1e-12)


def test_epsilon_is_infinite_without_noise_and_prv_is_tighter():
    assert epsilon(0.0, 0.05, 600, 1e-5) == float("inf")
    rdp, prv = (epsilon(1.0, 0.05, 600, 1e-5, a) for a in ("rdp", "prv"))
    assert 0 < prv < rdp


def test_splits_partition_the_training_set():
    y = torch.arange(10).repeat_interleave(13)
    for split in (shard_split(y, 5, 0), iid_split(len(y), 5, 0)):
        everything = torch.sort(torch.cat(split)).values
        assert torch.equal(everything, torch.arange(len(y)))
    assert max(len(torch.unique(y[idx])) for idx in shard_split(y, 5, 0)) <= 4


def test_fedavg_of_one_client_is_local_training_and_weights_by_size():
    torch.manual_seed(0)
    X, y = torch.rand(40, 64), torch.randint(0, 10, (40,))
    model = privacy.make_mlp(0)
    local = train_sgd(copy.deepcopy(model), X, y, 2, 7, 0.1, 8)
    fedavg_round(model, X, y, [torch.arange(40)], 2, 0.1, 8, 7)
    for a, b in zip(model.parameters(), local.parameters()):
        torch.testing.assert_close(a, b)
    # two clients: the average is weighted by n_k / n
    model = privacy.make_mlp(0)
    split = [torch.arange(30), torch.arange(30, 40)]
    locals_ = [train_sgd(copy.deepcopy(model), X[idx], y[idx], 1, 3 + k, 0.1, 8)
               for k, idx in enumerate(split)]
    fedavg_round(model, X, y, split, 1, 0.1, 8, 3)
    for name, p in model.named_parameters():
        expected = (0.75 * dict(locals_[0].named_parameters())[name]
                    + 0.25 * dict(locals_[1].named_parameters())[name])
        torch.testing.assert_close(p, expected)


def test_page_shows_the_code_of_the_experiment():
    page = PAGE.read_text()
    for function in (per_example_grads, clip_and_sum, dp_sgd_step, poisson_batch,
                     train_sgd, shard_split, fedavg_round):
        assert inspect.getsource(function) in page, function.__name__


@pytest.fixture(scope="module")
def quick():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return privacy.main(["--quick"])["results"]


def test_quick_run_learns_with_and_without_privacy(quick):
    assert quick["nonprivate"]["acc_mean"] > 0.85            # chance is 0.1
    assert quick["dp"]["acc_mean"][0] > 0.8                  # sigma = 1
    assert 1 < quick["dp"]["epsilon"][0] < 20
    assert quick["dp"]["epsilon_prv"][0] < quick["dp"]["epsilon"][0]
    assert quick["overfit"]["auc"] > quick["nonprivate"]["auc_mean"] + 0.05
    curves = quick["fedavg"]["curves"]
    assert curves["central"][-1] > 0.9
    assert curves["fedavg_iid"][-1] > curves["fedavg_iid"][0] + 0.2
    assert curves["fedavg_non_iid"][-1] > 0.3
