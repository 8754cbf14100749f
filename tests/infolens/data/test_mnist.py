"""MNIST loader: IDX parsing, digest verification, missing files, (mocked) download, real data."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import infolens.data.mnist as mnist_module
from infolens.data.mnist import (
    MNIST_FILES,
    MNIST_SHA256,
    load_mnist,
    parse_idx,
    read_idx,
    resolve_mnist_dir,
    write_idx,
)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _idx_bytes(array: np.ndarray) -> bytes:
    arr = np.ascontiguousarray(array, dtype=np.uint8)
    return bytes([0, 0, 8, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes() + arr.tobytes()


def _synthetic_split(directory: Path, split: str, n: int, seed: int, gz: bool) -> dict[str, str]:
    """Write a small IDX image/label pair for ``split``; return name -> digest of the content."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    digests = {}
    for name, arr in zip(MNIST_FILES[split], (images, labels), strict=True):
        write_idx(directory / (name + (".gz" if gz else "")), arr)
        digests[name] = hashlib.sha256(_idx_bytes(arr)).hexdigest()
    return digests


@pytest.mark.parametrize("gz", [True, False])
def test_synthetic_files_round_trip(tmp_path, gz):
    digests = _synthetic_split(tmp_path, "test", 17, seed=1, gz=gz)
    images, labels = load_mnist(tmp_path, "test", download=False, digests=digests)
    rng = np.random.default_rng(1)
    expected = rng.integers(0, 256, size=(17, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(images, expected)
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    assert labels.shape == (17,)


def test_corrupted_file_is_rejected_naming_file_and_digest(tmp_path):
    digests = _synthetic_split(tmp_path, "train", 10, seed=2, gz=True)
    target = tmp_path / "train-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(target.read_bytes()))
    content[100] ^= 0xFF  # one flipped pixel: same size, different digest
    target.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz.*SHA-256.*expected"):
        load_mnist(tmp_path, "train", download=False, digests=digests)


def test_truncated_gzip_is_rejected(tmp_path):
    digests = _synthetic_split(tmp_path, "test", 10, seed=3, gz=True)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-12])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, "test", download=False, digests=digests)


def test_missing_file_message_says_where_and_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path, "test", download=False)
    message = str(info.value)
    assert str(tmp_path) in message
    assert "t10k-images-idx3-ubyte" in message
    assert "INFOLENS_MNIST_DIR" in message


def test_directory_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("INFOLENS_MNIST_DIR", str(tmp_path / "env"))
    assert resolve_mnist_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_mnist_dir() == tmp_path / "env"
    monkeypatch.delenv("INFOLENS_MNIST_DIR")
    assert resolve_mnist_dir() == Path("~/.cache/infolens/mnist").expanduser()


def test_download_writes_verified_files_without_network(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    served = {
        "t10k-images-idx3-ubyte": _idx_bytes(rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte": _idx_bytes(np.arange(5, dtype=np.uint8)),
    }
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in served.items()}
    calls = []

    def fake_fetch(url: str) -> bytes:
        calls.append(url)
        if "ossci" in url:  # first mirror down: the loader must try the next one
            raise OSError("mirror unreachable")
        return gzip.compress(served[url.rsplit("/", 1)[1].removesuffix(".gz")])

    monkeypatch.setattr(mnist_module, "_fetch", fake_fetch)
    cache = tmp_path / "cache"
    images, labels = load_mnist(cache, "test", download=True, digests=digests)
    assert images.shape == (5, 28, 28)
    np.testing.assert_array_equal(labels, np.arange(5))
    assert (cache / "t10k-images-idx3-ubyte.gz").is_file()
    assert len(calls) == 4  # two files, each: failing mirror then a good one
    # files now cached: no more fetching
    load_mnist(cache, "test", download=True, digests=digests)
    assert len(calls) == 4


def test_download_with_wrong_content_fails_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(
        mnist_module, "_fetch", lambda url: gzip.compress(_idx_bytes(np.zeros(3, np.uint8)))
    )
    with pytest.raises(FileNotFoundError, match="does not match"):
        load_mnist(tmp_path, "test", download=True)
    assert list(tmp_path.iterdir()) == []


def test_parse_idx_rejects_garbage():
    with pytest.raises(ValueError, match="magic"):
        parse_idx(b"\x01\x02\x03\x04rest", "blob")
    with pytest.raises(ValueError, match="size mismatch"):
        parse_idx(_idx_bytes(np.zeros((2, 3), np.uint8))[:-1], "blob")


def test_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "validation", download=False)


def test_real_mnist_shapes_and_class_counts(real_mnist_dir):
    x_train, y_train = load_mnist(real_mnist_dir, "train", download=False)
    x_test, y_test = load_mnist(real_mnist_dir, "test", download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS


def test_corrupted_copy_of_real_file_fails_the_known_digest(tmp_path, real_mnist_dir):
    shutil.copy(real_mnist_dir / "t10k-images-idx3-ubyte.gz", tmp_path)
    labels = bytearray(gzip.decompress((real_mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[-1] = (labels[-1] + 1) % 10  # a wrong label: still a valid IDX file
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))  # raw, not gzip
    with pytest.raises(ValueError, match=MNIST_SHA256["t10k-labels-idx1-ubyte"]):
        load_mnist(tmp_path, "test", download=False)
    parsed = read_idx(tmp_path / "t10k-labels-idx1-ubyte")  # without a digest it parses
    assert parsed.shape == (10000,)
