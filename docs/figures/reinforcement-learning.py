"""Figures of the page docs/frontiers/reinforcement-learning.md.

* ``fig_frozenlake``: FrozenLake 4x4 (slippery), the optimal state values V* = max_a Q*
  and the greedy optimal actions, from value iteration on the environment's own
  transition table (``env.unwrapped.P``) with the functions of ``experiments/rl.py``.
* ``fig_learning_curves``: return per training episode and its 100-episode moving
  average against environment steps, per agent and seed, from the recorded run
  ``experiments/results/rl.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "experiments" / "results" / "rl.json"
ARROWS = {0: (-1, 0), 1: (0, -1), 2: (1, 0), 3: (0, 1)}   # left, down, right, up


def fig_frozenlake():
    sys.path.insert(0, str(ROOT))
    import gymnasium as gym

    from experiments import rl

    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    R, C = rl.tables(env.unwrapped.P)
    Q_star = rl.value_iteration(R, C, rl.GAMMA)
    V = Q_star.max(axis=1).reshape(4, 4)
    policy = Q_star.argmax(axis=1).reshape(4, 4)
    desc = env.unwrapped.desc.astype(str)                       # (4, 4) letters S F H G
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    image = ax.imshow(V, cmap="Blues", vmin=0, vmax=1)
    for row in range(4):
        for col in range(4):
            letter = desc[row, col]
            ax.text(col - 0.38, row - 0.3, letter, fontsize=10, fontweight="bold",
                    color="black")
            if letter in "HG":
                if letter == "H":
                    ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1,
                                               color="0.35"))
                    ax.text(col - 0.38, row - 0.3, "H", fontsize=10,
                            fontweight="bold", color="white")
                continue
            dx, dy = ARROWS[int(policy[row, col])]
            ax.annotate("", xy=(col + 0.3 * dx, row - 0.3 * dy),
                        xytext=(col - 0.05 * dx, row + 0.05 * dy),
                        arrowprops={"arrowstyle": "->", "lw": 2, "color": "darkred"})
            ax.text(col + 0.42, row - 0.3, f"{V[row, col]:.2f}", ha="right",
                    fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("FrozenLake 4x4, slippery: V*(s) and the optimal action\n"
                 f"(value iteration, gamma = {rl.GAMMA}; H: hole, G: goal)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def fig_learning_curves():
    results = json.loads(RECORD.read_text())["results"]
    agents = list(results["runs"])
    titles = {"reinforce": "REINFORCE + value baseline", "dqn": "DQN",
              "dqn_no_target": "DQN without target network"}
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
    fig, axes = plt.subplots(1, len(agents), figsize=(3.4 * len(agents), 3.4),
                             sharey=True)
    axes = np.atleast_1d(axes)
    window = 100
    for ax, agent in zip(axes, agents):
        for i, run in enumerate(results["runs"][agent]):
            returns, ends = np.array(run["returns"]), np.array(run["ends"])
            ax.plot(ends, returns, color=colors[i], alpha=0.15, lw=0.6)
            if len(returns) >= window:
                c = np.cumsum(np.concatenate([[0.0], returns]))
                average = (c[window:] - c[:-window]) / window
                ax.plot(ends[window - 1:], average, color=colors[i], lw=1.6,
                        label=f"seed {i}")
        ax.axhline(results["solved_threshold"], color="black", ls="--", lw=0.8)
        steps = results["runs"][agent][0]["steps"]
        ax.set_title(f"{titles.get(agent, agent)}\n({steps:,} steps per seed)",
                     fontsize=9)
        ax.set_xlabel("environment steps")
        ax.set_ylim(0, 520)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(3, 3))
    axes[0].set_ylabel("return (faint) and 100-episode average")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("CartPole-v1: training returns (dashed: 475, 'solved')", fontsize=10)
    fig.tight_layout()
    return fig
