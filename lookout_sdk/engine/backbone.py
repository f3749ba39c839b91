"""The front of EfficientNet-Lite0 in numpy: ImageNet features without torch.

EfficientNet-Lite0 is a stem convolution (3x3, stride 2, 32 channels) followed by 16
inverted-bottleneck blocks: a 1x1 expansion (six times the channels, except in block 0),
a depthwise ``k x k`` convolution (some with stride 2), a 1x1 projection, and a residual
sum where the shape allows. Activations are ReLU6, there is no squeeze-and-excitation,
and every convolution is followed by batch normalisation, which is folded into the
convolution's weights and bias once (so each layer is one affine map). Padding is
TensorFlow's ``SAME`` (the extra pixel of an even split goes to the bottom and right),
as the weights were trained with it. Inputs are RGB scaled as ``(x - 127) / 128``.

Only the blocks up to the deepest one asked for are run. Arrays are ``N x H x W x C``
(channels last), so a 1x1 convolution is one matrix product; the stem is an im2col
product; the depthwise convolutions are sums of shifted, channel-weighted slices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from lookout_sdk.engine.base import EngineError
from lookout_sdk.engine.weights import cached_arrays, lite0_weights_path, read_state_dict

__all__ = [
    "BLOCKS",
    "BlockSpec",
    "Lite0Weights",
    "block_scale",
    "fold_lite0",
    "forward",
    "load_lite0",
    "preprocess",
    "same_padding",
]

Array = NDArray[np.float32]

_BN_EPS = 1e-3
_INPUT_MEAN = 127.0
_INPUT_SCALE = 1.0 / 128.0


@attrs.frozen
class BlockSpec:
    """One inverted-bottleneck block: channels in and out, expansion, kernel and stride."""

    inputs: int
    outputs: int
    expand: int
    kernel: int
    stride: int

    @property
    def residual(self) -> bool:
        """Whether the block adds its input to its output."""
        return self.stride == 1 and self.inputs == self.outputs


def _stage(count: int, first: BlockSpec) -> list[BlockSpec]:
    rest = BlockSpec(first.outputs, first.outputs, first.expand, first.kernel, 1)
    return [first, *([rest] * (count - 1))]


#: The 16 blocks of EfficientNet-Lite0, in order.
BLOCKS: tuple[BlockSpec, ...] = tuple(
    _stage(1, BlockSpec(32, 16, 1, 3, 1))
    + _stage(2, BlockSpec(16, 24, 6, 3, 2))
    + _stage(2, BlockSpec(24, 40, 6, 5, 2))
    + _stage(3, BlockSpec(40, 80, 6, 3, 2))
    + _stage(3, BlockSpec(80, 112, 6, 5, 1))
    + _stage(4, BlockSpec(112, 192, 6, 5, 2))
    + _stage(1, BlockSpec(192, 320, 6, 3, 1))
)
STEM_CHANNELS = 32


def block_scale(block: int) -> int:
    """The stride, relative to the input image, of block ``block``'s output."""
    scale = 2
    for spec in BLOCKS[: block + 1]:
        scale *= spec.stride
    return scale


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow ``SAME`` padding (before, after) of one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _fold(state: Mapping[str, NDArray[Any]], conv: str, norm: str) -> tuple[Array, Array]:
    """A convolution's weight with the batch norm after it folded in, and the new bias."""
    gamma = state[f"{norm}.weight"].astype(np.float64)
    scale = gamma / np.sqrt(state[f"{norm}.running_var"].astype(np.float64) + _BN_EPS)
    bias = state[f"{norm}.bias"] - state[f"{norm}.running_mean"] * scale
    weight = state[f"{conv}.weight"].astype(np.float64) * scale[:, None, None, None]
    return weight.astype(np.float32), bias.astype(np.float32)


def fold_lite0(path: Path) -> dict[str, Array]:
    """Read the Lite0 ``.pth`` file and fold every batch norm; channels-last layouts.

    Keys: ``stem.w`` (``27 x 32``, rows in ``(ky, kx, c)`` order), ``stem.b``, and per
    block ``i``: ``{i}.expand.w`` (``C_in x C_mid``, absent when the expansion is 1),
    ``{i}.dw.w`` (``k x k x C_mid``), ``{i}.project.w`` (``C_mid x C_out``), each with
    its ``.b``.

    Raises:
        ValueError: a tensor has a shape other than Lite0's.
    """
    state = read_state_dict(path)
    folded: dict[str, Array] = {}
    weight, bias = _fold(state, "_conv_stem", "_bn0")
    if weight.shape != (STEM_CHANNELS, 3, 3, 3):
        raise EngineError(f"unexpected stem shape {weight.shape}")
    folded["stem.w"] = weight.transpose(2, 3, 1, 0).reshape(27, STEM_CHANNELS)
    folded["stem.b"] = bias
    for index, spec in enumerate(BLOCKS):
        prefix = f"_blocks.{index}"
        middle = spec.inputs * spec.expand
        if spec.expand != 1:
            weight, bias = _fold(state, f"{prefix}._expand_conv", f"{prefix}._bn0")
            _check(weight, (middle, spec.inputs, 1, 1), prefix)
            folded[f"{index}.expand.w"], folded[f"{index}.expand.b"] = weight[:, :, 0, 0].T, bias
        weight, bias = _fold(state, f"{prefix}._depthwise_conv", f"{prefix}._bn1")
        _check(weight, (middle, 1, spec.kernel, spec.kernel), prefix)
        folded[f"{index}.dw.w"], folded[f"{index}.dw.b"] = weight[:, 0].transpose(1, 2, 0), bias
        weight, bias = _fold(state, f"{prefix}._project_conv", f"{prefix}._bn2")
        _check(weight, (spec.outputs, middle, 1, 1), prefix)
        folded[f"{index}.project.w"], folded[f"{index}.project.b"] = weight[:, :, 0, 0].T, bias
    return {name: np.ascontiguousarray(value) for name, value in folded.items()}


def _check(weight: Array, shape: tuple[int, ...], where: str) -> None:
    if weight.shape != shape:
        raise EngineError(f"{where}: weight shape {weight.shape}, expected {shape}")


@attrs.frozen
class Lite0Weights:
    """The folded Lite0 weights (see :func:`fold_lite0` for the keys)."""

    arrays: Mapping[str, Array] = attrs.field(repr=False)
    source_digest: str = ""

    def __getitem__(self, key: str) -> Array:
        return self.arrays[key]


@lru_cache(maxsize=1)
def load_lite0() -> Lite0Weights:
    """The folded weights, from the cache or the weights package (read once per process).

    Raises:
        WeightsUnavailable: the weights package is not installed.
    """
    from lookout_sdk.engine.weights import file_digest

    path = lite0_weights_path()
    arrays = cached_arrays(path, "efficientnet-lite0-folded-v1", fold_lite0)
    return Lite0Weights(
        {k: v.astype(np.float32, copy=False) for k, v in arrays.items()}, file_digest(path)
    )


def _pad(x: Array, kernel: int, stride: int) -> Array:
    (top, bottom), (left, right) = (same_padding(x.shape[axis], kernel, stride) for axis in (1, 2))
    if not (top or bottom or left or right):
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))


def _pointwise(x: Array, weight: Array, bias: Array, *, relu6: bool) -> Array:
    batch, height, width, channels = x.shape
    out = x.reshape(-1, channels) @ weight
    out += bias
    if relu6:
        np.clip(out, 0.0, 6.0, out=out)
    return out.reshape(batch, height, width, weight.shape[1])


def _depthwise(x: Array, weight: Array, bias: Array, stride: int) -> Array:
    kernel = weight.shape[0]
    padded = _pad(x, kernel, stride)
    out_h, out_w = -(-x.shape[1] // stride), -(-x.shape[2] // stride)
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]), dtype=np.float32)
    out[...] = bias
    scratch = np.empty_like(out)
    for dy in range(kernel):
        rows = slice(dy, dy + stride * (out_h - 1) + 1, stride)
        for dx in range(kernel):
            cols = slice(dx, dx + stride * (out_w - 1) + 1, stride)
            np.multiply(padded[:, rows, cols, :], weight[dy, dx], out=scratch)
            out += scratch
    np.clip(out, 0.0, 6.0, out=out)
    return out


def _stem(x: Array, weight: Array, bias: Array) -> Array:
    padded = _pad(x, 3, 2)
    batch, out_h, out_w = x.shape[0], -(-x.shape[1] // 2), -(-x.shape[2] // 2)
    columns = np.empty((batch, out_h, out_w, 3, 3, 3), dtype=np.float32)
    for dy in range(3):
        for dx in range(3):
            columns[:, :, :, dy, dx, :] = padded[
                :, dy : dy + 2 * (out_h - 1) + 1 : 2, dx : dx + 2 * (out_w - 1) + 1 : 2, :
            ]
    out = columns.reshape(-1, 27) @ weight
    out += bias
    np.clip(out, 0.0, 6.0, out=out)
    return out.reshape(batch, out_h, out_w, weight.shape[1])


def preprocess(images: NDArray[Any]) -> Array:
    """``N x H x W x 3`` RGB (0..255) to the network's input scale, float32."""
    x: Array = np.array(images, dtype=np.float32)
    x -= np.float32(_INPUT_MEAN)
    x *= np.float32(_INPUT_SCALE)
    return x


def forward(
    images: NDArray[Any], taps: Sequence[int], weights: Lite0Weights | None = None
) -> dict[int, Array]:
    """The outputs of blocks ``taps`` for a batch of RGB images (``N x H x W x 3``, 0..255).

    Returns a mapping from block index to its ``N x h x w x C`` float32 output.
    """
    if not taps:
        return {}
    weights = weights or load_lite0()
    x = _stem(preprocess(images), weights["stem.w"], weights["stem.b"])
    wanted, last = set(taps), max(taps)
    outputs: dict[int, Array] = {}
    for index, spec in enumerate(BLOCKS[: last + 1]):
        h = x
        if spec.expand != 1:
            h = _pointwise(
                h, weights[f"{index}.expand.w"], weights[f"{index}.expand.b"], relu6=True
            )
        h = _depthwise(h, weights[f"{index}.dw.w"], weights[f"{index}.dw.b"], spec.stride)
        h = _pointwise(h, weights[f"{index}.project.w"], weights[f"{index}.project.b"], relu6=False)
        if spec.residual:
            h += x
        x = h
        if index in wanted:
            outputs[index] = x
    return outputs
