"""The quick version of experiments/ddp_scaling.py: two DDP processes learn and agree."""

from experiments import ddp_scaling


def test_quick_run_learns_and_ranks_agree():
    record = ddp_scaling.main(["--quick"])
    results = record["results"]
    assert record["quick"] is True
    (b,) = results["settings"]["batches"]
    run = results["per_batch"][f"b{b}"]
    # SGD on digits: the DDP run's loss falls well below log(10) = 2.30 (chance)
    assert run["ddp_loss_first"] > 2.0
    assert run["ddp_loss_last"] < 0.8 * run["ddp_loss_first"]
    # the two ranks end with the same parameters, bit for bit
    assert run["max_param_diff"] == 0.0
    # every timing was measured, and the table has one row per batch size
    for key in ("ms_single_b", "ms_single_2b", "ms_ddp", "ms_no_sync"):
        assert run[key] > 0
    assert results["all_reduce"]["gloo_ms"] > 0 and results["all_reduce"]["ring_ms"] > 0
    assert results["all_reduce"]["bytes_sent_per_rank_model"] == 4 * results["parameters"]
    assert len(results["table"]["rows"]) == 1
    assert results["parameters"] == 64 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
