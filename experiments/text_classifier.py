"""The popular summaries' Keras LSTM text classifier, rebuilt with dlref: NumPy and torch twins.

The snippet is ``Sequential([Embedding(vocab_size, embedding_dim), LSTM(64),
Dense(num_classes, activation="softmax")])`` compiled with Adam and categorical
cross-entropy, trained 10 epochs at batch size 128, with no data, tokenizer, vocabulary or
sequence length. Here it gets all four:

* **Data**: four categories of Debian's ``fortunes`` package (``computers``, ``science``,
  ``politics``, ``songs-poems``; BSD licence; `dlref.data.text.load_fortunes`), entries of at
  most 300 characters; the file an entry sits in is its label. Stratified split 70/15/15
  into training, validation and test (`dlref.data.train_test_split`).
* **Text to integers**: `tokenize` (lower-cased words), a `Vocabulary` built on the training
  split only (words seen at least twice; index 0 pads, 1 is ``<unk>``), `pad_sequences` to
  50 steps with Keras's defaults (padding and truncating ``"pre"``), so the LSTM's state
  after the last step, ``h_n``, has read the real words last.
* **Model, twice from the same weights**: ``dlref.numpy.nn`` Embedding -> LSTM -> Linear
  with explicit backward passes and ``dlref.numpy.optim.Adam``; ``dlref.torch.nn``
  Embedding and LSTM (built from tensor primitives) with ``torch.nn.Linear`` and
  ``torch.optim.Adam``. The softmax of the Keras ``Dense`` layer lives in the cross-entropy
  (from logits, on class indices: the same loss as categorical cross-entropy on one-hot
  labels).

The record keeps both trainings (float32) epoch by epoch, the first steps of both in
float64 (where their losses agree to rounding), the test accuracy, a bag-of-words baseline
(logistic regression on word counts over the same vocabulary) and the seconds per epoch.

A second part, ``long``, asks what the same model reaches when it is trained until the
validation accuracy stops improving, since 10 epochs at batch size 128 leave the training loss
still falling. Same data split, same initial weights, ``dlref.numpy`` only (at batch size 32
its per-step cost is well below the twins', which record every small op for autograd),
trained with `dlref.training.fit`: batches of 32 instead of 128, at most 40 epochs, early
stopping on the validation accuracy (patience 5, best weights restored;
`dlref.training.EarlyStopping`). It tries four variants, each one change: nothing else,
dropout 0.3 or 0.5 on the word vectors (the embedding's output), and an L2 weight decay of
1e-4 in Adam; ``best_lstm`` is the one with the best validation accuracy. A
mean-of-embeddings classifier (the average of the word vectors of an entry, padding left
out, then the linear layer: word order thrown away) is trained the same way, to isolate
what the recurrence adds.

    python experiments/text_classifier.py --write    # the recorded run (about 3-4 minutes, 1 thread)
    python experiments/text_classifier.py --quick    # a small subset (what the tests run)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dlref.numpy.nn as npnn  # noqa: E402
import dlref.torch.nn as dnn  # noqa: E402
from dlref.data import train_test_split  # noqa: E402
from dlref.data.text import Vocabulary, load_fortunes, pad_sequences, tokenize  # noqa: E402
from dlref.numpy.optim import Adam  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "text_classifier"
CATEGORIES = ("computers", "science", "politics", "songs-poems")
SEEDS = {"split": 0, "weights": 1, "batches": 2}
# the second part: (key, name, model, embedding dropout, Adam's L2 weight decay), one change each
VARIANTS = (("lstm", "LSTM", "lstm", 0.0, 0.0),
            ("lstm_dropout_03", "LSTM + embedding dropout 0.3", "lstm", 0.3, 0.0),
            ("lstm_dropout_05", "LSTM + embedding dropout 0.5", "lstm", 0.5, 0.0),
            ("lstm_decay", "LSTM + weight decay 1e-4", "lstm", 0.0, 1e-4),
            ("mean", "mean of embeddings", "mean", 0.0, 0.0))
LONG = dict(batch_size=32, max_epochs=40, patience=5, lr=1e-3, variants=VARIANTS)
FULL = dict(max_chars=300, maxlen=50, min_freq=2, embedding_dim=64, hidden_size=64, epochs=10,
            batch_size=128, lr=1e-3, train_subset=None, float64_steps=10, long=LONG)
# --quick: 480 training entries, shorter sequences, smaller batches (so that a few epochs
# are enough steps to show learning), a larger step size; the second part only two short
# runs (an LSTM with dropout and the mean of embeddings) that exercise early stopping
QUICK = dict(FULL, maxlen=30, epochs=6, batch_size=32, lr=3e-3, train_subset=480, float64_steps=4,
             long=dict(LONG, max_epochs=3, patience=1, lr=3e-3, variants=VARIANTS[2::2]))


# ----------------------------------------------------------------------------- data

def clean(text: str) -> str:
    """Drop the overstrike pairs ``c\\b`` (old terminals' bold) some fortunes still hold."""
    return re.sub(".\x08", "", text)


def load_data(cfg: dict) -> dict:
    """Texts -> stratified splits -> tokens -> vocabulary (training split only) -> padded indices."""
    texts, labels, names = load_fortunes(list(CATEGORIES), max_chars=cfg["max_chars"])
    tokens = [tokenize(clean(t)) for t in texts]
    index = np.arange(len(texts))
    train, rest = train_test_split(index, test_size=0.3, stratify=labels, random_state=SEEDS["split"])
    val, test = train_test_split(rest, test_size=0.5, stratify=labels[rest], random_state=SEEDS["split"])
    if cfg["train_subset"] is not None:
        train, _ = train_test_split(train, train_size=cfg["train_subset"], stratify=labels[train],
                                    random_state=SEEDS["split"])
    vocab = Vocabulary([tokens[i] for i in train], min_freq=cfg["min_freq"])
    # Keras's defaults: pad before, truncate the start; the last steps are real words
    x = pad_sequences([vocab.encode(t) for t in tokens], cfg["maxlen"], padding="pre", truncating="pre")
    lengths = np.array([len(t) for t in tokens])
    known = np.array([np.mean([w in vocab.stoi for w in tokens[i]]) if tokens[i] else 1.0 for i in index])
    return {"x": x, "y": labels, "names": names, "vocab": vocab, "lengths": lengths,
            "split": {"train": train, "val": val, "test": test}, "known_fraction": known}


# ----------------------------------------------------------------------------- models
# --8<-- [start:model]
class NumpyClassifier(npnn.Module):
    """Embedding -> LSTM -> Linear (the Keras snippet; its softmax is in the loss).

    ``dropout`` > 0 (the longer runs only) drops word-vector entries before the LSTM.
    """

    def __init__(self, vocab_size, embedding_dim, hidden_size, num_classes, dtype,
                 generator, dropout=0.0):
        super().__init__()
        self.embedding = npnn.Embedding(vocab_size, embedding_dim, dtype=dtype,
                                        generator=generator)
        self.dropout = npnn.Dropout(dropout, generator=generator)  # draws no mask at 0
        self.lstm = npnn.LSTM(embedding_dim, hidden_size, batch_first=True, dtype=dtype,
                              generator=generator)
        self.fc = npnn.Linear(hidden_size, num_classes, dtype=dtype,
                              generator=generator)

    def forward(self, x):                        # x: (N, T) word indices, padded before
        e = self.dropout(self.embedding(x))      # (N, T, E)
        output, (h_n, c_n) = self.lstm(e)        # h_n: (1, N, H), the state after T
        self._save(output_shape=output.shape, h_n_shape=h_n.shape)
        return self.fc(h_n[-1])                  # (N, C) logits

    def backward(self, grad_logits):
        """Backwards through the layers: Linear, BPTT from h_n, the embedding rows."""
        output_shape, h_n_shape = self._saved("output_shape", "h_n_shape")
        grad_h = self.fc.backward(grad_logits)                     # (N, H)
        grad_h_n = np.zeros(h_n_shape, dtype=grad_h.dtype)         # (1, N, H)
        grad_h_n[-1] = grad_h
        # only h_n feeds the head: the per-step outputs get a zero gradient
        grad_output = np.zeros(output_shape, dtype=grad_h.dtype)   # (N, T, H)
        grad_e, _ = self.lstm.backward(grad_output, grad_h_n)      # (N, T, E)
        # accumulates embedding.weight.grad
        self.embedding.backward(self.dropout.backward(grad_e))
        return None                              # word indices have no gradient


class NumpyMeanClassifier(npnn.Module):
    """Embedding -> mean of an entry's word vectors (no padding) -> Linear: no order."""

    def __init__(self, vocab_size, embedding_dim, num_classes, dtype, generator,
                 dropout=0.0):
        super().__init__()
        self.embedding = npnn.Embedding(vocab_size, embedding_dim, dtype=dtype,
                                        generator=generator)
        self.dropout = npnn.Dropout(dropout, generator=generator)
        self.fc = npnn.Linear(embedding_dim, num_classes, dtype=dtype,
                              generator=generator)

    def forward(self, x):                        # x: (N, T) word indices, 0 pads
        e = self.dropout(self.embedding(x))      # (N, T, E)
        mask = (x != 0)[:, :, None].astype(e.dtype)               # (N, T, 1)
        count = np.maximum(mask.sum(axis=1), 1.0)                 # (N, 1), >= 1
        # m = sum_t mask_t e_t / count
        m = (mask * e).sum(axis=1) / count                        # (N, E)
        self._save(mask=mask, count=count)
        return self.fc(m)                        # (N, C) logits

    def backward(self, grad_logits):
        mask, count = self._saved("mask", "count")
        grad_m = self.fc.backward(grad_logits)                    # (N, E)
        grad_e = mask * (grad_m / count)[:, None, :]              # (N, T, E)
        self.embedding.backward(self.dropout.backward(grad_e))
        return None


class TorchClassifier(torch.nn.Module):
    """The same model with the dlref.torch twins (autograd does the backward pass)."""

    def __init__(self, vocab_size, embedding_dim, hidden_size, num_classes, dtype):
        super().__init__()
        self.embedding = dnn.Embedding(vocab_size, embedding_dim, dtype=dtype)
        self.lstm = dnn.LSTM(embedding_dim, hidden_size, batch_first=True, dtype=dtype)
        self.fc = torch.nn.Linear(hidden_size, num_classes, dtype=dtype)

    def forward(self, x):                        # x: (N, T) int64
        _, (h_n, _) = self.lstm(self.embedding(x))
        return self.fc(h_n[-1])                  # (N, C) logits


def numpy_step(model, loss_fn, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)                  # softmax + cross-entropy, from logits
    model.backward(loss_fn.backward())
    optimizer.step()
    return float(loss)


def torch_step(model, optimizer, x, y) -> float:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
# --8<-- [end:model]


def build_pair(vocab_size: int, num_classes: int, cfg: dict, dtype_name: str, init: dict | None = None):
    """A NumPy model and a torch model holding the same weights (``init``, or fresh NumPy ones)."""
    np_dtype, torch_dtype = {"float32": (np.float32, torch.float32),
                             "float64": (np.float64, torch.float64)}[dtype_name]
    args = (vocab_size, cfg["embedding_dim"], cfg["hidden_size"], num_classes)
    np_model = NumpyClassifier(*args, dtype=np_dtype, generator=np.random.default_rng(SEEDS["weights"]))
    if init is not None:
        np_model.load_state_dict({k: v.astype(np_dtype) for k, v in init.items()})
    torch_model = TorchClassifier(*args, dtype=torch_dtype)
    torch_model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in np_model.state_dict().items()})
    return np_model, torch_model


def epoch_orders(train: np.ndarray, epochs: int) -> list[np.ndarray]:
    """The training indices in a fresh seeded order for every epoch (the same for both backends)."""
    rng = np.random.default_rng(SEEDS["batches"])
    return [rng.permutation(train) for _ in range(epochs)]


def batches(order: np.ndarray, batch_size: int):
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def predict_numpy(model, x, batch_size=512) -> np.ndarray:
    return np.concatenate([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])


def predict_torch(model, x, batch_size=512) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(x[i:i + batch_size])).argmax(1).numpy()
                               for i in range(0, len(x), batch_size)])


def train_numpy(model, data: dict, cfg: dict, orders) -> dict:
    x, y, split = data["x"], data["y"], data["split"]
    loss_fn, optimizer = npnn.CrossEntropyLoss(), Adam(model.parameters(), lr=cfg["lr"])
    history = {"step_loss": [], "train_loss": [], "val_accuracy": [], "seconds": []}
    for order in orders:
        timer, total = Timer(), 0.0
        for b in batches(order, cfg["batch_size"]):
            loss = numpy_step(model, loss_fn, optimizer, x[b], y[b])
            history["step_loss"].append(loss)
            total += loss * len(b)
        history["seconds"].append(timer())
        history["train_loss"].append(total / len(order))
        history["val_accuracy"].append(float(np.mean(predict_numpy(model, x[split["val"]]) == y[split["val"]])))
    history["test_predictions"] = predict_numpy(model, x[split["test"]])
    return history


def train_torch(model, data: dict, cfg: dict, orders) -> dict:
    x, y, split = torch.from_numpy(data["x"]), torch.from_numpy(data["y"]), data["split"]
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    history = {"step_loss": [], "train_loss": [], "val_accuracy": [], "seconds": []}
    for order in orders:
        timer, total = Timer(), 0.0
        for b in batches(order, cfg["batch_size"]):
            b = torch.from_numpy(b)
            loss = torch_step(model, optimizer, x[b], y[b])
            history["step_loss"].append(loss)
            total += loss * len(b)
        history["seconds"].append(timer())
        history["train_loss"].append(total / len(order))
        val = split["val"]
        history["val_accuracy"].append(float(np.mean(predict_torch(model, data["x"][val]) == data["y"][val])))
    history["test_predictions"] = predict_torch(model, data["x"][split["test"]])
    return history


def max_param_diff(np_model, torch_model) -> float:
    theirs = torch_model.state_dict()
    return max(float(np.max(np.abs(v - theirs[k].detach().numpy()))) for k, v in np_model.state_dict().items())


def float64_agreement(data: dict, cfg: dict, init: dict, orders) -> dict:
    """The first steps of both trainings in float64, from the same weights on the same batches."""
    np_model, torch_model = build_pair(len(data["vocab"]), len(data["names"]), cfg, "float64", init)
    loss_fn, np_opt = npnn.CrossEntropyLoss(), Adam(np_model.parameters(), lr=cfg["lr"])
    torch_opt = torch.optim.Adam(torch_model.parameters(), lr=cfg["lr"])
    x, y = data["x"], data["y"]
    rows = []
    for step, b in enumerate(batches(orders[0], cfg["batch_size"])[:cfg["float64_steps"]], start=1):
        ours = numpy_step(np_model, loss_fn, np_opt, x[b], y[b])
        theirs = torch_step(torch_model, torch_opt, torch.from_numpy(x[b]), torch.from_numpy(y[b]))
        rows.append([step, ours, theirs, abs(ours - theirs)])
    return {"steps": len(rows), "max_loss_diff": max(r[3] for r in rows),
            "max_param_diff": max_param_diff(np_model, torch_model),
            "table": {"columns": ["step", "NumPy loss", "torch loss", "|difference|"], "rows": rows,
                      "formats": ["d", ".10f", ".10f", ".1e"]}}


# ----------------------------------------------------------------------------- longer runs

def train_until_best(data: dict, cfg: dict, init: dict, kind: str, dropout: float,
                     weight_decay: float) -> dict:
    """One variant of the second part: NumPy, small batches, early stopping on val. accuracy.

    The LSTM starts from the first part's initial weights (``init``); the mean-of-embeddings
    model shares its embedding rows and gets its own linear layer (same seed).
    """
    from dlref.training import EarlyStopping, fit

    long, x, y, split = cfg["long"], data["x"], data["y"], data["split"]
    V, C, E = len(data["vocab"]), len(data["names"]), cfg["embedding_dim"]
    generator = np.random.default_rng(SEEDS["weights"])
    if kind == "lstm":
        model = NumpyClassifier(V, E, cfg["hidden_size"], C, np.float32, generator, dropout)
        model.load_state_dict(init)
    else:
        model = NumpyMeanClassifier(V, E, C, np.float32, generator, dropout)
        model.embedding.load_state_dict({"weight": init["embedding.weight"]})
    optimizer = Adam(model.parameters(), lr=long["lr"], weight_decay=weight_decay)
    stopper = EarlyStopping(patience=long["patience"], mode="max", monitor="val_accuracy")
    timer = Timer()
    history = fit(model, npnn.CrossEntropyLoss(), optimizer, x[split["train"]], y[split["train"]],
                  epochs=long["max_epochs"], batch_size=long["batch_size"],
                  generator=np.random.default_rng(SEEDS["batches"]),
                  validation_data=(x[split["val"]], y[split["val"]]), early_stopping=stopper)
    seconds = timer()
    model.eval()                                 # fit left it so; the best weights are back
    val_restored = float(np.mean(predict_numpy(model, x[split["val"]]) == y[split["val"]]))
    test = float(np.mean(predict_numpy(model, x[split["test"]]) == y[split["test"]]))
    return {"epochs_run": len(history["loss"]), "best_epoch": stopper.best_epoch + 1,
            "stopped_early": stopper.stopped_epoch is not None,
            "best_val_accuracy": float(stopper.best), "val_accuracy_restored": val_restored,
            "test_accuracy": test, "seconds_per_epoch": seconds / len(history["loss"]),
            "curves": {"train_loss": history["loss"], "train_accuracy": history["accuracy"],
                       "val_loss": history["val_loss"], "val_accuracy": history["val_accuracy"]}}


def long_runs(data: dict, cfg: dict, init: dict, keras_recipe: dict, baseline: dict) -> dict:
    """Every variant of the second part, and the table that compares them with the first."""
    runs = {key: dict(name=name, **train_until_best(data, cfg, init, kind, dropout, wd))
            for key, name, kind, dropout, wd in cfg["long"]["variants"]}
    n_test = len(data["split"]["test"])
    bow = baseline["test"]["bag_of_words"]
    recipe = f"LSTM, Keras recipe (batch {cfg['batch_size']}, {cfg['epochs']} epochs)"
    rows = [[recipe, cfg["epochs"], cfg["epochs"], keras_recipe["val_accuracy"],
             keras_recipe["test_accuracy"]]]
    rows += [[f"{r['name']}, early stopping", r["epochs_run"], r["best_epoch"],
              r["best_val_accuracy"], r["test_accuracy"]] for r in runs.values()]
    rows += [["bag of words + logistic regression", "", "", baseline["val"]["bag_of_words"], bow]]
    # the LSTM variant chosen by validation accuracy (the test split plays no part)
    lstm_keys = [key for key, _, kind, *_ in cfg["long"]["variants"] if kind == "lstm"]
    best = max(lstm_keys, key=lambda key: runs[key]["best_val_accuracy"])
    return {
        "runs": runs,
        "best_lstm": {"key": best, **{k: runs[best][k] for k in (
            "name", "epochs_run", "best_epoch", "best_val_accuracy", "test_accuracy")}},
        "bag_of_words_minus_best_lstm": bow - runs[best]["test_accuracy"],
        "keras_recipe_test_accuracy": keras_recipe["test_accuracy"],
        # the standard error of a test accuracy near the baseline's: sqrt(p (1 - p) / n)
        "test_standard_error": float(np.sqrt(bow * (1 - bow) / n_test)),
        "table": {"columns": ["model", "epochs run", "epoch kept", "val. accuracy (epoch kept)",
                              "test accuracy"],
                  "rows": rows, "formats": ["", "", "", ".3f", ".3f"]},
    }


# ----------------------------------------------------------------------------- baseline

def bag_of_words_baseline(data: dict) -> dict:
    """Logistic regression on word counts over the same vocabulary (an order-free model)."""
    from sklearn.linear_model import LogisticRegression

    x, y, split, V = data["x"], data["y"], data["split"], len(data["vocab"])
    counts = np.zeros((len(x), V))
    np.add.at(counts, (np.repeat(np.arange(len(x)), x.shape[1]), x.ravel()), 1.0)
    counts[:, 0] = 0.0                                    # padding is not a word
    clf = LogisticRegression(max_iter=3000).fit(counts[split["train"]], y[split["train"]])
    majority = np.bincount(y[split["train"]]).argmax()
    return {name: {"bag_of_words": float(clf.score(counts[idx], y[idx])),
                   "majority_class": float(np.mean(y[idx] == majority))}
            for name, idx in (("val", split["val"]), ("test", split["test"]))}


# ----------------------------------------------------------------------------- counts

def parameter_table(vocab_size: int, cfg: dict, num_classes: int, torch_model) -> dict:
    E, H, C = cfg["embedding_dim"], cfg["hidden_size"], num_classes
    ours = {name: sum(p.numel() for p in module.parameters())
            for name, module in (("embedding", torch_model.embedding), ("lstm", torch_model.lstm),
                                 ("fc", torch_model.fc))}
    keras = {"embedding": vocab_size * E, "lstm": 4 * H * (E + H) + 4 * H, "fc": H * C + C}
    rows = [["Embedding", f"({vocab_size}, {E})", ours["embedding"], keras["embedding"]],
            ["LSTM", f"W_ih (4H, E), W_hh (4H, H), biases", ours["lstm"], keras["lstm"]],
            ["Linear / Dense", f"({C}, {H}) + ({C},)", ours["fc"], keras["fc"]],
            ["total", "", sum(ours.values()), sum(keras.values())]]
    return {"dlref": ours, "keras": keras, "total_dlref": sum(ours.values()),
            "total_keras": sum(keras.values()), "difference": sum(ours.values()) - sum(keras.values()),
            "table": {"columns": ["layer", "shapes", "dlref / torch", "Keras"], "rows": rows,
                      "formats": ["", "", ",d", ",d"]}}


# ----------------------------------------------------------------------------- run

def main(argv=None) -> dict:
    args = parse_args(NAME, "The Keras LSTM text classifier rebuilt with dlref (NumPy and torch)", argv)
    set_threads(args.threads)
    started = Timer()
    cfg = QUICK if args.quick else FULL
    torch.manual_seed(0)                                   # nothing draws from it; for safety
    data = load_data(cfg)
    y, split, names = data["y"], data["split"], data["names"]
    V, C = len(data["vocab"]), len(names)
    orders = epoch_orders(split["train"], cfg["epochs"])

    np_model, torch_model = build_pair(V, C, cfg, "float32")
    init = {k: v.copy() for k, v in np_model.state_dict().items()}
    params = parameter_table(V, cfg, C, torch_model)
    agreement64 = float64_agreement(data, cfg, init, orders)
    hist = {"numpy": train_numpy(np_model, data, cfg, orders), "torch": train_torch(torch_model, data, cfg, orders)}
    baseline = bag_of_words_baseline(data)
    recipe = {"val_accuracy": hist["numpy"]["val_accuracy"][-1],
              "test_accuracy": float(np.mean(hist["numpy"]["test_predictions"] == y[split["test"]]))}
    long = long_runs(data, cfg, init, recipe, baseline)

    test_y = y[split["test"]]
    test_acc = {k: float(np.mean(h["test_predictions"] == test_y)) for k, h in hist.items()}
    step_diff = np.abs(np.array(hist["numpy"]["step_loss"]) - np.array(hist["torch"]["step_loss"]))
    sec = {k: float(np.mean(h["seconds"])) for k, h in hist.items()}
    epochs = list(range(1, cfg["epochs"] + 1))
    counts = {part: np.bincount(y[idx], minlength=C).tolist() for part, idx in split.items()}
    results = {
        "config": cfg,
        "data": {
            "source": "Debian package fortunes (files under /usr/share/games/fortunes)",
            "licence": "BSD (Copyright (c) 1991 The Regents of the University of California)",
            "categories": names,
            "max_chars": cfg["max_chars"],
            "n_entries": int(len(y)),
            "sizes": {part: int(len(idx)) for part, idx in split.items()},
            "class_counts": {
                "columns": ["category", "all", "train", "validation", "test"],
                "rows": [[names[c], int(np.sum(y == c)), counts["train"][c], counts["val"][c], counts["test"][c]]
                         for c in range(C)]
                + [["total", int(len(y)), *(int(len(split[p])) for p in ("train", "val", "test"))]]},
            "vocab_size": V,
            "min_freq": cfg["min_freq"],
            "maxlen": cfg["maxlen"],
            "words_per_entry_median": float(np.median(data["lengths"])),
            "words_per_entry_p95": float(np.percentile(data["lengths"], 95)),
            "truncated_fraction": float(np.mean(data["lengths"] > cfg["maxlen"])),
            "known_word_fraction_test": float(np.mean(data["known_fraction"][split["test"]])),
        },
        "parameters": params,
        "epochs": epochs,
        "curves": {k: {"train_loss": h["train_loss"], "val_accuracy": h["val_accuracy"], "seconds": h["seconds"]}
                   for k, h in hist.items()},
        "epoch_table": {
            "columns": ["epoch", "train loss (NumPy)", "train loss (torch)", "val. accuracy (NumPy)",
                        "val. accuracy (torch)"],
            "rows": [[e, hist["numpy"]["train_loss"][i], hist["torch"]["train_loss"][i],
                      hist["numpy"]["val_accuracy"][i], hist["torch"]["val_accuracy"][i]]
                     for i, e in enumerate(epochs)],
            "formats": ["d", ".4f", ".4f", ".3f", ".3f"]},
        "test_accuracy": test_acc,
        "baseline": baseline,
        "summary": {
            "columns": ["model", "validation accuracy", "test accuracy"],
            "rows": [["LSTM, dlref.numpy", hist["numpy"]["val_accuracy"][-1], test_acc["numpy"]],
                     ["LSTM, dlref.torch twins", hist["torch"]["val_accuracy"][-1], test_acc["torch"]],
                     ["bag of words + logistic regression", baseline["val"]["bag_of_words"],
                      baseline["test"]["bag_of_words"]],
                     ["majority class", baseline["val"]["majority_class"], baseline["test"]["majority_class"]]],
            "formats": ["", ".3f", ".3f"]},
        "agreement": {
            "float64": agreement64,
            "float32_first_step_loss_diff": float(step_diff[0]),
            "float32_max_step_loss_diff": float(step_diff.max()),
            "float32_last_step_loss_diff": float(step_diff[-1]),
            "float32_final_max_param_diff": max_param_diff(np_model, torch_model),
            "float32_test_predictions_equal": float(np.mean(hist["numpy"]["test_predictions"]
                                                            == hist["torch"]["test_predictions"])),
        },
        "seconds_per_epoch": {**sec, "numpy_over_torch": sec["numpy"] / sec["torch"]},
        "steps": int(len(step_diff)),
        "long": long,
    }
    for k in ("numpy", "torch"):
        print(f"{k:5s} train loss " + " ".join(f"{v:.3f}" for v in hist[k]["train_loss"])
              + f" | val acc {hist[k]['val_accuracy'][-1]:.3f} test acc {test_acc[k]:.3f}"
              + f" | {sec[k]:.2f} s/epoch")
    print(f"bag of words: val {baseline['val']['bag_of_words']:.3f} test {baseline['test']['bag_of_words']:.3f}; "
          f"float64 max |loss diff| {agreement64['max_loss_diff']:.1e}; "
          f"float32 max |loss diff| {step_diff.max():.1e}")
    for r in long["runs"].values():
        print(f"{r['name']}: {r['epochs_run']} epochs, best {r['best_epoch']}, "
              f"val {r['best_val_accuracy']:.3f} test {r['test_accuracy']:.3f} | {r['seconds_per_epoch']:.2f} s/epoch")
    return finish(NAME, args, argv, SEEDS, results, started.start)


if __name__ == "__main__":
    main()
