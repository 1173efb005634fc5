"""Autoencoders on scikit-learn's digits: against PCA, denoising, sparse codes.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1]), split once into 1257 training and 540 test images (stratified).
Every error below is measured on the 540 test images.

Three experiments:

* **undercomplete**: for each code size ``k``, PCA with ``k`` components against two
  autoencoders written with ``dlref.numpy`` (explicit backward, ``optim.Adam``): a
  *linear* one, ``Linear(64, k)`` then ``Linear(k, 64)``, trained full-batch, whose
  decoder columns should span PCA's subspace (largest principal angle,
  ``scipy.linalg.subspace_angles``); and a nonlinear one, 64-128-k-128-64 with ReLU
  and a sigmoid output, trained with mini-batches. Test MSE per pixel.
* **denoising**: the popular summaries' convolutional denoising autoencoder, with its
  decoder fixed (``padding=1, output_padding=1`` on the two stride-2 transposed
  convolutions, so 7 -> 14 -> 28), built from dlref's torch twins
  (``dlref.torch.nn.Conv2d``, ``MaxPool2d``, ``ConvTranspose2d``, ``ReLU``,
  ``Sigmoid``). The digits are upsampled bilinearly from 8x8 to 28x28 (the size the
  model was written for). Input: ``clamp(x + noise_factor * N(0, 1), 0, 1)``; target:
  the clean ``x``. MSE and PSNR against the clean test images of the noisy input, of
  3x3 and 5x5 mean filters of it (a baseline that learns nothing), and of the output.
* **sparse**: an overcomplete autoencoder 64-100-64 (ReLU code, sigmoid output) with an
  L1 penalty ``lam * mean_n sum_j |h_nj|`` on its code, for several ``lam``: the
  fraction of near-zero code activations (< 0.01), the units never active on the test
  set, and the test MSE.

    python experiments/autoencoder.py --write     # the recorded run (~2-3 CPU-minutes)
    python experiments/autoencoder.py --quick     # seconds: fewer sizes and epochs
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy.linalg import subspace_angles  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import dlref.torch.nn as tnn  # noqa: E402
from dlref.numpy import nn, optim  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "autoencoder"
SEED = 0
UNDERCOMPLETE = {
    "code_sizes": [2, 4, 8, 16],
    "hidden": 128,
    "linear": {"steps": 3000, "lr": 3e-2},
    "nonlinear": {"epochs": 150, "batch_size": 32, "lr": 3e-3},
}
DENOISING = {
    "size": 28,
    "noise_factor": 0.5,
    "epochs": 30,
    "batch_size": 32,
    "lr": 3e-3,
    "examples": 8,
}
SPARSE = {
    "hidden": 100,
    "lams": [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
    "epochs": 100,
    "batch_size": 32,
    "lr": 3e-3,
    "threshold": 0.01,
}
QUICK = {
    "code_sizes": [2, 8],
    "linear_steps": 1000,
    "nonlinear_epochs": 20,
    "denoising_epochs": 3,
    "denoising_train": 600,
    "lams": [0.0, 1e-3],
    "sparse_epochs": 20,
}


def load_data():
    """Digits scaled to [0, 1]; a fixed stratified split into 1257 train, 540 test."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, _, _ = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    return X_train, X_test


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error per pixel."""
    return float(np.mean((a - b) ** 2))


def psnr(mse_value: float) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]: 10 log10(1 / MSE)."""
    return 10.0 * math.log10(1.0 / mse_value)


# -- undercomplete: autoencoders against PCA ------------------------------------------


def linear_autoencoder(k: int, generator) -> nn.Sequential:
    """x -> W_2 (W_1 x + b_1) + b_2: no activation, a code of size k."""
    return nn.Sequential(
        nn.Linear(64, k, dtype=np.float64, generator=generator),
        nn.Linear(k, 64, dtype=np.float64, generator=generator),
    )


def nonlinear_autoencoder(k: int, hidden: int, generator) -> nn.Sequential:
    """64-hidden-k-hidden-64, ReLU inside, a sigmoid output in [0, 1]."""
    return nn.Sequential(
        nn.Linear(64, hidden, dtype=np.float64, generator=generator),
        nn.ReLU(),
        nn.Linear(hidden, k, dtype=np.float64, generator=generator),
        nn.Linear(k, hidden, dtype=np.float64, generator=generator),
        nn.ReLU(),
        nn.Linear(hidden, 64, dtype=np.float64, generator=generator),
        nn.Sigmoid(),
    )


def train_autoencoder(
    model, X, *, epochs, batch_size, lr, generator, lam=0.0, encoder=None, decoder=None
) -> list[float]:
    """Adam on the reconstruction MSE (+ lam * mean_n sum_j |h_nj| when an
    encoder/decoder pair is given); the mean training loss of each epoch."""
    parameters = list(model.parameters())
    optimizer = optim.Adam(parameters, lr=lr)
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(epochs):
        total = 0.0
        order = generator.permutation(len(X))
        for start in range(0, len(X), batch_size):
            x = X[order[start : start + batch_size]]
            optimizer.zero_grad()
            if encoder is None:
                loss = loss_fn(model(x), x)
                model.backward(loss_fn.backward())
            else:
                h = encoder(x)  # the code, (B, K)
                loss = loss_fn(decoder(h), x) + lam * np.abs(h).sum(axis=1).mean()
                # dL/dh = decoder's backward + the L1 term's subgradient lam sign(h) / B
                grad_h = decoder.backward(loss_fn.backward()) + lam * np.sign(h) / len(
                    x
                )
                encoder.backward(grad_h)
            optimizer.step()
            total += float(loss) * len(x)
        history.append(total / len(X))
    return history


def undercomplete(X_train, X_test, quick: bool) -> dict:
    sizes = QUICK["code_sizes"] if quick else UNDERCOMPLETE["code_sizes"]
    steps = QUICK["linear_steps"] if quick else UNDERCOMPLETE["linear"]["steps"]
    nonlinear = dict(UNDERCOMPLETE["nonlinear"])
    if quick:
        nonlinear["epochs"] = QUICK["nonlinear_epochs"]
    rows, runs, examples = [], {}, {}
    for k in sizes:
        pca = PCA(n_components=k).fit(X_train)
        X_pca = pca.inverse_transform(pca.transform(X_test))
        # linear autoencoder, full-batch Adam: its decoder columns span a k-dim subspace
        g = np.random.default_rng(SEED + k)
        linear = linear_autoencoder(k, g)
        optimizer = optim.Adam(linear.parameters(), lr=UNDERCOMPLETE["linear"]["lr"])
        loss_fn = nn.MSELoss()
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(linear(X_train), X_train)
            linear.backward(loss_fn.backward())
            optimizer.step()
        # decoder weight (64, k) against PCA's components (k, 64) transposed
        angles = np.degrees(subspace_angles(linear[1].weight.data, pca.components_.T))
        model = nonlinear_autoencoder(k, UNDERCOMPLETE["hidden"], g)
        history = train_autoencoder(model, X_train, generator=g, **nonlinear)
        model.eval()
        X_ae = model(X_test)
        run = {
            "pca_mse": mse(X_pca, X_test),
            "linear_ae_mse": mse(linear(X_test), X_test),
            "linear_ae_max_angle_deg": float(angles.max()),
            "ae_mse": mse(X_ae, X_test),
            "ae_train_loss": history,
        }
        runs[str(k)] = run
        rows.append(
            [
                k,
                run["pca_mse"],
                run["linear_ae_mse"],
                run["linear_ae_max_angle_deg"],
                run["ae_mse"],
            ]
        )
        if k == 4 or (quick and k == sizes[0]):
            examples = {
                "k": k,
                "clean": X_test[:8].round(3).tolist(),
                "pca": X_pca[:8].clip(0, 1).round(3).tolist(),
                "ae": X_ae[:8].round(3).tolist(),
            }
    table = {
        "columns": [
            "code size k",
            "PCA test MSE",
            "linear AE test MSE",
            "linear AE: largest angle to PCA (deg)",
            "nonlinear AE test MSE",
        ],
        "rows": rows,
        "formats": ["d", ".4f", ".4f", ".3f", ".4f"],
    }
    return {
        "runs": runs,
        "table": table,
        "examples": examples,
        "config": dict(
            UNDERCOMPLETE,
            code_sizes=sizes,
            linear=dict(UNDERCOMPLETE["linear"], steps=steps),
            nonlinear=nonlinear,
        ),
    }


# -- denoising: the summaries' convolutional autoencoder, fixed ------------------------


def conv_denoising_autoencoder() -> torch.nn.Sequential:
    """The summaries' model with the decoder fixed: 28 -> 14 -> 7 -> 14 -> 28."""
    return torch.nn.Sequential(
        tnn.Conv2d(1, 16, 3, stride=1, padding=1),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Conv2d(16, 8, 3, stride=1, padding=1),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.ConvTranspose2d(8, 16, 3, stride=2, padding=1, output_padding=1),
        tnn.ReLU(),
        tnn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
        tnn.ReLU(),
        tnn.ConvTranspose2d(8, 1, 3, stride=1, padding=1),
        tnn.Sigmoid(),
    )


def upsample(X: np.ndarray, size: int) -> torch.Tensor:
    """(N, 64) digits in [0, 1] to (N, 1, size, size) by bilinear interpolation."""
    x = torch.tensor(X, dtype=torch.float32).reshape(-1, 1, 8, 8)  # (N, 1, 8, 8)
    x = torch.nn.functional.interpolate(
        x, size=(size, size), mode="bilinear", align_corners=False
    )
    return x.clamp(0.0, 1.0)  # (N, 1, size, size)


def add_noise(x: torch.Tensor, noise_factor: float, generator) -> torch.Tensor:
    """clamp(x + noise_factor * N(0, 1), 0, 1), as in the summaries."""
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return (x + noise_factor * noise).clamp(0.0, 1.0)


def denoising(X_train, X_test, quick: bool) -> dict:
    cfg = dict(DENOISING)
    if quick:
        cfg["epochs"] = QUICK["denoising_epochs"]
        X_train = X_train[: QUICK["denoising_train"]]
    torch.manual_seed(SEED)
    model = conv_denoising_autoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    loss_fn = tnn.MSELoss()
    x_train, x_test = upsample(X_train, cfg["size"]), upsample(X_test, cfg["size"])
    g = torch.Generator().manual_seed(SEED + 1)
    noisy_test = add_noise(x_test, cfg["noise_factor"], g)  # fixed test noise
    history, test_curve = [], []
    for _ in range(cfg["epochs"]):
        model.train()
        order = torch.randperm(len(x_train), generator=g)
        total = 0.0
        for start in range(0, len(x_train), cfg["batch_size"]):
            clean = x_train[order[start : start + cfg["batch_size"]]]
            noisy = add_noise(clean, cfg["noise_factor"], g)
            loss = loss_fn(model(noisy), clean)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(clean)
        history.append(total / len(x_train))
        model.eval()
        with torch.no_grad():
            test_curve.append(loss_fn(model(noisy_test), x_test).item())
    with torch.no_grad():
        output = model(noisy_test)
    noisy_mse = loss_fn(noisy_test, x_test).item()
    output_mse = loss_fn(output, x_test).item()
    # a baseline that learns nothing: the mean of each k x k window of the noisy input
    box_mse = {}
    for k in (3, 5):
        blurred = torch.nn.functional.avg_pool2d(
            noisy_test, k, stride=1, padding=k // 2, count_include_pad=False
        )
        box_mse[k] = loss_fn(blurred, x_test).item()
    n = cfg["examples"]
    table = {
        "columns": ["against the clean test digits", "MSE", "PSNR (dB)"],
        "rows": [
            ["noisy input", noisy_mse, psnr(noisy_mse)],
            *(
                [
                    f"{k}x{k} mean filter of the noisy input",
                    box_mse[k],
                    psnr(box_mse[k]),
                ]
                for k in (3, 5)
            ),
            ["autoencoder output", output_mse, psnr(output_mse)],
        ],
        "formats": ["", ".4f", ".2f"],
    }
    return {
        "config": dict(cfg, n_train=len(x_train), n_test=len(x_test)),
        "noisy_mse": noisy_mse,
        "output_mse": output_mse,
        "noisy_psnr": psnr(noisy_mse),
        "output_psnr": psnr(output_mse),
        "psnr_gain": psnr(output_mse) - psnr(noisy_mse),
        "box_mse": {str(k): v for k, v in box_mse.items()},
        "train_loss": history,
        "test_mse": test_curve,
        "table": table,
        "examples": {
            "noisy": noisy_test[:n, 0].numpy().round(3).tolist(),
            "output": output[:n, 0].numpy().round(3).tolist(),
            "clean": x_test[:n, 0].numpy().round(3).tolist(),
        },
    }


# -- sparse: an L1 penalty on the code ------------------------------------------------


def sparse(X_train, X_test, quick: bool) -> dict:
    cfg = dict(SPARSE)
    if quick:
        cfg.update(lams=QUICK["lams"], epochs=QUICK["sparse_epochs"])
    rows, runs = [], []
    for lam in cfg["lams"]:
        g = np.random.default_rng(SEED)
        encoder = nn.Sequential(
            nn.Linear(64, cfg["hidden"], dtype=np.float64, generator=g), nn.ReLU()
        )
        decoder = nn.Sequential(
            nn.Linear(cfg["hidden"], 64, dtype=np.float64, generator=g), nn.Sigmoid()
        )
        model = nn.Sequential(encoder, decoder)
        history = train_autoencoder(
            model,
            X_train,
            epochs=cfg["epochs"],
            batch_size=cfg["batch_size"],
            lr=cfg["lr"],
            generator=np.random.default_rng(SEED + 1),
            lam=lam,
            encoder=encoder,
            decoder=decoder,
        )
        h = encoder(X_test)  # (540, hidden)
        run = {
            "lam": lam,
            "test_mse": mse(decoder(h), X_test),
            "near_zero_fraction": float((h < cfg["threshold"]).mean()),
            "active_per_image": float((h >= cfg["threshold"]).sum(axis=1).mean()),
            "dead_units": int(((h >= cfg["threshold"]).sum(axis=0) == 0).sum()),
            "train_loss": history,
        }
        runs.append(run)
        rows.append(
            [
                lam,
                run["near_zero_fraction"],
                run["active_per_image"],
                run["dead_units"],
                run["test_mse"],
            ]
        )
    table = {
        "columns": [
            "L1 weight lam",
            "code activations < 0.01",
            "active units per image",
            "units never active",
            "test MSE",
        ],
        "rows": rows,
        "formats": ["g", ".3f", ".1f", "d", ".4f"],
    }
    return {"config": cfg, "runs": runs, "table": table}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    timer = Timer()
    X_train, X_test = load_data()
    results = {"n_train": len(X_train), "n_test": len(X_test)}
    results["undercomplete"] = undercomplete(X_train, X_test, args.quick)
    results["undercomplete_seconds"] = round(timer(), 1)
    results["denoising"] = denoising(X_train, X_test, args.quick)
    results["denoising_seconds"] = round(timer() - results["undercomplete_seconds"], 1)
    results["sparse"] = sparse(X_train, X_test, args.quick)
    seeds = {
        "numpy (per code size k)": f"{SEED} + k",
        "torch.manual_seed": SEED,
        "torch noise generator": SEED + 1,
        "sparse init / batches": f"{SEED} / {SEED + 1}",
    }
    record = finish(NAME, args, argv, seeds, results, timer.start)
    if not args.write:
        for key in ("undercomplete", "denoising", "sparse"):
            table = results[key]["table"]
            print(key, table["columns"])
            for row in table["rows"]:
                print("  ", row)
    return record


if __name__ == "__main__":
    main()
