"""A manual check with real Keras 3 (not run by the suite: CI has no Keras).

Usage: KERAS_BACKEND=jax python keras_interop.py MODEL X.f32 PRED.f32 [OUT]
Loads MODEL (.keras or .h5, written by deeptype) in Keras, compares Keras's predictions for
X.f32 (float32, the model's input shape) with deeptype's PRED.f32, and, given OUT, trains one
epoch in Keras and saves OUT (for deeptype to load back), writing Keras's predictions for X
after that epoch to OUT + '.pred.f32'.
"""
import sys

import keras
import numpy as np

path, x_path, pred_path = sys.argv[1:4]
model = keras.models.load_model(path)
shape = model.inputs[0].shape
x = np.fromfile(x_path, dtype=np.float32).reshape(-1, *shape[1:])
ref = np.fromfile(pred_path, dtype=np.float32).reshape(x.shape[0], -1)
pred = model.predict(x, verbose=0)
print(f"Keras {keras.__version__} ({keras.backend.backend()}) loaded {path}: {model.__class__.__name__}, "
      f"optimizer {model.optimizer.__class__.__name__} at iteration {int(model.optimizer.iterations.numpy())}; "
      f"max |Keras - deeptype| = {np.abs(pred - ref).max():.3g}")
if len(sys.argv) > 4:
    out = sys.argv[4]
    model.fit(x, np.arange(x.shape[0]) % ref.shape[1], epochs=1, batch_size=4, verbose=0)
    model.save(out)
    model.predict(x, verbose=0).astype(np.float32).tofile(out + ".pred.f32")
    print(f"trained one epoch and saved {out} (iteration {int(model.optimizer.iterations.numpy())})")
