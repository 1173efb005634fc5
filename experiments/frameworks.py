"""One model in four frameworks: the summaries' Keras CNN in Keras 3, PyTorch, dlref.numpy, JAX.

The popular summaries show a Keras CNN for MNIST digits: Conv2D(32, 3x3, ReLU) ->
MaxPooling2D(2) -> Conv2D(64, 3x3, ReLU) -> MaxPooling2D(2) -> Conv2D(64, 3x3, ReLU) ->
Flatten -> Dense(64, ReLU) -> Dense(10, softmax) on 28x28x1 input (93,322 parameters),
compiled with RMSprop and categorical cross-entropy, trained 5 epochs at batch size 64.

MNIST needs a download, so the data are scikit-learn's 8x8 digits (1,797 images, bundled
with scikit-learn, BSD licence; from the UCI "Optical Recognition of Handwritten Digits"
set), scaled to [0, 1] and upsampled bilinearly to 28x28 so that the architecture stays as
printed (three unpadded 3x3 convolutions and two poolings need at least 22x22). One
stratified 75/25 split, the same for every framework.

Every framework trains the same network from the same initial weights (PyTorch's default
initialization, drawn once and copied into the others: Keras' kernels are channels-last,
so the convolution kernels are transposed and the first Dense kernel's rows permuted), on
the same mini-batches in the same order, with RMSprop at Keras' defaults (lr 1e-3, decay
0.9, epsilon 1e-7). Differences that remain are the frameworks' own: Keras adds epsilon
under the square root (torch, dlref and our JAX loop add it after), Keras computes the
cross-entropy from the softmax output (clipped at 1e-7), the others from logits, and each
sums in its own order in float32.

    python experiments/frameworks.py --write      # the recorded run (~2-3 CPU-minutes)
    python experiments/frameworks.py --quick      # a few seconds: 342 images, 5 epochs
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("KERAS_BACKEND", "torch")          # Keras 3 runs on PyTorch here
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")  # JAX on one thread, like the rest

import importlib.metadata  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "frameworks"
LR, DECAY, EPS = 1e-3, 0.9, 1e-7            # Keras' RMSprop defaults, used everywhere


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_data(n_images: int | None, seed: int):
    """Digits in [0, 1], upsampled to (N, 1, 28, 28); a stratified 75/25 split."""
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]     # (N, 1, 8, 8)
    x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    x, y = x.numpy(), digits.target.astype(np.int64)                       # (N, 1, 28, 28)
    if n_images is not None:
        x, _, y, _ = train_test_split(x, y, train_size=n_images, stratify=y,
                                      random_state=seed)
    return train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)


def torch_model() -> torch.nn.Sequential:
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),  # logits
    )


def batches(n: int, batch_size: int, epochs: int, seed: int) -> list[list[np.ndarray]]:
    """The index batches of every epoch, shared by all frameworks."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        order = rng.permutation(n)
        out.append([order[i:i + batch_size] for i in range(0, n, batch_size)])
    return out


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == y))


# ---------------------------------------------------------------- PyTorch (define-by-run)
def train_torch(state, data, plan):
    x_tr, x_te, y_tr, y_te = data
    model = torch_model()
    model.load_state_dict(state)
    opt = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=DECAY, eps=EPS)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    losses, curve = [], []
    timer = Timer()
    for epoch in plan:
        total = 0.0
        for idx in epoch:
            idx = torch.from_numpy(idx)
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(y_tr))
        with torch.no_grad():
            scores = model(torch.from_numpy(x_te)).numpy()
        curve.append(accuracy(scores, y_te))
    seconds = timer()
    n_params = sum(p.numel() for p in model.parameters())
    return dict(parameters=n_params, losses=losses, test_accuracy_per_epoch=curve,
                seconds=seconds, scores=scores)


# ------------------------------------------------- dlref.numpy (explicit backward passes)
def numpy_model():
    from dlref.numpy import nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def train_numpy(state, data, plan):
    from dlref.numpy import nn, optim
    x_tr, x_te, y_tr, y_te = data
    model = numpy_model()
    model.load_state_dict(state)                # the same keys as torch's Sequential
    opt = optim.RMSprop(model.parameters(), lr=LR, alpha=DECAY, eps=EPS)
    criterion = nn.CrossEntropyLoss()
    losses, curve = [], []
    timer = Timer()
    for epoch in plan:
        total = 0.0
        for idx in epoch:
            loss = criterion(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad()
            model.backward(criterion.backward())  # the chain rule, layer by layer
            opt.step()
            total += float(loss) * len(idx)
        losses.append(total / len(y_tr))
        scores = np.concatenate([model(x_te[i:i + 128]) for i in range(0, len(x_te), 128)])
        curve.append(accuracy(scores, y_te))
    seconds = timer()
    n_params = sum(p.data.size for p in model.parameters())
    return dict(parameters=n_params, losses=losses, test_accuracy_per_epoch=curve,
                seconds=seconds, scores=scores)


# ------------------------------------------------------------ Keras 3 (high-level API)
def keras_model():
    import keras
    from keras import layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),                      # channels last: (H, W, C)
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def torch_to_keras(state) -> list[np.ndarray]:
    """torch's (O, I, kH, kW) kernels as Keras' (kH, kW, I, O); Dense kernels transposed.

    Keras flattens (3, 3, 64) in (h, w, c) order, torch flattens (64, 3, 3) in (c, h, w)
    order, so the first Dense kernel's 576 rows are permuted too.
    """
    w = {k: v.numpy() for k, v in state.items()}
    dense1 = w["9.weight"].reshape(64, 64, 3, 3)                 # (out, c, h, w)
    dense1 = dense1.transpose(2, 3, 1, 0).reshape(576, 64)     # (h * w * c, out)
    return [
        w["0.weight"].transpose(2, 3, 1, 0), w["0.bias"],       # (kH, kW, I, O)
        w["3.weight"].transpose(2, 3, 1, 0), w["3.bias"],
        w["6.weight"].transpose(2, 3, 1, 0), w["6.bias"],
        dense1, w["9.bias"],
        w["11.weight"].T, w["11.bias"],                           # (in, out)
    ]


def train_keras(state, data, plan):
    import keras
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = x_tr.transpose(0, 2, 3, 1), x_te.transpose(0, 2, 3, 1)  # (N, 28, 28, 1)
    model = keras_model()
    model.set_weights(torch_to_keras(state))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=LR, rho=DECAY,
                                                     epsilon=EPS),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    y_onehot = keras.utils.to_categorical(y_tr, 10)
    losses, curve = [], []
    timer = Timer()
    for epoch in plan:
        order = np.concatenate(epoch)                 # our batch order, not Keras' shuffle
        history = model.fit(x_tr[order], y_onehot[order], batch_size=len(epoch[0]),
                            epochs=1, shuffle=False, verbose=0)
        losses.append(float(history.history["loss"][-1]))
        scores = np.asarray(model.predict(x_te, batch_size=128, verbose=0))
        curve.append(accuracy(scores, y_te))
    seconds = timer()
    return dict(parameters=int(model.count_params()), losses=losses,
                test_accuracy_per_epoch=curve, seconds=seconds, scores=scores)


# ------------------------------------------------ JAX (pure functions + transformations)
def train_jax(state, data, plan):
    import jax
    import jax.numpy as jnp
    from jax import lax

    x_tr, x_te, y_tr, y_te = data
    params = {k.replace(".", "_"): jnp.asarray(v.numpy()) for k, v in state.items()}

    def conv(x, w, b):                                 # x (N, C, H, W), w (O, I, kH, kW)
        y = lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return jax.nn.relu(y + b[None, :, None, None])

    def pool(x):                                       # 2x2 max pooling, stride 2
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def forward(p, x):
        h = pool(conv(x, p["0_weight"], p["0_bias"]))
        h = pool(conv(h, p["3_weight"], p["3_bias"]))
        h = conv(h, p["6_weight"], p["6_bias"])
        h = h.reshape(h.shape[0], -1)                   # (N, 576), (c, h, w) order
        h = jax.nn.relu(h @ p["9_weight"].T + p["9_bias"])
        return h @ p["11_weight"].T + p["11_bias"]     # logits

    def loss_fn(p, x, y):
        log_probs = jax.nn.log_softmax(forward(p, x))
        return -jnp.mean(jnp.take_along_axis(log_probs, y[:, None], axis=1))

    @jax.jit
    def step(p, v, x, y):                              # RMSprop, torch's form, by hand
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        v = jax.tree.map(lambda v, g: DECAY * v + (1 - DECAY) * g * g, v, g)
        p = jax.tree.map(lambda p, g, v: p - LR * g / (jnp.sqrt(v) + EPS), p, g, v)
        return p, v, loss

    predict = jax.jit(forward)
    v = jax.tree.map(jnp.zeros_like, params)
    losses, curve = [], []
    timer = Timer()
    for epoch in plan:                                 # includes compiling (2 batch shapes)
        total = 0.0
        for idx in epoch:
            params, v, loss = step(params, v, x_tr[idx], y_tr[idx])
            total += float(loss) * len(idx)
        losses.append(total / len(y_tr))
        scores = np.asarray(predict(params, x_te))
        curve.append(accuracy(scores, y_te))
    seconds = timer()
    n_params = sum(leaf.size for leaf in jax.tree.leaves(params))
    return dict(parameters=int(n_params), losses=losses, test_accuracy_per_epoch=curve,
                seconds=seconds, scores=scores)


FRAMEWORKS = [  # name, short key, style, package that must be installed, trainer
    ("Keras 3 (torch backend)", "keras", "high-level API: Sequential, compile, fit",
     "keras", train_keras),
    ("PyTorch", "torch", "define-by-run: nn.Module, autograd, own loop", "torch",
     train_torch),
    ("dlref.numpy", "numpy", "explicit backward passes, own loop", "numpy", train_numpy),
    ("JAX", "jax", "pure functions, jax.grad and jax.jit", "jax", train_jax),
]


def initial_agreement(state, x: np.ndarray) -> dict:
    """Largest |difference| of the initial class probabilities against PyTorch's."""
    model = torch_model()
    model.load_state_dict(state)
    with torch.no_grad():
        reference = torch.softmax(model(torch.from_numpy(x)), dim=1).numpy()
    out = {}
    if version("keras"):
        keras_net = keras_model()
        keras_net.set_weights(torch_to_keras(state))
        probs = np.asarray(keras_net.predict(x.transpose(0, 2, 3, 1), verbose=0))
        out["keras"] = float(np.abs(probs - reference).max())
    net = numpy_model()
    net.load_state_dict(state)
    logits = net(x)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    out["numpy"] = float(np.abs(probs / probs.sum(1, keepdims=True) - reference).max())
    return out


def main(argv=None) -> dict:
    def add(parser):
        parser.add_argument("--epochs", type=int, default=None)

    args = parse_args(NAME, "The summaries' Keras CNN in four frameworks.", argv, add)
    set_threads(args.threads)
    timer = Timer()
    seed = 0
    epochs = args.epochs or (5 if args.quick else 15)
    n_images = 342 if args.quick else None  # quick: 256 training images, 4 batches
    batch_size = 64
    data = load_data(n_images, seed)
    x_tr, x_te, y_tr, y_te = data
    torch.manual_seed(seed)
    state = {k: v.clone() for k, v in torch_model().state_dict().items()}
    plan = batches(len(y_tr), batch_size, epochs, seed)

    runs, rows = {}, []
    reference = None
    for name, _, style, package, train in FRAMEWORKS:
        if version(package) is None:
            runs[name] = {"installed": False}
            continue
        run = train(state, data, plan)
        predictions = np.argmax(run.pop("scores"), axis=1)
        if reference is None:
            reference = name
        run.update(installed=True, version=version(package),
                   test_accuracy=float(np.mean(predictions == y_te)),
                   predictions=predictions.tolist())
        runs[name] = run
    torch_predictions = np.array(runs["PyTorch"]["predictions"])
    summary = {}
    for name, short, style, package, _ in FRAMEWORKS:
        run = runs[name]
        if not run["installed"]:
            continue
        run["same_predictions_as_torch"] = float(
            np.mean(np.array(run["predictions"]) == torch_predictions))
        rows.append([name, run["version"], style, run["parameters"],
                     run["losses"][0], run["losses"][-1], run["test_accuracy"],
                     run["same_predictions_as_torch"], run["seconds"]])
        summary[short] = {key: run[key] for key in (
            "parameters", "test_accuracy", "same_predictions_as_torch", "seconds")}
        summary[short].update(first_loss=run["losses"][0], last_loss=run["losses"][-1],
                              first_epoch_accuracy=run["test_accuracy_per_epoch"][0])
    for run in runs.values():
        run.pop("predictions", None)

    results = {
        "config": {"epochs": epochs, "batch_size": batch_size, "lr": LR, "decay": DECAY,
                   "eps": EPS, "image_size": 28,
                   "data": "sklearn load_digits, upsampled bilinearly from 8x8 to 28x28",
                   "split": "stratified 75/25, random_state 0"},
        "sizes": {"train": int(len(y_tr)), "test": int(len(y_te))},
        "versions": {p: version(p) for p in ("keras", "jax", "jaxlib", "torch", "numpy")},
        "runs": runs,
        "summary": summary,
        "spread": {
            "min_accuracy": min(r["test_accuracy"] for r in summary.values()),
            "max_accuracy": max(r["test_accuracy"] for r in summary.values()),
            "test_accuracy": (max(r["test_accuracy"] for r in summary.values())
                              - min(r["test_accuracy"] for r in summary.values())),
        },
        "initial_probability_max_abs_diff": initial_agreement(state, x_te[:64]),
        "table": {
            "columns": ["framework", "version", "style", "parameters",
                        "train loss, epoch 1", f"train loss, epoch {epochs}",
                        "test accuracy", "same predictions as PyTorch", "train seconds"],
            "rows": rows,
            "formats": ["", "", "", ",d", ".3f", ".3f", ".3f", ".3f", ".1f"],
        },
    }
    return finish(NAME, args, argv, {"torch.manual_seed (initial weights)": seed,
                                     "split random_state": seed,
                                     "batch order numpy default_rng": seed},
                  results, timer.start)


if __name__ == "__main__":
    main()
