"""MNIST from its four IDX files.

MNIST: LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
recognition", Proceedings of the IEEE 86(11), 1998; the files are those of LeCun, Cortes &
Burges' MNIST database (mirrors in :data:`MNIST_MIRRORS`).

The loader reads the files from a directory (gzip-compressed ``*.gz`` or raw), checks the
SHA-256 digest of the *uncompressed* content against the dataset's known digests (the gzip
wrappers differ between mirrors, the content must not), and only when files are missing and
``download=True`` fetches them from the public mirrors into that directory, atomically and
verified.

Directory resolution: the ``root`` argument, else the environment variable
``INFOLENS_MNIST_DIR``, else ``~/.cache/infolens/mnist``.

IDX format: a big-endian magic number ``0x00000800 | ndim`` (unsigned byte data), then ``ndim``
big-endian uint32 sizes, then the data in C order.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

from infolens.io import atomic_write_bytes

__all__ = [
    "MNIST_FILES",
    "MNIST_SHA256",
    "MNIST_MIRRORS",
    "TRAIN_IMAGES_SHA256",
    "TRAIN_LABELS_SHA256",
    "TEST_IMAGES_SHA256",
    "TEST_LABELS_SHA256",
    "load_mnist",
    "resolve_mnist_dir",
    "read_idx",
    "parse_idx",
    "write_idx",
]

TRAIN_IMAGES_SHA256 = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
TRAIN_LABELS_SHA256 = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
TEST_IMAGES_SHA256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
TEST_LABELS_SHA256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"

#: split -> (images file, labels file), names without the ``.gz`` suffix.
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: file name -> SHA-256 of its uncompressed content (the dataset's identity).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": TRAIN_IMAGES_SHA256,
    "train-labels-idx1-ubyte": TRAIN_LABELS_SHA256,
    "t10k-images-idx3-ubyte": TEST_IMAGES_SHA256,
    "t10k-labels-idx1-ubyte": TEST_LABELS_SHA256,
}

#: Public mirrors serving ``<name>.gz``, tried in order.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

ENV_VAR = "INFOLENS_MNIST_DIR"
DEFAULT_CACHE = Path("~/.cache/infolens/mnist")
_IDX_UBYTE = 0x08
_DOWNLOAD_TIMEOUT_S = 60


def resolve_mnist_dir(root: str | os.PathLike | None = None) -> Path:
    """The directory MNIST is read from: ``root``, else ``$INFOLENS_MNIST_DIR``, else the cache.

    Parameters
    ----------
    root : str or os.PathLike or None, default=None
        An explicit directory (``~`` expanded).

    Returns
    -------
    pathlib.Path
        The directory (it need not exist).
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return DEFAULT_CACHE.expanduser()


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes (unsigned-byte type) into a uint8 array of the declared shape.

    Parameters
    ----------
    data : bytes
        The uncompressed content of an IDX file.
    name : str, default="IDX data"
        Where the bytes come from, for error messages.

    Returns
    -------
    numpy.ndarray
        A uint8 array of the shape the header declares.

    Raises
    ------
    ValueError
        Naming ``name``, for a bad magic number, a data type other than unsigned byte, or a
        size that does not match the header.

    Examples
    --------
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])).tolist()
    [7, 8, 9]
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{name}: not an IDX file (bad magic number)")
    if data[2] != _IDX_UBYTE:
        raise ValueError(f"{name}: IDX data type 0x{data[2]:02x} not supported (expected 0x08)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated IDX header")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    size = int(np.prod(shape)) if shape else 1
    if len(data) != header + size:
        raise ValueError(
            f"{name}: IDX size mismatch: header declares shape {shape} ({size} bytes), "
            f"file holds {len(data) - header}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def write_idx(path: str | os.PathLike, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write a uint8 array as an IDX file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    array : numpy.ndarray
        The data, converted to uint8.
    compress : bool or None, default=None
        Gzip the file; ``None``: when the name ends in ``.gz``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    arr = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, _IDX_UBYTE, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = header + arr.tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    atomic_write_bytes(path, gzip.compress(payload, mtime=0) if compress else payload)
    return path


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path}: corrupt gzip data ({err})") from err
    return raw


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    return None


def read_idx(path: str | os.PathLike, sha256: str | None = None) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw); with ``sha256``, verify the uncompressed content first.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    sha256 : str or None, default=None
        Expected SHA-256 (hex) of the uncompressed content; ``None``: not checked.

    Returns
    -------
    numpy.ndarray
        The uint8 array.

    Raises
    ------
    ValueError
        Naming the file and both digests when the content does not match, or the file is not
        a readable IDX file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_idx(Path(tmp) / "a-idx1-ubyte.gz", np.arange(3))
    ...     read_idx(path).tolist()
    [0, 1, 2]
    """
    path = Path(path)
    data = _read_bytes(path)
    if sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ValueError(
                f"{path}: SHA-256 of the uncompressed content is {actual}, expected {sha256}; "
                "the file is corrupt or not the MNIST file of that name: delete it and "
                "download it again (or copy a good one)"
            )
    return parse_idx(data, str(path))


def _fetch(url: str) -> bytes:
    """Download ``url`` (kept separate so tests can replace it and never touch the network)."""
    with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
        return response.read()


def _download(directory: Path, name: str, sha256: str) -> Path:
    errors = []
    for mirror in MNIST_MIRRORS:
        url = f"{mirror}{name}.gz"
        try:
            raw = _fetch(url)
            content = gzip.decompress(raw)
        except Exception as err:  # any network or gzip failure: try the next mirror
            errors.append(f"{url}: {err}")
            continue
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha256:
            errors.append(f"{url}: SHA-256 {actual} does not match {sha256}")
            continue
        target = directory / f"{name}.gz"
        atomic_write_bytes(target, raw)
        return target
    raise FileNotFoundError(
        f"MNIST file {name} is not in {directory} and could not be downloaded "
        f"({'; '.join(errors)}); copy the four MNIST IDX files there, set {ENV_VAR} to a "
        "directory holding them, or pass root=..."
    )


def _locate(directory: Path, name: str, download: bool, origin: str, sha256: str | None) -> Path:
    path = _find(directory, name)
    if path is not None:
        return path
    if download:
        if sha256 is None:
            raise ValueError(
                f"digests: no SHA-256 given for {name}; refusing an unverified download"
            )
        return _download(directory, name, sha256)
    raise FileNotFoundError(
        f"MNIST file {name} not found: looked for {directory / name}.gz and {directory / name} "
        f"(directory from {origin}); set {ENV_VAR} to a directory holding the four MNIST "
        "IDX files, pass root=..., or allow download=True where a network exists"
    )


def _origin(root: str | os.PathLike | None) -> str:
    if root is not None:
        return "the root argument"
    return f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "the default cache"


def load_mnist(
    root: str | os.PathLike | None = None,
    split: str = "train",
    download: bool = True,
    *,
    digests: dict[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load an MNIST split as ``(images uint8 (n, 28, 28), labels int64 (n,))``.

    Parameters
    ----------
    root : str or os.PathLike or None, default=None
        Directory holding the IDX files (``.gz`` or raw); ``None`` means
        ``$INFOLENS_MNIST_DIR`` or ``~/.cache/infolens/mnist``.
    split : {"train", "test"}, default="train"
        ``"train"`` (60,000 images) or ``"test"`` (10,000).
    download : bool, default=True
        Fetch missing files from :data:`MNIST_MIRRORS` into the directory (verified).
    digests : dict of str to str or None, default=None
        File name -> expected SHA-256 of the uncompressed content; ``None``: :data:`MNIST_SHA256`
        (override only for synthetic test files).

    Returns
    -------
    images : numpy.ndarray of shape (n, 28, 28)
        uint8 pixels.
    labels : numpy.ndarray of shape (n,)
        int64 digits.

    Raises
    ------
    FileNotFoundError
        When a file is missing and cannot (or may not) be downloaded.
    ValueError
        For a bad ``split``, a file whose digest does not match, or files that do not pair up.

    References
    ----------
    LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
    recognition", Proceedings of the IEEE 86(11), 1998.

    Examples
    --------
    >>> images, labels = load_mnist(split="test")  # doctest: +SKIP
    >>> images.shape, labels.shape  # doctest: +SKIP
    ((10000, 28, 28), (10000,))
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split: expected one of {sorted(MNIST_FILES)}, got {split!r}")
    directory = resolve_mnist_dir(root)
    table = MNIST_SHA256 if digests is None else digests
    image_name, label_name = MNIST_FILES[split]
    origin = _origin(root)
    paths = {
        name: _locate(directory, name, download, origin, table.get(name))
        for name in (image_name, label_name)
    }
    images = read_idx(paths[image_name], table.get(image_name))
    labels = read_idx(paths[label_name], table.get(label_name))
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(
            f"{directory}: expected images (n, rows, cols) and labels (n,), got shapes "
            f"{images.shape} and {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{directory}: {len(images)} images but {len(labels)} labels in the {split} split"
        )
    return images, labels.astype(np.int64)
