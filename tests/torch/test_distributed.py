"""dlref.torch.distributed and DDP on real processes: torch.distributed with gloo.

Each world size (2 and 3 ranks) is one launch of ``torch.multiprocessing`` (spawned
processes, a TCP rendezvous on 127.0.0.1 at a free port): every rank runs `worker`, which
does all the distributed work of this file and saves what it saw; the tests below then
judge those records in the parent process. One launch per world size keeps the file
within a few seconds of process start-up; a hang fails after `TIMEOUT` seconds instead
of blocking the suite. On CUDA the ranks would use NCCL, one GPU each (gloo's send and
recv take CPU tensors only), so the CUDA runs are skipped on machines with fewer GPUs
than ranks.
"""

from __future__ import annotations

import datetime
import gc
import socket
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from dlref.testing import assert_close
from dlref.torch.distributed import ring_all_reduce

# The spawned ranks import this module by its name (tests.torch.test_distributed) from
# the repository root, as pytest's importlib mode names it.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORLD_SIZES = [2, 3]
TIMEOUT = 90              # seconds: the rendezvous, every collective and the whole launch
SHARD = 4                 # examples per rank and step
STEPS = 4                 # optimizer steps
LR, MOMENTUM = 0.1, 0.9
SIZES = [1, 2, 3, 5, 7, 12, 1001]     # N < p, N = p, N not divisible by p, N = 12 is
DIVISIBLE = 12                        # divisible by 2 and 3 (the bytes-sent check)


# -- what every rank runs -------------------------------------------------------------


def make_model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                               torch.nn.Linear(8, 3)).double()


def global_batch(step: int, world_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The concatenated batch of all ranks at ``step``: rank r gets rows r*SHARD..."""
    g = torch.Generator().manual_seed(100 + step)
    x = torch.randn(world_size * SHARD, 5, generator=g, dtype=torch.float64)
    y = torch.randn(world_size * SHARD, 3, generator=g, dtype=torch.float64)
    return x, y


def _forbidden(*args, **kwargs):
    raise AssertionError("ring_all_reduce called torch.distributed.all_reduce")


def _error(call) -> tuple[str, str]:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - recorded and judged by the tests
        return type(error).__name__, str(error)
    return "none", ""


def _ring_records(rank: int, world_size: int, device: torch.device) -> list[dict]:
    records = []
    cases = [((n,), dtype, op) for n in SIZES for dtype in (torch.float64, torch.float32)
             for op in ("sum", "avg")] + [((3, 5), torch.float64, "sum")]
    for shape, dtype, op_name in cases:
        g = torch.Generator().manual_seed(1000 * rank + sum(shape))
        x = torch.randn(shape, generator=g, dtype=torch.float64).to(device, dtype)
        op = dist.ReduceOp.SUM if op_name == "sum" else dist.ReduceOp.AVG
        ours = x.clone()
        all_reduce, dist.all_reduce = dist.all_reduce, _forbidden
        try:
            returned = ring_all_reduce(ours, op=op)
        finally:
            dist.all_reduce = all_reduce
        expected = x.clone()
        dist.all_reduce(expected)                    # gloo has no AVG: SUM, then / p
        if op_name == "avg":
            expected /= world_size
        records.append(dict(shape=shape, dtype=str(dtype), op=op_name, input=x.cpu(),
                            ours=ours.cpu(), expected=expected.cpu(),
                            in_place=returned is ours))
    return records


def _elements_sent(device: torch.device) -> int:
    """Elements this rank hands to isend during one ring all-reduce of N = DIVISIBLE."""
    sent = []
    isend = dist.isend

    def counting_isend(tensor, *args, **kwargs):
        sent.append(tensor.numel())
        return isend(tensor, *args, **kwargs)

    dist.isend = counting_isend
    try:
        ring_all_reduce(torch.ones(DIVISIBLE, dtype=torch.float64, device=device))
    finally:
        dist.isend = isend
    return sum(sent)


def _integer_valued_exact(rank: int, device: torch.device) -> bool:
    """Sums of integers are exact in float64: ring and all_reduce agree bit for bit."""
    g = torch.Generator().manual_seed(rank)
    x = torch.randint(-1000, 1000, (101,), generator=g).to(device, torch.float64)
    ours, theirs = ring_all_reduce(x.clone()), x.clone()
    dist.all_reduce(theirs)
    return torch.equal(ours, theirs)


def _bad_input_records(device: torch.device) -> dict:
    """Every rank makes the same bad call: each must raise before sending anything,
    so that a good call afterwards still gets the right answer."""
    x = torch.arange(12, dtype=torch.float64, device=device).reshape(3, 4)
    records = {
        "non_contiguous": _error(lambda: ring_all_reduce(x.t())),
        "integer": _error(lambda: ring_all_reduce(torch.arange(4, device=device))),
        "op_max": _error(lambda: ring_all_reduce(x.clone(), op=dist.ReduceOp.MAX)),
    }
    after = x.clone()
    ring_all_reduce(after)
    records["good_call_after"] = after.cpu()
    return records


def _subgroup_records(rank: int, world_size: int, device: torch.device) -> dict:
    """A ring over ranks 1..p-1 (group ranks differ from global ranks); rank 0 is outside."""
    members = list(range(1, world_size))
    sub = dist.new_group(members)                    # every rank must call new_group
    x = torch.full((7,), float(rank + 1), dtype=torch.float64, device=device)
    if rank not in members:
        return {"outside": _error(lambda: ring_all_reduce(x.clone(), group=sub))}
    ours, expected = ring_all_reduce(x.clone(), group=sub), x.clone()
    dist.all_reduce(expected, group=sub)
    return {"ours": ours.cpu(), "expected": expected.cpu()}


def _ddp_records(rank: int, world_size: int, device: torch.device) -> dict:
    # each rank builds its model from another seed: DDP's constructor broadcasts rank 0's
    model = make_model(seed=rank).to(device)
    ddp = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=None if device.type == "cpu" else [device.index])
    initial = [p.detach().cpu().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(ddp.parameters(), lr=LR, momentum=MOMENTUM)
    shard = slice(rank * SHARD, (rank + 1) * SHARD)
    first_grads = None
    for step in range(STEPS):
        x, y = (t[shard].to(device) for t in global_batch(step, world_size))
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(ddp(x), y).backward()   # all-reduce inside backward
        if first_grads is None:
            first_grads = [p.grad.detach().cpu().clone() for p in model.parameters()]
        optimizer.step()
    final = [p.detach().cpu().clone() for p in model.parameters()]
    return {"initial": initial, "first_grads": first_grads, "final": final}


def worker(rank: int, world_size: int, port: int, device_type: str, out_dir: str) -> None:
    """One rank: join the group, run every check's distributed part, save the records."""
    torch.set_num_threads(1)
    backend = "gloo" if device_type == "cpu" else "nccl"
    device = torch.device("cpu") if device_type == "cpu" else torch.device("cuda", rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world_size,
                            timeout=datetime.timedelta(seconds=TIMEOUT))
    try:
        records = {
            "ddp": _ddp_records(rank, world_size, device),
            "ring": _ring_records(rank, world_size, device),
            "elements_sent": _elements_sent(device),
            "integer_exact": _integer_valued_exact(rank, device),
            "bad": _bad_input_records(device),
            "subgroup": _subgroup_records(rank, world_size, device),
        }
        gc.collect()            # DDP's reducer must go before its process group
        dist.barrier()
    finally:
        dist.destroy_process_group()
    torch.save(records, Path(out_dir) / f"rank{rank}.pt")


# -- the parent: one launch per world size and device ---------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world_size: int, device_type: str, out_dir: Path) -> None:
    """Spawn the ranks and wait for them; kill them and fail after TIMEOUT seconds."""
    context = mp.start_processes(worker, args=(world_size, free_port(), device_type,
                                               str(out_dir)),
                                 nprocs=world_size, join=False, start_method="spawn")
    deadline = time.monotonic() + TIMEOUT
    while not context.join(timeout=1.0):       # raises if a rank raised
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail(f"{world_size} ranks did not finish within {TIMEOUT} s")
    for process in context.processes:
        assert process.exitcode == 0


_RUNS: dict = {}


@pytest.fixture(params=WORLD_SIZES, ids=lambda p: f"p{p}")
def runs(request, device, tmp_path_factory) -> list[dict]:
    """The records of every rank, from one launch per (device, world size)."""
    world_size = request.param
    if device.type == "cuda" and torch.cuda.device_count() < world_size:
        pytest.skip(f"{world_size} ranks on CUDA need NCCL and {world_size} GPUs; "
                    f"{torch.cuda.device_count()} available (gloo's send/recv are CPU-only)")
    key = (device.type, world_size)
    if key not in _RUNS:
        out = tmp_path_factory.mktemp(f"ranks{world_size}")
        try:
            launch(world_size, device.type, out)
            _RUNS[key] = [torch.load(out / f"rank{r}.pt") for r in range(world_size)]
        except BaseException as error:        # one failed launch fails every test of it
            _RUNS[key] = error
    if isinstance(_RUNS[key], BaseException):
        raise _RUNS[key]
    return _RUNS[key]


# -- (a) DDP's averaged gradient is the big batch's gradient ---------------------------


def test_ddp_broadcasts_rank_0_parameters(runs):
    reference = list(make_model(seed=0).parameters())
    for rank, record in enumerate(runs):
        for ours, theirs in zip(record["ddp"]["initial"], reference):
            assert torch.equal(ours, theirs.detach()), f"rank {rank} kept its own weights"


def test_ddp_gradient_equals_single_process_gradient_on_concatenated_batch(runs):
    model = make_model(seed=0)
    x, y = global_batch(0, len(runs))
    torch.nn.functional.mse_loss(model(x), y).backward()   # one process, whole batch
    for rank, record in enumerate(runs):
        for ours, p in zip(record["ddp"]["first_grads"], model.parameters()):
            assert_close(ours, p.grad, rtol=1e-12, atol=1e-14)


# -- (b) the parameters stay identical across ranks -----------------------------------


def test_parameters_identical_across_ranks_and_equal_big_batch_training(runs):
    for rank, record in enumerate(runs[1:], 1):
        for ours, rank0 in zip(record["ddp"]["final"], runs[0]["ddp"]["final"]):
            assert torch.equal(ours, rank0), f"rank {rank} drifted from rank 0"
    model = make_model(seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    for step in range(STEPS):
        x, y = global_batch(step, len(runs))
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    for ours, p in zip(runs[0]["ddp"]["final"], model.parameters()):
        assert_close(ours, p.detach(), rtol=1e-12, atol=1e-13)
    assert not torch.equal(runs[0]["ddp"]["final"][0], runs[0]["ddp"]["initial"][0])


# -- (c) ring all-reduce against dist.all_reduce --------------------------------------


def test_ring_all_reduce_equals_dist_all_reduce(runs):
    world_size = len(runs)
    for i, case in enumerate(runs[0]["ring"]):
        label = f"p={world_size} shape={case['shape']} {case['dtype']} {case['op']}"
        total = sum(record["ring"][i]["input"].double() for record in runs)
        if case["op"] == "avg":
            total = total / world_size
        tol = dict(rtol=1e-12, atol=1e-13) if "64" in case["dtype"] else \
            dict(rtol=1e-5, atol=1e-6)
        for rank, record in enumerate(runs):
            ours = record["ring"][i]
            assert ours["in_place"], label
            assert ours["ours"].shape == ours["input"].shape, label
            assert str(ours["ours"].dtype) == case["dtype"], label
            assert_close(ours["ours"], ours["expected"], **tol)
            assert_close(ours["ours"].double(), total, **tol)
            # one chunk is summed on one rank and copied: every rank holds the same bits
            assert torch.equal(ours["ours"], runs[0]["ring"][i]["ours"]), label


def test_ring_all_reduce_is_exact_on_integer_values(runs):
    assert all(record["integer_exact"] for record in runs)


def test_each_rank_sends_2_p_minus_1_over_p_times_n_elements(runs):
    p = len(runs)
    for record in runs:
        assert record["elements_sent"] == 2 * (p - 1) * DIVISIBLE // p


def test_ring_all_reduce_on_a_subgroup(runs):
    outside, *members = runs
    assert outside["subgroup"]["outside"][0] == "ValueError"
    assert "not a member" in outside["subgroup"]["outside"][1]
    for record in members:
        assert torch.equal(record["subgroup"]["ours"], record["subgroup"]["expected"])


# -- (d) bad input: a clear error on every rank, before any message --------------------


def test_bad_input_raises_on_every_rank_and_leaves_the_ring_usable(runs):
    p = len(runs)
    for record in runs:
        bad = record["bad"]
        assert bad["non_contiguous"][0] == "ValueError"
        assert "tensor" in bad["non_contiguous"][1]
        assert "contiguous" in bad["non_contiguous"][1]
        assert bad["integer"][0] == "TypeError" and "tensor" in bad["integer"][1]
        assert bad["op_max"][0] == "ValueError" and "op" in bad["op_max"][1]
        expected = p * torch.arange(12, dtype=torch.float64).reshape(3, 4)
        assert torch.equal(bad["good_call_after"], expected)


@pytest.mark.parametrize("call, error, words", [
    (lambda d: ring_all_reduce([1.0, 2.0]), TypeError, ("tensor", "list")),
    (lambda d: ring_all_reduce(torch.arange(3, device=d)), TypeError, ("tensor",)),
    (lambda d: ring_all_reduce(torch.ones(3, 4, dtype=torch.float64, device=d).t()),
     ValueError, ("tensor", "contiguous")),
    (lambda d: ring_all_reduce(torch.ones(2, dtype=torch.float64, device=d).to_sparse()),
     ValueError, ("tensor", "layout")),
    (lambda d: ring_all_reduce(torch.ones(2, device=d), op="sum"), ValueError,
     ("op", "'sum'")),
    (lambda d: ring_all_reduce(torch.ones(2, device=d), op=dist.ReduceOp.PRODUCT),
     ValueError, ("op",)),
    (lambda d: ring_all_reduce(torch.ones(2, device=d), group="world"), TypeError,
     ("group", "str")),
    (lambda d: ring_all_reduce(torch.ones(2, device=d)), ValueError,
     ("group", "init_process_group")),
], ids=["list", "integer", "non_contiguous", "sparse", "op_string", "op_product",
        "group_string", "no_process_group"])
def test_bad_input_without_a_process_group(call, error, words, device):
    assert not dist.is_initialized()
    with pytest.raises(error) as raised:
        call(device)
    for word in words:
        assert word in str(raised.value)
