"""Parameter and Module: registration, traversal, modes, gradients, state_dict, errors."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

from dlref.numpy import nn
from dlref.numpy.nn import Module, Parameter


# -- helpers: the same small architecture in both libraries ---------------------------------


class Block(Module):
    """A parameter, a child, a buffer and a second parameter, in that order."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(3))
        self.fc = nn.Linear(3, 2, dtype=np.float64)
        self.register_buffer("running", np.zeros(2))
        self.shift = Parameter(np.zeros(2))

    def forward(self, x):
        return self.fc(x * self.scale.data) + self.shift.data + self.running


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
        self.fc = torch.nn.Linear(3, 2, dtype=torch.float64)
        self.register_buffer("running", torch.zeros(2, dtype=torch.float64))
        self.shift = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))


def nested_numpy():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 4),
        nn.Sequential(OrderedDict([("hidden", nn.Linear(4, 3)), ("out", nn.Linear(3, 2, bias=False))])),
        Block(),
    )


def nested_torch():
    return torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(6, 4),
        torch.nn.Sequential(OrderedDict([("hidden", torch.nn.Linear(4, 3)),
                                         ("out", torch.nn.Linear(3, 2, bias=False))])),
        TorchBlock(),
    )


def snapshot(module):
    return {k: v.copy() for k, v in module.state_dict().items()}


def assert_unchanged(module, before):
    after = module.state_dict()
    assert list(after) == list(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


# -- Parameter --------------------------------------------------------------------------------


def test_parameter_copies_its_data_and_starts_without_grad():
    data = np.arange(3.0)
    p = Parameter(data)
    data[0] = 100.0
    assert p.data[0] == 0.0
    assert p.grad is None and p.shape == (3,) and p.dtype == np.float64


def test_parameter_accumulates_gradients():
    p = Parameter(np.zeros((2, 2)))
    p.accumulate_grad(np.ones((2, 2)))
    first = p.grad
    p.accumulate_grad(2 * np.ones((2, 2)))
    np.testing.assert_array_equal(p.grad, 3 * np.ones((2, 2)))
    np.testing.assert_array_equal(first, np.ones((2, 2)))  # the first gradient was not aliased


def test_parameter_rejects_a_gradient_of_another_shape():
    p = Parameter(np.zeros(3))
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\).*\(3,\)"):
        p.accumulate_grad(np.zeros(2))


def test_parameter_without_requires_grad_ignores_gradients():
    p = Parameter(np.zeros(3), requires_grad=False)
    p.accumulate_grad(np.ones(3))
    assert p.grad is None


def test_parameter_gradient_keeps_parameter_dtype():
    p = Parameter(np.zeros(3, dtype=np.float32))
    p.accumulate_grad(np.ones(3, dtype=np.float64))
    assert p.grad.dtype == np.float32


# -- registration and traversal ---------------------------------------------------------------


def test_registration_order_and_names_match_torch():
    ours, theirs = Block(), TorchBlock()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == ["scale", "shift", "fc.weight", "fc.bias"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == ["running"]
    assert [n for n, _ in ours.named_children()] == ["fc"]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_named_modules_match_torch_for_nested_sequential():
    ours, theirs = nested_numpy(), nested_torch()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__.replace("TorchBlock", "Block") for m in theirs.modules()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules(prefix="net")] == [n for n, _ in theirs.named_modules(prefix="net")]


def test_parameters_without_recursion():
    ours, theirs = Block(), TorchBlock()
    assert [n for n, _ in ours.named_parameters(recurse=False)] == \
        [n for n, _ in theirs.named_parameters(recurse=False)] == ["scale", "shift"]
    assert len(list(ours.parameters(recurse=False))) == 2


def test_parameters_are_the_objects_held_by_the_layers():
    layer = nn.Linear(2, 3)
    assert list(layer.parameters()) == [layer.weight, layer.bias]


def test_shared_module_is_listed_once_but_saved_under_every_name_as_in_torch():
    shared = nn.Linear(2, 2)
    ours = nn.Sequential(shared, nn.Flatten(), shared)
    t_shared = torch.nn.Linear(2, 2)
    theirs = torch.nn.Sequential(t_shared, torch.nn.Flatten(), t_shared)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(list(ours.parameters())) == 2  # an optimizer must not step tied weights twice
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(shared.weight.data, t_shared.weight.detach().numpy())


def test_assigning_an_array_to_a_parameter_name_is_refused():
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = np.zeros((3, 2))
    assert "weight" in layer.state_dict()


def test_replacing_a_parameter_keeps_its_place():
    block = Block()
    block.scale = Parameter(np.full(3, 2.0))
    assert [n for n, _ in block.named_parameters()][0] == "scale"
    np.testing.assert_array_equal(block.state_dict()["scale"], np.full(3, 2.0))


def test_bias_none_is_registered_but_not_listed_as_in_torch():
    ours = nn.Linear(3, 2, bias=False)
    theirs = torch.nn.Linear(3, 2, bias=False)
    assert ours.bias is None
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["weight"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


def test_setting_attributes_before_init_is_a_clear_error():
    class Forgetful(Module):
        def __init__(self):
            self.w = Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"Module.__init__\(\)"):
        Forgetful()


def test_register_parameter_checks_its_argument():
    m = Module()
    with pytest.raises(TypeError, match="param must be a Parameter"):
        m.register_parameter("w", np.zeros(2))


def test_deleting_an_attribute_unregisters_it():
    block = Block()
    del block.shift
    assert "shift" not in block.state_dict()


def test_apply_visits_children_before_parents_as_in_torch():
    ours, theirs = nested_numpy(), nested_torch()
    seen_ours, seen_theirs = [], []
    ours.apply(lambda m: seen_ours.append(type(m).__name__))
    theirs.apply(lambda m: seen_theirs.append(type(m).__name__))
    assert seen_ours == [name.replace("TorchBlock", "Block") for name in seen_theirs]


def test_repr_matches_torch():
    ours = nn.Sequential(nn.Linear(2, 3), nn.Flatten(), nn.Sequential(nn.Linear(3, 1, bias=False)))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Flatten(),
                                 torch.nn.Sequential(torch.nn.Linear(3, 1, bias=False)))
    assert repr(ours) == repr(theirs)


# -- modes and gradients ----------------------------------------------------------------------


def test_train_and_eval_reach_every_submodule():
    net = nested_numpy()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net[2].train()
    assert net[2].training and net[2][0].training and net[2][1].training
    assert not net.training and not net[1].training
    net.train()
    assert all(m.training for m in net.modules())


def test_train_takes_a_bool():
    with pytest.raises(TypeError, match="mode must be a bool"):
        nn.Linear(2, 2).train("eval")


def test_zero_grad_sets_to_none_or_to_zeros():
    net = nn.Sequential(nn.Linear(3, 2, dtype=np.float64), nn.Linear(2, 1, dtype=np.float64))
    net(np.ones((4, 3)))
    net.backward(np.ones((4, 1)))
    assert all(p.grad is not None and np.any(p.grad != 0) for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad) for p in net.parameters())
    assert all(p.grad.shape == p.shape for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.zero_grad(set_to_none=False)  # a gradient that was None stays None, as in torch
    assert all(p.grad is None for p in net.parameters())


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="Linear.backward called before forward"):
        nn.Linear(2, 2).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)).backward(np.ones((1, 2)))


def test_base_module_needs_forward_and_backward():
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(np.zeros(1))
    with pytest.raises(NotImplementedError, match="backward"):
        Module().backward(np.zeros(1))


# -- state_dict -------------------------------------------------------------------------------


def test_state_dict_keys_and_shapes_match_torch_for_nested_sequential():
    ours, theirs = nested_numpy(), nested_torch()
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key in theirs_state:
        assert ours_state[key].shape == tuple(theirs_state[key].shape), key


def test_state_dict_holds_copies():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    state["weight"][...] = 7.0
    assert not np.any(layer.weight.data == 7.0)


def test_load_state_dict_from_torch_copies_values_and_keeps_parameter_objects():
    ours, theirs = nested_numpy(), nested_torch()
    params_before = list(ours.parameters())
    result = ours.load_state_dict(theirs.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy(), err_msg=key)
    assert all(a is b for a, b in zip(ours.parameters(), params_before))


def test_loaded_values_do_not_alias_the_source():
    theirs = torch.nn.Linear(2, 2)
    ours = nn.Linear(2, 2)
    ours.load_state_dict(theirs.state_dict())
    with torch.no_grad():
        theirs.weight.fill_(5.0)
    assert not np.any(ours.weight.data == 5.0)
    source = {"weight": np.ones((2, 2)), "bias": np.ones(2)}
    ours.load_state_dict(source)
    source["weight"][...] = 9.0
    assert not np.any(ours.weight.data == 9.0)


def test_load_state_dict_round_trip_through_torch():
    ours = nested_numpy()
    theirs = nested_torch()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(theirs.state_dict()[key].numpy(), value, err_msg=key)


def test_load_state_dict_accepts_lists():
    layer = nn.Linear(2, 1, dtype=np.float64)
    layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": [3.0]})
    np.testing.assert_array_equal(layer(np.array([[1.0, 1.0]])), [[6.0]])


def test_load_state_dict_casts_to_the_module_dtype():
    theirs = torch.nn.Linear(3, 2)  # float32
    ours = nn.Linear(3, 2, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    assert ours.weight.dtype == np.float64 and ours.bias.dtype == np.float64
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy().astype(np.float64))
    ours32 = nn.Linear(3, 2)
    ours32.load_state_dict(theirs.double().state_dict())
    assert ours32.weight.dtype == np.float32


def test_buffers_are_saved_and_loaded_with_their_dtype():
    block = Block()
    block.load_state_dict({**block.state_dict(), "running": np.array([1, 2], dtype=np.int64)})
    assert block.running.dtype == np.float64
    np.testing.assert_array_equal(block.running, [1.0, 2.0])
    np.testing.assert_array_equal(block.state_dict()["running"], [1.0, 2.0])


def test_missing_key_error_names_the_key_and_changes_nothing():
    ours, theirs = nested_numpy(), nested_torch()
    before = snapshot(ours)
    state = theirs.state_dict()
    del state["2.hidden.bias"]
    with pytest.raises(ValueError, match=r"missing keys \['2\.hidden\.bias'\]"):
        ours.load_state_dict(state)
    assert_unchanged(ours, before)


def test_unexpected_key_error_names_the_key_and_changes_nothing():
    ours, theirs = nested_numpy(), nested_torch()
    before = snapshot(ours)
    state = theirs.state_dict()
    state["2.out.bias"] = torch.zeros(2)
    with pytest.raises(ValueError, match=r"unexpected keys \['2\.out\.bias'\]"):
        ours.load_state_dict(state)
    assert_unchanged(ours, before)


def test_wrong_shape_error_names_the_key_and_both_shapes_and_changes_nothing():
    ours, theirs = nested_numpy(), nested_torch()
    before = snapshot(ours)
    state = theirs.state_dict()
    state["2.out.weight"] = torch.zeros(2, 4)  # a later key: the earlier ones must not be written either
    with pytest.raises(ValueError, match=r"state_dict\['2\.out\.weight'\] has shape \(2, 4\), expected \(2, 3\)"):
        ours.load_state_dict(state)
    assert_unchanged(ours, before)


def test_non_strict_loading_reports_missing_and_unexpected_keys():
    ours = nn.Linear(2, 2, dtype=np.float64)
    before = ours.bias.data.copy()
    result = ours.load_state_dict({"weight": np.eye(2), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(ours.weight.data, np.eye(2))
    np.testing.assert_array_equal(ours.bias.data, before)


def test_non_strict_loading_still_checks_shapes():
    ours = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"state_dict\['weight'\] has shape"):
        ours.load_state_dict({"weight": np.eye(3)}, strict=False)


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError, match="state_dict must be a mapping"):
        nn.Linear(2, 2).load_state_dict([np.eye(2), np.zeros(2)])
