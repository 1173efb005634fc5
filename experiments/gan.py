"""GANs on a ring of 8 Gaussians (mode collapse, one remedy) and on sklearn's digits.

Two experiments, every model built from the dlref.torch twins (``Linear``, ``ReLU``,
``LeakyReLU``, ``Tanh`` and ``binary_cross_entropy_with_logits``), trained with
``torch.optim.Adam``:

* **Ring.** The data are 8 Gaussians of standard deviation ``SIGMA`` = 0.02 on a circle
  of radius 2 (Metz et al. 2017). A sample is of *high quality* when it lies within
  3 ``SIGMA`` of a mode center; a mode is *covered* when at least ``MODE_FRACTION`` of
  the samples land there (an eighth would be 0.125). Three methods, the same networks
  and seeds, all with the non-saturating loss: 1 discriminator step per generator step
  (2500 generator steps), 5 discriminator steps (a stronger D), and 5 steps with a
  minibatch-standard-deviation feature in D (Karras et al. 2018), the remedy (1500
  generator steps each, 7500 discriminator steps: about 3x the cost per generator step).
  Each is scored on 2500 samples every ``eval_every`` generator steps.
* **Digits.** An MLP GAN on the 1257 training images of the 8x8 digits of
  ``sklearn.datasets.load_digits``, scaled to [-1, 1]. The samples are scored by a
  classifier trained on real digits (``LogisticRegression`` on a stratified 70 %
  split): the mean confidence, the effective number of classes ``exp(H(p(y)))`` and an
  Inception-Score-like number ``exp(E_x KL(p(y|x) || p(y)))``, with the held-out real
  digits as the reference.

    python experiments/gan.py --write      # the recorded run (~5 CPU-minutes)
    python experiments/gan.py --quick      # a few seconds: one seed, few steps
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from dlref.torch import nn  # noqa: E402
from dlref.torch.functional import binary_cross_entropy_with_logits  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "gan"
SIGMA = 0.02
RADIUS = 2.0
MODE_FRACTION = 0.02
EVAL_SAMPLES = 2500
RING = {"z_dim": 16, "hidden": 128, "batch": 256, "lr": 1e-3, "betas": (0.5, 0.999),
        "eval_every": 250}
DIGITS = {"z_dim": 32, "hidden": 256, "batch": 64, "lr": 2e-4, "betas": (0.5, 0.999),
          "steps": 5000, "samples": 1000}
FULL = {"ring_seeds": [0, 1, 2], "digit_seed": 0}
QUICK = {"ring_seeds": [0], "ring_steps": 150, "digit_steps": 300}
LABELS = {"gan_1": "GAN, 1 D step", "gan_5": "GAN, 5 D steps",
          "gan_5_mbstd": "GAN, 5 D steps + minibatch std"}
# method: (discriminator steps per generator step, minibatch-std feature in D,
#          generator steps of the full run); 5 D steps cost about 3x per generator step
METHODS = {"gan_1": (1, False, 2500), "gan_5": (5, False, 1500),
           "gan_5_mbstd": (5, True, 1500)}


# -- data and scores -----------------------------------------------------------------

def ring_centers() -> torch.Tensor:
    """The 8 mode centers, (8, 2)."""
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    return RADIUS * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1).float()


def ring_sample(n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` points of the ring of 8 Gaussians, (n, 2)."""
    k = torch.randint(0, 8, (n,), generator=generator)
    return ring_centers()[k] + SIGMA * torch.randn(n, 2, generator=generator)


def ring_scores(x: torch.Tensor) -> dict:
    """Modes covered and the fraction of high-quality samples (within 3 sigma)."""
    distance = torch.cdist(x.float(), ring_centers())       # (n, 8)
    nearest_distance, nearest = distance.min(dim=1)
    good = nearest_distance < 3 * SIGMA
    share = torch.bincount(nearest[good], minlength=8).float() / len(x)   # (8,)
    return {"modes": int((share >= MODE_FRACTION).sum()),
            "high_quality": float(good.float().mean()),
            "mean_distance": float(nearest_distance.mean()),
            "share": [round(float(s), 4) for s in share]}


def load_digit_data():
    """Digits in [0, 1]: a stratified split (1257 train, 540 test), fixed."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, stratify=y, random_state=0)


def digit_classifier(X_train, y_train) -> LogisticRegression:
    """The judge: multinomial logistic regression on real digits in [0, 1]."""
    return LogisticRegression(max_iter=2000).fit(X_train, y_train)


def classifier_scores(classifier, x: np.ndarray) -> dict:
    """Mean top-class confidence, effective number of classes exp(H(p(y))) and
    exp(E_x KL(p(y|x) || p(y))) (an Inception Score with a digit classifier)."""
    p = np.clip(classifier.predict_proba(x), 1e-12, 1.0)   # (n, 10), p(y | x)
    p_y = p.mean(axis=0)                                     # (10,), the marginal p(y)
    entropy_marginal = -(p_y * np.log(p_y)).sum()
    kl = (p * (np.log(p) - np.log(p_y))).sum(axis=1)          # (n,)
    return {"confidence": float(p.max(axis=1).mean()),
            "effective_classes": float(np.exp(entropy_marginal)),
            "score": float(np.exp(kl.mean())),
            "class_counts": np.bincount(p.argmax(axis=1), minlength=10).tolist()}


# -- models --------------------------------------------------------------------------

def mlp(sizes, activation, output=None) -> torch.nn.Sequential:
    """Linear layers of the given sizes, ``activation`` between them (dlref twins)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    if output is not None:
        layers.append(output())
    return torch.nn.Sequential(*layers)


def discriminator_loss(real_logits, fake_logits) -> torch.Tensor:
    """-[mean log D(x) + mean log(1 - D(G(z)))], from logits."""
    bce = binary_cross_entropy_with_logits
    return (bce(real_logits, torch.ones_like(real_logits))
            + bce(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits) -> torch.Tensor:
    """The non-saturating generator loss -mean log D(G(z)), from logits."""
    return binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


class MinibatchStd(torch.nn.Module):
    """A discriminator that also sees how spread out its mini-batch is.

    The mean over coordinates of the batch's standard deviation (one number per batch,
    Karras et al. 2018) is appended to every sample's features: a collapsed batch of
    fakes has a small spread that real batches never have, and the generator's
    gradient flows back through it.
    """

    def __init__(self, body: torch.nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spread = x.std(dim=0).mean()                            # one number
        return self.body(torch.cat([x, spread.expand(len(x), 1)], dim=1))  # (N, d + 1)


# -- the ring ------------------------------------------------------------------------

def train_ring(method: str, seed: int, steps: int) -> dict:
    """Train one method of ``METHODS`` on the ring; the scores every ``eval_every``
    generator steps and 500 final samples."""
    c = RING
    d_steps, minibatch_std, _ = METHODS[method]
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(1000 + seed)
    G = mlp([c["z_dim"], c["hidden"], c["hidden"], 2], nn.ReLU)
    if minibatch_std:
        D = MinibatchStd(mlp([3, c["hidden"], c["hidden"], 1], nn.ReLU))
    else:
        D = mlp([2, c["hidden"], c["hidden"], 1], nn.ReLU)
    opt_G = torch.optim.Adam(G.parameters(), lr=c["lr"], betas=c["betas"])
    opt_D = torch.optim.Adam(D.parameters(), lr=c["lr"], betas=c["betas"])
    z_eval = torch.randn(EVAL_SAMPLES, c["z_dim"], generator=g)
    with torch.no_grad():
        history = [{"step": 0, **ring_scores(G(z_eval))}]
    for step in range(1, steps + 1):
        for _ in range(d_steps):
            real = ring_sample(c["batch"], g)
            fake = G(torch.randn(c["batch"], c["z_dim"], generator=g)).detach()
            loss_D = discriminator_loss(D(real), D(fake))
            opt_D.zero_grad()
            loss_D.backward()
            opt_D.step()
        loss_G = generator_loss(D(G(torch.randn(c["batch"], c["z_dim"], generator=g))))
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
        if step % c["eval_every"] == 0 or step == steps:
            with torch.no_grad():
                scores = ring_scores(G(z_eval))
            history.append({"step": step, **scores})
    with torch.no_grad():
        samples = G(z_eval[:500])
    return {"history": history, "final": history[-1],
            "samples": [[round(float(u), 4), round(float(v), 4)] for u, v in samples]}


# -- digits --------------------------------------------------------------------------

def train_digits(X_train: np.ndarray, seed: int, steps: int) -> dict:
    """An MLP GAN on digits scaled to [-1, 1]; samples mapped back to [0, 1]."""
    c = DIGITS
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(2000 + seed)
    data = torch.tensor(X_train * 2 - 1, dtype=torch.float32)   # (1257, 64) in [-1, 1]
    G = mlp([c["z_dim"], c["hidden"], c["hidden"], 64], nn.ReLU, output=nn.Tanh)
    D = mlp([64, c["hidden"], c["hidden"], 1], lambda: nn.LeakyReLU(0.2))
    opt_G = torch.optim.Adam(G.parameters(), lr=c["lr"], betas=c["betas"])
    opt_D = torch.optim.Adam(D.parameters(), lr=c["lr"], betas=c["betas"])
    losses = []
    for step in range(1, steps + 1):
        real = data[torch.randint(0, len(data), (c["batch"],), generator=g)]
        fake = G(torch.randn(c["batch"], c["z_dim"], generator=g))
        loss_D = discriminator_loss(D(real), D(fake.detach()))
        opt_D.zero_grad()
        loss_D.backward()
        opt_D.step()
        loss_G = generator_loss(D(fake))
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
        losses.append((loss_D.item(), loss_G.item()))
    with torch.no_grad():
        z = torch.randn(c["samples"], c["z_dim"], generator=g)
        samples = (G(z).numpy() + 1) / 2                        # (n, 64) in [0, 1]
    window = max(1, steps // 20)
    curve = [[step, float(np.mean([l[0] for l in losses[step - window:step]])),
              float(np.mean([l[1] for l in losses[step - window:step]]))]
             for step in range(window, steps + 1, window)]
    return {"samples": samples, "losses": curve}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    timer = Timer()
    seeds = QUICK["ring_seeds"] if args.quick else FULL["ring_seeds"]

    digit_steps = QUICK["digit_steps"] if args.quick else DIGITS["steps"]

    # ring: a plain GAN against WGAN-GP, same networks and seeds
    ring = {m: {} for m in METHODS}
    generator_steps = {m: QUICK["ring_steps"] if args.quick else METHODS[m][2]
                       for m in METHODS}
    for method in METHODS:
        for seed in seeds:
            ring[method][str(seed)] = train_ring(method, seed, generator_steps[method])
            final = ring[method][str(seed)]["final"]
            print(f"{method:8s} seed {seed}: {final['modes']} modes, "
                  f"high quality {final['high_quality']:.3f}", flush=True)
    rows, ring_mean = [], {}
    for method in METHODS:
        finals = [ring[method][str(s)]["final"] for s in seeds]
        # modes over the last 5 checkpoints: a collapsed generator hops between modes
        late = [h["modes"] for s in seeds for h in ring[method][str(s)]["history"][-5:]]
        ring_mean[method] = {"modes": float(np.mean([f["modes"] for f in finals])),
                             "modes_late": float(np.mean(late)),
                             "high_quality": float(np.mean([f["high_quality"]
                                                            for f in finals]))}
        rows.append([LABELS[method], *(f["modes"] for f in finals),
                     ring_mean[method]["modes"], ring_mean[method]["modes_late"],
                     ring_mean[method]["high_quality"]])

    # digits: a GAN, scored by a classifier trained on real digits
    X_train, X_test, y_train, y_test = load_digit_data()
    judge = digit_classifier(X_train, y_train)
    digits = train_digits(X_train, FULL["digit_seed"], digit_steps)
    noise = np.random.default_rng(3).random((DIGITS["samples"], 64))
    scored = {"real (held out)": classifier_scores(judge, X_test),
              "GAN samples": classifier_scores(judge, digits["samples"]),
              "uniform noise": classifier_scores(judge, noise)}
    results = {
        "config": {"ring": dict(RING, sigma=SIGMA, radius=RADIUS,
                                mode_fraction=MODE_FRACTION, eval_samples=EVAL_SAMPLES,
                                methods={m: {"d_steps": d, "minibatch_std": std,
                                             "generator_steps": generator_steps[m]}
                                         for m, (d, std, _) in METHODS.items()}),
                   "digits": dict(DIGITS, steps=digit_steps), "ring_seeds": seeds},
        "ring": ring,
        "ring_table": {
            "columns": ["method", *(f"modes, seed {s}" for s in seeds), "mean modes",
                        "mean modes, last 5 checkpoints", "mean high-quality fraction"],
            "rows": rows,
            "formats": ["", *("d" for _ in seeds), ".2f", ".2f", ".3f"],
        },
        "ring_mean": ring_mean,
        "digits": {
            "judge_test_accuracy": float(judge.score(X_test, y_test)),
            "losses": digits["losses"],
            "samples": np.round(digits["samples"][:64], 3).tolist(),
            "scores": scored,
            "table": {
                "columns": ["images", "mean confidence", "effective classes",
                            "classifier score (IS-like)"],
                "rows": [[k, v["confidence"], v["effective_classes"], v["score"]]
                         for k, v in scored.items()],
                "formats": ["", ".3f", ".2f", ".2f"],
            },
        },
    }
    record = finish(NAME, args, argv, {"ring_models": seeds,
                                       "ring_data": [1000 + s for s in seeds],
                                       "digit_model": FULL["digit_seed"],
                                       "digit_data": 2000 + FULL["digit_seed"]},
                    results, timer.start)
    for k, v in scored.items():
        print(f"{k:16s} confidence {v['confidence']:.3f} "
              f"classes {v['effective_classes']:.2f} score {v['score']:.2f}")
    return record


if __name__ == "__main__":
    main()
