"""dlref.torch.functional.embedding and nn.Embedding against torch on every available device: lookups and
autograd gradients (padding_idx, scale_grad_by_freq, max_norm), initialization from the same seed,
from_pretrained, state_dict, errors; torch's embedding never called."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import functional as F
from dlref.torch import nn

F64 = torch.float64


@given(num_embeddings=st.integers(1, 6), embedding_dim=st.integers(1, 4),
       shape=st.lists(st.integers(0, 4), min_size=0, max_size=3), data=st.data(),
       max_norm=st.none() | st.floats(0.0, 3.0), norm_type=st.sampled_from([1.0, 2.0, 3.5, float("inf")]),
       scale_grad_by_freq=st.booleans(), seed=st.integers(0, 2**16))
def test_functional_matches_torch(device, num_embeddings, embedding_dim, shape, data, max_norm, norm_type,
                                  scale_grad_by_freq, seed):
    padding_idx = data.draw(st.none() | st.integers(-num_embeddings, num_embeddings - 1))
    kwargs = dict(padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq)
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(num_embeddings, embedding_dim, dtype=F64, generator=gen).to(device)
    i = torch.randint(0, num_embeddings, tuple(shape), generator=gen).to(device)
    g = torch.randn(tuple(shape) + (embedding_dim,), dtype=F64, generator=gen).to(device)
    W1, W2 = W.clone().requires_grad_(True), W.clone().requires_grad_(True)
    y1 = F.embedding(i, W1, **kwargs)
    y2 = TF.embedding(i, W2, **kwargs)
    assert y1.device.type == device.type
    assert_close(y1, y2)
    assert_close(W1, W2)                               # the same in-place renormalization
    y1.backward(g)
    y2.backward(g)
    assert_close(W1.grad, W2.grad)


def test_int32_indices_and_no_grad_table(device):
    W = torch.randn(5, 3, device=device)
    i = torch.tensor([[4, 0], [1, 1]], dtype=torch.int32, device=device)
    assert torch.equal(F.embedding(i, W, padding_idx=1, scale_grad_by_freq=True), TF.embedding(i, W))


def test_same_seed_same_table_as_torch(device):
    for kwargs in (dict(), dict(padding_idx=-1)):
        torch.manual_seed(5)
        ours = nn.Embedding(6, 4, device=device, **kwargs)
        torch.manual_seed(5)
        theirs = torch.nn.Embedding(6, 4, device=device, **kwargs)
        assert ours.weight.device.type == device.type and torch.equal(ours.weight, theirs.weight)
        assert ours.padding_idx == theirs.padding_idx


def test_layer_matches_torch_and_padding_gets_no_gradient(device):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(5, 3, padding_idx=2, scale_grad_by_freq=True, dtype=F64, device=device)
    ours = nn.Embedding(5, 3, padding_idx=2, scale_grad_by_freq=True, dtype=F64, device=device)
    ours.load_state_dict(theirs.state_dict())
    i = torch.tensor([[2, 0, 2], [4, 0, 1]], device=device)
    g = torch.randn(2, 3, 3, dtype=F64, device=device)
    y1, y2 = ours(i), theirs(i)
    assert_close(y1, y2)
    y1.backward(g)
    y2.backward(g)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert not ours.weight.grad[2].any() and not ours.weight.grad[3].any()


def test_from_pretrained_matches_torch(device):
    table = torch.arange(12, dtype=F64, device=device).reshape(4, 3)
    torch.manual_seed(0)
    ours = nn.Embedding.from_pretrained(table, padding_idx=0)
    state = torch.get_rng_state()
    theirs = torch.nn.Embedding.from_pretrained(table, padding_idx=0)
    assert torch.equal(torch.get_rng_state(), state)           # no table was drawn (none is by torch)
    assert torch.equal(ours.weight, theirs.weight) and not ours.weight.requires_grad
    assert ours.weight.device.type == device.type
    assert repr(ours) == repr(theirs)
    trainable = nn.Embedding.from_pretrained(table.clone(), freeze=False, max_norm=5.0)
    y = trainable(torch.tensor([3, 1], device=device))
    assert trainable.weight.requires_grad
    assert_close(torch.linalg.vector_norm(y, dim=1), torch.tensor([5.0, 5.0], dtype=F64, device=device))


def test_never_calls_torchs_embedding(device, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("torch's embedding was called")

    for owner, name in ((TF, "embedding"), (torch, "embedding"), (torch, "embedding_renorm_"),
                        (torch.nn.Embedding, "forward")):
        monkeypatch.setattr(owner, name, boom)
    layer = nn.Embedding(5, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True, device=device)
    layer(torch.tensor([[0, 1, 1]], device=device)).sum().backward()
    assert layer.weight.grad is not None


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2, max_norm=1.5, norm_type=1.0,
                                                  scale_grad_by_freq=True)])
def test_state_dict_repr_and_module(kwargs):
    ours, theirs = nn.Embedding(5, 3, **kwargs), torch.nn.Embedding(5, 3, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours) == repr(theirs)
    assert isinstance(ours, torch.nn.Module)
    theirs.load_state_dict(ours.state_dict())


def test_extreme_values(device):
    W = torch.full((3, 2), 1e4, device=device, requires_grad=True)
    y = F.embedding(torch.tensor([0, 2, 2], device=device), W, max_norm=1.0)
    assert torch.isfinite(y).all()
    assert_close(torch.linalg.vector_norm(y, dim=1), torch.ones(3, device=device), rtol=1e-6, atol=0)


def test_errors_name_the_argument():
    W = torch.zeros(4, 3)
    with pytest.raises(ValueError, match=r"input must hold indices in \[0, 3\]"):
        F.embedding(torch.tensor([4]), W)
    with pytest.raises(TypeError, match="input must hold integer indices, got dtype torch.float32"):
        F.embedding(torch.tensor([1.0]), W)
    with pytest.raises(TypeError, match="input must hold integer indices, got dtype torch.bool"):
        F.embedding(torch.tensor([True]), W)
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        F.embedding(np.array([1]), W)
    with pytest.raises(TypeError, match="weight must be a torch.Tensor"):
        F.embedding(torch.tensor([1]), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="weight must be 2-D"):
        F.embedding(torch.tensor([1]), torch.zeros(3))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(4, 3, padding_idx=4)
    with pytest.raises(ValueError, match="sparse=True"):
        nn.Embedding(4, 3, sparse=True)
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        nn.Embedding(4, 3, dtype=torch.int64)
    with pytest.raises(TypeError, match="embeddings must be a torch.Tensor"):
        nn.Embedding.from_pretrained(np.zeros((4, 3)))
