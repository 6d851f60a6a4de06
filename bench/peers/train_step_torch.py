#!/usr/bin/python3
"""One W2 and one W3 training step and W4's tiny step for PyTorch, split into forward (incl. loss), backward and
optimizer (step + zero_grad). Prints one JSON line per workload with medians in ms.

Usage: train_step_torch.py THREADS REPS. Thread counts are set before torch is imported
(Debian's torch uses OpenBLAS's own pool).
"""
import json
import os
import sys

threads = sys.argv[1]
reps = int(sys.argv[2])
os.environ["OMP_NUM_THREADS"] = threads
os.environ["OPENBLAS_NUM_THREADS"] = threads

import time  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(int(threads))
torch.manual_seed(0)


def measure_classifier(name, model, x_shape, lr, reps):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    x = torch.randn(*x_shape)
    y = torch.randint(0, 10, (x_shape[0],))
    measure(name, model, opt, x, y, nn.functional.cross_entropy, reps)


def measure(name, model, opt, x, y, loss_fn, reps):
    f, b, o = [], [], []
    warmup = max(5, reps // 4)
    for i in range(reps + warmup):
        t0 = time.perf_counter()
        loss = loss_fn(model(x), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        if i >= warmup:
            f.append(t1 - t0)
            b.append(t2 - t1)
            o.append(t3 - t2)

    def med(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] * 1e3

    # total: the sum of the phases' medians (a preempted step inflates one phase only).
    print(json.dumps({"workload": name, "threads": int(threads), "forward": med(f), "backward": med(b), "optimizer": med(o), "total": med(f) + med(b) + med(o)}))


mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
cnn = nn.Sequential(
    nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10),
)
measure_classifier("W2", mlp, (128, 784), 0.05, reps)
measure_classifier("W3", cnn, (64, 1, 28, 28), 0.02, max(5, reps // 5))
tiny = nn.Linear(64, 64)
measure("W4", tiny, torch.optim.SGD(tiny.parameters(), lr=0.01), torch.randn(8, 64), torch.randn(8, 64), nn.functional.mse_loss, reps * 20)
