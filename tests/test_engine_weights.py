"""Pretrained weights without torch: the .pth reader, its cache, and the numpy forward pass."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from lookout_sdk.engine import backbone
from lookout_sdk.engine.weights import (
    cached_arrays,
    lite0_weights_path,
    read_state_dict,
)


@pytest.fixture(scope="module")
def state() -> dict[str, np.ndarray]:
    return read_state_dict(lite0_weights_path())


def test_state_dict_has_the_lite0_tensors(state: dict[str, np.ndarray]) -> None:
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_blocks.0._depthwise_conv.weight"].shape == (32, 1, 3, 3)
    assert state["_blocks.3._depthwise_conv.weight"].shape == (144, 1, 5, 5)
    assert state["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_bn0.running_var"].dtype == np.float32
    assert (state["_bn0.running_var"] >= 0).all()
    assert state["_bn0.num_batches_tracked"].dtype == np.int64


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo should-never-run",))


def test_reader_refuses_any_other_global(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_Evil(), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        read_state_dict(path)


def test_folded_weights_are_cached_by_file_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOKOUT_SDK_CACHE", str(tmp_path))
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")
    calls: list[Path] = []

    def derive(path: Path) -> dict[str, np.ndarray]:
        calls.append(path)
        return {"x": np.arange(3, dtype=np.float32)}

    first = cached_arrays(source, "demo", derive)
    second = cached_arrays(source, "demo", derive)
    assert len(calls) == 1
    assert np.array_equal(first["x"], second["x"])
    (entry,) = tmp_path.glob("demo-*.npz")
    assert "ba7816bf8f01cfea414140de5dae2223" in entry.name  # sha256("abc")
    source.write_bytes(b"abcd")  # a changed file is a new entry
    cached_arrays(source, "demo", derive)
    assert len(calls) == 2


def test_same_padding_is_tensorflow_same() -> None:
    assert backbone.same_padding(224, 3, 2) == (0, 1)
    assert backbone.same_padding(56, 5, 2) == (1, 2)
    assert backbone.same_padding(7, 3, 2) == (1, 1)
    assert backbone.same_padding(28, 5, 1) == (2, 2)


def _pattern() -> np.ndarray:
    rows, cols = np.mgrid[0:64, 0:64]
    rgb = np.stack([(rows * 4) % 256, (cols * 4) % 256, ((rows + cols) * 2) % 256], axis=-1)
    return rgb.astype(np.float32)[None]


# Computed once with PyTorch 2.13 and the efficientnet-lite-pytorch reference model on
# the same 64 x 64 pattern (that model pads like TensorFlow's SAME for its image size):
# block -> (output shape, values at row 1, col 2, channels 0..4, mean, mean of |x|).
_TORCH_REFERENCE = {
    2: ((16, 16, 24), [-2.023022, 18.014393, -3.872086, 7.426729, -3.428389], 0.454703, 6.805939),
    4: ((8, 8, 40), [-6.603206, 1.720773, -12.101721, -11.313141, 11.615749], 0.057397, 7.058878),
    10: ((4, 4, 112), [8.440239, 4.944262, -3.508535, 2.163453, 7.857484], 0.068077, 5.144474),
}


def test_numpy_forward_pass_matches_the_torch_reference() -> None:
    outputs = backbone.forward(_pattern(), list(_TORCH_REFERENCE))
    for block, (shape, pixel, mean, abs_mean) in _TORCH_REFERENCE.items():
        out = outputs[block][0]
        assert out.shape == shape
        np.testing.assert_allclose(out[1, 2, :5], pixel, rtol=1e-4, atol=1e-4)
        assert float(out.mean()) == pytest.approx(mean, abs=1e-4)
        assert float(np.abs(out).mean()) == pytest.approx(abs_mean, rel=1e-5)


def test_forward_pass_is_batch_independent_and_mirror_consistent() -> None:
    image = _pattern()
    single = backbone.forward(image, [4])[4]
    batch = backbone.forward(np.concatenate([image, image[:, ::-1]]), [4])[4]
    np.testing.assert_allclose(batch[0], single[0], rtol=1e-4, atol=1e-4)
    # Mirrored input: the features differ (asymmetric SAME padding, unsymmetric filters)
    # but keep their overall statistics, as ImageNet features of a flipped image do.
    assert float(batch[1].mean()) == pytest.approx(float(single[0].mean()), abs=0.3)
    assert float(np.abs(batch[1]).mean()) == pytest.approx(float(np.abs(single).mean()), rel=0.1)
