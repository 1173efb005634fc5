"""The quick version of experiments/gru_vs_lstm.py still learns the adding problem."""

from experiments import gru_vs_lstm


def test_quick_run_learns_and_twins_agree():
    record = gru_vs_lstm.main(["--quick"])
    results = record["results"]
    assert record["quick"] is True
    runs = results["runs"]
    assert {(r["cell"], r["hidden"]) for r in runs} == {("LSTM", 32), ("GRU", 32), ("GRU", 37)}
    # predicting the mean gives 1/6; the best model gets far below it within 300 updates
    best = min(r["final_test_mse"] for r in runs)
    assert best < 0.25 * results["baseline_mse"]
    # the test MSE of the best model fell during training, not only at the end
    curve = min(runs, key=lambda r: r["final_test_mse"])["test_mse"]
    assert curve[-1] < 0.5 * curve[0]
    # parameter counts: 4 (H I + H H + 2 H) for the LSTM, 3 (...) for the GRU, + the head
    counts = {(r["cell"], r["hidden"]): r["parameters"] for r in runs}
    assert counts[("LSTM", 32)] == 4 * (32 * 2 + 32 * 32 + 64) + 33
    assert counts[("GRU", 32)] == 3 * (32 * 2 + 32 * 32 + 64) + 33
    assert abs(counts[("GRU", 37)] - counts[("LSTM", 32)]) < 0.02 * counts[("LSTM", 32)]
    # dlref's torch twins, loaded with the trained weights, give torch.nn's outputs
    assert results["twin_max_abs_diff"] < 1e-5
    assert set(results["table"]["columns"]) >= {"T", "model", "parameters"}
