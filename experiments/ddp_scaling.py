"""Data-parallel scaling on this machine: one process against DDP on two (gloo, CPU).

An MLP (64-512-512-10, float32) learns scikit-learn's digits (1797 8x8 images, BSD
licence, shipped with scikit-learn) with SGD. Two processes are spawned once; the
configurations below take turns, a few steps each, for several turns after a warm-up
turn, so that the load of a shared machine falls on all of them alike. Each records the
median wall time of one step (forward, backward with DDP's all-reduce, optimizer step),
every process pinned to one thread:

* one process, no DDP, at batch b and at batch 2b (rank 0 alone, while rank 1 waits
  at a barrier; its CPU time meanwhile is recorded, to show that it waits idle);
* DDP on two processes with b examples each (global batch 2b), with the gradient
  all-reduce, and the same steps under ``no_sync()`` (no communication: the compute of
  two processes sharing the machine);
* the all-reduce alone of a gradient-sized float32 buffer on two processes:
  ``torch.distributed.all_reduce`` (gloo's) and `dlref.torch.distributed.ring_all_reduce`.

From these: throughput (examples per second), the speed-up of two processes at equal
per-process batch (weak scaling, 2 t_1(b) / t_2(b)) and at equal global batch (strong
scaling, t_1(2b) / t_2(b)), and the share of a DDP step that communication adds. The
training loss of the DDP run and the largest parameter difference between the ranks
after training are recorded too. The processes are started with
``torch.multiprocessing`` (spawn) and meet at 127.0.0.1 on a free port.

    python experiments/ddp_scaling.py --write      # the recorded run (~1 minute)
    python experiments/ddp_scaling.py --quick      # a few seconds: few steps, small batches
"""

from __future__ import annotations

import datetime
import gc
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

from experiments.common import Timer, finish, parse_args, set_threads  # noqa: E402

NAME = "ddp_scaling"
SEED = 0
LR, MOMENTUM = 0.05, 0.9
WIDTH = 512
TIMEOUT = 300                          # seconds for the rendezvous and every collective


def make_model() -> torch.nn.Module:
    torch.manual_seed(SEED)
    return torch.nn.Sequential(torch.nn.Linear(64, WIDTH), torch.nn.ReLU(),
                               torch.nn.Linear(WIDTH, WIDTH), torch.nn.ReLU(),
                               torch.nn.Linear(WIDTH, 10))


def digits() -> torch.utils.data.TensorDataset:
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)                # (1797, 64)
    y = torch.tensor(data.target, dtype=torch.int64)                       # (1797,)
    return torch.utils.data.TensorDataset(x, y)


def batches(dataset, batch: int, rank: int, world_size: int):
    """Endless batches of this rank's shard: DistributedSampler, reshuffled per epoch."""
    sampler = torch.utils.data.DistributedSampler(dataset, num_replicas=world_size,
                                                  rank=rank, shuffle=True, seed=SEED,
                                                  drop_last=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, sampler=sampler,
                                         drop_last=True)
    epoch = 0
    while True:
        sampler.set_epoch(epoch)        # a new shuffle each epoch, the same on every rank
        yield from loader
        epoch += 1


class Config:
    """One configuration: its model, optimizer, data stream and measured steps."""

    def __init__(self, dataset, batch, rank, world_size, mode):
        self.mode = mode                        # "single", "ddp" or "no_sync"
        self.model = make_model()
        self.step_model = self.model
        self.context = None
        if mode != "single":
            self.step_model = torch.nn.parallel.DistributedDataParallel(self.model)
            self.context = self.step_model.no_sync if mode == "no_sync" else None
        self.optimizer = torch.optim.SGD(self.step_model.parameters(), lr=LR,
                                         momentum=MOMENTUM)
        if mode == "single":
            rank, world_size = 0, 1
        self.data = batches(dataset, batch, rank, world_size)
        self.synchronous = mode != "single"
        self.seconds, self.losses = [], []

    def step(self, record: bool) -> None:
        x, y = next(self.data)
        if self.synchronous:
            dist.barrier()                      # both processes start the step together
        start = time.perf_counter()
        self.optimizer.zero_grad()
        if self.context is None:
            loss = torch.nn.functional.cross_entropy(self.step_model(x), y)
            loss.backward()                     # DDP: the all-reduce runs in here
        else:
            with self.context():                # no_sync: no all-reduce
                loss = torch.nn.functional.cross_entropy(self.step_model(x), y)
                loss.backward()
        self.optimizer.step()
        if record:
            self.seconds.append(time.perf_counter() - start)
            self.losses.append(loss.item())


def time_all_reduce(reduce, n: int, repeats: int) -> float:
    """Median seconds of one all-reduce of n float32 numbers."""
    buffer = torch.ones(n)
    times = []
    for _ in range(repeats + 2):
        dist.barrier()
        start = time.perf_counter()
        reduce(buffer)
        times.append(time.perf_counter() - start)
    return statistics.median(times[2:])


def measure(rank: int, world_size: int, settings: dict) -> dict:
    """This process's part of every configuration. The configurations take turns, a few
    steps each, so that a change in the machine's load affects them all alike; in the
    one-process turns rank 1 waits at a barrier (blocked, not computing)."""
    from dlref.torch.distributed import ring_all_reduce

    dataset = digits()
    configs = {}
    for b in settings["batches"]:
        if rank == 0:
            configs[f"single_{b}"] = Config(dataset, b, rank, world_size, "single")
            configs[f"single_{2 * b}"] = Config(dataset, 2 * b, rank, world_size, "single")
        configs[f"ddp_{b}"] = Config(dataset, b, rank, world_size, "ddp")
        configs[f"no_sync_{b}"] = Config(dataset, b, rank, world_size, "no_sync")
    idle = 0.0
    for turn in range(settings["turns"] + 1):   # turn 0 is the warm-up
        for config in configs.values():
            if config.mode == "single":
                for _ in range(settings["steps_per_turn"]):
                    config.step(record=turn > 0)
        cpu = time.process_time()
        dist.barrier()                          # rank 1 waits here meanwhile
        idle += time.process_time() - cpu
        for config in configs.values():
            if config.mode != "single":
                for _ in range(settings["steps_per_turn"]):
                    config.step(record=turn > 0)
    record = {key: {"seconds": c.seconds, "loss": c.losses} for key, c in configs.items()}
    for b in settings["batches"]:
        # the two processes' parameters after training: the largest difference
        flat = torch.cat([p.detach().reshape(-1)
                          for p in configs[f"ddp_{b}"].model.parameters()])
        gathered = [torch.empty_like(flat) for _ in range(world_size)]
        dist.all_gather(gathered, flat)
        record[f"ddp_{b}"]["max_param_diff"] = max(
            (g - gathered[0]).abs().max().item() for g in gathered)
    n = sum(p.numel() for p in make_model().parameters())
    record["all_reduce_seconds"] = time_all_reduce(dist.all_reduce, n, settings["repeats"])
    record["ring_seconds"] = time_all_reduce(ring_all_reduce, n, settings["repeats"])
    idle_seconds = torch.tensor([idle])
    dist.broadcast(idle_seconds, src=1)         # rank 1's CPU time while it waited
    record["rank1_cpu_while_waiting"] = idle_seconds.item()
    return record


def worker(rank: int, world_size: int, port: int, settings: dict, out: str) -> None:
    """One of the processes: join the group, measure, save rank 0's record, leave."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world_size,
                            timeout=datetime.timedelta(seconds=TIMEOUT))
    try:
        record = measure(rank, world_size, settings)
        gc.collect()                            # the DDP wrappers go before the group
        if rank == 0:
            Path(out).write_text(json.dumps(record))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world_size: int, settings: dict) -> dict:
    """Run `worker` on world_size spawned processes; rank 0's record."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "record.json"
        context = mp.start_processes(worker, args=(world_size, free_port(), settings,
                                                   str(out)),
                                     nprocs=world_size, join=False, start_method="spawn")
        deadline = time.monotonic() + TIMEOUT
        while not context.join(timeout=1.0):
            if time.monotonic() > deadline:
                for process in context.processes:
                    process.kill()
                raise TimeoutError(f"{world_size} processes did not finish in {TIMEOUT} s")
        return json.loads(out.read_text())


def main(argv=None) -> dict:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    set_threads(args.threads)
    started = Timer().start
    if args.quick:
        settings = {"batches": [32], "turns": 4, "steps_per_turn": 5, "repeats": 5}
    else:
        settings = {"batches": [16, 64, 256], "turns": 10, "steps_per_turn": 10,
                    "repeats": 50}
    record = launch(2, settings)
    k = settings["steps_per_turn"]

    def ms(run: dict) -> float:
        return 1000 * statistics.median(run["seconds"])

    n = sum(p.numel() for p in make_model().parameters())
    rows, per_batch = [], {}
    for b in settings["batches"]:
        t1, t1_double = ms(record[f"single_{b}"]), ms(record[f"single_{2 * b}"])
        t2, t2_local = ms(record[f"ddp_{b}"]), ms(record[f"no_sync_{b}"])
        losses = record[f"ddp_{b}"]["loss"]         # rank 0's shard, each timed step
        weak, strong = 2 * t1 / t2, t1_double / t2
        communication = (t2 - t2_local) / t2
        per_batch[f"b{b}"] = {
            "ms_single_b": t1, "ms_single_2b": t1_double, "ms_ddp": t2,
            "ms_no_sync": t2_local, "weak_speedup": weak, "strong_speedup": strong,
            "communication_share": communication,
            "examples_per_s_single": 1000 * b / t1, "examples_per_s_ddp": 1000 * 2 * b / t2,
            "ddp_loss_first": statistics.mean(losses[:k]),     # the first timed turn
            "ddp_loss_last": statistics.mean(losses[-k:]),     # the last turn
            "max_param_diff": record[f"ddp_{b}"]["max_param_diff"],
        }
        rows.append([b, 2 * b, t1, t1_double, t2, t2_local, weak, strong,
                     100 * communication])
        print(f"b={b:4d}: 1 proc {t1:7.2f} ms (2b: {t1_double:7.2f}), DDP x2 {t2:7.2f} ms "
              f"(no_sync {t2_local:7.2f}); weak {weak:.2f}x, strong {strong:.2f}x, "
              f"communication {100 * communication:.0f}%", flush=True)
    bytes_sent = 2 * (2 - 1) / 2 * n * 4              # 2(p-1)/p N elements of 4 bytes
    results = {
        "data": "scikit-learn load_digits (1797 8x8 images, 10 classes), features / 16",
        "model": f"MLP 64-{WIDTH}-{WIDTH}-10, float32, ReLU",
        "parameters": n,
        "optimizer": f"SGD, lr {LR}, momentum {MOMENTUM}",
        "settings": settings,
        "table": {
            "columns": ["batch per process b", "global batch (2 processes)",
                        "1 process, batch b (ms)", "1 process, batch 2b (ms)",
                        "DDP, 2 x b (ms)", "DDP no_sync, 2 x b (ms)",
                        "weak speed-up", "strong speed-up", "sync adds (%)"],
            "rows": rows,
            "formats": ["d", "d", ".2f", ".2f", ".2f", ".2f", ".2f", ".2f", ".0f"],
        },
        "per_batch": per_batch,
        "all_reduce": {
            "elements": n,
            "bytes_sent_per_rank_model": bytes_sent,
            "gloo_ms": 1000 * record["all_reduce_seconds"],
            "ring_ms": 1000 * record["ring_seconds"],
            "gloo_MB_per_s": bytes_sent / record["all_reduce_seconds"] / 1e6,
            "ring_MB_per_s": bytes_sent / record["ring_seconds"] / 1e6,
        },
        "rank1_cpu_seconds_while_waiting": record["rank1_cpu_while_waiting"],
        "single_process_seconds": sum(sum(record[f"single_{c}"]["seconds"])
                                      for b in settings["batches"] for c in (b, 2 * b)),
    }
    print(f"all-reduce of {n} floats: gloo {results['all_reduce']['gloo_ms']:.2f} ms, "
          f"ring (send/recv) {results['all_reduce']['ring_ms']:.2f} ms")
    return finish(NAME, args, argv, {"torch": SEED, "sampler": SEED}, results, started)


if __name__ == "__main__":
    main()
