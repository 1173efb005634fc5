"""REINFORCE with a value baseline and DQN on Gymnasium's CartPole-v1; tabular tools.

The recorded run of docs/frontiers/reinforcement-learning.md.

Environment: ``gymnasium.make("CartPole-v1")`` (Gymnasium 1.x): reward +1 per step,
episodes end when the pole falls (``terminated``) or after 500 steps (``truncated``);
v1 counts as solved at an average return of 475 over 100 consecutive episodes.

For each seed and agent, a fixed budget of environment steps (exploration and the
variance probes excluded; the probes' episodes are extra and counted apart):

* REINFORCE (Williams 1992) with a learned value baseline V(s): one update per episode,
  policy loss -sum_t log pi(a_t | s_t) (G_t - V(s_t)), value loss mean (V(s_t) - G_t)^2;
  a truncated episode bootstraps its return from V of the last state.
* DQN (Mnih et al. 2015): replay buffer, target network with hard updates, linear
  epsilon-greedy schedule, Huber loss; Double DQN targets (van Hasselt et al. 2016) as
  an option. ``target_every=1`` copies the network at every step: no target network.

Recorded per run: the return of every training episode and the step at which it ended,
the best 100-episode moving average, the step at which it first reached 475 (or None),
and the returns of the final greedy policy over 20 evaluation episodes with fixed seeds.
For REINFORCE, the variance of the per-episode gradient estimate with and without the
baseline on the same batch of episodes, at a few points of training.

The tabular functions (value iteration on a transition table ``env.unwrapped.P``,
Q-learning) are shown on the page and run there (a few seconds).

    python experiments/rl.py --write   # the recorded run (~4 min of one core, 3 seeds)
    python experiments/rl.py --quick   # a few seconds: one seed, short budgets
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from dlref.torch.nn import HuberLoss, Linear, ReLU  # noqa: E402
from dlref.torch.optim import Adam  # noqa: E402
from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "rl"
GAMMA = 0.99
SOLVED = 475.0
WINDOW = 100
EVAL_SEED = 10_000
FULL = {"seeds": [0, 1, 2], "budget": 100_000, "eval_episodes": 20, "probes": 5,
        "probe_episodes": 16, "agents": ["reinforce", "dqn", "dqn_no_target"],
        "no_target_budget": 20_000}
QUICK = {"seeds": [0], "budget": 6_000, "eval_episodes": 5, "probes": 2,
         "probe_episodes": 8, "agents": ["reinforce", "dqn", "dqn_no_target"],
         "no_target_budget": 3_000}
REINFORCE = {"hidden": 64, "lr_policy": 3e-3, "lr_value": 3e-3}
DQN = {"hidden": 128, "lr": 5e-4, "buffer": 50_000, "batch": 64,
       "learning_starts": 1_000, "train_every": 2, "target_every": 500,
       "eps_start": 1.0, "eps_end": 0.05, "eps_steps": 10_000, "double": False}
QUICK_DQN = {"learning_starts": 500, "eps_steps": 3_000}


# --- tabular: value iteration on the environment's own table, Q-learning -------------

def tables(P):
    """Expected reward R[s, a] and continuation C[s, a, s'] = p(s' | s, a) (1 - done).

    ``P[s][a]`` is Gymnasium's toy-text table: a list of (p, s', r, terminated).
    """
    n_states, n_actions = len(P), len(P[0])
    R = np.zeros((n_states, n_actions))
    C = np.zeros((n_states, n_actions, n_states))
    for s in range(n_states):
        for a in range(n_actions):
            for p, s_next, r, terminated in P[s][a]:
                R[s, a] += p * r
                C[s, a, s_next] += p * (1.0 - terminated)
    return R, C


def bellman_optimality(Q, R, C, gamma):
    """(T* Q)(s, a) = R(s, a) + gamma sum_s' C(s, a, s') max_a' Q(s', a')."""
    return R + gamma * C @ Q.max(axis=1)


def value_iteration(R, C, gamma, tol=1e-12):
    """Q* as the fixed point of T*, iterated from Q = 0 (a gamma-contraction)."""
    Q = np.zeros_like(R)
    while True:
        Q_next = bellman_optimality(Q, R, C, gamma)
        if np.abs(Q_next - Q).max() < tol:
            return Q_next
        Q = Q_next


def success_probability(R, C, policy, horizon):
    """P(reaching the reward within ``horizon`` steps) of a deterministic policy, from
    state 0, for a task whose only reward is 1 at the goal (FrozenLake)."""
    states = np.arange(len(policy))
    v = np.zeros(len(policy))
    for _ in range(horizon):
        # v_{k+1}(s) = R(s, pi(s)) + sum_s' C(s, pi(s), s') v_k(s')
        v = R[states, policy] + C[states, policy] @ v
    return float(v[0])


def q_learning(env, episodes, alpha, gamma, seed):
    """Tabular Q-learning, epsilon-greedy, epsilon from 1 down to 0.05 (half-way)."""
    rng = np.random.default_rng(seed)
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    env.reset(seed=seed)
    for episode in range(episodes):
        epsilon = max(0.05, 1.0 - episode / (0.5 * episodes))
        s, _ = env.reset()
        done = False
        while not done:
            if rng.random() < epsilon:
                a = int(rng.integers(env.action_space.n))
            else:                                   # greedy, ties broken at random
                a = int(rng.choice(np.flatnonzero(Q[s] == Q[s].max())))
            s_next, r, terminated, truncated, _ = env.step(a)
            # target r + gamma max_a' Q(s', a'), without the bootstrap at a terminal s'
            target = r + gamma * (not terminated) * Q[s_next].max()
            Q[s, a] += alpha * (target - Q[s, a])
            s, done = s_next, terminated or truncated
    return Q


# --- networks and evaluation ----------------------------------------------------------

def make_mlp(sizes, seed):
    """An MLP of dlref's torch twins: Linear, ReLU, ..., Linear (no last activation)."""
    torch.manual_seed(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [Linear(n_in, n_out), ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def greedy_returns(env, q_or_logits, episodes, seed=EVAL_SEED):
    """Returns of the greedy policy argmax_a net(s)[a], one episode per seed."""
    returns = []
    for i in range(episodes):
        state, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            with torch.no_grad():
                action = int(q_or_logits(torch.as_tensor(state)).argmax())
            state, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    return returns


def moving_average(returns, window=WINDOW):
    """Mean of the last ``window`` returns after each episode (from episode window)."""
    if len(returns) < window:
        return []
    c = np.cumsum(np.concatenate([[0.0], returns]))
    return ((c[window:] - c[:-window]) / window).tolist()


def summary(returns, ends):
    """Best 100-episode average and the step of the first one >= 475 (None if never)."""
    averages = moving_average(returns)
    crossed = [ends[i + WINDOW - 1] for i, a in enumerate(averages) if a >= SOLVED]
    return {"best_avg100": max(averages) if averages else None,
            "solved_at_step": crossed[0] if crossed else None}


# --- REINFORCE with a learned value baseline -----------------------------------------

def discounted_returns(rewards, gamma, bootstrap=0.0):
    """G_t = r_{t+1} + gamma G_{t+1}, backwards from G_T = bootstrap (0 if terminal)."""
    G, returns = bootstrap, []
    for r in reversed(rewards):
        G = r + gamma * G
        returns.append(G)
    return torch.tensor(returns[::-1], dtype=torch.float32)


def reinforce_losses(policy, value, states, actions, returns):
    """Policy-gradient loss with baseline V(s_t), and the baseline's regression loss."""
    log_pi = F.log_softmax(policy(states), dim=1)                 # (T, n_actions)
    log_pi_a = log_pi.gather(1, actions[:, None]).squeeze(1)      # (T,)
    v = value(states).squeeze(1)                                  # (T,)
    advantage = returns - v.detach()                              # G_t - V(s_t)
    # grad of this loss: -sum_t grad log pi(a_t | s_t) (G_t - V(s_t))
    policy_loss = -(log_pi_a * advantage).sum()
    value_loss = F.mse_loss(v, returns)
    return policy_loss, value_loss


def sample_episode(env, policy, generator, seed=None):
    """One episode with actions drawn from softmax(policy(s)): states, actions,
    rewards, the last next-state and whether the episode was truncated (time limit)."""
    state, _ = env.reset(seed=seed)
    states, actions, rewards = [], [], []
    done = truncated = False
    while not done:
        with torch.no_grad():
            probs = torch.softmax(policy(torch.as_tensor(state)), 0)
        action = int(torch.multinomial(probs, 1, generator=generator))
        states.append(state)
        actions.append(action)
        state, reward, terminated, truncated, _ = env.step(action)
        rewards.append(float(reward))
        done = terminated or truncated
    return (torch.as_tensor(np.array(states)), torch.tensor(actions), rewards,
            torch.as_tensor(state), truncated)


def episode_returns(value, rewards, last_state, truncated, gamma=GAMMA):
    """Discounted returns of one episode, bootstrapped with V(s_T) when truncated."""
    with torch.no_grad():
        bootstrap = float(value(last_state)) if truncated else 0.0
    return discounted_returns(rewards, gamma, bootstrap)


def gradient_variance(policy, value, episodes):
    """Total variance across episodes of the per-episode policy gradient, without and
    with the baseline, on the same episodes: sum over parameters of Var_i[g_i]."""
    grads = {"no_baseline": [], "value_baseline": []}

    def no_value(states):                             # the baseline b = 0
        return torch.zeros(len(states), 1)

    for states, actions, returns in episodes:
        for key, baseline in (("no_baseline", no_value), ("value_baseline", value)):
            loss, _ = reinforce_losses(policy, baseline, states, actions, returns)
            g = torch.autograd.grad(loss, list(policy.parameters()))
            grads[key].append(torch.cat([x.flatten() for x in g]))
    return {k: float(torch.stack(v).var(0).sum()) for k, v in grads.items()}


def train_reinforce(budget, seed, probes=0, probe_episodes=16):
    """REINFORCE with a value baseline for ``budget`` environment steps."""
    env = gym.make("CartPole-v1")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    generator = torch.Generator().manual_seed(seed)
    policy = make_mlp([4, REINFORCE["hidden"], 2], seed)
    value = make_mlp([4, REINFORCE["hidden"], 1], seed + 1000)
    opt_policy = Adam(policy.parameters(), lr=REINFORCE["lr_policy"])
    opt_value = Adam(value.parameters(), lr=REINFORCE["lr_value"])
    probe_at = [round(budget * k / probes) for k in range(probes)] if probes else []
    returns, ends, variance, steps = [], [], [], 0
    while steps < budget:
        if probe_at and steps >= probe_at[0]:        # extra episodes, not in the budget
            probe_at.pop(0)
            batch = []
            for _ in range(probe_episodes):
                s, a, r, last, trunc = sample_episode(env, policy, generator)
                batch.append((s, a, episode_returns(value, r, last, trunc)))
            variance.append({"step": steps, **gradient_variance(policy, value, batch)})
        states, actions, rewards, last, truncated = sample_episode(env, policy,
                                                                   generator)
        G = episode_returns(value, rewards, last, truncated)
        policy_loss, value_loss = reinforce_losses(policy, value, states, actions, G)
        opt_policy.zero_grad()
        opt_value.zero_grad()
        (policy_loss + value_loss).backward()
        opt_policy.step()
        opt_value.step()
        steps += len(rewards)
        returns.append(sum(rewards))
        ends.append(steps)
    return policy, returns, ends, variance


# --- DQN ---------------------------------------------------------------------------

class ReplayBuffer:
    """A ring buffer of transitions (s, a, r, s', terminated), sampled uniformly."""

    def __init__(self, capacity, state_dim, seed):
        self.states = np.zeros((capacity, state_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_states = np.zeros((capacity, state_dim), dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.capacity, self.size, self.index = capacity, 0, 0
        self.rng = np.random.default_rng(seed)

    def push(self, state, action, reward, next_state, terminated):
        i = self.index
        self.states[i], self.actions[i], self.rewards[i] = state, action, reward
        self.next_states[i], self.terminated[i] = next_state, terminated
        self.index = (i + 1) % self.capacity             # overwrite the oldest
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        i = self.rng.integers(0, self.size, batch_size)
        return (torch.as_tensor(self.states[i]), torch.as_tensor(self.actions[i]),
                torch.as_tensor(self.rewards[i]), torch.as_tensor(self.next_states[i]),
                torch.as_tensor(self.terminated[i]))


def dqn_targets(rewards, next_states, terminated, target_net, gamma, online_net=None):
    """y = r + gamma (1 - terminated) max_a' Q_target(s', a'); with ``online_net``,
    Double DQN: a' = argmax_a' Q_online(s', a'), valued by Q_target."""
    with torch.no_grad():
        next_q = target_net(next_states)                          # (B, n_actions)
        if online_net is None:
            next_value = next_q.max(1).values                     # (B,)
        else:
            best = online_net(next_states).argmax(1, keepdim=True)  # (B, 1)
            next_value = next_q.gather(1, best).squeeze(1)         # (B,)
        return rewards + gamma * (1.0 - terminated) * next_value


def epsilon_at(step, start, end, decay_steps):
    """Linear decay from ``start`` to ``end`` over ``decay_steps``, then constant."""
    return end + (start - end) * max(0.0, 1.0 - step / decay_steps)


def train_dqn(budget, seed, config):
    """DQN for ``budget`` environment steps; returns the network and the episodes."""
    env = gym.make("CartPole-v1")
    state, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    rng = np.random.default_rng(seed)
    q_net = make_mlp([4, config["hidden"], config["hidden"], 2], seed)
    target_net = copy.deepcopy(q_net)
    optimizer = Adam(q_net.parameters(), lr=config["lr"])
    huber = HuberLoss()
    buffer = ReplayBuffer(config["buffer"], 4, seed)
    returns, ends, total = [], [], 0.0
    for step in range(budget):
        epsilon = epsilon_at(step, config["eps_start"], config["eps_end"],
                             config["eps_steps"])
        if rng.random() < epsilon:
            action = int(env.action_space.sample())
        else:
            with torch.no_grad():
                action = int(q_net(torch.as_tensor(state)).argmax())
        next_state, reward, terminated, truncated, _ = env.step(action)
        # store terminated, not truncated: a time-limit cut is not a terminal state
        buffer.push(state, action, reward, next_state, terminated)
        state, total = next_state, total + reward
        if terminated or truncated:
            returns.append(total)
            ends.append(step + 1)
            state, _ = env.reset()
            total = 0.0
        if step >= config["learning_starts"] and step % config["train_every"] == 0:
            s, a, r, s_next, term = buffer.sample(config["batch"])
            y = dqn_targets(r, s_next, term, target_net, GAMMA,
                            q_net if config["double"] else None)
            q = q_net(s).gather(1, a[:, None]).squeeze(1)         # Q(s, a), (B,)
            loss = huber(q, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if step % config["target_every"] == 0:                    # hard update
            target_net.load_state_dict(q_net.state_dict())
    return q_net, returns, ends


# --- the run ------------------------------------------------------------------------

def run_agent(agent, budget, seed, cfg, dqn_config):
    env = gym.make("CartPole-v1")
    out = {}
    if agent == "reinforce":
        net, returns, ends, variance = train_reinforce(budget, seed, cfg["probes"],
                                                       cfg["probe_episodes"])
        out["variance"] = variance
    else:
        config = {**dqn_config, **({"target_every": 1} if agent == "dqn_no_target"
                                   else {})}
        if agent == "dqn_no_target":         # it diverges early: a shorter budget
            budget = cfg["no_target_budget"]
        net, returns, ends = train_dqn(budget, seed, config)
        out["q_max"] = q_max(net, env, seed)
    out.update(steps=budget, returns=returns, ends=ends, **summary(returns, ends),
               eval_returns=greedy_returns(env, net, cfg["eval_episodes"]))
    return out


def q_max(q_net, env, seed, n_states=1000):
    """max_a Q(s, a) over states of a random-policy episode set (true values <= 100)."""
    env.action_space.seed(seed)
    states, (state, _) = [], env.reset(seed=seed)
    while len(states) < n_states:
        states.append(state)
        state, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            state, _ = env.reset()
    with torch.no_grad():
        return float(q_net(torch.as_tensor(np.array(states))).max())


LABELS = {"reinforce": "REINFORCE + value baseline",
          "dqn": "DQN with target network",
          "dqn_no_target": "DQN, no target network"}


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer()
    cfg = {**FULL, **(QUICK if args.quick else {})}
    dqn_config = {**DQN, **(QUICK_DQN if args.quick else {})}
    runs = {agent: [] for agent in cfg["agents"]}
    for agent in cfg["agents"]:
        for seed in cfg["seeds"]:
            timer = Timer()
            run = run_agent(agent, cfg["budget"], seed, cfg, dqn_config)
            run["seconds"] = round(timer(), 1)
            runs[agent].append(run)
            print(f"{agent} seed {seed}: {len(run['returns'])} episodes, best avg100 "
                  f"{run['best_avg100']}, solved at {run['solved_at_step']}, eval "
                  f"{np.mean(run['eval_returns']):.1f} ({run['seconds']} s)")
    rows = []
    for agent, agent_runs in runs.items():
        for seed, run in zip(cfg["seeds"], agent_runs):
            best = run["best_avg100"]
            rows.append([LABELS[agent], seed, run["steps"], len(run["returns"]),
                         "-" if best is None else round(best, 1),
                         "yes" if run["solved_at_step"] else "no",
                         run["solved_at_step"] or "not reached",
                         round(float(np.mean(run["eval_returns"])), 1),
                         round(run["q_max"], 1) if "q_max" in run else "-"])
    results = {
        "budget_steps": cfg["budget"], "gamma": GAMMA, "solved_threshold": SOLVED,
        "eval_episodes": cfg["eval_episodes"], "reinforce_config": REINFORCE,
        "dqn_config": dqn_config, "runs": runs,
        "table": {"columns": ["agent", "seed", "env. steps", "episodes",
                              "best 100-episode average", "reached 475",
                              "first step at 475",
                              f"greedy return ({cfg['eval_episodes']} episodes)",
                              "max Q(s, a)"],
                  "rows": rows, "formats": ["", "", ",d", "", "", "", "", ".1f", ""]},
    }
    if "reinforce" in runs:
        ratios = [p["no_baseline"] / p["value_baseline"]
                  for run in runs["reinforce"] for p in run["variance"]]
        results["variance_ratio"] = {"min": min(ratios), "max": max(ratios),
                                     "median": float(np.median(ratios))}
        results["variance_table"] = {
            "columns": ["seed", "step", "Var, no baseline", "Var, value baseline",
                        "ratio"],
            "rows": [[seed, p["step"], p["no_baseline"], p["value_baseline"],
                      p["no_baseline"] / p["value_baseline"]]
                     for seed, run in zip(cfg["seeds"], runs["reinforce"])
                     for p in run["variance"]],
            "formats": ["", ",d", ".3g", ".3g", ".2f"]}
    for agent, agent_runs in runs.items():
        results[agent] = {
            "solved_runs": sum(r["solved_at_step"] is not None for r in agent_runs),
            "mean_best_avg100": float(np.mean([r["best_avg100"] or 0.0
                                               for r in agent_runs])),
            "mean_eval_return": float(np.mean([np.mean(r["eval_returns"])
                                               for r in agent_runs])),
            "seconds_per_run": float(np.mean([r["seconds"] for r in agent_runs])),
        }
    seeds = {"torch_numpy_env": cfg["seeds"],
             "value_net": [s + 1000 for s in cfg["seeds"]],
             "evaluation_episodes": f"{EVAL_SEED} + i"}
    return finish(NAME, args, argv, seeds, results, started.start)


if __name__ == "__main__":
    main()
