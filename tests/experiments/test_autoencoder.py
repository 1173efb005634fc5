"""The quick version of experiments/autoencoder.py still learns: AE vs PCA, denoising,
sparsity."""

import pytest

from experiments import autoencoder


@pytest.fixture(scope="module")
def record():
    return autoencoder.main(["--quick"])


def test_undercomplete_autoencoders_learn(record):
    runs = record["results"]["undercomplete"]["runs"]
    for k, run in runs.items():
        # a linear AE reaches PCA's error (PCA is optimal among linear maps of rank k)
        assert run["linear_ae_mse"] < 1.02 * run["pca_mse"], k
        # the nonlinear AE's training loss falls well below its start
        assert run["ae_train_loss"][-1] < 0.7 * run["ae_train_loss"][0], k
    # with a 2-number code, the nonlinear AE beats PCA on test digits
    assert runs["2"]["ae_mse"] < runs["2"]["pca_mse"]


def test_denoising_autoencoder_removes_noise(record):
    d = record["results"]["denoising"]
    assert d["output_mse"] < 0.6 * d["noisy_mse"]
    assert d["psnr_gain"] > 2.0
    shapes = {len(d["examples"][key][0]) for key in ("noisy", "output", "clean")}
    assert shapes == {28}  # 28 x 28 images in and out


def test_l1_penalty_sparsifies_the_code(record):
    runs = record["results"]["sparse"]["runs"]
    assert runs[0]["lam"] == 0.0
    assert runs[-1]["near_zero_fraction"] > runs[0]["near_zero_fraction"] + 0.3
    assert runs[-1]["test_mse"] > runs[0]["test_mse"]  # sparsity costs accuracy


def test_tables_are_complete(record):
    for key in ("undercomplete", "denoising", "sparse"):
        table = record["results"][key]["table"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
        assert len(table["formats"]) == len(table["columns"])
