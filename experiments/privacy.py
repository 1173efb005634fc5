"""DP-SGD (accuracy against epsilon), membership inference and federated averaging on digits.

The recorded run of docs/frontiers/privacy.md.

Data: ``sklearn.datasets.load_digits`` (1797 images of 8x8 pixels, intensities 0..16,
scaled to [0, 1], flattened to 64 features), split once into 1257 training and 540 test
images (stratified, ``random_state=0``). Model: an MLP 64-64-10 with ReLU, built from
dlref's torch twins (``dlref.torch.nn.Linear``, ``ReLU``), trained by
``dlref.torch.optim.SGD``.

1. **Accuracy against epsilon.** For each seed, the same MLP is trained for ``EPOCHS``
   epochs (``steps = EPOCHS / q``) without privacy, with per-example clipping only
   (noise multiplier 0: no privacy), and by DP-SGD (Abadi et al. 2016) at each noise
   multiplier sigma: Poisson sampling at rate ``q``, per-example gradients by
   ``torch.func`` (``functional_call`` + ``vmap`` + ``grad``), clipping to norm ``C``,
   Gaussian noise N(0, sigma^2 C^2) on the sum, division by the expected batch size
   ``q N``. Epsilon at ``DELTA`` by Opacus's RDP accountant (and its PRV accountant).
2. **Membership inference.** The loss-threshold attack (Yeom et al. 2018): the score of
   an image is minus the model's loss on it; the AUC and the best advantage (TPR - FPR)
   at telling the 1257 training images (members) from the 540 test images (non-members),
   for every model of 1, and for a model trained to overfit (few training images, many
   epochs, no privacy) on the same data and the same way.
3. **Federated averaging** (McMahan et al. 2017): ``K`` clients, all of them taking part
   in each round, ``E`` local epochs of SGD on their own images, then the server averages
   the clients' weights (weighted by their number of images). Non-IID split (each client
   holds two shards of the label-sorted training set: mostly two classes) against an IID
   split, against centralised training on the pooled data with the same batch size,
   learning rate and number of gradient steps (one "round" = ``E`` epochs).

    python experiments/privacy.py --write   # the recorded run (~2 CPU-minutes, 3 seeds)
    python experiments/privacy.py --quick   # a few seconds: one seed, short runs
"""

from __future__ import annotations

import copy
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from torch.func import functional_call, grad, vmap

from dlref.torch.nn import Linear, ReLU
from dlref.torch.optim import SGD
from experiments.common import Timer, accuracy, finish, parse_args, set_threads

NAME = "privacy"
DELTA = 1e-5                  # well below 1 / N = 1 / 1257
SAMPLE_RATE = 0.05            # Poisson rate q: expected batch q N = 62.85
MAX_NORM = 1.0                # clipping norm C
LR = 0.5                      # SGD learning rate of every DP-SGD run (no momentum)
EPOCHS = 30
NOISE = [0.6, 0.8, 1.0, 1.5, 2.5, 4.0, 8.0]
NONPRIVATE = {"lr": 0.1, "batch_size": 64}
OVERFIT = {"n_train": 100, "epochs": 300}
FED = {"clients": 10, "local_epochs": 2, "rounds": 100, "batch_size": 16, "lr": 0.1}
FULL = {"seeds": [0, 1, 2], "noise": NOISE, "epochs": EPOCHS, "rounds": FED["rounds"],
        "overfit_epochs": OVERFIT["epochs"]}
QUICK = {"seeds": [0], "noise": [1.0], "epochs": 10, "rounds": 5, "overfit_epochs": 100}


def per_example_grads(model, x, y):
    """Per-example gradients of the cross-entropy, one per row of x (torch.func)."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss_one(p, xi, yi):
        # the model sees a batch of one example: (1, d) -> (1, K)
        logits = functional_call(model, p, (xi[None],))
        return F.cross_entropy(logits, yi[None])

    # vmap over the examples (dim 0 of x and y), not over the parameters
    # {name: (B, *shape)}
    return vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, y)


def clip_and_sum(grads, max_norm, stabilizer=0.0):
    """Clip each example's gradient (all parameters as one vector) to norm C; sum."""
    flat = torch.cat([g.flatten(1) for g in grads.values()], dim=1)   # (B, P)
    norms = flat.norm(dim=1)                                         # (B,)
    # g_i / max(1, ||g_i|| / C) = g_i * min(1, C / ||g_i||)
    factor = (max_norm / (norms + stabilizer)).clamp(max=1.0)        # (B,)
    return {k: torch.einsum("i,i...->...", factor, g) for k, g in grads.items()}


def dp_sgd_step(model, optimizer, x, y, noise_multiplier, max_norm, expected_batch,
                generator=None, stabilizer=0.0):
    """One DP-SGD step: clip per example, add N(0, sigma^2 C^2) to the sum, / (qN)."""
    if len(x) > 0:
        summed = clip_and_sum(per_example_grads(model, x, y), max_norm, stabilizer)
    else:                                  # a Poisson batch can be empty: noise only
        summed = {k: torch.zeros_like(p) for k, p in model.named_parameters()}
    for name, p in model.named_parameters():
        noise = torch.normal(0.0, noise_multiplier * max_norm, size=p.shape,
                             generator=generator, dtype=p.dtype, device=p.device)
        # g_tilde = (sum_i clip(g_i) + N(0, sigma^2 C^2 I)) / (q N)
        p.grad = (summed[name] + noise) / expected_batch
    optimizer.step()


def poisson_batch(n, sample_rate, generator):
    """Poisson sampling: each of the n examples joins the batch with probability q."""
    return torch.nonzero(torch.rand(n, generator=generator) < sample_rate)[:, 0]


def epsilon(noise_multiplier, sample_rate, steps, delta, accountant="rdp"):
    """Epsilon of DP-SGD from Opacus's RDP (or PRV) accountant; inf without noise."""
    from opacus.accountants import PRVAccountant, RDPAccountant

    if noise_multiplier == 0:
        return float("inf")
    acc = RDPAccountant() if accountant == "rdp" else PRVAccountant()
    acc.history = [(noise_multiplier, sample_rate, steps)]
    with warnings.catch_warnings():    # "optimal order is the largest alpha" at small eps
        warnings.simplefilter("ignore")
        return float(acc.get_epsilon(delta))


def load_data():
    """Digits scaled to [0, 1], shape (N, 64); a fixed stratified 1257/540 split."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, stratify=y, random_state=0)
    return (torch.tensor(X_train, dtype=torch.float32),
            torch.tensor(X_test, dtype=torch.float32),
            torch.tensor(y_train), torch.tensor(y_test))


def make_mlp(seed: int) -> torch.nn.Sequential:
    """MLP 64-64-10 with ReLU, from dlref's torch twins."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(Linear(64, 64), ReLU(), Linear(64, 10))


def train_dp(model, X, y, noise_multiplier, epochs, seed, max_norm=MAX_NORM,
             sample_rate=SAMPLE_RATE, lr=LR):
    """DP-SGD with Poisson sampling for epochs / q steps; returns (model, steps)."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = SGD(model.parameters(), lr=lr)
    steps = round(epochs / sample_rate)
    for _ in range(steps):
        idx = poisson_batch(len(X), sample_rate, generator)
        dp_sgd_step(model, optimizer, X[idx], y[idx], noise_multiplier, max_norm,
                    sample_rate * len(X), generator)
    return model, steps


def train_sgd(model, X, y, epochs, seed, lr, batch_size):
    """Plain mini-batch SGD (shuffled, fixed batch size) on cross-entropy."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def membership_attack(model, x_in, y_in, x_out, y_out):
    """Loss-threshold attack: AUC and best TPR - FPR of the score -loss, in vs out."""
    with torch.no_grad():
        loss_in = F.cross_entropy(model(x_in), y_in, reduction="none")
        loss_out = F.cross_entropy(model(x_out), y_out, reduction="none")
    labels = np.r_[np.ones(len(x_in)), np.zeros(len(x_out))]
    scores = -np.r_[loss_in.numpy(), loss_out.numpy()]
    fpr, tpr, _ = roc_curve(labels, scores)
    return {"auc": float(roc_auc_score(labels, scores)),
            "advantage": float(np.max(tpr - fpr)),
            "mean_loss_in": float(loss_in.mean()), "mean_loss_out": float(loss_out.mean())}


def shard_split(y, clients, seed):
    """Non-IID: sort by label, cut into 2K shards, give each client two of them."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.argsort(y, stable=True)
    shards = torch.tensor_split(order, 2 * clients)
    pick = torch.randperm(2 * clients, generator=generator)
    return [torch.cat([shards[pick[2 * k]], shards[pick[2 * k + 1]]])
            for k in range(clients)]


def iid_split(n, clients, seed):
    """IID: a random permutation cut into K nearly equal parts."""
    generator = torch.Generator().manual_seed(seed)
    return list(torch.tensor_split(torch.randperm(n, generator=generator), clients))


def fedavg_round(global_model, X, y, client_indices, local_epochs, lr, batch_size,
                 seed):
    """One FedAvg round: every client trains a copy locally; average weighted by n_k."""
    n = sum(len(idx) for idx in client_indices)
    new_state = {k: torch.zeros_like(v) for k, v in global_model.state_dict().items()}
    for k, idx in enumerate(client_indices):
        local = copy.deepcopy(global_model)
        train_sgd(local, X[idx], y[idx], local_epochs, seed + k, lr, batch_size)
        for name, value in local.state_dict().items():
            # w <- sum_k (n_k / n) w_k
            new_state[name] += len(idx) / n * value
    global_model.load_state_dict(new_state)
    return global_model


def run_fedavg(X, y, X_test, y_test, split, rounds, seed):
    """Test accuracy after each FedAvg round (all clients every round)."""
    model = make_mlp(seed)
    curve = []
    for r in range(rounds):
        fedavg_round(model, X, y, split, FED["local_epochs"], FED["lr"],
                     FED["batch_size"], 1000 * seed + 10 * r)
        curve.append(accuracy(model, X_test, y_test))
    return curve


def run_central(X, y, X_test, y_test, rounds, seed):
    """Centralised SGD, the same batch size and lr, E epochs per 'round'."""
    model = make_mlp(seed)
    curve = []
    for r in range(rounds):
        train_sgd(model, X, y, FED["local_epochs"], 1000 * seed + 10 * r, FED["lr"],
                  FED["batch_size"])
        curve.append(accuracy(model, X_test, y_test))
    return curve


def mean_std(values):
    return float(np.mean(values)), float(np.std(values))


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer()
    cfg = {**FULL, **(QUICK if args.quick else {})}
    X_train, X_test, y_train, y_test = load_data()
    n = len(X_train)
    steps = round(cfg["epochs"] / SAMPLE_RATE)

    # 1. accuracy against epsilon, 2. membership inference on the same models
    settings = [("non-private SGD", None), ("clipping only", 0.0)]
    settings += [(f"DP-SGD, sigma = {s}", s) for s in cfg["noise"]]
    runs = {label: {"acc": [], "auc": [], "advantage": []} for label, _ in settings}
    for seed in cfg["seeds"]:
        for label, sigma in settings:
            model = make_mlp(seed)
            if sigma is None:
                train_sgd(model, X_train, y_train, cfg["epochs"], seed,
                          NONPRIVATE["lr"], NONPRIVATE["batch_size"])
            else:
                train_dp(model, X_train, y_train, sigma, cfg["epochs"], seed)
            attack = membership_attack(model, X_train, y_train, X_test, y_test)
            runs[label]["acc"].append(accuracy(model, X_test, y_test))
            runs[label]["auc"].append(attack["auc"])
            runs[label]["advantage"].append(attack["advantage"])
    rows, dp = [], {"noise": [], "epsilon": [], "epsilon_prv": [], "acc_mean": [],
                    "acc_std": [], "auc_mean": []}
    for label, sigma in settings:
        acc_m, acc_s = mean_std(runs[label]["acc"])
        eps = float("inf") if sigma is None else epsilon(sigma, SAMPLE_RATE, steps, DELTA)
        eps_prv = (float("inf") if sigma is None
                   else epsilon(sigma, SAMPLE_RATE, steps, DELTA, "prv"))
        auc = float(np.mean(runs[label]["auc"]))
        rows.append([label, "-" if sigma is None else f"{sigma:g}",
                     "inf" if eps == float("inf") else f"{eps:.2f}",
                     "inf" if eps_prv == float("inf") else f"{eps_prv:.2f}",
                     acc_m, acc_s, auc])
        if sigma:
            for key, value in (("noise", sigma), ("epsilon", eps), ("epsilon_prv", eps_prv),
                               ("acc_mean", acc_m), ("acc_std", acc_s), ("auc_mean", auc)):
                dp[key].append(value)
    dp_table = {"columns": ["training", "noise multiplier", "epsilon (RDP)",
                            "epsilon (PRV)", "test accuracy", "std over seeds",
                            "membership AUC"],
                "rows": rows, "formats": ["", "", "", "", ".3f", ".3f", ".3f"]}

    # the overfit model: few training images, many epochs, no privacy
    overfit = {"acc": [], "auc": [], "advantage": [], "loss_in": [], "loss_out": []}
    for seed in cfg["seeds"]:
        model = make_mlp(seed)
        Xs, ys = X_train[:OVERFIT["n_train"]], y_train[:OVERFIT["n_train"]]
        train_sgd(model, Xs, ys, cfg["overfit_epochs"], seed, NONPRIVATE["lr"], 16)
        attack = membership_attack(model, Xs, ys, X_test, y_test)
        overfit["acc"].append(accuracy(model, X_test, y_test))
        for key in ("auc", "advantage"):
            overfit[key].append(attack[key])
        overfit["loss_in"].append(attack["mean_loss_in"])
        overfit["loss_out"].append(attack["mean_loss_out"])
    overfit = {k: float(np.mean(v)) for k, v in overfit.items()}

    # 3. federated averaging
    curves = {"fedavg_non_iid": [], "fedavg_iid": [], "central": []}
    for seed in cfg["seeds"]:
        non_iid = shard_split(y_train, FED["clients"], seed)
        iid = iid_split(n, FED["clients"], seed)
        curves["fedavg_non_iid"].append(run_fedavg(X_train, y_train, X_test, y_test,
                                                   non_iid, cfg["rounds"], seed))
        curves["fedavg_iid"].append(run_fedavg(X_train, y_train, X_test, y_test, iid,
                                               cfg["rounds"], seed))
        curves["central"].append(run_central(X_train, y_train, X_test, y_test,
                                             cfg["rounds"], seed))
    classes = [len(torch.unique(y_train[idx])) for idx in shard_split(y_train,
                                                                       FED["clients"], 0)]
    fed = {k: np.mean(v, axis=0).tolist() for k, v in curves.items()}
    def first_round(curve, level=0.9):
        return next((r + 1 for r, acc in enumerate(curve) if acc >= level), None)

    fed_rows = [[label, fed[k][0], fed[k][min(9, len(fed[k]) - 1)], fed[k][-1],
                 str(first_round(fed[k]))]
                for k, label in (("fedavg_non_iid", "FedAvg, non-IID (2 shards each)"),
                                 ("fedavg_iid", "FedAvg, IID"),
                                 ("central", "centralised SGD"))]
    results = {
        "n_train": n, "n_test": len(X_test), "delta": DELTA, "sample_rate": SAMPLE_RATE,
        "expected_batch": SAMPLE_RATE * n, "max_norm": MAX_NORM, "lr": LR,
        "epochs": cfg["epochs"], "steps": steps,
        "nonprivate": {**NONPRIVATE,
                       "acc_mean": mean_std(runs["non-private SGD"]["acc"])[0],
                       "auc_mean": float(np.mean(runs["non-private SGD"]["auc"])),
                       "advantage_mean": float(np.mean(runs["non-private SGD"]["advantage"]))},
        "clip_only": {"acc_mean": mean_std(runs["clipping only"]["acc"])[0]},
        "dp": dp, "dp_table": dp_table,
        "advantage": {label: float(np.mean(runs[label]["advantage"])) for label, _ in settings},
        "overfit": {**overfit, **OVERFIT, "epochs": cfg["overfit_epochs"]},
        "fedavg": {**FED, "rounds": cfg["rounds"], "curves": fed,
                   "classes_per_client": classes,
                   "rounds_to_90": {k: first_round(v) for k, v in fed.items()},
                   "table": {"columns": ["training", "round 1", "round 10",
                                         f"round {cfg['rounds']}", "first round >= 0.9"],
                             "rows": fed_rows, "formats": ["", ".3f", ".3f", ".3f", ""]}},
    }
    seeds = {"model_init_and_sampling": cfg["seeds"],
             "fedavg_local_shuffles": "1000 * seed + 10 * round + client"}
    record = finish(NAME, args, argv, seeds, results, started.start)
    for row in rows:
        print(row)
    print("overfit", overfit)
    for row in fed_rows:
        print(row)
    return record


if __name__ == "__main__":
    main()
