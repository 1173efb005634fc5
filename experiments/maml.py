"""MAML, first-order MAML and a pretrained baseline on sinusoid regression (Finn et al. 2017).

The task family of Finn, Abbeel and Levine (2017): each task is a sinusoid
``y = A sin(x - phi)`` with amplitude ``A`` uniform in [0.1, 5] and phase ``phi`` uniform
in [0, pi]; inputs ``x`` are uniform in [-5, 5]. A learner sees ``K = 10`` labelled points
of a new task (the support set) and must predict the whole curve after a few steps of
gradient descent on them. The network is an MLP 1-40-40-1 with ReLU, as in the paper.

Three ways to train the initial weights ``theta``, each for the same number of updates
(Adam, lr 1e-3, meta-batches of 25 tasks, K = 10 support and 10 query points per task):

* ``maml``: the second-order MAML objective: adapt on the support set by one step of SGD
  (inner learning rate 0.01), measure the MSE of the adapted weights on the query set,
  and differentiate that through the inner step (``torch.func.grad`` inside autograd:
  the meta-gradient carries the Hessian-vector term);
* ``fomaml``: first-order MAML: the same, with the inner gradient detached, so the
  meta-gradient is the query gradient at the adapted weights;
* ``pretrained``: one network trained on the pooled data of all tasks (plain MSE on the
  same 20 points per task, no inner step): it learns the average task,
  about -(2/pi) E[A] cos x.

Evaluation: 500 held-out tasks (a separate seed), K = 10 support points each; every
method is fine-tuned the same way, k steps of SGD with the inner learning rate from its
own initial weights, and scored by the MSE on 100 evenly spaced points of [-5, 5], after
k = 0, 1, 5, 10 steps. The record also keeps the adapted curves of one held-out task.

    python experiments/maml.py --write   # the recorded run (~4 CPU-minutes, 2 seeds)
    python experiments/maml.py --quick   # a few seconds: fewer updates, 1 seed
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "maml"
METHODS = ("maml", "fomaml", "pretrained")
STEPS = (0, 1, 5, 10)                     # adaptation steps reported at test time
CONFIG = {
    "amplitude": [0.1, 5.0], "phase": [0.0, math.pi], "x_range": [-5.0, 5.0],
    "hidden": [40, 40], "k_shot": 10, "k_query": 10, "meta_batch": 25,
    "inner_lr": 0.01, "inner_steps": 1, "outer_lr": 1e-3,
    "test_tasks": 500, "test_points": 100,
}
FULL = {"iterations": 8000, "seeds": [0, 1]}
QUICK = {"iterations": 600, "seeds": [0]}
TEST_SEED = 12345


def make_model(hidden=(40, 40), dtype=torch.float32) -> nn.Sequential:
    """An MLP 1-h1-...-1 with ReLU (the paper's 1-40-40-1 by default)."""
    sizes = [1, *hidden, 1]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out, dtype=dtype), nn.ReLU()]
    return nn.Sequential(*layers[:-1])                   # no ReLU after the output


def sample_tasks(n: int, generator: torch.Generator, dtype=torch.float32):
    """Amplitudes A ~ U[0.1, 5] and phases phi ~ U[0, pi] of ``n`` sinusoid tasks."""
    (a_lo, a_hi), (p_lo, p_hi) = CONFIG["amplitude"], CONFIG["phase"]
    amplitude = a_lo + (a_hi - a_lo) * torch.rand(n, generator=generator, dtype=dtype)
    phase = p_lo + (p_hi - p_lo) * torch.rand(n, generator=generator, dtype=dtype)
    return amplitude, phase


def sample_points(amplitude, phase, k: int, generator: torch.Generator):
    """``k`` points per task, x ~ U[-5, 5], y = A sin(x - phi): shapes (T, k, 1)."""
    lo, hi = CONFIG["x_range"]
    x = lo + (hi - lo) * torch.rand(len(amplitude), k, 1, generator=generator,
                                    dtype=amplitude.dtype)              # (T, k, 1)
    y = amplitude[:, None, None] * torch.sin(x - phase[:, None, None])  # (T, k, 1)
    return x, y


def mse(model, params: dict, x, y):
    """The task loss: mean squared error of the network with weights ``params``."""
    return ((functional_call(model, params, (x,)) - y) ** 2).mean()


def adapt(model, params: dict, x, y, lr: float, steps: int, first_order: bool = False):
    """``steps`` of SGD on one task's support set: theta' = theta - lr grad L_support.

    The inner gradient stays in the autograd graph, so differentiating a loss at the
    adapted weights reaches back through it (second-order MAML); with ``first_order``
    it is detached (FOMAML: d theta' / d theta taken as the identity).
    """
    for _ in range(steps):
        g = grad(lambda p: mse(model, p, x, y))(params)
        if first_order:
            g = {name: gi.detach() for name, gi in g.items()}
        params = {name: p - lr * g[name] for name, p in params.items()}
    return params


def maml_loss(model, params: dict, x_s, y_s, x_q, y_q, lr: float, steps: int,
              first_order: bool = False):
    """The meta-objective: the mean over tasks of L_query(adapt(theta, support)).

    Tasks are batched with ``vmap``: ``x_s``, ``y_s`` are (T, K, 1), ``x_q``, ``y_q``
    (T, Q, 1).
    """
    def one_task(xs, ys, xq, yq):
        adapted = adapt(model, params, xs, ys, lr, steps, first_order)
        return mse(model, adapted, xq, yq)

    return vmap(one_task)(x_s, y_s, x_q, y_q).mean()


def pooled_loss(model, params: dict, x_s, y_s, x_q, y_q):
    """The baseline's objective: plain MSE on all the tasks' points pooled together."""
    x = torch.cat([x_s, x_q], dim=1)                    # (T, K + Q, 1)
    y = torch.cat([y_s, y_q], dim=1)                    # (T, K + Q, 1)
    return mse(model, params, x, y)


def train(method: str, seed: int, iterations: int) -> tuple:
    """Meta-train (or pretrain) an initialization; returns the model and its loss curve."""
    torch.manual_seed(seed)
    model = make_model(CONFIG["hidden"])
    params = dict(model.named_parameters())
    optimizer = torch.optim.Adam(params.values(), lr=CONFIG["outer_lr"])
    g = torch.Generator().manual_seed(1000 + seed)      # the same tasks for every method
    curve = []
    for _ in range(iterations):
        amplitude, phase = sample_tasks(CONFIG["meta_batch"], g)
        x_s, y_s = sample_points(amplitude, phase, CONFIG["k_shot"], g)
        x_q, y_q = sample_points(amplitude, phase, CONFIG["k_query"], g)
        if method == "pretrained":
            loss = pooled_loss(model, params, x_s, y_s, x_q, y_q)
        else:
            loss = maml_loss(model, params, x_s, y_s, x_q, y_q, CONFIG["inner_lr"],
                             CONFIG["inner_steps"], first_order=method == "fomaml")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        curve.append(loss.item())
    return model, curve


def test_tasks(n: int, k: int, n_points: int):
    """Held-out tasks: support sets of ``k`` random points and an even grid of x."""
    g = torch.Generator().manual_seed(TEST_SEED)
    amplitude, phase = sample_tasks(n, g)
    x_s, y_s = sample_points(amplitude, phase, k, g)
    x_grid = torch.linspace(*CONFIG["x_range"], n_points)[None, :, None].expand(n, -1, 1)
    y_grid = amplitude[:, None, None] * torch.sin(x_grid - phase[:, None, None])
    return x_s, y_s, x_grid, y_grid


def evaluate(model, x_s, y_s, x_grid, y_grid, steps=STEPS) -> dict:
    """Mean grid MSE over tasks after k steps of SGD on each support set."""
    params = {name: p.detach() for name, p in model.named_parameters()}

    def after(k):
        def one_task(xs, ys, xg, yg):
            return mse(model, adapt(model, params, xs, ys, CONFIG["inner_lr"], k), xg, yg)
        return vmap(one_task)(x_s, y_s, x_grid, y_grid).mean().item()

    return {k: after(k) for k in steps}


def adapted_curves(model, x_s, y_s, x_grid, steps=(1, 10)) -> dict:
    """Predictions on the grid for one task after each number of steps (for the figure)."""
    params = {name: p.detach() for name, p in model.named_parameters()}
    out = {}
    for k in steps:
        adapted = adapt(model, params, x_s, y_s, CONFIG["inner_lr"], k)
        out[str(k)] = [round(v, 4) for v in
                       functional_call(model, adapted, (x_grid,)).flatten().tolist()]
    return out


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    run = QUICK if args.quick else FULL
    x_s, y_s, x_grid, y_grid = test_tasks(CONFIG["test_tasks"], CONFIG["k_shot"],
                                          CONFIG["test_points"])
    mse_runs = {m: {str(k): [] for k in STEPS} for m in METHODS}
    curves, seconds, example = {}, {m: [] for m in METHODS}, {}
    for seed in run["seeds"]:
        for method in METHODS:
            timer = Timer()
            model, curve = train(method, seed, run["iterations"])
            seconds[method].append(round(timer(), 1))
            for k, value in evaluate(model, x_s, y_s, x_grid, y_grid).items():
                mse_runs[method][str(k)].append(value)
            if seed == run["seeds"][0]:
                # the training loss, averaged over windows of 100 updates
                curves[method] = [round(sum(curve[i:i + 100]) / len(curve[i:i + 100]), 4)
                                  for i in range(0, len(curve), 100)]
                example[method] = adapted_curves(model, x_s[0], y_s[0], x_grid[0])
            print(f"seed {seed} {method:10s} {seconds[method][-1]:6.1f} s  "
                  + "  ".join(f"k={k}: {v[-1]:.3f}" for k, v in mse_runs[method].items()),
                  flush=True)
    mean = {m: {k: sum(v) / len(v) for k, v in runs.items()} for m, runs in mse_runs.items()}
    table = {
        "columns": ["method", *[f"MSE after {k} steps" for k in STEPS]],
        "rows": [[m, *[mean[m][str(k)] for k in STEPS]] for m in METHODS],
        "formats": ["", *[".3f"] * len(STEPS)],
    }
    results = {
        "config": {**CONFIG, **run, "steps": list(STEPS)},
        "mse_mean": mean,
        "mse_runs": mse_runs,
        "table": table,
        "train_seconds": seconds,
        "train_curves": curves,
        "example_task": {
            "x_grid": [round(v, 4) for v in x_grid[0].flatten().tolist()],
            "y_true": [round(v, 4) for v in y_grid[0].flatten().tolist()],
            "x_support": [round(v, 4) for v in x_s[0].flatten().tolist()],
            "y_support": [round(v, 4) for v in y_s[0].flatten().tolist()],
            "predictions": example,
        },
    }
    seeds = {"torch_init": run["seeds"], "task_sampler": [1000 + s for s in run["seeds"]],
             "test_tasks": TEST_SEED}
    return finish(NAME, args, argv, seeds, results, started)


if __name__ == "__main__":
    main()
