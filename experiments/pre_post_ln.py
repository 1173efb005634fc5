r"""Pre-LN vs post-LN Transformers: gradients at initialization, and training with and without warm-up.

A post-LN layer (Vaswani et al. 2017, ``norm_first=False``) normalizes after each residual
addition, $x \leftarrow \mathrm{LN}(x + F(x))$; a pre-LN layer (``norm_first=True``) normalizes
the sub-layer's input and leaves the residual path alone, $x \leftarrow x + F(\mathrm{LN}(x))$.
Xiong et al. (2020) show that at initialization post-LN has large gradients near the output
and needs learning-rate warm-up, pre-LN not. This run measures, on a small character-level
causal language model over Debian's ``fortunes`` quotations:

1. ``init``: the gradient norm of each layer's second feed-forward matrix $W_2$ (and of the
   whole layer) at initialization, pre-LN and post-LN, same weights and batch, averaged over
   ``INIT_SEEDS`` initializations; with Xavier-uniform matrices (as ``torch.nn.Transformer``
   initializes them, and as Xiong et al. assume) and with ``TransformerEncoderLayer``'s own
   default initialization. The models are stacks of ``dlref.torch.nn.TransformerEncoderLayer``.
2. ``depth``: the last layer's $W_2$ gradient against the depth $L$ (Xiong et al.: post-LN's
   does not shrink with $L$, pre-LN's shrinks like $1/\sqrt{L}$), and how far the first Adam
   step moves the model's output (Liu et al. 2020: post-LN's output moves more).
3. ``training``: Adam at three learning rates, with and without linear warm-up, pre-LN and
   post-LN, two seeds: the final validation loss, and whether the run learned, got stuck at
   the unigram level (validation loss within ``STUCK_MARGIN`` nats of a model that predicts
   the training text's character frequencies) or diverged (a non-finite loss). For speed
   these models use ``torch.nn.TransformerEncoderLayer``; ``twin_check`` records that
   ``dlref.torch.nn.TransformerEncoderLayer`` loaded with the same weights gives the same
   loss and gradients (float64).

Run ``python experiments/pre_post_ln.py --write`` (about four CPU-minutes on one thread);
``--quick`` is a short version the test suite runs.

References:
    R. Xiong et al. (2020), "On Layer Normalization in the Transformer Architecture", ICML,
    https://arxiv.org/abs/2002.04745
    L. Liu et al. (2020), "Understanding the Difficulty of Training Transformers", EMNLP,
    https://arxiv.org/abs/2004.08249
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from torch import nn

from dlref.data.text import load_fortunes
from dlref.torch import nn as dnn
from experiments.common import Timer, finish, parse_args, set_threads

NAME = "pre_post_ln"
CATEGORIES = ("computers", "science", "literature", "wisdom")
D_MODEL, NHEAD, DIM_FF, NUM_LAYERS = 64, 4, 256, 6
CONTEXT, BATCH = 32, 16
VAL_FRACTION, VAL_BATCHES, VAL_BATCH = 0.1, 4, 32
STUCK_MARGIN = 0.2                 # "stuck": validation loss within this of the unigram model's
INIT_SEEDS = 8                     # initializations averaged in the gradient measurement
DEPTHS = (2, 4, 8, 16)
LRS = (1e-3, 3e-3, 1e-2)
STEPS, WARMUP, CURVE_EVERY = 300, 75, 10
SEEDS = (0, 1)
BATCH_SEED, VAL_SEED = 1000, 123   # data order of seed s: BATCH_SEED + s
LAYOUTS = {"post-LN": False, "pre-LN": True}


def load_corpus() -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """The fortunes of ``CATEGORIES`` joined into one text, as character indices; 90 % train, 10 % validation."""
    texts, _, _ = load_fortunes(list(CATEGORIES))
    text = "\n".join(texts)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.int64)   # (n,)
    n_train = int((1 - VAL_FRACTION) * len(data))
    return data[:n_train], data[n_train:], chars


def unigram_entropy(data: torch.Tensor, vocab: int) -> float:
    """$H = -\\sum_c p_c \\ln p_c$: the loss of a model that only knows the character frequencies."""
    p = torch.bincount(data, minlength=vocab).double() / len(data)
    p = p[p > 0]
    return float(-(p * p.log()).sum())


def unigram_loss(train: torch.Tensor, batches, vocab: int) -> float:
    """Cross-entropy on ``batches`` of the training text's character frequencies (add-one smoothed)."""
    counts = torch.bincount(train, minlength=vocab).double() + 1
    log_p = (counts / counts.sum()).log()                                # (V,)
    return float(np.mean([float(-log_p[y].mean()) for _, y in batches]))


def sample_batch(data: torch.Tensor, batch: int, context: int, generator: torch.Generator):
    """``batch`` random windows of ``context`` characters and the next character at each position."""
    starts = torch.randint(0, len(data) - context - 1, (batch,), generator=generator)
    window = starts[:, None] + torch.arange(context + 1)                # (B, T + 1)
    chunk = data[window]                                                 # (B, T + 1)
    return chunk[:, :-1], chunk[:, 1:]                                   # (B, T), (B, T)


class CharLM(nn.Module):
    """Embedding + sinusoidal positions, causal encoder layers, a final LayerNorm (pre-LN only), a linear head.

    ``layer`` is ``dlref.torch.nn.TransformerEncoderLayer`` or ``torch.nn.TransformerEncoderLayer``
    (same arguments and state_dict keys). ``init="xavier"`` redraws every matrix of the layers
    Xavier-uniform, as ``torch.nn.Transformer`` does; ``"default"`` keeps the layer's own init.
    """

    def __init__(self, vocab: int, norm_first: bool, num_layers: int = NUM_LAYERS, d_model: int = D_MODEL,
                 nhead: int = NHEAD, dim_feedforward: int = DIM_FF, layer=dnn.TransformerEncoderLayer,
                 init: str = "xavier", dtype=None):
        super().__init__()
        self.embedding = dnn.Embedding(vocab, d_model, dtype=dtype)
        self.position = dnn.PositionalEncoding(d_model, batch_first=True)
        self.layers = nn.ModuleList([layer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True,
                                           norm_first=norm_first, dtype=dtype) for _ in range(num_layers)])
        # pre-LN leaves the residual stream unnormalized: one LayerNorm before the head (Xiong et al.)
        self.norm = dnn.LayerNorm(d_model, dtype=dtype) if norm_first else nn.Identity()
        self.head = dnn.Linear(d_model, vocab, dtype=dtype)
        if init == "xavier":
            for p in self.layers.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The normalized features the head reads, ``(B, T, d_model)``."""
        T = x.shape[1]
        mask = torch.triu(torch.full((T, T), float("-inf"), dtype=self.head.weight.dtype), diagonal=1)   # (T, T)
        h = self.position(self.embedding(x))                               # (B, T, E)
        for layer in self.layers:
            h = layer(h, src_mask=mask, is_causal=True)
        return self.norm(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))                                 # (B, T, V)


def lm_loss(model: CharLM, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = model(x)                                                      # (B, T, V)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def grad_norm(params) -> float:
    return math.sqrt(sum(float(p.grad.pow(2).sum()) for p in params))


def init_gradients(vocab: int, x, y, init: str, seeds) -> dict:
    """Per-layer gradient norms at initialization (dlref twins), mean over ``seeds``."""
    out = {}
    for layout, norm_first in LAYOUTS.items():
        w2, whole, loss = [], [], []
        for seed in seeds:
            torch.manual_seed(seed)
            model = CharLM(vocab, norm_first, init=init)
            value = lm_loss(model, x, y)
            value.backward()
            w2.append([float(layer.linear2.weight.grad.norm()) for layer in model.layers])
            whole.append([grad_norm(layer.parameters()) for layer in model.layers])
            loss.append(value.item())
        out[layout] = {"w2": np.mean(w2, axis=0).round(4).tolist(), "layer": np.mean(whole, axis=0).round(4).tolist(),
                       "w2_per_seed": np.round(w2, 4).tolist(), "loss": round(float(np.mean(loss)), 4)}
    return out


def output_change(model: CharLM, x, y, lr: float) -> float:
    """$\\|f(x; \\theta_1) - f(x; \\theta_0)\\| / \\|f(x; \\theta_0)\\|$ after one Adam step of size ``lr``."""
    with torch.no_grad():
        before = model.features(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    lm_loss(model, x, y).backward()
    optimizer.step()
    with torch.no_grad():
        after = model.features(x)
    return float((after - before).norm() / before.norm())


def depth_sweep(vocab: int, x, y, depths, seeds, lr: float) -> dict:
    """Last-layer $W_2$ gradient and first-step output change against the depth, mean over ``seeds``."""
    out = {layout: {"w2_last": [], "output_change": []} for layout in LAYOUTS}
    for L in depths:
        for layout, norm_first in LAYOUTS.items():
            w2, change = [], []
            for seed in seeds:
                torch.manual_seed(seed)
                model = CharLM(vocab, norm_first, num_layers=L)
                lm_loss(model, x, y).backward()
                w2.append(float(model.layers[-1].linear2.weight.grad.norm()))
                model.zero_grad()
                change.append(output_change(model, x, y, lr))
            out[layout]["w2_last"].append(round(float(np.mean(w2)), 4))
            out[layout]["output_change"].append(round(float(np.mean(change)), 4))
    return out


def twin_check(vocab: int, x, y) -> dict:
    """dlref's layer vs torch's with the same weights (float64): loss and gradient differences."""
    results = {}
    for layout, norm_first in LAYOUTS.items():
        torch.manual_seed(0)
        ours = CharLM(vocab, norm_first, layer=dnn.TransformerEncoderLayer, dtype=torch.float64)
        theirs = CharLM(vocab, norm_first, layer=nn.TransformerEncoderLayer, dtype=torch.float64)
        theirs.load_state_dict(ours.state_dict())
        loss_ours, loss_theirs = lm_loss(ours, x, y), lm_loss(theirs, x, y)
        loss_ours.backward()
        loss_theirs.backward()
        grads = dict(theirs.named_parameters())
        grad_diff = max(float((p.grad - grads[name].grad).abs().max()) for name, p in ours.named_parameters())
        results[layout] = {"loss_diff": abs(loss_ours.item() - loss_theirs.item()), "max_grad_diff": grad_diff}
    return results


def train_run(train, val_batches, vocab: int, norm_first: bool, lr: float, warmup: int, seed: int, steps: int,
              floor: float) -> dict:
    """Adam with linear warm-up over ``warmup`` steps (0: none), then a constant ``lr``.

    Returns the final losses, the loss curve (means of ``CURVE_EVERY`` steps) and the outcome:
    "diverged" (non-finite loss), "stuck" (validation loss above ``floor``) or "learned".
    """
    torch.manual_seed(seed)
    model = CharLM(vocab, norm_first, layer=nn.TransformerEncoderLayer)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(BATCH_SEED + seed)
    losses, diverged = [], False
    for step in range(steps):
        # eta_t = eta * min(1, (t + 1) / warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warmup) if warmup else lr
        x, y = sample_batch(train, BATCH, CONTEXT, generator)
        loss = lm_loss(model, x, y)
        if not torch.isfinite(loss):
            diverged = True
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    if diverged:
        val, outcome = None, "diverged"
    else:
        with torch.no_grad():
            val = float(np.mean([float(lm_loss(model, xv, yv)) for xv, yv in val_batches]))
        outcome = "stuck" if val > floor else "learned"
    curve = [round(float(np.mean(losses[i:i + CURVE_EVERY])), 4) for i in range(0, len(losses), CURVE_EVERY)]
    return {"val_loss": None if val is None else round(val, 4),
            "train_loss": round(float(np.mean(losses[-20:])), 4) if losses else None,
            "outcome": outcome, "curve": curve}


def main(argv=None) -> dict:
    args = parse_args(NAME, "Pre-LN vs post-LN Transformers: gradients at init, training with and without warm-up.",
                      argv)
    set_threads(args.threads)
    started = time.perf_counter()
    cpu_start = time.process_time()
    timer = Timer()
    quick = args.quick
    init_seeds = range(1 if quick else INIT_SEEDS)
    depths = (2, 4) if quick else DEPTHS
    lrs, seeds, warmups = ((1e-3,), (0,), (0,)) if quick else (LRS, SEEDS, (0, WARMUP))
    steps = 60 if quick else STEPS

    train, val, chars = load_corpus()
    vocab = len(chars)
    floor = unigram_entropy(train, vocab)          # training text: the level of a stuck training loss
    x, y = sample_batch(train, BATCH, CONTEXT, torch.Generator().manual_seed(VAL_SEED))

    # 1. gradients at initialization, per layer
    init = {name: init_gradients(vocab, x, y, name, init_seeds) for name in ("xavier", "default")}
    rows = [[i + 1, init["xavier"]["post-LN"]["w2"][i], init["xavier"]["pre-LN"]["w2"][i],
             init["default"]["post-LN"]["w2"][i], init["default"]["pre-LN"]["w2"][i]] for i in range(NUM_LAYERS)]
    init_table = {"columns": ["layer", "post-LN, Xavier", "pre-LN, Xavier", "post-LN, torch default",
                              "pre-LN, torch default"],
                  "rows": rows, "formats": ["d", ".3f", ".3f", ".3f", ".3f"]}
    ratio = {name: {layout: round(g[layout]["w2"][-1] / g[layout]["w2"][0], 3) for layout in LAYOUTS}
             for name, g in init.items()}
    init_seconds = timer()

    # 2. depth: last-layer gradient and first-step output change
    depth = depth_sweep(vocab, x, y, depths, init_seeds, lr=1e-3)
    depth_table = {"columns": ["layers L", "post-LN last W2 grad", "pre-LN last W2 grad",
                               "pre-LN grad x sqrt(L)", "post-LN output change", "pre-LN output change"],
                   "rows": [[L, depth["post-LN"]["w2_last"][i], depth["pre-LN"]["w2_last"][i],
                             round(depth["pre-LN"]["w2_last"][i] * math.sqrt(L), 4),
                             depth["post-LN"]["output_change"][i], depth["pre-LN"]["output_change"][i]]
                            for i, L in enumerate(depths)],
                   "formats": ["d", ".3f", ".3f", ".3f", ".3f", ".3f"]}

    # 3. training with and without warm-up
    twin = twin_check(vocab, x[:4], y[:4])
    assert all(v["loss_diff"] < 1e-10 and v["max_grad_diff"] < 1e-10 for v in twin.values()), twin
    gv = torch.Generator().manual_seed(VAL_SEED)
    val_batches = [sample_batch(val, VAL_BATCH, CONTEXT, gv) for _ in range(VAL_BATCHES)]
    unigram_val = unigram_loss(train, val_batches, vocab)
    runs, rows = [], []
    for lr in lrs:
        for layout, norm_first in LAYOUTS.items():
            for warmup in warmups:
                per_seed = []
                for seed in seeds:
                    run = train_run(train, val_batches, vocab, norm_first, lr, warmup, seed, steps,
                                    unigram_val - STUCK_MARGIN)
                    runs.append({"layout": layout, "lr": lr, "warmup": warmup, "seed": seed, **run})
                    per_seed.append(run)
                    print(f"lr {lr:g} {layout} warm-up {warmup:3d} seed {seed}: val {run['val_loss']} "
                          f"({run['outcome']}) [{timer():.0f} s]", flush=True)
                rows.append([f"{lr:g}", layout, warmup,
                             *[r["val_loss"] if r["val_loss"] is not None else math.nan for r in per_seed],
                             ", ".join(r["outcome"] for r in per_seed)])
    training_table = {"columns": ["Adam lr", "layout", "warm-up steps",
                                  *[f"val loss, seed {s}" for s in seeds], "outcome"],
                      "rows": rows, "formats": ["", "", "d", *[".3f"] * len(seeds), ""]}
    learned = {f"{r['layout']} lr {r['lr']:g} warmup {r['warmup']} seed {r['seed']}": r["outcome"] for r in runs}

    results = {
        "setup": {"corpus": f"Debian fortunes, categories {', '.join(CATEGORIES)}",
                  "train_chars": len(train), "val_chars": len(val), "vocab": vocab,
                  "d_model": D_MODEL, "nhead": NHEAD, "dim_feedforward": DIM_FF, "num_layers": NUM_LAYERS,
                  "context": CONTEXT, "batch": BATCH, "steps": steps, "warmup": WARMUP, "lrs": list(lrs),
                  "init_seeds": len(init_seeds)},
        "uniform_loss": round(math.log(vocab), 4),
        "unigram_loss": round(floor, 4),
        "unigram_val_loss": round(unigram_val, 4),
        "stuck_margin": STUCK_MARGIN,
        "init": init,
        "init_table": init_table,
        "init_ratio_last_first": ratio,
        "init_seconds": round(init_seconds, 2),
        "depth": {"depths": list(depths), **depth},
        "depth_table": depth_table,
        "twin_check": twin,
        "runs": runs,
        "outcomes": learned,
        "training_table": training_table,
        "cpu_seconds": round(time.process_time() - cpu_start, 1),
    }
    seeds_record = {"init": list(init_seeds), "training": list(seeds), "batches": f"{BATCH_SEED} + seed",
                    "validation and measurement batch": VAL_SEED}
    record = finish(NAME, args, argv, seeds_record, results, started)
    print(f"init W2 gradient last/first layer (Xavier): {ratio['xavier']}; cpu {results['cpu_seconds']} s")
    return record


if __name__ == "__main__":
    main()
