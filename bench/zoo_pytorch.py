"""One PyTorch system of `npm run bench:zoo`: the zoo's models (the twins of
examples/zoo-models.ts, layer for layer: glorot-uniform weights, zero biases, Keras's
BatchNormalization momentum and epsilon, 'same' padding as explicit pads of the same output
size) trained with Adam (epsilon 1e-7) on synthetic data for a fixed number of steps after a
warm-up, then inference at batch 256 and batch-1 latency. Prints one JSON line.

  python3 bench/zoo_pytorch.py --model vgg --threads 2 [--steps 20 --warmup 3]
  python3 bench/zoo_pytorch.py --count     # every model's parameter counts (test/zoo.test.ts)
"""
import argparse, json, resource, statistics, time
import torch
from torch import nn

MOBILENET_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # Keras: epsilon 1e-3, momentum 0.99


def conv(ci, co, k, stride=1, bias=False, groups=1):
    # 'same' for odd k: pad k // 2 (at stride 2 on even sizes TF pads 0 before and 1 after;
    # PyTorch pads 1 on both sides: the same output size and work).
    return nn.Conv2d(ci, co, k, stride=stride, padding=k // 2, bias=bias, groups=groups)


def seed():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2),
        nn.Conv2d(32, 16, 3, padding=1), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(784, 10))


def convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))


def vgg():
    layers, ci = [], 3
    for f in (32, 64, 128):
        layers += [conv(ci, f, 3), bn(f), nn.ReLU(), conv(f, f, 3), bn(f), nn.ReLU(), nn.MaxPool2d(2)]
        ci = f
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(4 * 4 * 128, 10))


class Block(nn.Module):
    def __init__(self, ci, co, stride):
        super().__init__()
        self.c1, self.b1 = conv(ci, co, 3, stride), bn(co)
        self.c2, self.b2 = conv(co, co, 3), bn(co)
        self.shortcut = nn.Sequential(conv(ci, co, 1, stride), bn(co)) if stride != 1 else nn.Identity()

    def forward(self, x):
        y = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))
        return torch.relu(self.shortcut(x) + y)


def resnet20():
    layers, ci = [conv(3, 16, 3), bn(16), nn.ReLU()], 16
    for stage, f in enumerate((16, 32, 64)):
        for block in range(3):
            layers.append(Block(ci, f, 2 if stage > 0 and block == 0 else 1))
            ci = f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def mobilenet():
    layers, ci = [conv(3, 32, 3, 2), bn(32), nn.ReLU6()], 32
    for f, stride in MOBILENET_BLOCKS:
        layers += [conv(ci, ci, 3, stride, groups=ci), bn(ci), nn.ReLU6(), conv(ci, f, 1), bn(f), nn.ReLU6()]
        ci = f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def autoencoder():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode='nearest'),
        nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid())


# name: (builder, input shape NCHW without batch, batch size, target)
ZOO = {
    'seed': (seed, (1, 28, 28), 32, 'classes'),
    'convnet': (convnet, (1, 28, 28), 128, 'classes'),
    'vgg': (vgg, (3, 32, 32), 64, 'classes'),
    'resnet20': (resnet20, (3, 32, 32), 64, 'classes'),
    'mobilenet': (mobilenet, (3, 64, 64), 32, 'classes'),
    'autoencoder': (autoencoder, (1, 28, 28), 64, 'image'),
}


def build(name):
    model = ZOO[name][0]()
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def counts(model):
    trainable = sum(p.numel() for p in model.parameters())
    # Keras counts BatchNormalization's moving mean and variance as (non-trainable) weights.
    moving = sum(b.numel() for n, b in model.named_buffers() if n.endswith(('running_mean', 'running_var')))
    return {'trainable': trainable, 'total': trainable + moving}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--infer-batches', type=int, default=4)
    p.add_argument('--latency-runs', type=int, default=50)
    p.add_argument('--latency-warmup', type=int, default=200)
    p.add_argument('--count', action='store_true')
    args = p.parse_args()
    if args.count:
        print(json.dumps({name: counts(build(name)) for name in ZOO}))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    _, shape, batch, target = ZOO[args.model]
    model = build(args.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss() if target == 'classes' else nn.MSELoss()
    x = torch.rand((batch, *shape))
    y = torch.randint(0, 10, (batch,)) if target == 'classes' else x

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    model.train()
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms_per_step = (time.perf_counter() - start) / args.steps * 1000

    model.eval()
    with torch.no_grad():
        xi = torch.rand((256, *shape))
        model(xi)
        t = time.perf_counter()
        for _ in range(args.infer_batches):
            model(xi)
        images_per_sec = 256 * args.infer_batches / (time.perf_counter() - t)
        x1 = xi[:1]
        for _ in range(args.latency_warmup):  # the same warm-up as deeptype's
            model(x1)
        lat = []
        for _ in range(args.latency_runs):
            t = time.perf_counter()
            model(x1)
            lat.append((time.perf_counter() - t) * 1000)
    print(json.dumps({
        'model': args.model, 'system': 'pytorch', 'threads': torch.get_num_threads(), 'msPerStep': ms_per_step,
        'inferImagesPerSec': images_per_sec, 'latencyMs': statistics.median(lat),
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'version': torch.__version__}))


if __name__ == '__main__':
    main()
