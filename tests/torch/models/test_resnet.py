"""dlref.torch.models: residual blocks, torchvision's ResNet layout, DigitsResNet.

torchvision is not a dependency: its layout is checked against hard-coded facts (the
parameter counts torchvision documents, its state_dict keys), and each block against its
formula written with torch.nn.functional. Forward passes, gradients and the formulas run on
every available device; counts, keys, initialization and argument checks on the CPU (or on
the meta device, where only shapes matter).
"""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from dlref.testing import assert_close
from dlref.torch import models
from dlref.torch import nn as dnn
from dlref.torch.models import (BasicBlock, Bottleneck, DigitsResNet, PlainBlock, PreActBlock, ResNet)

# torchvision's documented parameter counts (torchvision.models.<name>(num_classes=1000))
TORCHVISION_COUNTS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336,
    "wide_resnet50_2": 68_883_240,
}

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix):
    return [f"{prefix}.{s}" for s in BN]


# torchvision.models.resnet18().state_dict().keys(), in order, written out
RESNET18_KEYS = (
    ["conv1.weight", *_bn("bn1")]
    + ["layer1.0.conv1.weight", *_bn("layer1.0.bn1"), "layer1.0.conv2.weight", *_bn("layer1.0.bn2")]
    + ["layer1.1.conv1.weight", *_bn("layer1.1.bn1"), "layer1.1.conv2.weight", *_bn("layer1.1.bn2")]
    + ["layer2.0.conv1.weight", *_bn("layer2.0.bn1"), "layer2.0.conv2.weight", *_bn("layer2.0.bn2"),
       "layer2.0.downsample.0.weight", *_bn("layer2.0.downsample.1")]
    + ["layer2.1.conv1.weight", *_bn("layer2.1.bn1"), "layer2.1.conv2.weight", *_bn("layer2.1.bn2")]
    + ["layer3.0.conv1.weight", *_bn("layer3.0.bn1"), "layer3.0.conv2.weight", *_bn("layer3.0.bn2"),
       "layer3.0.downsample.0.weight", *_bn("layer3.0.downsample.1")]
    + ["layer3.1.conv1.weight", *_bn("layer3.1.bn1"), "layer3.1.conv2.weight", *_bn("layer3.1.bn2")]
    + ["layer4.0.conv1.weight", *_bn("layer4.0.bn1"), "layer4.0.conv2.weight", *_bn("layer4.0.bn2"),
       "layer4.0.downsample.0.weight", *_bn("layer4.0.downsample.1")]
    + ["layer4.1.conv1.weight", *_bn("layer4.1.bn1"), "layer4.1.conv2.weight", *_bn("layer4.1.bn2")]
    + ["fc.weight", "fc.bias"]
)

BN_SUFFIX = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
BOTTLENECK_KEY = re.compile(
    r"^(conv1\.weight|bn1\." + BN_SUFFIX + r"|fc\.(weight|bias)"
    r"|layer[1-4]\.\d+\.(conv[123]\.weight|bn[123]\." + BN_SUFFIX + r")"
    r"|layer[1-4]\.0\.downsample\.(0\.weight|1\." + BN_SUFFIX + r"))$"
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small tensors: one thread avoids the synchronisation cost of several (and is fast on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def meta(factory, *args, **kwargs):
    """Build on the meta device: shapes and names only, no memory, no initialization cost."""
    with torch.device("meta"):
        return factory(*args, **kwargs)


# ---------------------------------------------------------------- parameter counts and keys

@pytest.mark.parametrize("name", sorted(TORCHVISION_COUNTS))
def test_parameter_counts_match_torchvision(name):
    assert n_params(meta(getattr(models, name))) == TORCHVISION_COUNTS[name]


def test_class_form_of_the_counts():
    assert n_params(meta(ResNet, BasicBlock, [2, 2, 2, 2])) == 11_689_512
    assert n_params(meta(ResNet, Bottleneck, [3, 4, 6, 3])) == 25_557_032
    assert n_params(meta(ResNet, Bottleneck, [3, 8, 36, 3])) == 60_192_808
    assert n_params(meta(ResNet, Bottleneck, [3, 4, 6, 3], groups=32, width_per_group=4)) == 25_028_904


def test_num_classes_changes_only_fc():
    model = meta(ResNet, BasicBlock, [2, 2, 2, 2], num_classes=10)
    assert n_params(model) == 11_689_512 - 990 * 513  # 990 fewer rows of 512 weights + 1 bias
    assert tuple(model.fc.weight.shape) == (10, 512)


def test_resnet18_state_dict_keys_and_shapes():
    state = meta(models.resnet18).state_dict()
    assert list(state) == RESNET18_KEYS
    assert len(state) == 122 and len(list(meta(models.resnet18).parameters())) == 62
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    assert shapes["conv1.weight"] == (64, 3, 7, 7)
    assert shapes["layer1.0.conv1.weight"] == (64, 64, 3, 3)
    assert shapes["layer2.0.conv1.weight"] == (128, 64, 3, 3)
    assert shapes["layer2.0.downsample.0.weight"] == (128, 64, 1, 1)
    assert shapes["layer4.1.conv2.weight"] == (512, 512, 3, 3)
    assert shapes["fc.weight"] == (1000, 512) and shapes["fc.bias"] == (1000,)
    assert shapes["layer3.1.bn2.num_batches_tracked"] == ()


@pytest.mark.parametrize("name, blocks, n_keys", [("resnet50", [3, 4, 6, 3], 320), ("resnet101", [3, 4, 23, 3], 626),
                                                 ("resnext50_32x4d", [3, 4, 6, 3], 320)])
def test_bottleneck_state_dict_keys(name, blocks, n_keys):
    state = meta(getattr(models, name)).state_dict()
    assert len(state) == n_keys
    bad = [k for k in state if not BOTTLENECK_KEY.match(k)]
    assert not bad, bad[:5]
    for stage, n in enumerate(blocks, start=1):  # every block of every stage, and no more
        assert f"layer{stage}.{n - 1}.conv3.weight" in state and f"layer{stage}.{n}.conv1.weight" not in state
        assert f"layer{stage}.0.downsample.0.weight" in state  # 64 -> 256 in layer1 too
        assert f"layer{stage}.1.downsample.0.weight" not in state
    assert tuple(state["fc.weight"].shape) == (1000, 2048)
    assert tuple(state["layer1.0.downsample.0.weight"].shape) == (256, 64, 1, 1)


def test_resnext_and_wide_widths():
    resnext, wide, r50 = meta(models.resnext50_32x4d), meta(models.wide_resnet50_2), meta(models.resnet50)
    # width = floor(planes * base_width / 64) * groups
    assert resnext.layer1[0].conv2.groups == 32
    assert tuple(resnext.layer1[0].conv2.weight.shape) == (128, 4, 3, 3)       # 128 channels, 4 per group
    assert tuple(resnext.layer4[0].conv2.weight.shape) == (1024, 32, 3, 3)
    assert tuple(wide.layer1[0].conv2.weight.shape) == (128, 128, 3, 3)
    assert tuple(r50.layer1[0].conv2.weight.shape) == (64, 64, 3, 3)
    for model in (resnext, wide, r50):                                          # the block's output width is 4 planes
        assert tuple(model.layer4[2].conv3.weight.shape)[0] == 2048


def test_bottleneck_parameter_formula():
    inplanes, planes, groups, base_width = 256, 64, 32, 4
    block = Bottleneck(inplanes, planes, groups=groups, base_width=base_width)
    width = planes * base_width // 64 * groups  # 128
    convs = inplanes * width + width * (width // groups) * 9 + width * planes * 4
    bns = 2 * (width + width + planes * 4)
    assert n_params(block) == convs + bns == 70_144 + 1_024


def test_preact_counts():
    # no BN in the 3 projections (2 C each), the first block of stages 2-4 normalizes its input
    # (C / 2 channels) instead of its first conv's output (C), and one BN-ReLU after layer4 (2 x 512)
    preact = meta(ResNet, PreActBlock, [2, 2, 2, 2])
    assert n_params(preact) == 11_689_512 - 2 * (128 + 256 + 512) - 2 * (64 + 128 + 256) + 2 * 512
    assert "final_bn.weight" in preact.state_dict()
    assert "final_bn.weight" not in meta(models.resnet18).state_dict()


# ---------------------------------------------------------------------------- output shapes

@pytest.mark.parametrize("size", [(1, 64, 64), (2, 32, 48), (1, 33, 33), (2, 64, 17)])
def test_resnet18_output_shapes(device, size):
    n, h, w = size
    torch.manual_seed(0)
    model = models.resnet18(num_classes=7).to(device)
    x = torch.randn(n, 3, h, w, device=device)
    shapes = {}
    for name in ("maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"):
        getattr(model, name).register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape)))
    out = model(x)
    assert tuple(out.shape) == (n, 7) and out.device.type == device.type

    def down(s, times):  # each stride-2 step with padding: s -> floor((s - 1) / 2) + 1
        for _ in range(times):
            s = (s - 1) // 2 + 1
        return s

    assert shapes["maxpool"] == (n, 64, down(h, 2), down(w, 2))
    assert shapes["layer1"] == (n, 64, down(h, 2), down(w, 2))
    assert shapes["layer2"] == (n, 128, down(h, 3), down(w, 3))
    assert shapes["layer4"] == (n, 512, down(h, 5), down(w, 5))
    assert shapes["avgpool"] == (n, 512, 1, 1)


def test_resnet50_and_resnext_output_shapes(device):
    torch.manual_seed(0)
    x = torch.randn(1, 3, 64, 64, device=device)
    for model in (models.resnet50().to(device), models.resnext50_32x4d(num_classes=5).to(device)):
        features = torch.nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool, model.layer1,
                                       model.layer2, model.layer3, model.layer4)
        assert tuple(features(x).shape) == (1, 2048, 2, 2)
        out = model(x)
        assert tuple(out.shape) == (1, model.fc.out_features) and out.device.type == device.type


def test_tiny_input_in_eval_mode(device):
    model = models.resnet18(num_classes=3).to(device).eval()
    out = model(torch.randn(1, 3, 1, 1, device=device))
    assert tuple(out.shape) == (1, 3) and out.device.type == device.type


def test_replace_stride_with_dilation_keeps_resolution(device):
    torch.manual_seed(0)
    model = ResNet(Bottleneck, [1, 1, 2, 2], replace_stride_with_dilation=[False, True, True]).to(device).eval()
    out = {}
    model.layer4.register_forward_hook(lambda m, i, o: out.__setitem__("layer4", (tuple(o.shape), o.device.type)))
    model(torch.randn(1, 3, 64, 64, device=device))
    assert out["layer4"] == ((1, 2048, 8, 8), device.type)  # output stride 8 instead of 32
    # as torchvision: a stage's first block keeps the previous dilation, the others use the new one
    assert [b.conv2.dilation for b in model.layer3] == [(1, 1), (2, 2)]
    assert [b.conv2.dilation for b in model.layer4] == [(2, 2), (4, 4)]
    assert model.layer4[1].conv2.padding == (4, 4) and model.layer4[0].conv2.stride == (1, 1)


@given(inplanes=st.integers(1, 6), planes=st.integers(1, 6), stride=st.integers(1, 3), h=st.integers(1, 9),
       w=st.integers(1, 9), kind=st.sampled_from(["basic", "bottleneck", "preact", "plain"]))
def test_block_output_shapes(device, inplanes, planes, stride, h, w, kind):
    block_type = {"basic": BasicBlock, "bottleneck": Bottleneck, "preact": PreActBlock, "plain": PlainBlock}[kind]
    outplanes = planes * block_type.expansion
    needs_projection = stride != 1 or inplanes != outplanes
    downsample = None
    if needs_projection and block_type is not PlainBlock:
        downsample = torch.nn.Sequential(torch.nn.Conv2d(inplanes, outplanes, 1, stride=stride, bias=False),
                                         torch.nn.BatchNorm2d(outplanes))
    block = block_type(inplanes, planes, stride, downsample).double().to(device).eval()
    out = block(torch.randn(2, inplanes, h, w, dtype=torch.float64, device=device))
    assert tuple(out.shape) == (2, outplanes, (h - 1) // stride + 1, (w - 1) // stride + 1)
    assert out.dtype == torch.float64 and out.device.type == device.type


# ------------------------------------------------------------- the blocks against their formulas

def _bn_eval(x, bn):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


def _randomize_bn(module, generator):
    """Non-trivial BN statistics and affine parameters, so eval-mode BN is not the identity.

    ``generator`` is a CPU generator: the values are drawn on the CPU and copied to wherever the module lives.
    """
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator, dtype=m.weight.dtype) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=generator, dtype=m.bias.dtype))
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=generator, dtype=m.weight.dtype))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator, dtype=m.weight.dtype) + 0.5)


def test_basic_block_formula(device):
    g = torch.Generator().manual_seed(0)
    ds = torch.nn.Sequential(torch.nn.Conv2d(4, 6, 1, stride=2, bias=False), torch.nn.BatchNorm2d(6))
    block = BasicBlock(4, 6, stride=2, downsample=ds).double().to(device).eval()
    _randomize_bn(block, g)
    x = torch.randn(3, 4, 7, 7, generator=g, dtype=torch.float64).to(device)
    # F(x) = BN2(W2 * ReLU(BN1(W1 * x))); y = ReLU(F(x) + BN(W_s * x))
    f = _bn_eval(F.conv2d(F.relu(_bn_eval(F.conv2d(x, block.conv1.weight, stride=2, padding=1), block.bn1)),
                          block.conv2.weight, padding=1), block.bn2)
    s = _bn_eval(F.conv2d(x, ds[0].weight, stride=2), ds[1])
    y = block(x)
    assert y.device.type == device.type
    assert_close(y, F.relu(f + s))


def test_bottleneck_formula_stride_on_the_3x3(device):
    g = torch.Generator().manual_seed(1)
    ds = torch.nn.Sequential(torch.nn.Conv2d(8, 16, 1, stride=2, bias=False), torch.nn.BatchNorm2d(16))
    block = Bottleneck(8, 4, stride=2, downsample=ds, groups=2, base_width=32).double().to(device).eval()
    _randomize_bn(block, g)
    assert block.conv1.stride == (1, 1) and block.conv2.stride == (2, 2) and block.conv3.stride == (1, 1)  # V1.5
    x = torch.randn(2, 8, 9, 9, generator=g, dtype=torch.float64).to(device)
    a = F.relu(_bn_eval(F.conv2d(x, block.conv1.weight), block.bn1))
    a = F.relu(_bn_eval(F.conv2d(a, block.conv2.weight, stride=2, padding=1, groups=2), block.bn2))
    f = _bn_eval(F.conv2d(a, block.conv3.weight), block.bn3)
    s = _bn_eval(F.conv2d(x, ds[0].weight, stride=2), ds[1])
    y = block(x)
    assert y.device.type == device.type
    assert_close(y, F.relu(f + s))


def test_preact_block_formula_and_ordering(device):
    g = torch.Generator().manual_seed(2)
    block = PreActBlock(5, 5).double().to(device).eval()
    _randomize_bn(block, g)
    x = torch.randn(2, 5, 6, 6, generator=g, dtype=torch.float64).to(device)
    # y = x + W2 * ReLU(BN2(W1 * ReLU(BN1(x)))): no ReLU after the sum
    a = F.relu(_bn_eval(x, block.bn1))
    f = F.conv2d(F.relu(_bn_eval(F.conv2d(a, block.conv1.weight, padding=1), block.bn2)), block.conv2.weight,
                 padding=1)
    y = block(x)
    assert y.device.type == device.type
    assert_close(y, x + f)
    assert (y < 0).any()  # nothing clips the sum

    calls = []
    for name, m in block.named_children():
        m.register_forward_hook(lambda mod, i, o, name=name: calls.append(name))
    block(x)
    assert calls == ["bn1", "relu", "conv1", "bn2", "relu", "conv2"]

    calls = []
    basic = BasicBlock(5, 5).to(device)
    for name, m in basic.named_children():
        m.register_forward_hook(lambda mod, i, o, name=name: calls.append(name))
    assert (basic(torch.randn(2, 5, 6, 6, device=device)) >= 0).all()
    assert calls == ["conv1", "bn1", "relu", "conv2", "bn2", "relu"]


def test_preact_projection_sees_the_preactivated_input(device):
    g = torch.Generator().manual_seed(3)
    ds = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 1, stride=2, bias=False))
    block = PreActBlock(3, 6, stride=2, downsample=ds).double().to(device).eval()
    _randomize_bn(block, g)
    with torch.no_grad():
        block.conv2.weight.zero_()  # leaves only the shortcut
    x = torch.randn(2, 3, 8, 8, generator=g, dtype=torch.float64).to(device)
    y = block(x)
    assert y.device.type == device.type
    assert_close(y, F.conv2d(F.relu(_bn_eval(x, block.bn1)), ds[0].weight, stride=2))


def test_plain_block_has_no_shortcut(device):
    g = torch.Generator().manual_seed(4)
    block = PlainBlock(4, 4).double().to(device).eval()
    _randomize_bn(block, g)
    x = torch.randn(2, 4, 5, 5, generator=g, dtype=torch.float64).to(device)
    f = _bn_eval(F.conv2d(F.relu(_bn_eval(F.conv2d(x, block.conv1.weight, padding=1), block.bn1)),
                          block.conv2.weight, padding=1), block.bn2)
    y = block(x)
    assert y.device.type == device.type
    assert_close(y, F.relu(f))


# ------------------------------------------------------------------- the identity shortcut

def test_zeroed_residual_branch_is_identity_up_to_relu(device):
    torch.manual_seed(0)
    x = torch.randn(2, 8, 6, 6, dtype=torch.float64, device=device)
    for block in (BasicBlock(8, 8), Bottleneck(8, 2)):
        block = block.double().to(device)
        last_bn = block.bn3 if isinstance(block, Bottleneck) else block.bn2
        with torch.no_grad():
            last_bn.weight.zero_()
            last_bn.bias.zero_()
        for mode in (block.train(), block.eval()):
            assert torch.equal(mode(x), F.relu(x))
    preact = PreActBlock(8, 8).double().to(device)
    with torch.no_grad():
        preact.conv2.weight.zero_()
    assert torch.equal(preact(x), x)  # no final ReLU: exactly the identity


def test_jacobian_is_identity_plus_branch_jacobian(device):
    torch.manual_seed(0)
    block = PreActBlock(2, 2).double().to(device).eval()
    _randomize_bn(block, torch.Generator().manual_seed(5))
    x = torch.randn(1, 2, 3, 3, dtype=torch.float64).to(device)  # drawn on the CPU: the same x on every device
    jac_y = torch.autograd.functional.jacobian(block, x).reshape(18, 18)

    def branch(z):  # F(z) = y - z
        return block(z) - z

    jac_f = torch.autograd.functional.jacobian(branch, x).reshape(18, 18)
    assert jac_y.device.type == device.type
    assert_close(jac_y, torch.eye(18, dtype=torch.float64, device=device) + jac_f)
    assert torch.linalg.matrix_norm(jac_f) > 0.1  # the branch is not negligible here


def test_zero_init_residual():
    for factory, last in ((models.resnet18, "bn2"), (models.resnet50, "bn3")):
        model = factory(zero_init_residual=True)
        for stage in (model.layer1, model.layer2, model.layer3, model.layer4):
            for block in stage:
                assert torch.count_nonzero(getattr(block, last).weight) == 0
                assert torch.all(block.bn1.weight == 1)
                if block.downsample is not None:
                    assert torch.all(block.downsample[1].weight == 1)
        assert torch.all(model.bn1.weight == 1)
    default = models.resnet18()
    assert torch.all(default.layer1[0].bn2.weight == 1)

    preact = DigitsResNet(PreActBlock, (1, 1), (4, 8), zero_init_residual=True)
    assert torch.count_nonzero(preact.layer1[0].conv2.weight) == 0
    assert torch.all(preact.layer1[0].bn2.weight == 1)  # a zero BN weight before a ReLU would never learn


def test_zero_init_blocks_start_as_identity_and_still_learn(device):
    torch.manual_seed(0)
    model = DigitsResNet(BasicBlock, (2, 2), (8, 16), zero_init_residual=True).double().to(device)
    x = torch.randn(4, 8, 6, 6, dtype=torch.float64, device=device)
    block = model.layer1[1]  # identity shortcut
    assert torch.equal(block(x), F.relu(x))
    images = torch.randn(4, 1, 8, 8, dtype=torch.float64, device=device)
    F.cross_entropy(model(images), torch.tensor([0, 1, 2, 3], device=device)).backward()
    assert block.bn2.weight.grad.abs().sum() > 0   # the zeroed scale gets a gradient
    assert model.conv1.weight.grad.abs().sum() > 0


# -------------------------------------------------------------- downsample only when needed

def test_downsample_only_when_the_shape_changes():
    r18, r50 = meta(models.resnet18), meta(models.resnet50)
    for model, first_needs in ((r18, False), (r50, True)):  # ResNet-50's layer1 goes 64 -> 256 channels
        for i, stage in enumerate((model.layer1, model.layer2, model.layer3, model.layer4)):
            assert (stage[0].downsample is not None) == (first_needs or i > 0)
            assert all(block.downsample is None for block in stage[1:])
            if stage[0].downsample is not None:
                conv, bn = stage[0].downsample
                stride = 1 if i == 0 else 2
                assert conv.kernel_size == (1, 1) and conv.stride == (stride, stride) and conv.bias is None
                assert isinstance(bn, torch.nn.BatchNorm2d)
    digits = DigitsResNet(BasicBlock, (2, 2, 2), (16, 32, 64))
    assert digits.layer1[0].downsample is None and digits.layer2[0].downsample is not None
    preact = DigitsResNet(PreActBlock, (1, 1), (8, 16))
    assert len(preact.layer2[0].downsample) == 1  # 1x1 conv only: its input is already normalized
    plain = DigitsResNet(PlainBlock, (2, 2), (8, 16))
    assert all(not hasattr(b, "downsample") for stage in (plain.layer1, plain.layer2) for b in stage)


# ------------------------------------------------------------------------ gradients, init

def test_gradient_reaches_conv1(device):
    torch.manual_seed(0)
    for model in (models.resnet18(num_classes=10).to(device), models.resnet50(num_classes=10).to(device)):
        out = model(torch.randn(2, 3, 64, 64, device=device))
        F.cross_entropy(out, torch.tensor([1, 7], device=device)).backward()
        grad = model.conv1.weight.grad
        assert grad is not None and torch.isfinite(grad).all() and grad.norm() > 0
        assert grad.device.type == device.type
        assert all(p.grad is not None for p in model.parameters())


def test_gradcheck_small_blocks(device):
    torch.manual_seed(0)
    x = torch.randn(2, 4, 4, 4, dtype=torch.float64).to(device).requires_grad_()
    ds = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 1, stride=2, bias=False), torch.nn.BatchNorm2d(8))
    for block in (BasicBlock(4, 4), Bottleneck(4, 2, stride=2, downsample=ds), PreActBlock(4, 4)):
        block = block.double().to(device)  # train mode: batch statistics depend on the whole batch, gradcheck covers it
        assert torch.autograd.gradcheck(lambda z: block(z.clone()), (x,), eps=1e-6, atol=1e-5)


def test_torchvision_initialization():
    torch.manual_seed(0)
    model = models.resnet18()
    w = model.layer3[0].conv1.weight  # (256, 128, 3, 3): fan_out = 256 * 9
    assert abs(w.std().item() / math.sqrt(2 / (256 * 9)) - 1) < 0.02
    assert abs(w.mean().item()) < 0.02 * w.std().item()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            assert torch.all(m.weight == 1) and torch.all(m.bias == 0)
    bound = 1 / math.sqrt(512)  # fc keeps torch's Linear default
    assert model.fc.weight.abs().max() <= bound and model.fc.weight.abs().max() > 0.99 * bound


def test_state_dict_round_trip(device):
    torch.manual_seed(0)
    a, b = models.resnet18(num_classes=4).to(device).eval(), models.resnet18(num_classes=4).to(device).eval()
    x = torch.randn(1, 3, 32, 32, device=device)
    assert not torch.equal(a(x), b(x))
    b.load_state_dict(a.state_dict(), strict=True)
    assert torch.equal(a(x), b(x))


def test_dlref_conv_and_batchnorm_inside_resnet(device):
    torch.manual_seed(0)
    theirs = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=5).double()
    ours = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=5, conv_layer=dnn.Conv2d,
                  norm_layer=dnn.BatchNorm2d).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for m in ours.modules():  # the same initialization applies to dlref's layers
        if isinstance(m, dnn.Conv2d):
            fan_out = m.weight.shape[0] * m.weight.shape[2] * m.weight.shape[3]
            if m.weight.numel() > 10_000:
                assert abs(m.weight.std().item() / math.sqrt(2 / fan_out) - 1) < 0.05
    ours.load_state_dict(theirs.state_dict())
    ours.to(device), theirs.to(device)
    x = torch.randn(2, 3, 40, 40, dtype=torch.float64, device=device, requires_grad=True)
    for mode in ("train", "eval"):
        getattr(ours, mode)(), getattr(theirs, mode)()
        x.grad = None
        y_ours = ours(x)
        (g_ours,) = torch.autograd.grad(y_ours.square().sum(), x)
        assert y_ours.device.type == g_ours.device.type == device.type
        y_theirs = theirs(x)
        (g_theirs,) = torch.autograd.grad(y_theirs.square().sum(), x)
        assert_close(y_ours, y_theirs)
        assert_close(g_ours, g_theirs)
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert a.device.type == device.type, name
        assert_close(a, b, msg=name)  # the same running statistics after the train-mode pass


# --------------------------------------------------------------------------- DigitsResNet

def test_digits_resnet_depth_and_shapes(device):
    model = DigitsResNet().to(device)  # BasicBlock, (3, 3, 3), (16, 32, 64): ResNet-20
    weighted = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    projections = [m for m in weighted if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (1, 1)]
    assert len(weighted) - len(projections) == 6 * 3 + 2
    out = model(torch.randn(5, 1, 8, 8, device=device))
    assert tuple(out.shape) == (5, 10) and out.device.type == device.type
    plain = DigitsResNet(PlainBlock)
    assert n_params(model) - n_params(plain) == sum(p.numel() for m in projections for p in m.parameters()) \
        + 2 * (32 + 64)  # the projections' convs and BNs are all that differ
    bottleneck = DigitsResNet(Bottleneck, (1, 1), (4, 8), in_channels=3, num_classes=2).to(device)
    out = bottleneck(torch.randn(2, 3, 8, 8, device=device))
    assert tuple(out.shape) == (2, 2) and out.device.type == device.type and bottleneck.fc.in_features == 32


def test_digits_resnet_learns_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    x = torch.tensor(X[:512] / 8.0 - 1.0, dtype=torch.float32).reshape(-1, 1, 8, 8)  # (N, 1, 8, 8)
    t = torch.tensor(y[:512])
    torch.manual_seed(0)
    model = DigitsResNet(BasicBlock, (1, 1), (8, 16))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    first = None
    for epoch in range(8):
        for i in range(0, 512, 64):
            loss = F.cross_entropy(model(x[i:i + 64]), t[i:i + 64])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            first = loss.item() if first is None else first
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == t).float().mean().item()
    assert first > 2.0 and accuracy > 0.9


# ---------------------------------------------------------------------------- bad arguments

def test_basic_block_rejects_groups_and_width():
    with pytest.raises(ValueError, match="groups=1 and base_width=64, got groups=2"):
        BasicBlock(8, 8, groups=2)
    with pytest.raises(ValueError, match="base_width=32"):
        BasicBlock(8, 8, base_width=32)
    with pytest.raises(ValueError, match="dilation"):
        BasicBlock(8, 8, dilation=2)
    with pytest.raises(ValueError, match="width_per_group=4"):
        ResNet(BasicBlock, [2, 2, 2, 2], groups=32, width_per_group=4)
    with pytest.raises(ValueError, match="width_per_group"):
        ResNet(PreActBlock, [1, 1, 1, 1], width_per_group=128)
    with pytest.raises(ValueError, match="dilation"):
        ResNet(BasicBlock, [2, 2, 2, 2], replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="PreActBlock only supports"):
        PreActBlock(8, 8, groups=2)


def test_bad_arguments():
    with pytest.raises(TypeError, match="block must be a subclass"):
        ResNet("basic", [2, 2, 2, 2])
    with pytest.raises(TypeError, match="block must be a subclass"):
        ResNet(BasicBlock(4, 4), [2, 2, 2, 2])
    with pytest.raises(TypeError, match="expansion"):
        ResNet(torch.nn.Identity, [2, 2, 2, 2])
    with pytest.raises(ValueError, match="layers must be a list of 4"):
        ResNet(BasicBlock, [2, 2, 2])
    with pytest.raises(ValueError, match=r"layers\[1\] must be >= 1"):
        ResNet(BasicBlock, [2, 0, 2, 2])
    with pytest.raises(TypeError, match=r"layers\[0\] must be an int"):
        ResNet(BasicBlock, [2.0, 2, 2, 2])
    with pytest.raises(ValueError, match="num_classes must be >= 1"):
        ResNet(BasicBlock, [2, 2, 2, 2], num_classes=0)
    with pytest.raises(ValueError, match="groups must be >= 1"):
        ResNet(Bottleneck, [1, 1, 1, 1], groups=0)
    with pytest.raises(ValueError, match="replace_stride_with_dilation"):
        ResNet(Bottleneck, [1, 1, 1, 1], replace_stride_with_dilation=[True])
    with pytest.raises(TypeError, match="conv_layer"):
        ResNet(BasicBlock, [1, 1, 1, 1], conv_layer=torch.nn.functional.conv2d)
    with pytest.raises(ValueError, match="identity shortcut needs stride=1"):
        BasicBlock(4, 8)
    with pytest.raises(ValueError, match="identity shortcut needs stride=1"):
        Bottleneck(64, 64)  # output is 256 channels
    with pytest.raises(ValueError, match="planes \\* base_width / 64 must be >= 1"):
        Bottleneck(4, 1, downsample=torch.nn.Identity(), base_width=4)
    with pytest.raises(ValueError, match="downsample must be None"):
        PlainBlock(4, 8, 2, downsample=torch.nn.Identity())
    with pytest.raises(ValueError, match="zero_init_residual"):
        DigitsResNet(PlainBlock, zero_init_residual=True)
    with pytest.raises(ValueError, match="widths must be a list with one width per stage"):
        DigitsResNet(BasicBlock, (1, 1), (8, 16, 32))
    with pytest.raises(ValueError, match="layers must be a non-empty list"):
        DigitsResNet(BasicBlock, (), ())


def test_bad_inputs():
    model = DigitsResNet(BasicBlock, (1,), (4,))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, H, W\), got \(1, 8, 8\)"):
        model(torch.randn(1, 8, 8))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3, H, W\), got \(2, 1, 32, 32\)"):
        meta(models.resnet18)(torch.randn(2, 1, 32, 32))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        model([[1.0]])
