"""The GAN recorded run: the quick version moves the generators onto the data."""

import numpy as np
import pytest
import torch

from experiments import gan


@pytest.fixture(scope="module")
def results():
    return gan.main(["--quick"])["results"]


def test_ring_generators_move_onto_the_ring(results):
    for method, runs in results["ring"].items():
        history = runs["0"]["history"]
        # at initialization the samples sit near the origin, about 1.9 from every mode
        assert history[0]["mean_distance"] > 1.5, method
        assert history[-1]["mean_distance"] < 0.6 * history[0]["mean_distance"], method


def test_ring_table_has_one_row_per_method(results):
    table = results["ring_table"]
    assert len(table["rows"]) == len(gan.METHODS)
    assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_digit_gan_learns_and_judge_is_accurate(results):
    digits = results["digits"]
    assert digits["judge_test_accuracy"] > 0.9
    assert np.isfinite(np.array(digits["losses"])).all()
    scores = digits["scores"]
    # the judge is more confident on the GAN's samples than on uniform noise
    assert scores["GAN samples"]["confidence"] > scores["uniform noise"]["confidence"]
    assert scores["real (held out)"]["effective_classes"] > 9.5


def test_ring_scores_of_the_data_itself():
    x = gan.ring_sample(4000, torch.Generator().manual_seed(0))
    scores = gan.ring_scores(x)
    assert scores["modes"] == 8
    assert scores["high_quality"] > 0.98                 # 3 sigma in 2-D: 98.9 %
    collapsed = gan.ring_centers()[[0]].repeat(100, 1)
    assert gan.ring_scores(collapsed)["modes"] == 1


def test_minibatch_std_sees_the_spread():
    body = torch.nn.Identity()
    x = torch.tensor([[0.0, 0.0], [2.0, 4.0]])
    out = gan.MinibatchStd(body)(x)
    assert out.shape == (2, 3)
    expected = x.std(dim=0).mean()
    assert torch.allclose(out[:, 2], expected.expand(2))
