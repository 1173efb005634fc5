"""experiments/compression.py: its pruning masks are torch.nn.utils.prune's, its
quantizer is torch.quantize_per_tensor / _per_channel's, its distillation loss is the
F.kl_div form, and the quick run learns. Timings are recorded, never asserted."""

import ast
import re
import textwrap
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils import prune

from experiments import compression


@pytest.fixture(scope="module")
def results():
    return compression.main(["--quick"])["results"]


def _net():
    return compression.make_mlp((32, 32), seed=0)


@pytest.mark.parametrize("amount", [0.0, 0.3, 0.7, 0.95])
def test_layerwise_masks_are_l1_unstructured(amount):
    net = _net()
    ours = compression.layerwise_masks(compression.weight_matrices(net), amount)
    for layer in net:
        if isinstance(layer, torch.nn.Linear):
            prune.l1_unstructured(layer, "weight", amount=amount)
    theirs = [m.weight_mask for m in net if isinstance(m, torch.nn.Linear)]
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))


@pytest.mark.parametrize("amount", [0.3, 0.7, 0.95])
def test_global_masks_are_global_unstructured(amount):
    net = _net()
    ours = compression.global_masks(compression.weight_matrices(net), amount)
    layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    prune.global_unstructured([(m, "weight") for m in layers],
                              pruning_method=prune.L1Unstructured, amount=amount)
    assert all(torch.equal(a, m.weight_mask) for a, m in zip(ours, layers))
    total = sum(m.numel() for m in ours)
    assert sum((m == 0).sum().item() for m in ours) == round(amount * total)


def test_channel_mask_is_ln_structured():
    layer = _net()[0]
    ours = compression.channel_mask(layer.weight, 0.25)
    prune.ln_structured(layer, "weight", amount=0.25, n=2, dim=0)
    assert torch.equal(ours, layer.weight_mask)


@pytest.mark.parametrize("per_channel", [False, True])
def test_quantize_matches_torch(per_channel):
    torch.manual_seed(0)
    w = torch.randn(16, 40) * torch.linspace(0.1, 3.0, 16)[:, None]
    s = compression.symmetric_scale(w, 8, per_channel)
    q = compression.quantize(w, s, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # quantized tensors are deprecated
        if per_channel:
            zero = torch.zeros(16, dtype=torch.long)
            theirs = torch.quantize_per_channel(w, s.flatten().double(), zero, 0,
                                                torch.qint8)
        else:
            theirs = torch.quantize_per_tensor(w, s.item(), 0, torch.qint8)
    assert torch.equal(q.to(torch.int8), theirs.int_repr())
    assert torch.equal(compression.dequantize(q, s), theirs.dequantize())
    assert ((compression.dequantize(q, s) - w).abs() <= s / 2 * (1 + 1e-6)).all()


def test_quantize_zero_tensor_is_finite():
    w = torch.zeros(3, 4)
    s = compression.symmetric_scale(w, 8, per_channel=True)
    assert torch.equal(compression.dequantize(compression.quantize(w, s), s), w)


def test_distillation_loss_is_kl_div_form():
    torch.manual_seed(0)
    z_s, z_t = torch.randn(32, 10, dtype=torch.float64), torch.randn(32, 10, dtype=torch.float64)
    y = torch.randint(0, 10, (32,))
    T, alpha = 3.0, 0.7
    kl = F.kl_div(F.log_softmax(z_s / T, 1), F.softmax(z_t / T, 1), reduction="batchmean")
    ref = alpha * T ** 2 * kl + (1 - alpha) * F.cross_entropy(z_s, y)
    ours = compression.distillation_loss(z_s, z_t, y, T, alpha)
    assert torch.allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_masks_survive_fine_tuning():
    X, y = torch.randn(128, 64), torch.randint(0, 10, (128,))
    net = _net()
    masks = compression.global_masks(compression.weight_matrices(net), 0.8)
    compression.apply_masks(net, masks)
    compression.train(net, X, y, epochs=2, seed=0, masks=masks)
    assert abs(compression.sparsity(net) - 0.8) < 1e-3


def test_quick_run_learns(results):
    assert results["teacher"]["accuracy"] > 0.9            # chance is 0.1
    points = results["pruning"]["points"]
    half = next(p for p in points if p["sparsity"] == 0.5)
    assert half["global_finetuned"] > 0.9
    assert points[-1]["global_pruned"] < 0.5                # 98% pruned, untuned: broken
    q = results["quantization"]
    assert q["static_int8"]["accuracy"] > q["fp32"]["accuracy"] - 0.03
    assert q["sweep"][0]["per_channel"] > q["fp32"]["accuracy"] - 0.02    # 8 bits
    assert 3.0 < q["size_ratio"] < 4.0
    d = results["distillation"]
    for setting in ("all", "few"):
        assert d[setting]["alone_mean"] > 0.5
        assert all(acc > 0.5 for accs in d[setting]["distilled"].values() for acc in accs)
    table = d["table"]
    assert all(len(row) == len(table["columns"]) for row in table["rows"])


# ----------------------------------------------------------------------------- the page's copy
PAGE = Path(__file__).resolve().parents[2] / "docs" / "frontiers" / "compression.md"
PAGE_FUNCTIONS = ("magnitude_mask", "global_masks", "channel_mask", "symmetric_scale",
                  "quantize", "dequantize", "distillation_loss")


def _page_functions() -> dict:
    """The page's own (shorter) definitions, taken from its Python blocks by name."""
    blocks = re.findall(r"^ *```python\n(.*?)^ *```", PAGE.read_text(), re.S | re.M)
    namespace = {"torch": torch, "F": F}
    for block in blocks:
        for node in ast.parse(textwrap.dedent(block)).body:
            if isinstance(node, ast.FunctionDef) and node.name in PAGE_FUNCTIONS:
                exec(compile(ast.Module([node], []), str(PAGE), "exec"), namespace)
    missing = set(PAGE_FUNCTIONS) - set(namespace)
    assert not missing, f"the page no longer defines {sorted(missing)}"
    return namespace


@pytest.mark.parametrize("seed", range(5))
def test_page_functions_agree_with_the_script(seed):
    page = _page_functions()
    g = torch.Generator().manual_seed(seed)
    weights = [torch.randn(7, 5, generator=g), torch.randn(3, 7, generator=g)]
    w = weights[0] * torch.linspace(0.1, 2.0, 7)[:, None]
    for amount in (0.0, 0.3, 0.75):
        assert torch.equal(page["magnitude_mask"](w, amount),
                           compression.magnitude_mask(w, amount))
        assert torch.equal(page["channel_mask"](w, amount),
                           compression.channel_mask(w, amount))
        for ours, theirs in zip(page["global_masks"](weights, amount),
                                compression.global_masks(weights, amount)):
            assert torch.equal(ours, theirs)
    for bits in (2, 4, 8):
        for per_channel in (False, True):
            s = page["symmetric_scale"](w, bits, per_channel)
            assert torch.equal(s, compression.symmetric_scale(w, bits, per_channel))
            q = page["quantize"](w, s, bits)
            assert torch.equal(q, compression.quantize(w, s, bits).to(q.dtype))
            assert torch.equal(page["dequantize"](q, s),
                               compression.dequantize(q.to(torch.int32), s))
    z_s, z_t = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    y = torch.randint(0, 4, (6,), generator=g)
    assert torch.equal(page["distillation_loss"](z_s, z_t, y, 3.0, 0.7),
                       compression.distillation_loss(z_s, z_t, y, 3.0, 0.7))
