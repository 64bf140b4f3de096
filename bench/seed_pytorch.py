"""One system of the benchmark: PyTorch trains the seed model (same layers, glorot init, Adam
with epsilon 1e-7, batch 32) or, with --model convnet, keras-io's MNIST convnet (relu, Dropout
0.5, batch 128) for one epoch on MNIST and predicts the test set; prints JSON."""
import argparse, json, resource, sys, time
import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--data', required=True)
p.add_argument('--threads', type=int, required=True)
p.add_argument('--limit', type=int, default=None)
p.add_argument('--model', default='seed')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

def idx(name):
    with open(f'{args.data}/{name}', 'rb') as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)

x_train = torch.from_numpy(idx('train-images-idx3-ubyte').astype(np.float32) / 255).unsqueeze(1)
y_train = torch.from_numpy(idx('train-labels-idx1-ubyte').astype(np.int64))
x_test = torch.from_numpy(idx('t10k-images-idx3-ubyte').astype(np.float32) / 255).unsqueeze(1)
y_test = torch.from_numpy(idx('t10k-labels-idx1-ubyte').astype(np.int64))

convnet = args.model == 'convnet'
batch = 128 if convnet else 32
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10)) if convnet else nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2),
    nn.Conv2d(32, 16, 3, padding=1), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(784, 10))
for m in model:
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()  # softmax + cross-entropy, fused, as deeptype does

if args.limit:
    x_train, y_train = x_train[:args.limit], y_train[:args.limit]
n = x_train.shape[0]
order = torch.randperm(n)
steps = (n + batch - 1) // batch
full_steps = (60000 + batch - 1) // batch
model.train()
start = time.perf_counter()
for s in range(steps):
    idx_b = order[s * batch:(s + 1) * batch]
    opt.zero_grad()
    loss = loss_fn(model(x_train[idx_b]), y_train[idx_b])
    loss.backward()
    opt.step()
seconds = time.perf_counter() - start

model.eval()
with torch.no_grad():
    model(x_test[:256])
    t = time.perf_counter()
    logits = torch.cat([model(x_test[i:i + 256]) for i in range(0, x_test.shape[0], 256)])
    infer = x_test.shape[0] / (time.perf_counter() - t)
acc = (logits.argmax(1) == y_test).float().mean().item()
print(json.dumps({
    'name': 'pytorch-convnet' if convnet else 'pytorch', 'threads': torch.get_num_threads(), 'secondsPerEpoch': seconds / steps * full_steps, 'msPerStep': seconds / steps * 1000,
    'inferImagesPerSec': infer, 'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    'testAccuracy': None if args.limit else acc, 'extrapolated': bool(args.limit), 'version': torch.__version__}))
