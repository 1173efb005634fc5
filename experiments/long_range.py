"""RNN against LSTM against GRU on the adding problem, at growing sequence lengths T.

The adding problem (Hochreiter and Schmidhuber 1997): each step of a sequence of length T
carries two numbers, a value ~ U(0, 1) and a marker; exactly two markers are 1, one in
each half of the sequence, and the target is the sum of the two marked values. Predicting
the mean (1) gives an MSE of 1/6; to do better a model must carry the first marked value
across at least one half of the sequence. A prediction counts as correct when it is within
0.04 of the target (the criterion of the original paper), so the accuracy of a constant
prediction is about 0.08.

Three one-layer recurrent layers with the same hidden size H = 32 (a tanh RNN, an LSTM, a
GRU; torch's default initialization), each followed by a linear head on the last state,
are trained with the same optimizer (Adam, lr 1e-2, gradient norm clipped to 1), the same
batches and the same number of updates, for T = 10, 25, 50, 100, 200 and two seeds. The
test MSE and accuracy on a fixed test set are recorded every ``eval_every`` updates, with
the training time. For the LSTM, each unit's mean forget gate over the test set is
recorded at initialization and after training.

Training uses ``torch.nn.RNN`` / ``LSTM`` / ``GRU``: dlref's twins (``dlref.torch.nn``)
loop over the time steps in Python, and the recorded per-update times show how much slower
that is. After training, each twin loads the trained ``state_dict`` and must give the same
test predictions (the largest difference is recorded).

    python experiments/long_range.py --write      # the recorded run (~5 CPU-minutes)
    python experiments/long_range.py --quick      # a few seconds: T = 10, one seed
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "long_range"
CELLS = ("RNN", "LSTM", "GRU")
INPUT_SIZE = 2
TOLERANCE = 0.04            # |prediction - target| < 0.04 counts as correct
BASELINE_MSE = 1 / 6        # the variance of the sum of two U(0, 1) values


def adding_batch(T: int, batch: int, generator: torch.Generator):
    """``(x, y)``: x ``(T, B, 2)`` (value, marker), y ``(B,)`` the sum of the two marked values."""
    values = torch.rand(T, batch, generator=generator)                      # (T, B)
    half = T // 2
    first = torch.randint(0, half, (batch,), generator=generator)           # one marker in each half
    second = torch.randint(half, T, (batch,), generator=generator)
    markers = torch.zeros(T, batch)
    cols = torch.arange(batch)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = torch.stack([values, markers], dim=-1)                              # (T, B, 2)
    y = values[first, cols] + values[second, cols]                          # (B,)
    return x, y


class Regressor(torch.nn.Module):
    """A one-layer RNN, LSTM or GRU reading the sequence; a linear head on its last output."""

    def __init__(self, cell: str, hidden: int, layers=torch.nn):
        super().__init__()
        self.rnn = getattr(layers, cell)(INPUT_SIZE, hidden)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        output, _ = self.rnn(x)                                             # (T, B, H)
        return self.head(output[-1]).squeeze(-1)                            # (B,)


def evaluate(model: Regressor, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Test MSE and accuracy (fraction with |error| < 0.04)."""
    with torch.no_grad():
        error = model(x) - y
    return float(error.pow(2).mean()), float((error.abs() < TOLERANCE).float().mean())


def forget_gate_per_unit(model: Regressor, x: torch.Tensor) -> list[float]:
    """Each unit's mean of f_t = sigma(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf) over steps and sequences."""
    lstm = model.rnn
    H = lstm.hidden_size
    with torch.no_grad():
        output, _ = lstm(x)                                                 # (T, B, H): h_1 ... h_T
        h_prev = torch.cat([torch.zeros_like(output[:1]), output[:-1]])    # (T, B, H): h_0 ... h_{T-1}
        # the forget gate is the second of torch's four blocks i, f, g, o
        W_if, W_hf = lstm.weight_ih_l0[H:2 * H], lstm.weight_hh_l0[H:2 * H]
        b_f = lstm.bias_ih_l0[H:2 * H] + lstm.bias_hh_l0[H:2 * H]
        f = torch.sigmoid(x @ W_if.T + h_prev @ W_hf.T + b_f)              # (T, B, H)
    return [float(v) for v in f.mean(dim=(0, 1))]


def twin_difference(model: Regressor, cell: str, hidden: int, x: torch.Tensor) -> float:
    """Largest |difference| of the predictions of torch.nn's layer and dlref's twin, same weights."""
    from dlref.torch import nn as twin

    ours = Regressor(cell, hidden, layers=twin)
    ours.load_state_dict(model.state_dict())
    with torch.no_grad():
        return float((ours(x) - model(x)).abs().max())


def seconds_per_update(cell: str, hidden: int, T: int, batch: int, layers, repeats: int = 3) -> float:
    """Median wall time of one training update (forward, backward, Adam) on a fixed batch."""
    torch.manual_seed(0)
    model = Regressor(cell, hidden, layers=layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = adding_batch(T, batch, torch.Generator().manual_seed(0))
    times = []
    for _ in range(repeats + 1):                 # the first update warms up, and is not counted
        timer = Timer()
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(timer())
    return float(np.median(times[1:]))


def train(cell: str, hidden: int, T: int, seed: int, steps: int, batch: int, lr: float,
          eval_every: int, test: tuple) -> dict:
    torch.manual_seed(seed)
    model = Regressor(cell, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    data = torch.Generator().manual_seed(1000 + seed)
    x_test, y_test = test
    forget_init = forget_gate_per_unit(model, x_test) if cell == "LSTM" else None
    curve_mse, curve_acc = [], []
    seconds = 0.0
    for step in range(1, steps + 1):
        x, y = adding_batch(T, batch, data)
        timer = Timer()                          # time the update only, not the data
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        seconds += timer()
        if step % eval_every == 0:
            mse, acc = evaluate(model, x_test, y_test)
            curve_mse.append(mse)
            curve_acc.append(acc)
    solved = next((eval_every * (i + 1) for i, mse in enumerate(curve_mse) if mse < 0.01), None)
    return {"test_mse": curve_mse, "test_accuracy": curve_acc,
            "final_test_mse": curve_mse[-1], "final_accuracy": curve_acc[-1],
            "steps_to_mse_1e-2": solved, "train_seconds": seconds,
            "forget_gate_init": forget_init,
            "forget_gate_trained": forget_gate_per_unit(model, x_test) if cell == "LSTM" else None,
            "twin_max_abs_diff": twin_difference(model, cell, hidden, x_test[:, :100])}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    if args.quick:
        lengths, seeds, steps, eval_every, test_size = [10], [0], 300, 50, 500
    else:
        lengths, seeds, steps, eval_every, test_size = [10, 25, 50, 100, 200], [0, 1], 1500, 100, 1000
    hidden, batch, lr = 32, 64, 1e-2

    runs, constant = [], {}
    for T in lengths:
        test = adding_batch(T, test_size, torch.Generator().manual_seed(12345 + T))
        # the baseline: always predict the mean target, 1
        error = 1.0 - test[1]
        constant[f"T{T}"] = {"test_mse": float(error.pow(2).mean()),
                             "accuracy": float((error.abs() < TOLERANCE).float().mean())}
        for cell in CELLS:
            for seed in seeds:
                result = train(cell, hidden, T, seed, steps, batch, lr, eval_every, test)
                params = sum(p.numel() for p in Regressor(cell, hidden).parameters())
                runs.append({"T": T, "cell": cell, "seed": seed, "parameters": params, **result})
                print(f"T={T:3d} {cell:4s} seed {seed}: test MSE {result['final_test_mse']:.4f}, "
                      f"accuracy {result['final_accuracy']:.3f}, "
                      f"{result['train_seconds']:.1f} s", flush=True)

    def mine(T, cell):
        return [r for r in runs if r["T"] == T and r["cell"] == cell]

    # one row per T: the accuracy and the test MSE of each model, mean over the seeds
    rows, summary = [], {}
    for T in lengths:
        row = [T]
        for key in ("final_accuracy", "final_test_mse"):
            row += [float(np.mean([r[key] for r in mine(T, cell)])) for cell in CELLS]
        rows.append(row)
        summary[f"T{T}"] = {cell: {"accuracy": float(np.mean([r["final_accuracy"] for r in mine(T, cell)])),
                                   "test_mse": float(np.mean([r["final_test_mse"] for r in mine(T, cell)])),
                                   "solved": sum(r["steps_to_mse_1e-2"] is not None for r in mine(T, cell)),
                                   "train_seconds": float(np.mean([r["train_seconds"] for r in mine(T, cell)]))}
                            for cell in CELLS}
        # the LSTM's forget gates: each unit's mean over the test set, at init and trained
        lstm = mine(T, "LSTM")
        for when in ("init", "trained"):
            units = np.array([r[f"forget_gate_{when}"] for r in lstm])          # (seeds, H)
            summary[f"T{T}"]["LSTM"][f"forget_gate_{when}"] = {
                "mean": float(units.mean()),
                "largest_unit": float(units.max(axis=1).mean()),
                "units_above_0_9": float((units > 0.9).sum(axis=1).mean())}

    # parameters and time per model; the twins' time per update against torch.nn's at T_speed
    T_speed = 10 if args.quick else 100
    from dlref.torch import nn as twin
    speed_rows, speed = [], {}
    for cell in CELLS:
        fused = seconds_per_update(cell, hidden, T_speed, batch, torch.nn)
        ours = seconds_per_update(cell, hidden, T_speed, batch, twin)
        total = float(sum(r["train_seconds"] for r in runs if r["cell"] == cell))
        params = mine(lengths[0], cell)[0]["parameters"]
        speed[cell] = {"parameters": params, "ms_per_update_torch": 1000 * fused,
                       "ms_per_update_twin": 1000 * ours, "twin_slowdown": ours / fused,
                       "train_seconds_total": total}
        speed_rows.append([cell, params, total, 1000 * fused, 1000 * ours, ours / fused])

    results = {
        "task": "adding problem, markers one in each half",
        "lengths": lengths,
        "seeds": seeds,
        "hidden_size": hidden,
        "steps": steps,
        "batch": batch,
        "eval_every": eval_every,
        "test_size": test_size,
        "optimizer": f"Adam, lr {lr:g}, gradient norm clipped to 1",
        "tolerance": TOLERANCE,
        "baseline_mse": BASELINE_MSE,
        "constant_prediction": constant,
        "table": {
            "columns": ["T", "RNN accuracy", "LSTM accuracy", "GRU accuracy",
                        "RNN MSE", "LSTM MSE", "GRU MSE"],
            "rows": rows,
            "formats": ["d", ".2f", ".2f", ".2f", ".4f", ".4f", ".4f"],
        },
        "summary": summary,
        "speed_T": T_speed,
        "models": {
            "columns": ["model (H = 32)", "parameters", "training seconds (all runs)",
                        f"ms per update, torch.nn (T = {T_speed})",
                        f"ms per update, dlref.torch.nn twin (T = {T_speed})", "twin / torch.nn"],
            "rows": speed_rows,
            "formats": ["", ",d", ".0f", ".1f", ".1f", ".1f"],
        },
        "speed": speed,
        "twin_max_abs_diff": max(r["twin_max_abs_diff"] for r in runs),
        "runs": runs,
    }
    seeds_record = {"torch.manual_seed (weights)": seeds, "data generator": [1000 + s for s in seeds],
                    "test set generator": [12345 + T for T in lengths]}
    return finish(NAME, args, argv, seeds_record, results, started)


if __name__ == "__main__":
    main()
