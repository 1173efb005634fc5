"""The character-level language model's quick run still learns, and its twins match torch.nn."""

import math

from experiments import char_lm


def test_quick_run_learns():
    record = char_lm.main(["--quick"])
    results = record["results"]
    log_V = math.log(results["data"]["vocab_size"])           # uniform guessing, nats/char
    for name in ("transformer", "lstm"):
        run = results[name]
        assert run["curve"]["val"][0] > log_V - 0.5            # starts near uniform guessing
        assert run["val_loss"] < log_V - 1.2                   # ... and ends well below it
        assert all(len(s) > len(char_lm.PROMPT) for s in run["samples"].values())
    # the two models have about the same number of parameters
    assert abs(results["lstm"]["parameters"] / results["transformer"]["parameters"] - 1) < 0.02
    # the dlref twins give torch.nn's logits for the same weights
    for check in results["twins"].values():
        assert check["max_abs_logit_difference"] < 1e-4
    assert results["data"]["train_entries"] > 5 * results["data"]["val_entries"] > 0


def test_split_is_by_entry():
    train, val = char_lm.split_entries(100, 0.1, seed=0)
    assert len(val) == 10 and len(train) == 90
    assert sorted(set(train.tolist()) | set(val.tolist())) == list(range(100))   # every entry once
