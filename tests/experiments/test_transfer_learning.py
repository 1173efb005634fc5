"""The quick version of experiments/transfer_learning.py still learns and transfers."""

from experiments import transfer_learning


def test_quick_run_learns_and_records_every_method():
    record = transfer_learning.main(["--quick"])
    results = record["results"]
    assert record["quick"] is True
    # the source network learned its task (ten classes: chance is 0.1)
    for pre in results["pretraining"]:
        assert pre["source_val_accuracy"] > 0.9
        assert pre["last_loss"] < 0.25 * pre["first_loss"]
    runs = results["runs"]
    assert [r["per_class"] for r in runs] == results["sizes_per_class"]
    for r in runs:
        assert set(transfer_learning.METHODS) <= set(r)
        # every method is far above chance (0.1) on the noisy target, even with 3 labels
        assert min(r[m] for m in transfer_learning.METHODS) > 0.3
    # more labels help training from scratch
    assert runs[-1]["scratch"] > runs[0]["scratch"]
    table = results["table"]
    assert len(table["rows"]) == len(results["sizes_per_class"])
    columns = 2 + len(transfer_learning.METHODS)
    assert len(table["columns"]) == len(table["formats"]) == columns
    # the body has the 256 features the head reads
    assert results["parameters"]["head"] == 256 * 10 + 10
