"""The quick version of experiments/long_range.py still learns the adding problem."""

from experiments import long_range


def test_quick_run_lstm_learns_and_twins_agree():
    record = long_range.main(["--quick"])
    results = record["results"]
    assert record["quick"] is True
    runs = {r["cell"]: r for r in results["runs"]}
    assert set(runs) == {"RNN", "LSTM", "GRU"}
    lstm = runs["LSTM"]
    # predicting the mean gives 1/6; the LSTM gets far below it within 300 updates at T = 10
    assert results["baseline_mse"] == 1 / 6
    assert lstm["final_test_mse"] < 0.1 * results["baseline_mse"]
    # ... and it got there by training: its test MSE fell along the way
    assert lstm["test_mse"][0] > 0.5 * results["baseline_mse"]
    assert lstm["final_test_mse"] < 0.1 * lstm["test_mse"][0]
    # a constant prediction is within 0.04 of the target about 8 % of the time
    assert results["constant_prediction"]["T10"]["accuracy"] < 0.15
    assert lstm["final_accuracy"] > 0.25
    # parameters: G (H I + H H + 2 H) with G = 1, 4, 3 gates, + the head's H + 1
    counts = {cell: r["parameters"] for cell, r in runs.items()}
    assert counts == {cell: gates * (32 * 2 + 32 * 32 + 64) + 33
                      for cell, gates in (("RNN", 1), ("LSTM", 4), ("GRU", 3))}
    # forget gates are sigmoids
    assert len(lstm["forget_gate_init"]) == len(lstm["forget_gate_trained"]) == 32
    assert all(0 < f < 1 for f in lstm["forget_gate_init"] + lstm["forget_gate_trained"])
    forget = results["summary"]["T10"]["LSTM"]["forget_gate_trained"]
    assert forget["mean"] <= forget["largest_unit"] < 1
    # dlref's torch twins, loaded with the trained weights, give torch.nn's predictions
    assert results["twin_max_abs_diff"] < 1e-5
    assert len(results["table"]["rows"]) == 1
    assert len(results["table"]["rows"][0]) == len(results["table"]["columns"])
