import numpy as np
import pytest

from infolens.io import atomic_write_json, load_array


def test_load_formats(tmp_path):
    a = np.arange(12.0).reshape(6, 2)
    np.save(tmp_path / "a.npy", a)
    np.savez(tmp_path / "one.npz", data=a)
    np.savez(tmp_path / "two.npz", x=a, y=a + 1)
    (tmp_path / "a.tsv").write_text("p\tq\n" + "\n".join("\t".join(map(str, r)) for r in a))
    np.savetxt(tmp_path / "a.txt", a)
    for name in ["a.npy", "one.npz", "two.npz:x", "a.tsv", "a.txt"]:
        assert np.array_equal(load_array(tmp_path / name if ":" not in name
                                         else f"{tmp_path}/{name}", "X"), a), name


def test_load_errors_name_the_argument(tmp_path):
    np.savez(tmp_path / "two.npz", x=np.zeros(3), y=np.zeros(3))
    (tmp_path / "f.json").write_text("{}")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="Y: .* holds arrays"):
        load_array(tmp_path / "two.npz", "Y")
    with pytest.raises(ValueError, match="Y: .* has no array 'z'"):
        load_array(f"{tmp_path}/two.npz:z", "Y")
    with pytest.raises(ValueError, match="X: unsupported file type '.json'"):
        load_array(tmp_path / "f.json", "X")
    with pytest.raises(ValueError, match="X: .* rows of different lengths"):
        load_array(tmp_path / "ragged.csv", "X")
    with pytest.raises(ValueError, match="X: not a file"):
        load_array(tmp_path, "X")


def test_atomic_json_leaves_no_temp_files(tmp_path):
    atomic_write_json(tmp_path / "r.json", {"a": np.float64(1.5), "b": np.arange(2)})
    assert (tmp_path / "r.json").read_text().count("1.5") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
