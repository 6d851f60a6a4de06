#!/usr/bin/python3
"""The losses benchmark for PyTorch: forward + backward of each loss at each size.

Usage: losses_torch.py REPS N,C [N,C ...]. Prints one JSON line per (loss, size):
{"loss", "n", "c", "us"} with the median microseconds of one forward + backward, 1 thread.
"""
import json
import os
import sys

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"


import torch  # noqa: E402
from timing import median_us  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
reps = int(sys.argv[1])


for size in sys.argv[2:]:
    n, c = (int(v) for v in size.split(","))
    torch.manual_seed(0)
    x = torch.randn(n, c, requires_grad=True)
    y = torch.randint(0, c, (n,))
    t = torch.rand(n, c)
    logp = torch.log_softmax(torch.randn(n, c), 1).requires_grad_()
    p = torch.sigmoid(torch.randn(n, c)).requires_grad_()
    cases = {
        "crossEntropy": lambda: F.cross_entropy(x, y),
        "crossEntropy probs": lambda: F.cross_entropy(x, t),
        "nllLoss": lambda: F.nll_loss(logp, y),
        "multiMarginLoss": lambda: F.multi_margin_loss(x, y),
        "mseLoss": lambda: F.mse_loss(x, t),
        "l1Loss": lambda: F.l1_loss(x, t),
        "huberLoss": lambda: F.huber_loss(x, t),
        "bceLoss": lambda: F.binary_cross_entropy(p, t),
        "bceWithLogitsLoss": lambda: F.binary_cross_entropy_with_logits(x, t),
    }
    inner = max(1, 200000 // (n * c))
    for name, fn in cases.items():
        print(json.dumps({"loss": name, "n": n, "c": c, "us": median_us(lambda: fn().backward(), inner, reps)}), flush=True)
