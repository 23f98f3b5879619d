"""PyTorch's time for the training step that bench/train.ts measures: pytorch/examples TransformerNet
(batch 4, 256x256) + VGG-19 up to relu3_3 (random weights: speed does not depend on them), content
relu2_2, Gram style loss at relu1_2/relu2_2/relu3_3, TV loss; forward + backward of all parameters.
Prints one JSON line. Benchmarking only (never in CI)."""
import argparse, json, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        return self.conv(self.pad(x))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.n1 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)
        self.c2, self.n2 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)

    def forward(self, x):
        return x + self.n2(self.c2(F.relu(self.n1(self.c1(x)))))


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = ConvLayer(cin, cout, 3, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


def transformer():
    return nn.Sequential(
        ConvLayer(3, 32, 9, 1), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
        ConvLayer(32, 64, 3, 2), nn.InstanceNorm2d(64, affine=True), nn.ReLU(),
        ConvLayer(64, 128, 3, 2), nn.InstanceNorm2d(128, affine=True), nn.ReLU(),
        *[Residual(128) for _ in range(5)],
        Up(128, 64), nn.InstanceNorm2d(64, affine=True), nn.ReLU(),
        Up(64, 32), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
        ConvLayer(32, 3, 9, 1))


def vgg19_block1_3():
    layers, cin, taps = [], 3, {}
    for block, (n, c) in enumerate([(2, 64), (2, 128), (3, 256)], 1):
        if block > 1:
            layers.append(nn.MaxPool2d(2, 2))
        for i in range(n):
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.ReLU()]
            cin = c
        taps[len(layers) - 1] = f"relu{block}_{n}"
    net = nn.Sequential(*layers)
    for p in net.parameters():
        p.requires_grad_(False)
    return net, taps


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def features(vgg, taps, x, upto):
    # torchvision preprocessing of RGB 0..255, as our graph does before VGG.
    x = (x / 255 - MEAN) / STD
    out = {}
    for i, layer in enumerate(vgg):
        x = layer(x)
        if i in taps:
            out[taps[i]] = x
            if taps[i] == upto:
                break
    return out


def gram(f):
    n, c, h, w = f.shape
    f = f.view(n, c, h * w)
    return f.bmm(f.transpose(1, 2)) / (c * h * w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    # Same intra-op thread count as our session (torch otherwise picks its own, e.g. 1 here).
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net, (vgg, taps) = transformer(), vgg19_block1_3()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.rand(a.batch, 3, a.size, a.size) * 255
    grams = {k: torch.rand(1, c, c) for k, c in [("relu1_2", 64), ("relu2_2", 128), ("relu3_3", 256)]}

    def step():
        opt.zero_grad()
        y = net(x)
        fy = features(vgg, taps, y, "relu3_3")
        fx = features(vgg, taps, x, "relu2_2")
        loss = 30 * F.mse_loss(fy["relu2_2"], fx["relu2_2"])
        loss = loss + 1e3 * sum(F.mse_loss(gram(fy[k]), g.expand(a.batch, -1, -1)) for k, g in grams.items())
        loss = loss + 1e-6 * ((y[:, :, 1:] - y[:, :, :-1]).pow(2).sum() + (y[..., 1:] - y[..., :-1]).pow(2).sum())
        loss.backward()
        opt.step()

    step()
    times, cpus = [], []
    for _ in range(a.steps):
        t, c = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    times.sort()
    cpu = sorted(cpus)
    print(json.dumps({"stepMs": round(times[len(times) // 2]), "cpuMs": round(cpu[len(cpu) // 2]), "allMs": [round(t) for t in times],
                      "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
