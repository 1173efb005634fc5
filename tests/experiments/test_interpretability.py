"""Saliency, gradient x input, integrated gradients and occlusion of
experiments/interpretability.py, checked against Captum in float64; its quick run."""

import inspect
from pathlib import Path

import pytest
import torch
from captum.attr import InputXGradient, IntegratedGradients, Occlusion, Saliency
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments import interpretability
from experiments.interpretability import (gradient_x_input, integrated_gradients,
                                          occlusion, saliency)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Input Tensor 0 did not already require gradients")
PAGE = (Path(__file__).resolve().parents[2] / "docs" / "frontiers"
        / "interpretability.md")


def random_problem(seed, n=3, dtype=torch.float64, activation=torch.nn.Tanh):
    """A random small classifier on (N, 1, 5, 6) images, inputs and target classes."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(30, 8),
                                activation(), torch.nn.Linear(8, 4)).to(dtype)
    x = torch.rand(n, 1, 5, 6, dtype=dtype)
    target = torch.randint(0, 4, (n,))
    return model, x, target


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000))
def test_saliency_and_gradient_x_input_match_captum(seed):
    model, x, target = random_problem(seed, activation=torch.nn.ReLU)
    torch.testing.assert_close(saliency(model, x, target),
                               Saliency(model).attribute(x, target=target),
                               rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(gradient_x_input(model, x, target),
                               InputXGradient(model).attribute(x, target=target),
                               rtol=1e-12, atol=1e-14)


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), n_steps=st.integers(2, 40),
       relu=st.booleans(), zero_baseline=st.booleans())
def test_integrated_gradients_match_captum_trapezoid(seed, n_steps, relu,
                                                    zero_baseline):
    # Captum's "riemann_trapezoid" weights are 1/n (halved at both ends), which sum to
    # (n - 1)/n, not 1, on the points alpha_k = k/(n - 1): it is the trapezoid rule
    # scaled by (n - 1)/n. Ours uses the trapezoid weights 1/(n - 1), so the two agree
    # after that rescaling (and ours is the one that is complete for a linear model).
    # Captum keeps its alphas and weights in float32 (torch.linspace, torch.tensor of a
    # list) even for float64 inputs: agreement to float32 rounding, ~3e-8 relative
    model, x, target = random_problem(
        seed, activation=torch.nn.ReLU if relu else torch.nn.Tanh)
    baseline = torch.zeros_like(x) if zero_baseline else torch.rand_like(x)
    expected = IntegratedGradients(model).attribute(
        x, baselines=baseline, target=target, n_steps=n_steps,
        method="riemann_trapezoid")
    ours = integrated_gradients(model, x, target, baseline, n_steps)
    torch.testing.assert_close(ours * (n_steps - 1) / n_steps, expected,
                               rtol=1e-6, atol=1e-9)


def test_integrated_gradients_completeness_gap_shrinks_with_steps():
    # smooth model: the trapezoid error is O(1/n^2), so the gap falls ~4x per doubling
    model, x, target = random_problem(0, n=8)
    baseline = torch.zeros_like(x)
    with torch.no_grad():
        gap = (model(x) - model(baseline)).gather(1, target[:, None])[:, 0]
    errors = []
    for n_steps in (8, 16, 32, 64, 128):
        ig = integrated_gradients(model, x, target, baseline, n_steps)
        errors.append((ig.sum((1, 2, 3)) - gap).abs().max().item())
    assert errors[-1] < 1e-5 * gap.abs().max().item() + 1e-8
    for coarse, fine in zip(errors, errors[1:]):
        assert fine < coarse / 3


def test_integrated_gradients_complete_for_a_linear_model():
    # f linear: the gradient is constant on the path, so two steps are exact
    model, x, target = random_problem(1, n=4, activation=torch.nn.Identity)
    baseline = torch.rand_like(x)
    ig = integrated_gradients(model, x, target, baseline, 2)
    with torch.no_grad():
        gap = (model(x) - model(baseline)).gather(1, target[:, None])[:, 0]
    torch.testing.assert_close(ig.sum((1, 2, 3)), gap, rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), wh=st.integers(1, 4), ww=st.integers(1, 4),
       data=st.data(), baseline=st.sampled_from([0.0, 0.5]))
def test_occlusion_matches_captum(seed, wh, ww, data, baseline):
    model, x, target = random_problem(seed, activation=torch.nn.ReLU)
    sh, sw = data.draw(st.integers(1, wh)), data.draw(st.integers(1, ww))
    expected = Occlusion(model).attribute(
        x, sliding_window_shapes=(1, wh, ww), strides=(1, sh, sw), baselines=baseline,
        target=target)
    # Captum divides a float32 copy of the summed drops by the counts (.float() in
    # feature_ablation): its result is float32 even for float64 inputs
    assert expected.dtype == torch.float32
    torch.testing.assert_close(occlusion(model, x, target, (1, wh, ww), (1, sh, sw),
                                         baseline),
                               expected.double(), rtol=1e-6, atol=1e-7)


def test_maps_work_in_float32_and_float64():
    for dtype in (torch.float32, torch.float64):
        model, x, target = random_problem(0, dtype=dtype)
        zeros = torch.zeros_like(x)
        for attribution in (saliency(model, x, target),
                            gradient_x_input(model, x, target),
                            integrated_gradients(model, x, target, zeros, 4),
                            occlusion(model, x, target, (1, 2, 2), (1, 1, 1))):
            assert attribution.dtype == dtype and attribution.shape == x.shape


def test_page_shows_the_code_of_the_experiment():
    page = PAGE.read_text()
    for function in (saliency, gradient_x_input, integrated_gradients, occlusion):
        assert inspect.getsource(function) in page, function.__name__


@pytest.fixture(scope="module")
def quick():
    return interpretability.main(["--quick"])["results"]


def test_quick_run_learns_and_randomization_changes_gradient_maps(quick):
    assert quick["test_accuracy"] > 0.85                     # chance is 0.1
    corr = quick["correlation"]
    assert corr["input_only"] == [1.0, 1.0, 1.0]              # the model-free control
    assert corr["saliency"][-1] < 0.5                         # depends on the weights
    assert max(quick["completeness"]["max_gap"][-3:]) < 0.1
