"""Writes Keras model files the way Keras writes them, and their outputs.

Keras is not installed (nor installable) here, so this script follows
Keras's own saving code with h5py, numpy and zipfile (see
docs/KERAS_FILES.md for the layouts and the Keras sources):

  keras/src/saving/saving_lib.py          .keras zip, model.weights.h5
  keras/src/legacy/saving/legacy_h5_format.py   Keras 3's legacy .h5
  tf-keras keras/saving/legacy/hdf5_format.py   Keras 2's .h5

Layer names are chosen to differ from the names Keras's .keras layout
gives the weight groups (layers/dense, layers/dense_1, ...), so a reader
that uses config names fails. Expected outputs are computed with numpy.

Usage: /usr/bin/python3 make_fixtures.py OUTDIR
"""
import json
import os
import sys
import zipfile

import h5py
import numpy as np

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(12)


def f32(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# --- configs ---------------------------------------------------------------

def k3_layer(cls, name, cfg, inbound=None):
    layer = {"module": "keras.layers", "class_name": cls,
             "config": dict(name=name, trainable=True, dtype="float32", **cfg),
             "registered_name": None}
    if inbound is not None:
        layer["name"] = name
        layer["inbound_nodes"] = [] if not inbound else [{
            "args": [{"class_name": "__keras_tensor__",
                      "config": {"shape": None, "dtype": "float32",
                                 "keras_history": [inbound, 0, 0]}}],
            "kwargs": {}}]
    return layer


ADAM = {"module": "keras.optimizers", "class_name": "Adam",
        "config": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9,
                   "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
        "registered_name": None}
COMPILE = {"optimizer": ADAM, "loss": "categorical_crossentropy",
           "metrics": ["accuracy"], "loss_weights": None,
           "weighted_metrics": None, "run_eagerly": False,
           "steps_per_execution": 1, "jit_compile": False}


def mlp_config(extra=None):
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 8], "dtype": "float32",
                    "sparse": False, "name": "features"},
         "registered_name": None},
        k3_layer("Dense", "hidden_a", {"units": 16, "activation": "relu",
                                       "use_bias": True}),
        k3_layer("Dropout", "drop", {"rate": 0.25}),
        k3_layer("Dense", "out", {"units": 4, "activation": "softmax",
                                  "use_bias": True}),
    ]
    if extra:
        layers.insert(3, extra)
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "mlp", "trainable": True, "dtype": "float32",
                       "layers": layers},
            "registered_name": None,
            "build_config": {"input_shape": [None, 8]},
            "compile_config": COMPILE}


def cnn_config():
    return {"module": "keras", "class_name": "Functional",
            "config": {"name": "cnn", "trainable": True, "layers": [
                {"module": "keras.layers", "class_name": "InputLayer",
                 "config": {"batch_shape": [None, 8, 8, 1], "dtype": "float32",
                            "sparse": False, "name": "img"},
                 "registered_name": None, "name": "img", "inbound_nodes": []},
                k3_layer("Conv2D", "c1", {"filters": 4, "kernel_size": [3, 3],
                                          "strides": [1, 1], "padding": "valid",
                                          "activation": "relu", "use_bias": True},
                         "img"),
                k3_layer("BatchNormalization", "bn", {"axis": -1, "momentum": 0.99,
                                                      "epsilon": 0.001,
                                                      "center": True, "scale": True},
                         "c1"),
                k3_layer("MaxPooling2D", "pool", {"pool_size": [2, 2],
                                                  "strides": [2, 2],
                                                  "padding": "valid"}, "bn"),
                k3_layer("Conv2D", "c2", {"filters": 6, "kernel_size": [2, 2],
                                          "strides": [1, 1], "padding": "valid",
                                          "activation": "relu", "use_bias": True},
                         "pool"),
                k3_layer("Flatten", "flat", {}, "c2"),
                k3_layer("Dense", "head", {"units": 3, "activation": "softmax",
                                           "use_bias": True}, "flat"),
            ], "input_layers": [["img", 0, 0]],
                "output_layers": [["head", 0, 0]]},
            "registered_name": None}


# --- weights and numpy references -------------------------------------------

def mlp_weights():
    return {"hidden_a": [f32(8, 16), f32(16, scale=0.1)],
            "out": [f32(16, 4), f32(4, scale=0.1)]}


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def mlp_forward(w, x):
    h = np.maximum(x @ w["hidden_a"][0] + w["hidden_a"][1], 0)
    return softmax(h @ w["out"][0] + w["out"][1])


def cnn_weights():
    return {"c1": [f32(3, 3, 1, 4), f32(4, scale=0.1)],
            "bn": [1 + f32(4, scale=0.1), f32(4, scale=0.1),
                   f32(4, scale=0.1), (0.5 + rng.random(4)).astype(np.float32)],
            "c2": [f32(2, 2, 4, 6), f32(6, scale=0.1)],
            "head": [f32(24, 3), f32(3, scale=0.1)]}


def conv_valid(x, k, b):
    n, h, w_, _ = x.shape
    kh, kw, _, co = k.shape
    out = np.zeros((n, h - kh + 1, w_ - kw + 1, co), np.float64)
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,cd->nhwd",
                             x[:, i:i + out.shape[1], j:j + out.shape[2], :], k[i, j])
    return out + b


def cnn_forward(w, x):
    y = np.maximum(conv_valid(x, *w["c1"]), 0)
    g, b, m, v = w["bn"]
    y = (y - m) / np.sqrt(v + 0.001) * g + b
    n, h, w_, c = y.shape
    y = y.reshape(n, h // 2, 2, w_ // 2, 2, c).max(axis=(2, 4))
    y = np.maximum(conv_valid(y, *w["c2"]), 0)
    return softmax(y.reshape(n, -1) @ w["head"][0] + w["head"][1])


# --- writers, following Keras ------------------------------------------------

def keras3_weights_h5(path_or_file, groups, optimizer=None, modern=True,
                      names=None):
    """saving_lib.H5IOStore: `groups` maps 'layers/dense' -> [values].
    modern (3.10+): groups only where there are variables or a name, each
    vars group with a `name` attribute; older 3.x: an empty vars group for
    every saveable visited (the model root, each layer, the optimizer)."""
    f = h5py.File(path_or_file, "w")
    root = f.create_group("vars")
    if modern:
        root.attrs["name"] = "model"
    for path, values in groups.items():
        g = f.create_group(path).create_group("vars")
        if modern and names:
            g.attrs["name"] = names[path]
        for i, v in enumerate(values):
            g.create_dataset(str(i), data=v)
    if optimizer is not None:
        g = f.create_group("optimizer").create_group("vars")
        if modern:
            g.attrs["name"] = "adam"
        for i, v in enumerate(optimizer):
            g.create_dataset(str(i), data=v)
    f.close()


def write_keras(path, config, groups, version="3.10.0", optimizer=None,
                modern=True, names=None, drop=None):
    import io
    buf = io.BytesIO()
    keras3_weights_h5(buf, groups, optimizer, modern, names)
    h5bytes = buf.getvalue()
    if drop:
        h5bytes = drop(h5bytes)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps(
            {"keras_version": version, "date_saved": "2025-06-01@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", h5bytes)


def adam_state(trainable, iterations):
    """iteration, learning_rate, then (momentum, velocity) per variable."""
    state = [np.array(iterations, np.int64), np.array(0.001, np.float32)]
    for v in trainable:
        state.append(f32(*v.shape, scale=0.01))
        state.append(np.abs(f32(*v.shape, scale=0.01)))
    return state


def legacy_h5(path, config, layers, keras_version, weight_name, full=True,
              training_config=None):
    """legacy_h5_format.save_weights_to_hdf5_group: layer_names in model
    order, groups created in name order, weight_names per layer."""
    f = h5py.File(path, "w")
    if full:
        f.attrs["keras_version"] = keras_version.encode()
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        if training_config:
            f.attrs["training_config"] = json.dumps(training_config).encode()
        g = f.create_group("model_weights")
    else:
        g = f
    g.attrs["layer_names"] = [name.encode() for name, _, _ in layers]
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = keras_version.encode()
    for name, varnames, values in sorted(layers, key=lambda l: l[0]):
        lg = g.create_group(name)
        wn = [weight_name(name, v).encode() for v in varnames]
        lg.attrs["weight_names"] = wn
        for n, v in zip(wn, values):
            lg.create_dataset(n.decode(), data=v)
    f.close()


def main():
    # MLP ---------------------------------------------------------------
    x = f32(5, 8, scale=1.0)
    np.save(os.path.join(OUT, "mlp_x.npy"), x)
    w = mlp_weights()
    groups = {"layers/dense": w["hidden_a"], "layers/dropout": [],
              "layers/dense_1": w["out"]}
    names = {"layers/dense": "hidden_a", "layers/dropout": "drop",
             "layers/dense_1": "out"}
    trainable = w["hidden_a"] + w["out"]
    opt = adam_state(trainable, 7)
    write_keras(os.path.join(OUT, "mlp.keras"), mlp_config(), groups,
                optimizer=opt, names=names)
    np.save(os.path.join(OUT, "mlp_y.npy"), mlp_forward(w, x))
    np.save(os.path.join(OUT, "mlp_adam.npy"), np.concatenate(
        [np.atleast_1d(v).ravel().astype(np.float32) for v in opt]))
    with open(os.path.join(OUT, "mlp.json"), "w") as f:
        json.dump(mlp_config(), f)

    # The same model's weights-only files, other values.
    w2 = mlp_weights()
    keras3_weights_h5(os.path.join(OUT, "mlp2.weights.h5"),
                      {"layers/dense": w2["hidden_a"], "layers/dense_1": w2["out"]},
                      names={"layers/dense": "hidden_a", "layers/dense_1": "out"})
    np.save(os.path.join(OUT, "mlp2_y.npy"), mlp_forward(w2, x))
    # Keras 2's model.save_weights("x.h5"): the legacy layout at the root.
    w3 = mlp_weights()
    legacy_h5(os.path.join(OUT, "mlp3_legacy_weights.h5"), None,
              [("hidden_a", ["kernel", "bias"], w3["hidden_a"]),
               ("drop", [], []), ("out", ["kernel", "bias"], w3["out"])],
              "2.15.0", lambda l, v: f"{l}/{v}:0", full=False)
    np.save(os.path.join(OUT, "mlp3_y.npy"), mlp_forward(w3, x))

    # Keras 2 full model: Keras 2 config, training_config, 'dense/kernel:0'.
    k2 = {"class_name": "Sequential", "config": {"name": "mlp", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8],
                                                "dtype": "float32",
                                                "name": "features"}},
        {"class_name": "Dense", "config": {"name": "hidden_a", "units": 16,
                                           "activation": "relu", "use_bias": True}},
        {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.25}},
        {"class_name": "Dense", "config": {"name": "out", "units": 4,
                                           "activation": "softmax",
                                           "use_bias": True}}]}}
    legacy_h5(os.path.join(OUT, "mlp_keras2.h5"), k2,
              [("hidden_a", ["kernel", "bias"], w["hidden_a"]),
               ("drop", [], []), ("out", ["kernel", "bias"], w["out"])],
              "2.15.0", lambda l, v: f"{l}/{v}:0",
              training_config={"loss": "categorical_crossentropy",
                               "metrics": ["accuracy"],
                               "optimizer_config": {"class_name": "Adam",
                                                    "config": {"learning_rate": 0.001}}})

    # CNN ---------------------------------------------------------------
    xc = f32(3, 8, 8, 1, scale=1.0)
    np.save(os.path.join(OUT, "cnn_x.npy"), xc)
    wc = cnn_weights()
    # Keras 3.0-3.9: an empty vars group for every saveable, no optimizer.
    write_keras(os.path.join(OUT, "cnn.keras"), cnn_config(),
                {"layers/input_layer": [], "layers/conv2d": wc["c1"],
                 "layers/batch_normalization": wc["bn"],
                 "layers/max_pooling2d": [], "layers/conv2d_1": wc["c2"],
                 "layers/flatten": [], "layers/dense": wc["head"]},
                version="3.3.3", modern=False, optimizer=[])
    np.save(os.path.join(OUT, "cnn_y.npy"), cnn_forward(wc, xc))
    # Keras 3's legacy writer: weight_names are variable paths, and the
    # InputLayer is listed with no weights.
    legacy_h5(os.path.join(OUT, "cnn_keras3_legacy.h5"), cnn_config(),
              [("img", [], []), ("c1", ["kernel", "bias"], wc["c1"]),
               ("bn", ["gamma", "beta", "moving_mean", "moving_variance"], wc["bn"]),
               ("pool", [], []), ("c2", ["kernel", "bias"], wc["c2"]),
               ("flat", [], []), ("head", ["kernel", "bias"], wc["head"])],
              "3.8.0", lambda l, v: f"cnn/{l}/{v}")
    # tf.keras 2.13-2.15's .keras: _layer_checkpoint_dependencies/.
    write_keras(os.path.join(OUT, "cnn_tf213.keras"), cnn_config(),
                {"_layer_checkpoint_dependencies/conv2d": wc["c1"],
                 "_layer_checkpoint_dependencies/batch_normalization": wc["bn"],
                 "_layer_checkpoint_dependencies/conv2d_1": wc["c2"],
                 "_layer_checkpoint_dependencies/dense": wc["head"]},
                version="2.13.1", modern=False)

    # Training: one full-batch Adam step from the file's weights and its
    # optimizer state (iteration 7, m, v), as keras.optimizers.Adam does it.
    cfg = mlp_config()
    del cfg["config"]["layers"][2]  # no Dropout: the step is deterministic
    wt = mlp_weights()
    ot = adam_state(wt["hidden_a"] + wt["out"], 7)
    write_keras(os.path.join(OUT, "mlp_train.keras"), cfg,
                {"layers/dense": wt["hidden_a"], "layers/dense_1": wt["out"]},
                optimizer=ot, names={"layers/dense": "hidden_a",
                                     "layers/dense_1": "out"})
    xt = f32(6, 8, scale=1.0)
    yt = np.array([0, 1, 2, 3, 1, 2], np.int64)
    np.save(os.path.join(OUT, "train_x.npy"), xt)
    np.save(os.path.join(OUT, "train_y.npy"), yt)
    x64 = xt.astype(np.float64)
    W1, b1, W2, b2 = [v.astype(np.float64) for v in wt["hidden_a"] + wt["out"]]
    z1 = x64 @ W1 + b1
    h = np.maximum(z1, 0)
    p = softmax(h @ W2 + b2)
    d = (p - np.eye(4)[yt]) / len(yt)  # categorical cross-entropy, mean
    dh = (d @ W2.T) * (z1 > 0)
    grads = [x64.T @ dh, dh.sum(0), h.T @ d, d.sum(0)]
    t = 8
    new = {}
    for k, (wv, g) in enumerate(zip([W1, b1, W2, b2], grads)):
        m = ot[2 + 2 * k].astype(np.float64)
        v = ot[3 + 2 * k].astype(np.float64)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        alpha = 0.001 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        new[k] = (wv - alpha * m / (np.sqrt(v) + 1e-7), m, v)
    np.savez(os.path.join(OUT, "mlp_train_step.npz"),
             **{f"w{k}": new[k][0] for k in new},
             **{f"m{k}": new[k][1] for k in new},
             **{f"v{k}": new[k][2] for k in new})

    # Bad files ---------------------------------------------------------
    data = open(os.path.join(OUT, "mlp.keras"), "rb").read()
    open(os.path.join(OUT, "truncated.keras"), "wb").write(data[: len(data) // 2])
    with h5py.File(os.path.join(OUT, "not_keras.h5"), "w") as f:
        f.create_dataset("pixels", data=np.zeros((2, 2)))
    write_keras(os.path.join(OUT, "missing.keras"), mlp_config(),
                {"layers/dense": w["hidden_a"], "layers/dense_1": w["out"][:1]},
                names=names)
    write_keras(os.path.join(OUT, "shape.keras"), mlp_config(),
                {"layers/dense": [w["hidden_a"][0][:4], w["hidden_a"][1]],
                 "layers/dense_1": w["out"]}, names=names)
    write_keras(os.path.join(OUT, "lambda.keras"), mlp_config(
        k3_layer("Lambda", "scale_it", {"function": {"class_name": "__lambda__",
                                                     "config": {"code": "4wEA"}}})),
        groups, names=names)
    custom = k3_layer("MyDense", "mine", {"units": 4})
    custom["registered_name"] = "my_package>MyDense"
    custom["class_name"] = "my_package>MyDense"
    write_keras(os.path.join(OUT, "custom.keras"), mlp_config(custom), groups,
                names=names)
    write_keras(os.path.join(OUT, "future.keras"), mlp_config(), groups,
                version="4.0.0", names=names)


main()
