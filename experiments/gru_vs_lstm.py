"""GRU against LSTM on the adding problem: equal hidden size and equal parameter count.

The adding problem (Hochreiter and Schmidhuber 1997): each step of a sequence of length T
carries two numbers, a value ~ U(0, 1) and a marker; exactly two markers are 1, one in
each half of the sequence, and the target is the sum of the two marked values. Predicting
the mean (1) gives an MSE of 1/6; a model must carry one value across up to T - 1 steps to
do better. A one-layer recurrent layer reads the sequence and a linear head maps its last
state to the prediction.

Four models per length: an LSTM with H = 32 (torch's default initialization), the same
LSTM with its forget-gate bias set to 1 (Jozefowicz, Zaremba and Sutskever 2015), a GRU
with the same H (3/4 of the LSTM's layer parameters) and a GRU with H = 37, whose layer
has about as many parameters as the LSTM's. Each is trained with Adam (lr 3e-3, gradients clipped to norm 1) on fresh batches
for the same number of steps, for several seeds; the test MSE on a fixed test set is
recorded every ``eval_every`` steps, with the training time.

Training uses ``torch.nn.LSTM`` / ``torch.nn.GRU`` (their fused C++ loops are faster than
the twins); after training, dlref's twins ``dlref.torch.nn.LSTM`` / ``GRU`` load each
model's ``state_dict`` and must give the same test outputs (the largest difference is
recorded).

    python experiments/gru_vs_lstm.py --write      # the recorded run (~4 CPU-minutes)
    python experiments/gru_vs_lstm.py --quick      # a few seconds: T = 20, one seed
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "gru_vs_lstm"
INPUT_SIZE = 2


def adding_batch(T: int, batch: int, generator: torch.Generator):
    """``(x, y)``: x ``(T, B, 2)`` (value, marker), y ``(B, 1)`` the sum of the two marked values."""
    values = torch.rand(T, batch, generator=generator)                        # (T, B)
    half = T // 2
    first = torch.randint(0, half, (batch,), generator=generator)             # one marker in each half
    second = torch.randint(half, T, (batch,), generator=generator)
    markers = torch.zeros(T, batch)
    cols = torch.arange(batch)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = torch.stack([values, markers], dim=-1)                                # (T, B, 2)
    y = (values[first, cols] + values[second, cols]).unsqueeze(-1)           # (B, 1)
    return x, y


class Regressor(torch.nn.Module):
    """A one-layer LSTM or GRU reading the sequence; a linear head on its last state."""

    def __init__(self, cell: str, hidden: int, layers=torch.nn, forget_bias: float | None = None):
        super().__init__()
        self.rnn = getattr(layers, cell)(INPUT_SIZE, hidden)
        self.head = torch.nn.Linear(hidden, 1)
        if forget_bias is not None:              # LSTM gates i, f, g, o: b_if + b_hf = forget_bias
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden:2 * hidden] = forget_bias
                self.rnn.bias_hh_l0[hidden:2 * hidden] = 0.0

    def forward(self, x):
        output, _ = self.rnn(x)                                               # (T, B, H)
        return self.head(output[-1])                                          # (B, 1)


def layer_parameters(cell: str, hidden: int, inputs: int = INPUT_SIZE) -> int:
    """G (H I + H H + 2 H): G = 4 gates for the LSTM, 3 for the GRU."""
    gates = {"LSTM": 4, "GRU": 3}[cell]
    return gates * (hidden * inputs + hidden * hidden + 2 * hidden)


def twin_difference(model: Regressor, cell: str, hidden: int, x: torch.Tensor) -> float:
    """Largest |difference| between torch.nn's layer and dlref's twin with the same weights."""
    from dlref.torch import nn as twin

    ours = Regressor(cell, hidden, layers=twin)
    ours.load_state_dict(model.state_dict())
    with torch.no_grad():
        return float((ours(x) - model(x)).abs().max())


def train(cell: str, hidden: int, forget_bias, T: int, seed: int, steps: int, batch: int,
          eval_every: int, test: tuple) -> dict:
    torch.manual_seed(seed)
    model = Regressor(cell, hidden, forget_bias=forget_bias)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    data = torch.Generator().manual_seed(1000 + seed)
    x_test, y_test = test
    curve = []
    seconds = 0.0
    for step in range(1, steps + 1):
        x, y = adding_batch(T, batch, data)
        timer = Timer()                       # time the update only, not the data
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        seconds += timer()
        if step % eval_every == 0:
            with torch.no_grad():
                curve.append(float(torch.nn.functional.mse_loss(model(x_test), y_test)))
    solved = next((eval_every * (i + 1) for i, mse in enumerate(curve) if mse < 0.01), None)
    return {"test_mse": curve, "final_test_mse": curve[-1], "steps_to_0.01": solved,
            "train_seconds": seconds, "seconds_per_step": seconds / steps,
            "twin_max_abs_diff": twin_difference(model, cell, hidden, x_test)}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    if args.quick:
        lengths, seeds, steps, eval_every = [20], [0], 300, 25
    else:
        lengths, seeds, steps, eval_every = [50, 100], [0, 1, 2], 1000, 50
    batch, test_size = 64, 1000
    # (key, cell, hidden size, forget-gate bias or None for torch's default, label)
    models = [("LSTM32", "LSTM", 32, None, "LSTM, H = 32"),
              ("LSTM32_fb1", "LSTM", 32, 1.0, "LSTM, H = 32, forget bias 1"),
              ("GRU32", "GRU", 32, None, "GRU, H = 32 (equal H)"),
              ("GRU37", "GRU", 37, None, "GRU, H = 37 (equal parameters)")]

    runs = []
    for T in lengths:
        test = adding_batch(T, test_size, torch.Generator().manual_seed(12345 + T))
        for key, cell, hidden, forget_bias, label in models:
            for seed in seeds:
                result = train(cell, hidden, forget_bias, T, seed, steps, batch, eval_every, test)
                runs.append({"T": T, "model": key, "cell": cell, "hidden": hidden, "label": label,
                             "seed": seed,
                             "parameters": layer_parameters(cell, hidden) + hidden + 1, **result})
                print(f"T={T:3d} {label:32s} seed {seed}: test MSE {result['final_test_mse']:.4f}, "
                      f"reached 0.01 at {result['steps_to_0.01']}, "
                      f"{1000 * result['seconds_per_step']:.2f} ms/step", flush=True)

    # one row per (T, model): parameters, final test MSE (median and range over seeds), time
    rows, summary = [], {}
    for T in lengths:
        for key, cell, hidden, forget_bias, label in models:
            mine = [r for r in runs if r["T"] == T and r["model"] == key]
            final = sorted(r["final_test_mse"] for r in mine)
            solved = sum(r["steps_to_0.01"] is not None for r in mine)
            per_step = float(np.median([r["seconds_per_step"] for r in mine]))
            summary[f"T{T}_{key}"] = {"median_test_mse": float(np.median(final)), "min_test_mse": final[0],
                            "max_test_mse": final[-1], "solved": solved,
                            "ms_per_step": 1000 * per_step}
            rows.append([T, label, mine[0]["parameters"], float(np.median(final)), final[0], final[-1],
                         f"{solved} of {len(mine)}", 1000 * per_step])
    ratios = {f"T{T}": summary[f"T{T}_GRU32"]["ms_per_step"] / summary[f"T{T}_LSTM32"]["ms_per_step"]
              for T in lengths}
    results = {
        "task": "adding problem",
        "lengths": lengths,
        "steps": steps,
        "batch": batch,
        "eval_every": eval_every,
        "test_size": test_size,
        "optimizer": "Adam, lr 3e-3, gradient norm clipped to 1",
        "baseline_mse": 1 / 6,
        "table": {
            "columns": ["T", "model", "parameters", "test MSE (median)", "min", "max",
                        "reached MSE < 0.01", "ms per step"],
            "rows": rows,
            "formats": ["d", "", ",d", ".4f", ".4f", ".4f", "", ".2f"],
        },
        "summary": summary,
        "gru_over_lstm_time_per_step": ratios,
        "twin_max_abs_diff": max(r["twin_max_abs_diff"] for r in runs),
        "runs": runs,
    }
    seeds_record = {"torch.manual_seed (weights)": seeds, "data generator": [1000 + s for s in seeds],
                    "test set generator": [12345 + T for T in lengths]}
    return finish(NAME, args, argv, seeds_record, results, started)


if __name__ == "__main__":
    main()
