"""Checks files deeptype wrote against Keras's layouts, with h5py and numpy only.

Usage: keras_layout.py MODEL.keras MODEL.h5 X.f32 PRED.f32
       keras_layout.py --residual MODEL.keras MODEL.h5 X.f32 PRED.f32
X.f32 holds the inputs (float32, shape [n, 28, 28]); PRED.f32 deeptype's predictions [n, 10].
For each file: the layout Keras 3 (saving_lib) or Keras 2 (legacy HDF5) reads, then a numpy
forward pass of the seed model (Reshape, Conv2D same, MaxPooling2D, Conv2D same,
MaxPooling2D, Flatten, Dense softmax) from the file's weights, compared with deeptype's.
Prints one line per file and exits non-zero on the first failure.
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def conv_same(x, k, b):
    kh, kw, _, co = k.shape
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    n, h, w, _ = x.shape
    out = np.zeros((n, h, w, co))
    for i in range(kh):
        for j in range(kw):
            out += np.tensordot(xp[:, i:i + h, j:j + w, :], k[i, j], axes=([3], [0]))
    return out + b


def pool2(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def seed_forward(x, w):
    """w: [conv1 kernel, bias, conv2 kernel, bias, dense kernel, bias] as float64."""
    h = x.reshape(-1, 28, 28, 1)
    h = pool2(conv_same(h, w[0], w[1]))
    h = pool2(conv_same(h, w[2], w[3]))
    h = h.reshape(h.shape[0], -1) @ w[4] + w[5]
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


SEED_LAYERS = ["reshape", "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense"]
SEED_SHAPES = [(3, 3, 1, 32), (32,), (3, 3, 32, 16), (16,), (784, 10), (10,)]


def check_keras3(path):
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    check({"metadata.json", "config.json", "model.weights.h5"} <= names, f"{path}: zip holds {names}")
    meta = json.loads(z.read("metadata.json"))
    check(meta["keras_version"].startswith("3."), f"metadata keras_version {meta}")
    check("date_saved" in meta, "metadata has no date_saved")
    config = json.loads(z.read("config.json"))
    for key in ["module", "class_name", "config", "registered_name", "build_config", "compile_config"]:
        check(key in config, f"config.json has no {key}")
    check(config["class_name"] == "Sequential" and config["module"] == "keras", "top object")
    layers = config["config"]["layers"]
    check(layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_shape"] == [None, 28, 28], "InputLayer")
    for layer in layers:
        for key in ["module", "class_name", "config", "registered_name"]:
            check(key in layer, f"layer {layer.get('class_name')} has no {key}")
        check(layer["module"] == "keras.layers", f"layer module {layer['module']}")
        if layer["class_name"] != "InputLayer":
            check(layer["config"]["dtype"]["class_name"] == "DTypePolicy", "dtype policy")
        if layer["class_name"] == "Conv2D":
            init = layer["config"]["kernel_initializer"]
            check(init == {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None}, f"initializer {init}")
            check("input_shape" in layer["build_config"], "Conv2D build_config")
    compile_config = config["compile_config"]
    check(compile_config["optimizer"]["class_name"] == "Adam" and compile_config["loss"] == "sparse_categorical_crossentropy", f"compile_config {compile_config}")
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    check(f["vars"].attrs["name"] == "sequential", "root vars name")
    weights = []
    paths = [f"layers/{n}" for n in SEED_LAYERS]
    for p in paths:
        check(p + "/vars" in f, f"no group {p}/vars")
    for p in ["layers/conv2d", "layers/conv2d_1", "layers/dense"]:
        g = f[p + "/vars"]
        check(sorted(g.keys()) == ["0", "1"], f"{p}/vars holds {list(g.keys())}")
        weights += [g["0"], g["1"]]
    for d, s in zip(weights, SEED_SHAPES):
        check(d.shape == s and d.dtype == np.float32, f"{d.name}: {d.shape} {d.dtype}, expected {s} float32")
    opt = f["optimizer/vars"]
    check(opt.attrs["name"] == "adam", "optimizer name")
    check(len(opt) == 2 + 2 * 6, f"optimizer holds {len(opt)} variables")
    check(opt["0"].shape == () and opt["0"].dtype == np.int64, "iterations: int64 scalar")
    check(opt["1"].shape == () and opt["1"].dtype == np.float32, "learning_rate: float32 scalar")
    for i, s in enumerate(SEED_SHAPES):
        check(opt[str(2 + 2 * i)].shape == s and opt[str(3 + 2 * i)].shape == s, f"optimizer slots of weight {i}")
    return [np.asarray(d, dtype=np.float64) for d in weights]


def names(attr):
    return [n.decode() if isinstance(n, bytes) else n for n in attr]


def check_keras2(path):
    f = h5py.File(path, "r")
    for key in ["keras_version", "backend", "model_config", "training_config"]:
        check(key in f.attrs, f"{path}: root has no attribute {key}")
    check(f.attrs["keras_version"].startswith("2."), "keras_version")
    config = json.loads(f.attrs["model_config"])
    check(config["class_name"] == "Sequential", "model_config class")
    layers = config["config"]["layers"]
    check(layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_input_shape"] == [None, 28, 28], "InputLayer batch_input_shape")
    check(all(set(l.keys()) == {"class_name", "config"} for l in layers), "Keras 2 layer objects are {class_name, config}")
    training = json.loads(f.attrs["training_config"])
    check(training["optimizer_config"]["class_name"] == "Adam" and training["loss"] == "sparse_categorical_crossentropy", f"training_config {training}")
    mw = f["model_weights"]
    check(names(mw.attrs["layer_names"]) == SEED_LAYERS, f"layer_names {names(mw.attrs['layer_names'])}")
    weights = []
    for layer in SEED_LAYERS:
        wn = names(mw[layer].attrs["weight_names"])
        for n in wn:
            check(n.startswith(layer + "/") and n.endswith(":0"), f"weight name {n}")
            weights.append(mw[layer][n])
    for d, s in zip(weights, SEED_SHAPES):
        check(d.shape == s and d.dtype == np.float32, f"{d.name}: {d.shape} {d.dtype}")
    check(len(weights) == 6, f"{len(weights)} weights")
    ow = names(f["optimizer_weights"].attrs["weight_names"])
    check(ow[0] == "iteration:0" and f["optimizer_weights"]["iteration:0"].dtype == np.int64, "iteration")
    check(ow[1] == "Adam/m/conv2d/kernel:0" and ow[2] == "Adam/v/conv2d/kernel:0", f"optimizer weight names {ow[:3]}")
    for n in ow:
        check(n in f["optimizer_weights"], f"optimizer weight {n} missing")
    return [np.asarray(d, dtype=np.float64) for d in weights]


RES_PATHS = ["layers/conv2d", "layers/conv2d_1", "layers/dense"]
RES_SHAPES = [(3, 3, 3, 4), (4,), (3, 3, 4, 4), (4,), (256, 3), (3,)]


def residual_forward(x, w):
    """Input [n, 8, 8, 3] -> a = relu(conv) -> b = conv(a) -> relu(a + b) -> flatten -> dense softmax."""
    a = np.maximum(conv_same(x, w[0], w[1]), 0)
    b = conv_same(a, w[2], w[3])
    h = np.maximum(a + b, 0).reshape(x.shape[0], -1) @ w[4] + w[5]
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check_functional_config(layers, inbound_form):
    by_name = {l["name"]: l for l in layers}
    check(list(by_name) == ["input_layer", "conv2d", "conv2d_1", "add", "activation", "flatten", "dense"], f"layers {list(by_name)}")
    check(by_name["input_layer"]["inbound_nodes"] == [], "InputLayer has no inbound nodes")
    add = by_name["add"]["inbound_nodes"]
    check(len(add) == 1, "Add is called once")
    if inbound_form == 3:
        args = add[0]["args"]
        check(len(args) == 1 and isinstance(args[0], list) and len(args[0]) == 2, f"Add's args {args}")
        check([t["class_name"] for t in args[0]] == ["__keras_tensor__"] * 2, "keras tensors")
        check([t["config"]["keras_history"] for t in args[0]] == [["conv2d", 0, 0], ["conv2d_1", 0, 0]], "Add's keras_history")
        check(args[0][0]["config"]["shape"] == [None, 8, 8, 4], "keras tensor shape")
    else:
        check(add == [[["conv2d", 0, 0, {}], ["conv2d_1", 0, 0, {}]]], f"Add's Keras 2 inbound nodes {add}")


def check_residual(keras_path, h5_path):
    z = zipfile.ZipFile(keras_path)
    config = json.loads(z.read("config.json"))
    for key in ["module", "class_name", "config", "registered_name", "build_config", "compile_config"]:
        check(key in config, f"config.json has no {key}")
    check(config["class_name"] == "Functional" and config["registered_name"] == "Functional", "Functional")
    check(config["config"]["input_layers"] == ["input_layer", 0, 0] and config["config"]["output_layers"] == ["dense", 0, 0], "input/output layers")
    check_functional_config(config["config"]["layers"], 3)
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    w3 = []
    for p in RES_PATHS:
        w3 += [f[p + "/vars/0"], f[p + "/vars/1"]]
    check(len(f["optimizer/vars"]) == 2 + 2 * 6, "optimizer variables")
    g = h5py.File(h5_path, "r")
    config2 = json.loads(g.attrs["model_config"])
    check(config2["class_name"] == "Functional" and config2["config"]["input_layers"] == [["input_layer", 0, 0]], "Keras 2 Functional")
    check_functional_config(config2["config"]["layers"], 2)
    mw = g["model_weights"]
    check(names(mw.attrs["layer_names"]) == ["input_layer", "conv2d", "conv2d_1", "add", "activation", "flatten", "dense"], "layer_names")
    w2 = [mw[l][n] for l in ["conv2d", "conv2d_1", "dense"] for n in names(mw[l].attrs["weight_names"])]
    for ws in [w3, w2]:
        for d, s in zip(ws, RES_SHAPES):
            check(d.shape == s and d.dtype == np.float32, f"{d.name}: {d.shape} {d.dtype}, expected {s}")
    return [[np.asarray(d, dtype=np.float64) for d in ws] for ws in [w3, w2]]


def main_residual():
    keras_path, h5_path, x_path, pred_path = sys.argv[2:6]
    x = np.fromfile(x_path, dtype=np.float32).astype(np.float64).reshape(-1, 8, 8, 3)
    pred = np.fromfile(pred_path, dtype=np.float32).astype(np.float64).reshape(x.shape[0], 3)
    for path, w in zip([keras_path, h5_path], check_residual(keras_path, h5_path)):
        err = np.abs(residual_forward(x, w) - pred).max()
        check(err < 1e-5, f"{path}: numpy forward pass differs from deeptype's by {err}")
        print(f"OK {path}: Functional layout as Keras writes it; numpy forward pass within {err:.2e} of deeptype")


def main():
    if sys.argv[1] == "--residual":
        return main_residual()
    keras_path, h5_path, x_path, pred_path = sys.argv[1:5]
    x = np.fromfile(x_path, dtype=np.float32).astype(np.float64).reshape(-1, 28, 28)
    pred = np.fromfile(pred_path, dtype=np.float32).astype(np.float64).reshape(x.shape[0], 10)
    for path, read in [(keras_path, check_keras3), (h5_path, check_keras2)]:
        ours = seed_forward(x, read(path))
        err = np.abs(ours - pred).max()
        check(err < 1e-5, f"{path}: numpy forward pass differs from deeptype's by {err}")
        print(f"OK {path}: layout as Keras writes it; numpy forward pass within {err:.2e} of deeptype")


main()
