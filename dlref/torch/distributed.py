r"""The ring all-reduce, written with point-to-point messages of ``torch.distributed``.

Data-parallel training averages the gradients of $p$ processes after every backward
pass; `ring_all_reduce` shows how that sum is computed without a central server: the
tensor is cut into $p$ chunks, and $2(p - 1)$ rounds of "send one chunk to the right
neighbour, receive one from the left" first leave each rank with one fully summed chunk
(reduce-scatter), then hand the summed chunks round the ring (all-gather). Each rank
sends $2(p - 1)/p \cdot N$ elements in all, whatever $p$ (Patarasuk and Yuan 2009).

The only communication calls are ``torch.distributed.isend`` and ``irecv``: the tests
compare against ``torch.distributed.all_reduce`` and make it raise while this one runs.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from dlref._checks import check_floating

__all__ = ["ring_all_reduce"]

_OPS = (dist.ReduceOp.SUM, dist.ReduceOp.AVG)


def _check_arguments(tensor, op, group) -> None:
    """Every check before the first message: a bad call on every rank raises on every
    rank, and no message is left half sent."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    check_floating("tensor", tensor)
    if tensor.layout != torch.strided:
        raise ValueError(
            f"tensor must be a dense (strided) tensor, got layout {tensor.layout}")
    if not tensor.is_contiguous():
        raise ValueError(
            "tensor must be contiguous (it is reduced in place through a flat view); "
            f"got strides {tuple(tensor.stride())} for shape {tuple(tensor.shape)}: "
            "pass tensor.contiguous() and use the returned tensor")
    if not isinstance(op, dist.ReduceOp.RedOpType) or op not in _OPS:
        raise ValueError(
            f"op must be torch.distributed.ReduceOp.SUM or ReduceOp.AVG, got {op!r}")
    if type(group) is int and group == dist.GroupMember.NON_GROUP_MEMBER:
        # what torch.distributed.new_group returns on the ranks it leaves out
        raise ValueError("group: this process is not a member of the group it was "
                         "given (new_group returned NON_GROUP_MEMBER here)")
    if group is not None and not isinstance(group, dist.ProcessGroup):
        raise TypeError(
            "group must be None or a torch.distributed.ProcessGroup, "
            f"got {type(group).__name__}")
    if not dist.is_initialized():
        raise ValueError(
            "group: no default process group; call "
            "torch.distributed.init_process_group first (ring_all_reduce runs on "
            "every rank of a group)")
    if dist.get_rank(group) < 0:
        raise ValueError(
            "group: this process is not a member of the group it was given")


def _exchange(
    send: torch.Tensor, right: int, recv: torch.Tensor, left: int, group
) -> None:
    """Send ``send`` to rank ``right`` while receiving ``recv`` from rank ``left``.

    Both messages are posted before either is waited for: with a blocking send every
    rank of the ring would wait for its right neighbour to receive, and none would.
    Empty chunks (fewer elements than ranks) are not sent; the neighbour, which knows
    the same chunk sizes, does not wait for them.
    """
    requests = []
    if send.numel() > 0:
        requests.append(dist.isend(send, group=group, group_dst=right))
    if recv.numel() > 0:
        requests.append(dist.irecv(recv, group=group, group_src=left))
    for request in requests:
        request.wait()


def ring_all_reduce(
    tensor: torch.Tensor, op=dist.ReduceOp.SUM, group: dist.ProcessGroup | None = None
) -> torch.Tensor:
    r"""All-reduce by a ring of point-to-point messages: every rank ends with the sum
    (or the mean) of the tensors of all ranks, in place.

    With $p$ ranks holding $x^{(0)}, \dots, x^{(p-1)}$, each cut into chunks
    $x^{(k)}_0, \dots, x^{(k)}_{p-1}$, every rank ends with

    $$y = \sum_{k=0}^{p-1} x^{(k)} \quad (\text{or } y / p \text{ for AVG}).$$

    Reduce-scatter: in round $s = 0, \dots, p-2$ rank $r$ sends its partial sum of chunk
    $(r - s) \bmod p$ to rank $r + 1$ and adds the partial sum of chunk
    $(r - s - 1) \bmod p$ received from rank $r - 1$; afterwards rank $r$ holds the
    full sum of chunk $(r + 1) \bmod p$. All-gather: $p - 1$ more rounds pass the
    summed chunks on, each received chunk overwriting the stale one. Each rank sends
    $2(p - 1)$ messages of about $N/p$ elements, $2(p - 1)N/p$ in all. Every chunk is
    summed on one rank and copied to the others, so all ranks hold the same bits.

    Args:
        tensor: the floating-point, contiguous tensor to reduce; every rank of the
            group must pass one of the same shape, dtype and device type.
        op: ``torch.distributed.ReduceOp.SUM`` (default) or ``ReduceOp.AVG``.
        group: the process group (default: the default group of
            ``torch.distributed.init_process_group``).

    Shape:
        tensor ``(*)``, any shape; the result has the same shape.

    Returns:
        ``tensor`` itself, overwritten with the sum (or mean) over the ranks.

    PyTorch equivalent: ``torch.distributed.all_reduce(tensor, op, group)`` (not called
    here).

    Differences from PyTorch: only ``SUM`` and ``AVG`` (``AVG`` works on every backend
    here; gloo's ``all_reduce`` rejects it); floating-point tensors only; no
    ``async_op``; the tensor is returned. The summation order differs from the
    backend's, so results agree with ``all_reduce`` up to rounding (exactly for
    integer-valued data). Runs on CUDA tensors with a backend whose ``isend``/``irecv``
    take them (NCCL, one GPU per rank); gloo sends CPU tensors only.

    References:
        P. Patarasuk, X. Yuan (2009), "Bandwidth optimal all-reduce algorithms for
        clusters of workstations", Journal of Parallel and Distributed Computing 69(2),
        https://doi.org/10.1016/j.jpdc.2008.09.002
    """
    _check_arguments(tensor, op, group)
    p = dist.get_world_size(group)
    r = dist.get_rank(group)
    right, left = (r + 1) % p, (r - 1) % p
    with torch.no_grad():
        flat = tensor.view(-1)                                   # (N,), shares memory
        # p views of sizes ceil(N/p) or floor(N/p), the larger ones first
        chunks = torch.tensor_split(flat, p)
        buffer = torch.empty_like(chunks[0])                     # (ceil(N/p),)
        # reduce-scatter: chunk c accumulates as it travels once round the ring
        for s in range(p - 1):
            send_c, recv_c = (r - s) % p, (r - s - 1) % p
            incoming = buffer[: chunks[recv_c].numel()]
            _exchange(chunks[send_c], right, incoming, left, group)
            # partial sum of chunk recv_c: the left neighbour's + ours
            chunks[recv_c].add_(incoming)
        # rank r now holds sum_k x^(k)_c for c = (r + 1) mod p; all-gather passes it on
        for s in range(p - 1):
            send_c, recv_c = (r + 1 - s) % p, (r - s) % p
            _exchange(chunks[send_c], right, chunks[recv_c], left, group)
        if op == dist.ReduceOp.AVG:
            # y / p: the same division of the same bits on every rank
            flat.div_(p)
    return tensor
