"""The VAE recorded run: the quick version learns, and its NumPy backward is right."""

import numpy as np
import pytest
import torch

from experiments import vae


@pytest.fixture(scope="module")
def results():
    return vae.main(["--quick"])["results"]


def test_the_negative_elbo_falls(results):
    curves = results["curves"]
    start = 64 * np.log(2)           # a decoder that outputs 0.5 everywhere: 44.4 nats
    neg_elbo = [r + k for r, k in zip(curves["test_rec"], curves["test_kl"])]
    assert neg_elbo[-1] < 0.7 * start
    assert neg_elbo[-1] < neg_elbo[0]
    assert results["latent2"]["test_neg_elbo"] < 0.7 * start


def test_beta_trades_reconstruction_for_kl(results):
    low, high = results["beta"]["1.0"], results["beta"]["4.0"]
    assert high["test_kl"] < low["test_kl"]
    assert high["test_rec"] > low["test_rec"]
    assert results["beta_table"]["columns"][0] == "beta"
    assert all(len(row) == 5 for row in results["beta_table"]["rows"])


def test_numpy_and_twin_training_agree(results):
    twin = results["twin"]
    assert twin["max_abs_loss_diff"] < 1e-9
    assert twin["last_loss"] < twin["first_loss"]


def test_numpy_backward_matches_autograd():
    rng = np.random.default_rng(0)
    ours = vae.VAE(6, 5, 3, generator=rng)
    twin = vae.TorchVAE(6, 5, 3, dtype=torch.float64)
    twin.load_state_dict({k: torch.from_numpy(v.copy())
                          for k, v in ours.state_dict().items()})
    x, eps = rng.random((4, 6)), rng.standard_normal((4, 3))
    beta = 2.5
    rec, kl = ours(x, eps, beta=beta)
    ours.backward()
    rec_t, kl_t = twin(torch.from_numpy(x), torch.from_numpy(eps))
    (rec_t + beta * kl_t).backward()
    np.testing.assert_allclose(rec, rec_t.item(), rtol=1e-12)
    np.testing.assert_allclose(kl, kl_t.item(), rtol=1e-12)
    grads = dict(twin.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


def test_gaussian_kl_matches_torch_distributions():
    rng = np.random.default_rng(1)
    mu, logvar = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    q = torch.distributions.Normal(torch.from_numpy(mu),
                                   torch.from_numpy(np.exp(0.5 * logvar)))
    p = torch.distributions.Normal(torch.zeros(4, dtype=torch.float64),
                                   torch.ones(4, dtype=torch.float64))
    expected = torch.distributions.kl_divergence(q, p).sum(-1).numpy()
    np.testing.assert_allclose(vae.gaussian_kl(mu, logvar), expected, rtol=1e-12)


def test_the_page_shows_the_classes_the_run_trains():
    # docs/architectures/vae.md holds the two classes in its code blocks (a page block
    # must run on its own); they must stay the code that experiments/vae.py trains
    import inspect
    import textwrap
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "architectures"
            / "vae.md").read_text()
    page = "\n".join(line.rstrip() for line in textwrap.dedent(
        "\n".join(line[4:] if line.startswith("    ") else line
                  for line in page.splitlines())).splitlines())
    for cls in (vae.VAE, vae.TorchVAE):
        assert inspect.getsource(cls).rstrip() in page, cls.__name__
