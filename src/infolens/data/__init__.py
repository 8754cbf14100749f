"""Datasets with verified content (MNIST)."""

from infolens.data.mnist import MNIST_SHA256, load_mnist, resolve_mnist_dir

__all__ = ["MNIST_SHA256", "load_mnist", "resolve_mnist_dir"]
