"""Reads a .keras or .weights.h5 file that kiln wrote, with h5py and
zipfile as Keras's loader would, and checks its layout and values.

  check_written.py FILE layout GROUP... : prints the HDF5 tree (groups,
      datasets with shapes and dtypes, vars 'name' attributes) and, for a
      .keras, the zip members and metadata.json's keys;
  check_written.py FILE step NPZ        : the weights and Adam state equal
      the numpy reference of one step (mlp_train_step.npz) within 1e-5;
  check_written.py FILE same OTHER      : every dataset equals OTHER's.
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np


def open_h5(path):
    if path.endswith(".keras"):
        z = zipfile.ZipFile(path)
        print("zip:", " ".join(z.namelist()))
        meta = json.loads(z.read("metadata.json"))
        print("metadata:", " ".join(sorted(meta)))
        json.loads(z.read("config.json"))
        return h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    return h5py.File(path, "r")


def datasets(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def main():
    path, mode = sys.argv[1], sys.argv[2]
    f = open_h5(path)
    if mode == "layout":
        def show(name, obj):
            if isinstance(obj, h5py.Dataset):
                print(f"{name} {obj.shape} {obj.dtype}")
            else:
                attr = obj.attrs.get("name")
                if isinstance(attr, bytes):
                    attr = attr.decode()
                print(name + "/" + (f" name={attr}" if attr is not None else ""))
        f.visititems(show)
    elif mode == "step":
        ref = np.load(sys.argv[3])
        d = datasets(f)
        worst = 0.0
        for k, group in enumerate(["layers/dense/vars/0", "layers/dense/vars/1",
                                   "layers/dense_1/vars/0", "layers/dense_1/vars/1"]):
            worst = max(worst, np.abs(d[group] - ref[f"w{k}"]).max())
            worst = max(worst, np.abs(d[f"optimizer/vars/{2 + 2 * k}"] - ref[f"m{k}"]).max())
            worst = max(worst, np.abs(d[f"optimizer/vars/{3 + 2 * k}"] - ref[f"v{k}"]).max())
        print("iterations", int(d["optimizer/vars/0"]))
        print("max difference", "<= 1e-5" if worst <= 1e-5 else worst)
    elif mode == "same":
        a, b = datasets(f), datasets(open_h5(sys.argv[3]))
        assert sorted(a) == sorted(b), (sorted(a), sorted(b))
        for k in a:
            assert a[k].shape == b[k].shape and np.allclose(a[k], b[k], atol=0), k
        print("same", len(a), "datasets")


main()
