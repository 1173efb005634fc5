"""A character-level language model on real text: a small causal Transformer against an LSTM.

The corpus is three categories of Debian's ``fortunes`` package (``songs-poems``,
``wisdom``, ``people``; BSD licence; read by `dlref.data.text.load_fortunes`), split into
training and validation text *by entry*, so no quotation is in both. Both models read
windows of ``context`` characters and predict the next character at every position:

* **Transformer** (decoder-only): token embedding + the sinusoidal position table + a stack
  of ``dlref.torch.nn.TransformerEncoderLayer`` with a causal mask (an encoder layer whose
  attention may not look ahead *is* a decoder block without cross-attention) + a linear
  head.
* **LSTM**: token embedding + ``dlref.torch.nn.LSTM`` + a linear head, with the hidden size
  chosen so that its parameter count is the closest to the Transformer's.

Both use the dlref twins (built from tensor primitives) and train for the same number of
steps on the same batches with the same optimizer and schedule; the record keeps the
training seconds of each (evaluation excluded), the losses on fixed training and validation
windows along the way, samples drawn with a seeded generator at a few temperatures, and a
check that the twins give ``torch.nn``'s output for the same weights (with the time per step
of both).

    python experiments/char_lm.py --write     # the recorded run (about 4-5 minutes, 1 thread)
    python experiments/char_lm.py --quick     # a few dozen steps (what the tests run)
"""

from __future__ import annotations

import html
import math
import re
import string
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

import dlref.torch.nn as dnn
from dlref.data.text import load_fortunes
from experiments.common import Timer, finish, parse_args, set_threads

NAME = "char_lm"
CATEGORIES = ("songs-poems", "wisdom", "people")
SEPARATOR = "\n\n"                        # between two entries of the running text
KEEP = set(string.printable) - set("\r\x0b\x0c")   # printable ASCII, tab and newline
PROMPT = "The "
TEMPERATURES = (0.5, 0.8, 1.0)


# ----------------------------------------------------------------------------- data

def clean(text: str) -> str:
    """Printable ASCII only: drop the overstrike pairs ``c\\b`` (old terminal bold) and other bytes."""
    text = re.sub(".\x08", "", text)
    return "".join(c for c in text if c in KEEP)


def split_entries(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and validation entries: a seeded shuffle, cut once."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(val_fraction * n))
    return order[n_val:], order[:n_val]


def load_corpus(val_fraction: float, seed: int) -> dict:
    """The cleaned entries, split by entry into training and validation text, and the alphabet."""
    texts, _, _ = load_fortunes(list(CATEGORIES))
    texts = [t for t in (clean(t) for t in texts) if t.strip()]
    train_idx, val_idx = split_entries(len(texts), val_fraction, seed)
    val = SEPARATOR.join(texts[i] for i in val_idx)
    train = SEPARATOR.join(texts[i] for i in train_idx)
    alphabet = sorted(set(train) | set(val))
    index = {c: i for i, c in enumerate(alphabet)}
    return {
        "alphabet": alphabet,
        "index": index,
        "train": torch.tensor([index[c] for c in train], dtype=torch.long),
        "val": torch.tensor([index[c] for c in val], dtype=torch.long),
        "entries": (len(train_idx), len(val_idx)),
    }


def windows(ids: torch.Tensor, context: int, count: int) -> torch.Tensor:
    """``count`` non-overlapping windows of ``context + 1`` characters, evenly spread over ``ids``."""
    starts = torch.linspace(0, len(ids) - context - 1, count).long()
    return torch.stack([ids[s:s + context + 1] for s in starts.tolist()])          # (count, T + 1)


def random_batch(ids: torch.Tensor, context: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    starts = torch.randint(0, len(ids) - context - 1, (batch,), generator=generator)
    return torch.stack([ids[s:s + context + 1] for s in starts.tolist()])          # (N, T + 1)


# ----------------------------------------------------------------------------- models

class CharTransformer(torch.nn.Module):
    """Decoder-only Transformer: embedding + sinusoidal positions + causal encoder layers + head.

    ``nn`` is the module namespace the layers come from (``dlref.torch.nn`` or ``torch.nn``):
    the ``state_dict`` keys are the same, so one model's weights load into the other.
    """

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, dim_feedforward: int,
                 context: int, dropout: float, nn=dnn):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.layers = torch.nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
            for _ in range(num_layers))
        self.head = nn.Linear(d_model, vocab_size)
        # constants, not parameters: the position table and the causal mask (True = may not attend)
        self.register_buffer("positions", dnn.sinusoidal_positional_encoding(context, d_model), persistent=False)
        self.register_buffer("causal", torch.triu(torch.ones(context, context, dtype=torch.bool), 1),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[1]
        # h_t = E[x_t] + PE_t
        h = self.embedding(x) + self.positions[:T]                                   # (N, T, E)
        for layer in self.layers:
            h = layer(h, src_mask=self.causal[:T, :T], is_causal=True)               # (N, T, E)
        return self.head(h)                                                          # (N, T, V)


class CharLSTM(torch.nn.Module):
    """Embedding + LSTM + head; ``forward`` also takes and returns the state (for sampling)."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, nn=dnn):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, state=None):
        out, state = self.lstm(self.embedding(x), state)                             # (N, T, H)
        return self.head(out), state                                                 # (N, T, V)


def lstm_parameters(vocab_size: int, embedding_dim: int, hidden_size: int) -> int:
    """Embedding V*D, LSTM 4H(D + H + 2), head (H + 1) V."""
    return vocab_size * embedding_dim + 4 * hidden_size * (embedding_dim + hidden_size + 2) \
        + (hidden_size + 1) * vocab_size


def n_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def logits_of(model, x):
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


# ----------------------------------------------------------------------------- training

def mean_loss(model, data: torch.Tensor, chunk: int = 32) -> float:
    """Mean next-character cross-entropy (nats/char) over fixed windows, in eval mode."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(data), chunk):
            x = data[i:i + chunk]
            logits = logits_of(model, x[:, :-1])
            total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                                       reduction="sum").item()
            count += x[:, 1:].numel()
    model.train()
    return total / count


def learning_rate(step: int, steps: int, lr: float, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to lr / 10."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(model, corpus: dict, args, seed: int) -> dict:
    """Adam on random windows; the losses on fixed windows every ``eval_every`` steps."""
    generator = torch.Generator().manual_seed(seed)
    train_eval = windows(corpus["train"], args.context, args.eval_windows)
    val_eval = windows(corpus["val"], args.context, args.eval_windows)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    curve = {"step": [0], "seconds": [0.0], "train": [mean_loss(model, train_eval)],
             "val": [mean_loss(model, val_eval)]}
    seconds = 0.0
    for step in range(args.steps):
        x = random_batch(corpus["train"], args.context, args.batch, generator)
        timer = Timer()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr, args.warmup)
        logits = logits_of(model, x[:, :-1])                                         # (N, T, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        dnn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        seconds += timer()
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            curve["step"].append(step + 1)
            curve["seconds"].append(round(seconds, 2))
            curve["train"].append(mean_loss(model, train_eval))
            curve["val"].append(mean_loss(model, val_eval))
    curve["train"] = [round(v, 4) for v in curve["train"]]
    curve["val"] = [round(v, 4) for v in curve["val"]]
    return {"curve": curve, "seconds": round(seconds, 1), "ms_per_step": round(1000 * seconds / args.steps, 1),
            "val_loss": curve["val"][-1], "train_loss": curve["train"][-1]}


# ----------------------------------------------------------------------------- sampling

def sample(model, corpus: dict, length: int, temperature: float, seed: int, context: int) -> str:
    """Draw ``length`` characters after ``PROMPT``: p(c) proportional to exp(logit_c / temperature)."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    index, alphabet = corpus["index"], corpus["alphabet"]
    ids = [index[c] for c in PROMPT]
    state = None
    with torch.no_grad():
        x = torch.tensor([ids])
        for _ in range(length):
            if isinstance(model, CharLSTM):
                logits, state = model(x, state)                    # the state carries the past
            else:
                logits = model(torch.tensor([ids[-context:]]))     # the last `context` characters
            probs = torch.softmax(logits[0, -1] / temperature, dim=-1)
            ids.append(torch.multinomial(probs, 1, generator=generator).item())
            x = torch.tensor([[ids[-1]]])
    model.train()
    return "".join(alphabet[i] for i in ids)


def as_html(text: str) -> str:
    """The sample as the inside of an HTML ``<pre>`` (escaped; tabs as spaces)."""
    return html.escape(text.expandtabs(8), quote=False)


# ----------------------------------------------------------------------------- twins vs torch.nn

def twin_check(corpus: dict, args, tf_kwargs: dict, lstm_kwargs: dict, steps: int = 5) -> dict:
    """Same weights in the dlref twin and in ``torch.nn``: the largest logit difference, ms per step."""
    x = windows(corpus["val"], args.context, args.batch)
    out = {}
    for name, make in (("transformer", lambda nn: CharTransformer(**tf_kwargs, nn=nn)),
                       ("lstm", lambda nn: CharLSTM(**lstm_kwargs, nn=nn))):
        torch.manual_seed(0)
        twin, reference = make(dnn), make(torch.nn)
        reference.load_state_dict(twin.state_dict())
        twin.eval(), reference.eval()
        with torch.no_grad():
            diff = (logits_of(twin, x[:, :-1]) - logits_of(reference, x[:, :-1])).abs().max().item()
        times = {}
        for label, model in (("dlref", twin), ("torch", reference)):
            model.train()
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            for i in range(steps + 2):                             # two warm-up steps
                if i == 2:
                    timer = Timer()
                logits = logits_of(model, x[:, :-1])
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            times[label] = round(1000 * timer() / steps, 1)
        out[name] = {"max_abs_logit_difference": diff, "ms_per_step_dlref": times["dlref"],
                     "ms_per_step_torch": times["torch"],
                     "slowdown": round(times["dlref"] / times["torch"], 2)}
    return out


# ----------------------------------------------------------------------------- main

def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=int, default=None, help="training steps of each model")
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--nhead", type=int, default=4)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--dim-feedforward", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--lr", type=float, default=3e-3)


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv, add_arguments)
    set_threads(args.threads)
    started = Timer().start
    seeds = {"split": 0, "torch_init": 0, "batches": 1, "sampling": 2}
    if args.steps is None:
        args.steps = 40 if args.quick else 1500
    args.warmup = max(1, min(100, args.steps // 10))
    args.eval_every = 10 if args.quick else 100
    args.eval_windows = 32 if args.quick else 128
    sample_length = 60 if args.quick else 300

    corpus = load_corpus(0.1, seeds["split"])
    V = len(corpus["alphabet"])
    tf_kwargs = dict(vocab_size=V, d_model=args.d_model, nhead=args.nhead, num_layers=args.layers,
                     dim_feedforward=args.dim_feedforward, context=args.context, dropout=args.dropout)
    torch.manual_seed(seeds["torch_init"])
    transformer = CharTransformer(**tf_kwargs)
    target = n_parameters(transformer)
    hidden = min(range(16, 1024), key=lambda H: abs(lstm_parameters(V, args.d_model, H) - target))
    lstm_kwargs = dict(vocab_size=V, embedding_dim=args.d_model, hidden_size=hidden)
    torch.manual_seed(seeds["torch_init"])
    lstm = CharLSTM(**lstm_kwargs)
    assert n_parameters(lstm) == lstm_parameters(V, args.d_model, hidden)

    runs = {}
    for name, model in (("transformer", transformer), ("lstm", lstm)):
        runs[name] = train(model, corpus, args, seeds["batches"])
        runs[name]["parameters"] = n_parameters(model)
        # keyed "0_5", "0_8", "1": the page addresses record keys with dots
        runs[name]["samples"] = {f"{t:g}".replace(".", "_"):
                                 sample(model, corpus, sample_length, t, seeds["sampling"], args.context)
                                 for t in TEMPERATURES}
        runs[name]["samples_html"] = {t: as_html(s) for t, s in runs[name]["samples"].items()}
        print(f"{name}: {runs[name]['parameters']} parameters, {args.steps} steps in {runs[name]['seconds']} s, "
              f"val {runs[name]['val_loss']:.3f} nats/char")
        print(runs[name]["samples"]["0_8"])

    # validation loss of each model at the training time the faster one needed in all
    budget = min(runs["transformer"]["seconds"], runs["lstm"]["seconds"])
    for run in runs.values():
        c = run["curve"]
        run["val_at_equal_seconds"] = round(float(np.interp(budget, c["seconds"], c["val"])), 4)

    log_V = math.log(V)
    bits = 1 / math.log(2)
    table = {
        "columns": ["model", "parameters", "steps", "train seconds", "ms/step", "train loss (nats/char)",
                    "val loss (nats/char)", "val bits/char", f"val loss at {budget:.0f} s"],
        "rows": [[name, r["parameters"], args.steps, r["seconds"], r["ms_per_step"], r["train_loss"], r["val_loss"],
                  r["val_loss"] * bits, r["val_at_equal_seconds"]]
                 for name, r in (("Transformer", runs["transformer"]), ("LSTM", runs["lstm"]))],
        "formats": ["", ",d", ",d", ".0f", ".0f", ".3f", ".3f", ".3f", ".3f"],
    }
    results = {
        "data": {"source": "Debian package fortunes (BSD licence)", "categories": list(CATEGORIES),
                 "train_chars": len(corpus["train"]), "val_chars": len(corpus["val"]),
                 "train_entries": corpus["entries"][0], "val_entries": corpus["entries"][1],
                 "vocab_size": V, "log_vocab_size": round(log_V, 4)},
        "config": {"context": args.context, "batch": args.batch, "steps": args.steps, "d_model": args.d_model,
                   "nhead": args.nhead, "layers": args.layers, "dim_feedforward": args.dim_feedforward,
                   "dropout": args.dropout, "lr": args.lr, "warmup": args.warmup, "lstm_hidden": hidden,
                   "lstm_embedding": args.d_model, "eval_windows": args.eval_windows,
                   "temperatures": list(TEMPERATURES), "prompt": PROMPT,
                   "sample_length": sample_length},
        "transformer": runs["transformer"],
        "lstm": runs["lstm"],
        "equal_seconds": budget,
        "table": table,
        "twins": twin_check(corpus, args, tf_kwargs, lstm_kwargs, steps=2 if args.quick else 5),
    }
    return finish(NAME, args, argv, seeds, results, started)


if __name__ == "__main__":
    main()
