"""The quick version of experiments/efficiency.py: its counts are right, ONNX Runtime gives
torch's outputs, the MLP learns digits and keeps its accuracy when quantized to int8.
Timings are recorded, never asserted."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from experiments import efficiency


@pytest.fixture(scope="module")
def results():
    return efficiency.main(["--quick"])["results"]


def test_flop_count_matches_torch():
    # dlref.counting's formulas against torch's FLOP counter (2 FLOPs per multiply-add)
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        efficiency.make_cnn()(torch.empty(3, *efficiency.IMAGE))
    assert counter.get_total_flops() == 3 * efficiency.cnn_flops()
    assert sum(efficiency.layer_flops()) == efficiency.cnn_flops()


def test_onnx_runtime_agrees_with_torch(results):
    assert results["ort_max_abs_diff"] < 1e-4
    assert results["onnx_bytes"] > 4 * results["cnn"]["parameters"]   # float32 weights


def test_sweep_is_complete(results):
    assert [p["batch"] for p in results["sweep"]] == results["batch_sizes"]
    for point in results["sweep"]:
        assert point["torch_ms_per_batch"] > 0 and point["ort_ms_per_batch"] > 0
    table = results["latency_table"]
    assert all(len(row) == len(table["columns"]) for row in table["rows"])
    layers = results["layers"]
    assert len(layers["rows"]) == len(efficiency.make_cnn())
    assert abs(sum(row[3] for row in layers["rows"]) - 100) < 1e-6


def test_mlp_learns_and_int8_keeps_it(results):
    q = results["quantization"]
    assert q["fp32"]["accuracy"] > 0.9                  # chance is 0.1
    assert q["int8"]["accuracy"] > q["fp32"]["accuracy"] - 0.02
    # int8 weights: about a quarter of the float32 state_dict
    assert 3.0 < q["size_ratio"] < 4.0


def test_peaks_are_positive(results):
    assert results["peaks"]["matmul_gflops"] > 0 and results["peaks"]["copy_gbps"] > 0
