"""FGSM and PGD of experiments/adversarial.py, and its quick recorded run."""

import inspect
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments import adversarial
from experiments.adversarial import fgsm, pgd

PAGE = Path(__file__).resolve().parents[2] / "docs" / "frontiers" / "adversarial-robustness.md"


def random_problem(seed, dtype=torch.float64):
    """A random MLP and a batch of inputs in [0, 1] with labels."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 3)).to(dtype)
    x = torch.rand(5, 6, dtype=dtype)
    y = torch.randint(0, 3, (5,))
    return model, x, y


@settings(deadline=None)
@given(seed=st.integers(0, 10_000), eps=st.floats(0.0, 0.5),
       steps=st.integers(1, 5), random_start=st.booleans())
def test_perturbation_stays_in_the_ball_and_the_pixel_range(seed, eps, steps,
                                                            random_start):
    model, x, y = random_problem(seed)
    generator = torch.Generator().manual_seed(seed)
    for x_adv in (fgsm(model, x, y, eps),
                  pgd(model, x, y, eps, eps / 2, steps, random_start, generator)):
        assert x_adv.dtype == x.dtype and x_adv.shape == x.shape
        assert (x_adv - x).abs().max() <= eps + 1e-12
        assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
        assert not x_adv.requires_grad


@settings(deadline=None)
@given(seed=st.integers(0, 10_000), eps=st.floats(0.01, 0.5))
def test_pgd_with_one_step_no_random_start_and_alpha_eps_is_fgsm(seed, eps):
    model, x, y = random_problem(seed)
    torch.testing.assert_close(pgd(model, x, y, eps, eps, 1, random_start=False),
                               fgsm(model, x, y, eps), rtol=0, atol=0)


def test_pgd_runs_in_float32_and_float64():
    for dtype in (torch.float32, torch.float64):
        model, x, y = random_problem(0, dtype)
        assert pgd(model, x, y, 0.1, 0.05, 2).dtype == dtype


@pytest.fixture(scope="module")
def trained():
    X_train, X_test, y_train, y_test = adversarial.load_data()
    model = adversarial.train(adversarial.make_mlp(0), X_train, y_train, epochs=10)
    return model, X_test, y_test


def loss_per_example(model, x, y):
    with torch.no_grad():
        return F.cross_entropy(model(x), y, reduction="none")


def test_attacks_increase_the_loss_and_pgd_beats_fgsm(trained):
    model, x, y = trained
    assert adversarial.accuracy(model, x, y) > 0.9
    eps = 0.1
    clean = loss_per_example(model, x, y)
    loss_fgsm = loss_per_example(model, fgsm(model, x, y, eps), y)
    loss_pgd = loss_per_example(model, pgd(model, x, y, eps, eps / 4, 10,
                                           generator=torch.Generator().manual_seed(0)), y)
    assert loss_fgsm.mean() > 2 * clean.mean()
    assert (loss_fgsm >= clean).float().mean() > 0.95     # nearly every example
    assert loss_pgd.mean() >= loss_fgsm.mean()
    # random sign noise of the same norm barely moves the loss
    noise = eps * torch.randint(0, 2, x.shape, generator=torch.Generator().manual_seed(1))
    loss_noise = loss_per_example(model, (x + 2 * noise - eps).clamp(0, 1), y)
    assert loss_noise.mean() < 0.5 * loss_fgsm.mean()


@pytest.fixture(scope="module")
def results():
    return adversarial.main(["--quick"])["results"]


def test_quick_run_learns_and_adversarial_training_helps(results):
    standard, robust = results["summary"]["standard"], results["summary"]["adv_010"]
    i = results["config"]["eps"].index(0.1)
    assert standard["clean"] > 0.85 and robust["clean"] > 0.8      # chance is 0.1
    assert standard["pgd"][i] < standard["clean"] - 0.2            # the attack works
    assert robust["pgd"][i] > standard["pgd"][i] + 0.15            # training helps
    assert standard["pgd"][i] <= standard["fgsm"][i] + 0.02


def test_quick_run_shows_gradient_masking(results):
    masking = results["masking"]
    assert masking["fgsm"] == pytest.approx(masking["clean"], abs=0.02)   # masked
    assert masking["pgd_bpda"] < masking["clean"] - 0.3                    # not robust
    assert masking["transfer"] < masking["clean"] - 0.3


def test_table_rows_match_the_models(results):
    table = results["table"]
    assert len(table["rows"]) == len(results["models"])
    assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_the_page_shows_the_same_fgsm_and_pgd():
    if not PAGE.exists():
        pytest.skip("page not written yet")
    text = PAGE.read_text()
    for function in (fgsm, pgd):
        source = inspect.getsource(function)
        assert source in text, f"the page's {function.__name__} differs from the script's"
