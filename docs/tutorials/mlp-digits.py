# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Train a multilayer perceptron on handwritten digits from scratch
#
# 中文：用多层感知机识别手写数字
#
# This notebook trains a small neural network to read handwritten digits, twice: first
# with `dlref.numpy`, where every forward and backward pass is NumPy code you can read,
# then with `torch.nn`. It ends by moving the trained PyTorch weights into the NumPy
# model and checking that both make the same predictions.
#
# Everything runs on a CPU in a few seconds, needs no download, and is executed each
# time the site is built and each time the test suite runs: the numbers below are the
# ones this code printed.
#
# The steps:
#
# 1. load the data and split it into a training and a test set;
# 2. standardize the pixels with statistics from the training set only;
# 3. build the network `Linear(64, 64) → ReLU → Linear(64, 10)`;
# 4. train it with mini-batch stochastic gradient descent, written out by hand;
# 5. measure it on the test set and look at its mistakes;
# 6. do the same in PyTorch, and check the two agree.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from dlref.numpy import nn

# %% [markdown]
# ## 1. The data
#
# scikit-learn ships a small copy of the UCI handwritten digits: 1797 images of 8×8
# pixels, each pixel a grey level from 0 to 16, with the digit (0 to 9) as label. It is
# installed with scikit-learn, so nothing is downloaded.
#
# We keep a quarter of the images aside as a **test set**. The network never trains on
# them; they tell us how well it does on digits it has not seen. `stratify=y` keeps the
# ten classes in the same proportions in both parts.

# %%
digits = load_digits()
X, y = digits.data, digits.target  # X: (1797, 64), y: (1797,)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print("training set:", X_train.shape, " test set:", X_test.shape)
print("pixel values from", X.min(), "to", X.max())

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for digit, ax in enumerate(axes):
    ax.imshow(X_train[y_train == digit][0].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 2. Standardize with training statistics only
#
# Each pixel is shifted and scaled to mean 0 and standard deviation 1 over the training
# set. Gradient descent then works with inputs of comparable size, which lets one
# learning rate suit every weight (the
# [overview page](../../overview/#end-to-end-learning-needs-no-preprocessing) shows
# what happens without this step).
#
# The mean and standard deviation come from the **training** images only and are then
# applied, unchanged, to the test images. Computing them on all the data would let
# information from the test set leak into training. Some border pixels are 0 in every
# training image; their standard deviation is 0, so we divide those by 1 instead.
#
# The network computes in float32, as PyTorch does by default.

# %%
mean = X_train.mean(axis=0)  # (64,)
std = X_train.std(axis=0)  # (64,)
std[std == 0] = 1.0  # constant pixels: leave them at 0 after centering

X_train = ((X_train - mean) / std).astype(np.float32)
X_test = ((X_test - mean) / std).astype(np.float32)
print("constant pixels in the training set:", int((X_train.std(axis=0) == 0).sum()))
print(
    "pixel standard deviations after scaling:",
    np.unique(X_train.std(axis=0).round(3)),
)
print(f"largest pixel mean after centering: {np.abs(X_train.mean(axis=0)).max():.0e}")

# %% [markdown]
# ## 3. The network
#
# A multilayer perceptron: a linear layer from the 64 pixels to 64 hidden units, a ReLU,
# and a linear layer from the 64 hidden units to 10 scores (**logits**), one per digit.
# The predicted digit is the one with the largest logit.
#
# `CrossEntropyLoss` takes the logits and the integer labels, as in PyTorch: it applies
# the softmax itself, in a numerically stable way, so the network has no softmax layer.
#
# Randomness is explicit: the initial weights are drawn from a seeded
# `numpy.random.Generator`, so every run gives the same network.

# %%
rng = np.random.default_rng(0)
model = nn.Sequential(
    nn.Linear(64, 64, generator=rng),
    nn.ReLU(),
    nn.Linear(64, 10, generator=rng),
)
loss_fn = nn.CrossEntropyLoss()
# a copy, to start PyTorch from the same weights later
initial_state = model.state_dict()

print(model)
n_params = sum(p.data.size for p in model.parameters())
print(
    f"parameters: {n_params} = (64 + 1) * 64 + (64 + 1) * 10"
    " (weights and biases of each layer)"
)
assert n_params == (64 + 1) * 64 + (64 + 1) * 10

# %% [markdown]
# ## 4. Training with mini-batch SGD, written out
#
# One **epoch** visits every training image once, in a random order, in mini-batches
# of 32. For each batch:
#
# 1. forward: compute the logits and the loss;
# 2. `zero_grad()`: forget the previous batch's gradients (they accumulate otherwise);
# 3. backward: `loss_fn.backward()` gives the gradient of the loss for the logits, and
#    `model.backward(...)` carries it back through the layers, filling each parameter's
#    `.grad`;
# 4. update: move every parameter a small step against its gradient,
#    `p.data -= lr * p.grad`. That line is the whole of stochastic gradient descent.
#
# The shuffling orders are drawn once, up front, so that the PyTorch run below can use
# exactly the same batches.

# %%
lr = 0.1
batch_size = 32
epochs = 30
order_rng = np.random.default_rng(1)
# one shuffle per epoch
orders = [order_rng.permutation(len(X_train)) for _ in range(epochs)]


def accuracy(logits, labels):
    return float((logits.argmax(axis=1) == labels).mean())


history = {"loss": [], "train": [], "test": []}
for epoch in range(epochs):
    model.train()
    batch_losses = []
    for start in range(0, len(X_train), batch_size):
        batch = orders[epoch][start:start + batch_size]
        logits = model(X_train[batch])  # (B, 10)
        loss = loss_fn(logits, y_train[batch])
        model.zero_grad()
        model.backward(loss_fn.backward())
        for p in model.parameters():
            p.data -= lr * p.grad
        batch_losses.append(float(loss))
    model.eval()
    history["loss"].append(np.mean(batch_losses))
    history["train"].append(accuracy(model(X_train), y_train))
    history["test"].append(accuracy(model(X_test), y_test))
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1:2d}  loss {history['loss'][-1]:.4f}  "
              f"train accuracy {history['train'][-1]:.3f}  "
              f"test accuracy {history['test'][-1]:.3f}")

# %% [markdown]
# The loss falls fast in the first epochs and then slowly. Training accuracy reaches
# 100 %, test accuracy levels off a little below it: the gap is what the network learned
# about these particular training images that does not carry over to new ones.

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
ax_loss.plot(range(1, epochs + 1), history["loss"])
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("mean training loss")
ax_loss.set_yscale("log")
ax_acc.plot(range(1, epochs + 1), history["train"], label="train")
ax_acc.plot(range(1, epochs + 1), history["test"], label="test")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. How good is it, and where does it fail?
#
# The final test accuracy. The `assert` makes the site build and the test suite fail if
# a change anywhere in `dlref` ever breaks the training.

# %%
test_logits = model(X_test)
test_pred = test_logits.argmax(axis=1)
test_accuracy = float((test_pred == y_test).mean())
n_correct = int((test_pred == y_test).sum())
print(f"test accuracy: {test_accuracy:.4f} ({n_correct} of {len(y_test)} digits)")
assert test_accuracy >= 0.95, test_accuracy

# %% [markdown]
# The **confusion matrix** counts, for each true digit (row), how often each digit was
# predicted (column). The diagonal holds the correct answers; everything off it is a
# mistake.

# %%
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, test_pred), 1)
print("rows: true digit, columns: predicted digit")
print("   " + " ".join(f"{d:3d}" for d in range(10)))
for digit in range(10):
    print(f"{digit:2d} " + " ".join(f"{n:3d}" for n in confusion[digit]))

# %% [markdown]
# The misclassified test digits themselves (in their original grey levels). Some are
# hard to read for a person too, at 8×8 pixels.

# %%
wrong = np.flatnonzero(test_pred != y_test)
X_test_pixels = X_test * std + mean  # undo the standardization, for display
fig, axes = plt.subplots(
    1, len(wrong[:10]), figsize=(1.2 * len(wrong[:10]), 1.8), squeeze=False
)
for ax, i in zip(axes[0], wrong[:10]):
    ax.imshow(X_test_pixels[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[i]} → {test_pred[i]}")
    ax.axis("off")
fig.suptitle("true → predicted", y=1.05)
plt.show()

# %% [markdown]
# ## 6. The same network in PyTorch
#
# Now the same model with `torch.nn`. It starts from the same initial weights (loaded
# from `initial_state`), sees the same batches in the same order, and takes the same
# steps. Only the backward pass differs: PyTorch's autograd computes it, where
# `dlref.numpy` runs the hand-written `backward` methods.
#
# The update is written out as before. `torch.no_grad()` keeps autograd from recording
# the update itself, and `p.grad = None` plays the part of `zero_grad()`.
#
# The batches here are tiny (32 × 64 numbers), far too small for several CPU threads to
# pay off: starting and synchronizing them costs more than the arithmetic they share. So
# we ask PyTorch for one thread, which on a busy machine is many times faster.

# %%
import torch

torch.set_num_threads(1)
torch_model = torch.nn.Sequential(
    torch.nn.Linear(64, 64),
    torch.nn.ReLU(),
    torch.nn.Linear(64, 10),
)
torch_model.load_state_dict(
    {name: torch.from_numpy(value) for name, value in initial_state.items()}
)
torch_loss_fn = torch.nn.CrossEntropyLoss()

X_train_t = torch.from_numpy(X_train)
y_train_t = torch.from_numpy(y_train)
X_test_t = torch.from_numpy(X_test)

torch_history = {"loss": [], "test": []}
for epoch in range(epochs):
    batch_losses = []
    for start in range(0, len(X_train), batch_size):
        batch = torch.from_numpy(orders[epoch][start:start + batch_size])
        loss = torch_loss_fn(torch_model(X_train_t[batch]), y_train_t[batch])
        for p in torch_model.parameters():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in torch_model.parameters():
                p -= lr * p.grad
        batch_losses.append(loss.item())
    torch_history["loss"].append(np.mean(batch_losses))
    with torch.no_grad():
        torch_history["test"].append(accuracy(torch_model(X_test_t).numpy(), y_test))

print(f"PyTorch test accuracy: {torch_history['test'][-1]:.4f}   "
      f"dlref.numpy: {history['test'][-1]:.4f}")
loss_gap = np.max(np.abs(np.array(torch_history["loss"]) - np.array(history["loss"])))
print(f"largest difference between the two loss curves: {loss_gap:.1e}")

# %% [markdown]
# The two runs differ only by float32 rounding (sums taken in a different order), so the
# two loss curves lie on top of each other.

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(range(1, epochs + 1), history["loss"], label="dlref.numpy",
        linewidth=3, alpha=0.5)
ax.plot(range(1, epochs + 1), torch_history["loss"], "--", label="torch.nn")
ax.set_xlabel("epoch")
ax.set_ylabel("mean training loss")
ax.set_yscale("log")
ax.legend()
plt.show()

# %% [markdown]
# ## 7. PyTorch weights in the NumPy model
#
# `dlref.numpy` modules use PyTorch's parameter names and layouts (`Linear.weight` is
# `(out_features, in_features)`), so a PyTorch `state_dict()` loads into a fresh
# `dlref.numpy` model directly; `load_state_dict` accepts tensors. The two models must
# then compute the same logits, up to float32 rounding, and the same predictions.

# %%
from dlref.testing import assert_close

numpy_copy = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
numpy_copy.load_state_dict(torch_model.state_dict())

with torch.no_grad():
    torch_logits = torch_model(X_test_t).numpy()
numpy_logits = numpy_copy(X_test)

assert_close(numpy_logits, torch_logits, rtol=1e-5, atol=1e-5)
same = int((numpy_logits.argmax(axis=1) == torch_logits.argmax(axis=1)).sum())
print(f"largest logit difference: {np.max(np.abs(numpy_logits - torch_logits)):.1e}")
print(f"same prediction for {same} of {len(X_test)} test digits")
assert same == len(X_test)

# %% [markdown]
# ## Where to go next
#
# * [What deep learning is](../../overview/): why the hidden layer helps, and when a
#   simpler model is the better choice.
# * The layers used here, in the API reference:
#   [Linear](../../reference/dlref/numpy/nn/#dlref.numpy.nn.Linear),
#   [ReLU](../../reference/dlref/numpy/nn/#dlref.numpy.nn.ReLU),
#   [CrossEntropyLoss](../../reference/dlref/numpy/nn/#dlref.numpy.nn.CrossEntropyLoss),
#   [Sequential](../../reference/dlref/numpy/nn/#dlref.numpy.nn.Sequential).
# * Things to try: a hidden layer of 16 or 256 units; a learning rate of 1.0 or 0.001;
#   training on raw pixels, without step 2; a second hidden layer.
