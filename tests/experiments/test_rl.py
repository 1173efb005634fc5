"""experiments/rl.py: value iteration against the Bellman equation written from
Gymnasium's own table, the DQN and REINFORCE pieces on hand-made inputs, the page's copy
of the code, and the quick run (REINFORCE and DQN learn; DQN without a target network
diverges)."""

import ast
import inspect
import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from experiments import rl

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "frontiers"
        / "reinforcement-learning.md")
SHOWN = [rl.tables, rl.bellman_optimality, rl.value_iteration, rl.success_probability,
         rl.q_learning, rl.make_mlp, rl.discounted_returns, rl.reinforce_losses,
         rl.sample_episode, rl.episode_returns, rl.gradient_variance,
         rl.train_reinforce, rl.ReplayBuffer, rl.dqn_targets, rl.epsilon_at,
         rl.train_dqn]


def test_page_shows_the_code_of_the_experiment():
    page = PAGE.read_text()
    for function in SHOWN:
        assert inspect.getsource(function) in page, function.__name__
    # the configurations the page's blocks define are the script's
    for name in ("REINFORCE", "DQN"):
        match = re.search(rf"^{name} = (\{{.*?\}})$", page, re.S | re.M)
        assert match, name
        assert ast.literal_eval(match.group(1)) == getattr(rl, name), name


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
def test_value_iteration_solves_the_bellman_optimality_equation(gamma):
    # the equation written directly from env.unwrapped.P, without tables()
    P = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True).unwrapped.P
    Q = rl.value_iteration(*rl.tables(P), gamma)
    for s in P:
        for a in P[s]:
            backup = sum(p * (r + gamma * (not done) * Q[s_next].max())
                         for p, s_next, r, done in P[s][a])
            assert abs(backup - Q[s, a]) < 1e-9


def test_success_probability_of_a_policy_matches_monte_carlo():
    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    R, C = rl.tables(env.unwrapped.P)
    policy = rl.value_iteration(R, C, 0.99).argmax(1)
    exact = rl.success_probability(R, C, policy, horizon=100)
    wins = 0
    for i in range(2000):
        s, _ = env.reset(seed=i)
        done = False
        while not done:
            s, r, terminated, truncated, _ = env.step(int(policy[s]))
            done = terminated or truncated
        wins += r
    assert abs(wins / 2000 - exact) < 4 * np.sqrt(exact * (1 - exact) / 2000)


def test_discounted_returns_and_bootstrap():
    rewards = [1.0, 0.0, 2.0]
    G = rl.discounted_returns(rewards, 0.5, bootstrap=4.0)
    # G_2 = 2 + 0.5 * 4, G_1 = 0 + 0.5 G_2, G_0 = 1 + 0.5 G_1
    assert G.tolist() == [2.0, 2.0, 4.0]


def test_dqn_targets_terminal_and_double():
    target_net = torch.nn.Linear(1, 3)
    online_net = torch.nn.Linear(1, 3)
    with torch.no_grad():
        for net, bias in ((target_net, [1.0, 5.0, 3.0]), (online_net, [0.0, 0.0, 9.0])):
            net.weight.zero_()
            net.bias.copy_(torch.tensor(bias))
    r, s_next = torch.tensor([1.0, 1.0]), torch.zeros(2, 1)
    term = torch.tensor([0.0, 1.0])
    y = rl.dqn_targets(r, s_next, term, target_net, 0.9)
    y_double = rl.dqn_targets(r, s_next, term, target_net, 0.9, online_net)
    torch.testing.assert_close(y, torch.tensor([1.0 + 0.9 * 5.0, 1.0]))
    torch.testing.assert_close(y_double, torch.tensor([1.0 + 0.9 * 3.0, 1.0]))


def test_replay_buffer_keeps_the_newest():
    buffer = rl.ReplayBuffer(4, 2, seed=0)
    for t in range(6):
        buffer.push(np.full(2, t), t % 2, float(t), np.full(2, t + 1), t == 5)
    assert buffer.size == 4 and sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0, 5.0]
    s, a, r, s_next, term = buffer.sample(32)
    assert s.shape == (32, 2) and torch.equal(s_next[:, 0], s[:, 0] + 1)
    assert torch.equal(term, (r == 5.0).float())


def test_a_zero_baseline_changes_nothing():
    policy = rl.make_mlp([4, 8, 2], seed=0)
    zero = rl.make_mlp([4, 8, 1], seed=1)
    with torch.no_grad():
        for p in zero.parameters():
            p.zero_()
    torch.manual_seed(0)
    episodes = [(torch.randn(5, 4), torch.randint(0, 2, (5,)), torch.rand(5))
                for _ in range(4)]
    variance = rl.gradient_variance(policy, zero, episodes)
    assert variance["no_baseline"] == pytest.approx(variance["value_baseline"])


@pytest.fixture(scope="module")
def quick():
    return rl.main(["--quick"])["results"]


def test_quick_run_learns_and_no_target_network_diverges(quick):
    runs = quick["runs"]
    # a random policy keeps CartPole up for about 22 steps
    assert np.mean(runs["reinforce"][0]["eval_returns"]) > 100
    assert np.mean(runs["dqn"][0]["eval_returns"]) > 100
    assert runs["dqn_no_target"][0]["q_max"] > 1 / (1 - rl.GAMMA)   # no return > 100
    assert runs["dqn"][0]["q_max"] < runs["dqn_no_target"][0]["q_max"]
    assert all(p["no_baseline"] > 0 for p in runs["reinforce"][0]["variance"])
