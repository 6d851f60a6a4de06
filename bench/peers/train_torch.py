#!/usr/bin/python3
"""PyTorch's side of `npm run bench -- train` (W2 and W3 of ../shared/BENCH.md), with the
same data preparation, model, hyperparameters and measurements as bench/train/kiln.ts.

Usage: train_torch.py THREADS w2 EPOCHS
       train_torch.py THREADS w3 WARMUP_BATCHES TIMED_BATCHES FULL_EPOCH(0|1)
(bench/train/workloads.ts, specArgs). Prints one JSON line (TrainResult there). The thread counts are set
before torch is imported (Debian's torch does its matrix products in OpenBLAS's pthread build,
which keeps its own count) and read back from torch and from OpenBLAS itself.
"""
import ctypes
import gzip
import json
import os
import sys

threads = sys.argv[1]
workload = sys.argv[2]
os.environ["OMP_NUM_THREADS"] = threads
os.environ["OPENBLAS_NUM_THREADS"] = threads

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(int(threads))
DIR = "/usr/share/datasets/fashion-mnist"


def openblas_threads():
    """The thread count of the OpenBLAS torch loaded (None when it loaded another BLAS)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "libopenblas" in line}
    return ctypes.CDLL(libs.pop()).openblas_get_num_threads() if libs else None


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def idx(name):
    with gzip.open(os.path.join(DIR, name)) as f:
        raw = bytearray(f.read())  # writable, so torch.from_numpy shares it without a warning
    rank = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def load(image_shape):
    """Fashion-MNIST as BENCH.md prepares it: pixels / 255, standardised by the training mean and
    std; in place, so that the peak RSS is the training's and not the preparation's temporaries."""
    train_x = torch.from_numpy(idx("train-images-idx3-ubyte.gz")).float().div_(255)
    test_x = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz")).float().div_(255)
    mean, std = train_x.mean(), train_x.std(unbiased=False)
    train_y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz")).long()
    test_y = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz")).long()
    return (train_x.sub_(mean).div_(std).reshape(-1, *image_shape), train_y,
            test_x.sub_(mean).div_(std).reshape(-1, *image_shape), test_y)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(y), 1000))
    model.train()
    return correct / len(y)


def batches(n, batch, generator):
    """Index batches of one shuffled epoch, the last partial batch dropped (as DataLoader's dropLast)."""
    order = torch.randperm(n, generator=generator)
    return [order[s * batch:(s + 1) * batch] for s in range(n // batch)]


class Timer:
    """Wall-clock and process CPU time (all threads) since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def record(self, result, samples):
        result["samplesPerSecond"].append(samples / (time.perf_counter() - self.wall))
        result["samplesPerCpuSecond"].append(samples / (time.process_time() - self.cpu))


def new_result():
    return {"samplesPerSecond": [], "samplesPerCpuSecond": [], "accuracy": [], "accuracyEpochs": []}


def step(model, opt, x, y):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def w2(epochs):
    train_x, train_y, test_x, test_y = load([784])
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(1)
    result = new_result()
    for epoch in range(1, epochs + 1):
        timer = Timer()
        count = 0
        for b in batches(len(train_y), 128, generator):
            step(model, opt, train_x[b], train_y[b])
            count += len(b)
        timer.record(result, count)
        result["accuracy"].append(accuracy(model, test_x, test_y))
        result["accuracyEpochs"].append(epoch)
    return result


def w3(warmup_batches, timed_batches, full_epoch):
    train_x, train_y, test_x, test_y = load([1, 28, 28])
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    epoch = batches(len(train_y), 64, torch.Generator().manual_seed(1))
    for b in epoch[:warmup_batches]:
        step(model, opt, train_x[b], train_y[b])
    timed = epoch[warmup_batches:warmup_batches + timed_batches]
    result = new_result()
    timer = Timer()
    for b in timed:
        step(model, opt, train_x[b], train_y[b])
    timer.record(result, sum(len(b) for b in timed))
    if full_epoch:
        for b in epoch[warmup_batches + timed_batches:]:
            step(model, opt, train_x[b], train_y[b])
        result["accuracy"].append(accuracy(model, test_x, test_y))
        result["accuracyEpochs"].append(1)
    return result


def main():
    args = sys.argv[3:]
    result = w2(int(args[0])) if workload == "w2" else w3(int(args[0]), int(args[1]), args[2] == "1")
    result.update({
        "peer": "PyTorch " + torch.__version__,
        "threads": {"torch": torch.get_num_threads(), "openblas": openblas_threads()},
        "peakRssMiB": peak_rss_mib(),
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
