"""The quick version of experiments/pre_post_ln.py: both layouts learn at a small learning rate."""

import math

from experiments import pre_post_ln


def test_quick_run_learns_and_measures():
    record = pre_post_ln.main(["--quick"])
    results = record["results"]
    assert record["quick"] and record["seeds"]["training"] == [0]
    uniform, unigram = results["uniform_loss"], results["unigram_loss"]
    assert unigram < uniform
    # both layouts learn at Adam lr 1e-3 without warm-up: far below the uniform guess, and
    # below the unigram level (knowing only character frequencies)
    for run in results["runs"]:
        assert run["lr"] == 1e-3 and run["warmup"] == 0
        assert run["outcome"] == "learned", run
        assert run["val_loss"] < results["unigram_val_loss"] - 0.3 < uniform - 1.0
        assert run["curve"][-1] < run["curve"][0] - 0.8
    assert {run["layout"] for run in results["runs"]} == {"pre-LN", "post-LN"}
    # the init measurement covers every layer, with finite positive gradient norms
    for init in ("xavier", "default"):
        for layout in ("pre-LN", "post-LN"):
            w2 = results["init"][init][layout]["w2"]
            assert len(w2) == pre_post_ln.NUM_LAYERS
            assert all(math.isfinite(g) and g > 0 for g in w2)
    table = results["init_table"]
    assert len(table["rows"]) == pre_post_ln.NUM_LAYERS
    assert all(len(row) == len(table["columns"]) == len(table["formats"]) for row in table["rows"])
    # dlref's layer and torch's agree for the same weights
    for check in results["twin_check"].values():
        assert check["loss_diff"] < 1e-10 and check["max_grad_diff"] < 1e-10
