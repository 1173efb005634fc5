"""A variational autoencoder on scikit-learn's digits: ELBO curves, samples, a 2-D
latent space and the beta trade-off.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1]), split once into 1257 training and 540 test images (stratified).

Model (the one of docs/architectures/vae.md): an MLP encoder 64-128-2d gives the mean
and the log-variance of the Gaussian q(z | x); an MLP decoder d-128-64 gives the logits
of a Bernoulli likelihood p(x | z) for each pixel; the prior is N(0, I). The loss per
image is the reconstruction term (binary cross-entropy, summed over the 64 pixels, one
sample of z) plus ``beta`` times the closed-form KL.
It is written twice: ``VAE`` in NumPy on ``dlref.numpy.nn`` layers with an explicit
backward pass, ``TorchVAE`` from the ``dlref.torch.nn`` twins and autograd.

Runs (NumPy, float64, Adam):

* latent size 8 for each ``beta`` of ``BETAS``: test reconstruction, KL, negative ELBO
  and active units; the beta = 1 run also gives the curves, prior samples and
  reconstructions;
* beta = 1 with a linear KL warm-up (``WARMUP_EPOCHS``), against no warm-up;
* latent size 2, beta = 1: the test digits' posterior means, and the decoder over a
  grid;
* the twin check: ``TorchVAE`` (dlref.torch twins, dlref.torch.optim.Adam) trained from
  the same initial weights on the same batches and the same noise as ``VAE``; the
  difference of their losses over the run.

    python experiments/vae.py --write      # the recorded run (~2 CPU-minutes)
    python experiments/vae.py --quick      # a few seconds: fewer epochs, two betas
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import dlref.torch.nn as tnn  # noqa: E402
import dlref.torch.optim as toptim  # noqa: E402
from dlref.numpy import nn, optim  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "vae"
HIDDEN = 128
LATENT = 8
TRAIN = {"epochs": 200, "batch_size": 64, "lr": 1e-3}
BETAS = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
WARMUP_EPOCHS = 50
TWIN_EPOCHS = 20
ACTIVE_THRESHOLD = 0.01         # Burda et al. (2016): Cov_x(E_q[z_j | x]) > 0.01
QUICK = {"epochs": 15, "betas": [1.0, 4.0], "twin_epochs": 2, "warmup_epochs": 5}
SEED = 0


def load_data():
    """Digits scaled to [0, 1]; a fixed stratified split into 1257 train, 540 test."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def gaussian_kl(mu, logvar):
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row."""
    # KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)
    return 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=-1)


class VAE(nn.Module):
    """Gaussian encoder, Bernoulli decoder, N(0, I) prior; explicit backward."""

    def __init__(self, n_in=64, n_hidden=128, n_latent=8, generator=None):
        super().__init__()
        f64 = {"dtype": np.float64, "generator": generator}
        self.n_latent = n_latent
        self.encoder = nn.Sequential(
            nn.Linear(n_in, n_hidden, **f64), nn.ReLU(),
            nn.Linear(n_hidden, 2 * n_latent, **f64))
        self.decoder = nn.Sequential(
            nn.Linear(n_latent, n_hidden, **f64), nn.ReLU(),
            nn.Linear(n_hidden, n_in, **f64))
        self.bce = nn.BCEWithLogitsLoss(reduction="sum")

    def encode(self, x):
        h, d = self.encoder(x), self.n_latent               # h: (N, 2d)
        return h[:, :d], h[:, d:]                       # mu, log sigma^2: (N, d)

    def forward(self, x, eps, beta=1.0):
        """Reconstruction and KL terms, each a mean over the batch."""
        n = len(x)
        mu, logvar = self.encode(x)
        sigma = np.exp(0.5 * logvar)
        # reparameterization: z = mu + sigma * eps, eps ~ N(0, I)
        z = mu + sigma * eps                                # (N, d)
        # -log p(x | z): binary cross-entropy from logits, summed over pixels
        rec = self.bce(self.decoder(z), x) / n
        # KL(q(z | x) || N(0, I)) = 1/2 sum (mu^2 + sigma^2 - 1 - log sigma^2)
        kl = 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - logvar) / n
        self._save(n=n, mu=mu, logvar=logvar, sigma=sigma, eps=eps, beta=beta)
        return rec, kl

    def backward(self):
        """Accumulate the gradients of rec + beta * kl in every .grad."""
        n, mu, logvar, sigma, eps, beta = self._saved(
            "n", "mu", "logvar", "sigma", "eps", "beta")
        grad_logits = self.bce.backward() / n               # (N, 64)
        grad_z = self.decoder.backward(grad_logits)         # (N, d)
        # dz/dmu = 1, dz/dlog sigma^2 = sigma * eps / 2
        # dKL/dmu = mu, dKL/dlog sigma^2 = (sigma^2 - 1) / 2
        grad_mu = grad_z + beta * mu / n
        grad_logvar = grad_z * sigma * eps / 2 + beta * (sigma**2 - 1) / (2 * n)
        grad_h = np.concatenate([grad_mu, grad_logvar], axis=1)   # (N, 2d)
        self.encoder.backward(grad_h)

    def decode(self, z):
        """Pixel probabilities sigmoid(logits) for codes z."""
        return 1.0 / (1.0 + np.exp(-self.decoder(z)))


class TorchVAE(torch.nn.Module):
    """The same VAE from the dlref.torch twins; autograd does the backward pass."""

    def __init__(self, n_in=64, n_hidden=128, n_latent=8, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.n_latent = n_latent
        self.encoder = torch.nn.Sequential(
            tnn.Linear(n_in, n_hidden, **kw), tnn.ReLU(),
            tnn.Linear(n_hidden, 2 * n_latent, **kw))
        self.decoder = torch.nn.Sequential(
            tnn.Linear(n_latent, n_hidden, **kw), tnn.ReLU(),
            tnn.Linear(n_hidden, n_in, **kw))
        self.bce = tnn.BCEWithLogitsLoss(reduction="sum")

    def forward(self, x, eps):
        n = x.shape[0]
        mu, logvar = self.encoder(x).chunk(2, dim=1)        # (N, d) each
        z = mu + torch.exp(0.5 * logvar) * eps              # (N, d)
        rec = self.bce(self.decoder(z), x) / n
        kl = 0.5 * torch.sum(mu**2 + logvar.exp() - 1.0 - logvar) / n
        return rec, kl


def evaluate(model, X, seed=12345):
    """Test reconstruction and KL (means per image, one sample of z each), the
    posterior means, and the number of active latent units."""
    eps = np.random.default_rng(seed).standard_normal((len(X), model.n_latent))
    rec, kl = model(X, eps)
    mu, _ = model.encode(X)
    active = int(np.sum(np.var(mu, axis=0) > ACTIVE_THRESHOLD))
    return float(rec), float(kl), mu, active


def train(X_train, X_test, n_latent, beta, epochs, seed, warmup=0):
    """Adam on rec + beta * kl; per-epoch training and test terms."""
    rng = np.random.default_rng(seed)
    model = VAE(64, HIDDEN, n_latent, generator=rng)
    opt = optim.Adam(model.parameters(), lr=TRAIN["lr"])
    curves = {k: [] for k in ("train_rec", "train_kl", "test_rec", "test_kl")}
    batch = TRAIN["batch_size"]
    for epoch in range(epochs):
        # KL warm-up: beta grows linearly from 0 over the first `warmup` epochs
        b = beta * min(1.0, epoch / warmup) if warmup else beta
        order = rng.permutation(len(X_train))
        recs, kls = [], []
        for start in range(0, len(order), batch):
            x = X_train[order[start:start + batch]]
            eps = rng.standard_normal((len(x), n_latent))
            opt.zero_grad()
            rec, kl = model(x, eps, beta=b)
            model.backward()
            opt.step()
            recs.append(rec * len(x))
            kls.append(kl * len(x))
        curves["train_rec"].append(float(np.sum(recs) / len(X_train)))
        curves["train_kl"].append(float(np.sum(kls) / len(X_train)))
        test_rec, test_kl, _, _ = evaluate(model, X_test)
        curves["test_rec"].append(test_rec)
        curves["test_kl"].append(test_kl)
    return model, curves


def twin_check(X_train, epochs, seed):
    """Train VAE (NumPy) and TorchVAE (dlref.torch twins) from the same weights, on the
    same batches and noise; the largest difference of their losses."""
    rng = np.random.default_rng(seed)
    ours = VAE(64, HIDDEN, LATENT, generator=rng)
    twin = TorchVAE(64, HIDDEN, LATENT, dtype=torch.float64)
    twin.load_state_dict({k: torch.from_numpy(v.copy())
                          for k, v in ours.state_dict().items()})
    opt_np = optim.Adam(ours.parameters(), lr=TRAIN["lr"])
    opt_torch = toptim.Adam(twin.parameters(), lr=TRAIN["lr"])
    batch, diffs, losses = TRAIN["batch_size"], [], []
    for _ in range(epochs):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), batch):
            x = X_train[order[start:start + batch]]
            eps = rng.standard_normal((len(x), LATENT))
            opt_np.zero_grad()
            rec, kl = ours(x, eps)
            ours.backward()
            opt_np.step()
            opt_torch.zero_grad()
            rec_t, kl_t = twin(torch.from_numpy(x), torch.from_numpy(eps))
            (rec_t + kl_t).backward()
            opt_torch.step()
            losses.append(float(rec + kl))
            diffs.append(abs(float(rec + kl) - (rec_t + kl_t).item()))
    return {"steps": len(diffs), "max_abs_loss_diff": float(max(diffs)),
            "first_loss": losses[0], "last_loss": losses[-1]}


def rounded(a, digits=3):
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    timer = Timer()
    quick = args.quick
    epochs = QUICK["epochs"] if quick else TRAIN["epochs"]
    betas = QUICK["betas"] if quick else BETAS
    warmup = QUICK["warmup_epochs"] if quick else WARMUP_EPOCHS
    twin_epochs = QUICK["twin_epochs"] if quick else TWIN_EPOCHS

    X_train, X_test, y_train, y_test = load_data()
    rows, sweep, main_model, main_curves = [], {}, None, None
    for beta in betas:
        model, curves = train(X_train, X_test, LATENT, beta, epochs, SEED)
        rec, kl, _, active = evaluate(model, X_test)
        sweep[str(beta)] = {"test_rec": rec, "test_kl": kl, "test_neg_elbo": rec + kl,
                            "active_units": active}
        rows.append([beta, rec, kl, rec + kl, active])
        if beta == 1.0:
            main_model, main_curves = model, curves

    warm_model, warm_curves = train(X_train, X_test, LATENT, 1.0, epochs, SEED,
                                    warmup=warmup)
    rec, kl, _, active = evaluate(warm_model, X_test)
    warm = {"test_rec": rec, "test_kl": kl, "test_neg_elbo": rec + kl,
            "active_units": active, "test_kl_curve": warm_curves["test_kl"]}

    # samples from the prior, and reconstructions of the first 10 test digits
    z = np.random.default_rng(1).standard_normal((64, LATENT))
    samples = main_model.decode(z)                                 # (64, 64)
    mu, _ = main_model.encode(X_test[:10])
    reconstructions = main_model.decode(mu)                        # (10, 64)

    model2, curves2 = train(X_train, X_test, 2, 1.0, epochs, SEED)
    rec2, kl2, mu2, active2 = evaluate(model2, X_test)
    grid = np.linspace(-2.5, 2.5, 12)
    codes = np.stack(np.meshgrid(grid, grid[::-1]), axis=-1).reshape(-1, 2)  # (144, 2)

    twin = twin_check(X_train, twin_epochs, SEED)

    results = {
        "config": {"hidden": HIDDEN, "latent": LATENT,
                   "train": dict(TRAIN, epochs=epochs),
                   "betas": betas, "warmup_epochs": warmup, "twin_epochs": twin_epochs,
                   "active_threshold": ACTIVE_THRESHOLD, "n_train": len(X_train),
                   "n_test": len(X_test), "likelihood": "Bernoulli (logits)"},
        "curves": main_curves,
        "beta": sweep,
        "beta_table": {
            "columns": ["beta", "reconstruction (nats)", "KL (nats)",
                        "negative ELBO (nats)", "active units (of 8)"],
            "rows": rows,
            "formats": ["g", ".2f", ".2f", ".2f", "d"],
        },
        "warmup": warm,
        "main": sweep["1.0"],
        "latent2": {"test_rec": rec2, "test_kl": kl2, "test_neg_elbo": rec2 + kl2,
                    "active_units": active2, "curves": curves2,
                    "mu": rounded(mu2), "labels": y_test.tolist(),
                    "grid": grid.tolist(),
                    "grid_images": rounded(model2.decode(codes))},
        "prior_samples": rounded(samples),
        "test_images": rounded(X_test[:10]),
        "reconstructions": rounded(reconstructions),
        "twin": twin,
    }
    record = finish(NAME, args, argv, {"numpy_init_batches_noise": SEED,
                                       "prior_samples": 1, "test_noise": 12345},
                    results, timer.start)
    for row in rows:
        print(f"beta {row[0]:<5g} rec {row[1]:7.2f}  KL {row[2]:6.2f}  "
              f"-ELBO {row[3]:7.2f}  active {row[4]}")
    print(f"warm-up: -ELBO {warm['test_neg_elbo']:.2f}, active {warm['active_units']}")
    print(f"latent 2: -ELBO {rec2 + kl2:.2f}; twin max |loss diff| "
          f"{twin['max_abs_loss_diff']:.2e} over {twin['steps']} steps")
    print(f"{timer():.1f} s")
    return record


if __name__ == "__main__":
    main()
