#!/usr/bin/python3
"""W4 for PyTorch: per-op overhead. Prints JSON {add1, add1000, step} in microseconds (medians).

Usage: overhead_torch.py THREADS REPS. Thread counts are set before torch is imported
(Debian's torch uses OpenBLAS's own pool) and read back into the output.
"""
import json
import os
import sys

threads = sys.argv[1]
reps = int(sys.argv[2])
os.environ["OMP_NUM_THREADS"] = threads
os.environ["OPENBLAS_NUM_THREADS"] = threads


import torch  # noqa: E402
from timing import median_us  # noqa: E402

torch.set_num_threads(int(threads))


a1, b1 = torch.rand(1), torch.rand(1)
a1k, b1k = torch.rand(1000), torch.rand(1000)
torch.manual_seed(0)
layer = torch.nn.Linear(64, 64)
opt = torch.optim.SGD(layer.parameters(), lr=0.01)
x = torch.randn(8, 64)
y = torch.randn(8, 64)


def step():
    loss = torch.nn.functional.mse_loss(layer(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad()


print(json.dumps({
    "add1": median_us(lambda: a1 + b1, 2000, reps),
    "add1000": median_us(lambda: a1k + b1k, 2000, reps),
    "step": median_us(step, 200, reps),
    "threads": torch.get_num_threads(),
    "version": torch.__version__,
}))
