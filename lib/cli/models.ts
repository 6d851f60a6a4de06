// The main job's models: BENCH.md's W2 MLP and W3 CNN, as nn.Sequential so their state
// dicts carry PyTorch's names (0.weight, 2.bias, ...) and load into the same torch model.
import * as nn from '../nn/index';
import type { ModelName } from './args';

/** W2: 784-256-128-10 with ReLU; takes [N, 784] images. */
export function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

/** W3: (Conv2d 5x5 pad 2 + ReLU + MaxPool 2) x 2 (16, 32 channels), Linear 1568-128-10; takes [N, 1, 28, 28]. */
export function cnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(1568, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

export const MODEL_BUILDERS: Record<ModelName, { build: () => nn.Sequential; flatInput: boolean; describe: string }> = {
  mlp: { build: mlp, flatInput: true, describe: 'MLP 784-256-128-10' },
  cnn: { build: cnn, flatInput: false, describe: 'CNN conv5x5(16)-pool-conv5x5(32)-pool-1568-128-10' },
};
