// The optimizers `kiln train --optimizer` offers, from the parsed flags.
import * as optim from '../optim/index';
import type { Tensor } from '../tensor/tensor';
import type { TrainConfig } from './args';

/** The optimizer named by the config, over `params`. */
export function buildOptimizer(config: TrainConfig, params: Tensor[]): optim.Optimizer {
  const { lr, momentum, weightDecay } = config;
  switch (config.optimizer) {
    case 'sgd':
      return new optim.SGD(params, { lr, momentum, weightDecay });
    case 'adam':
      return new optim.Adam(params, { lr, weightDecay });
    case 'adamw':
      return new optim.AdamW(params, { lr, weightDecay });
    case 'rmsprop':
      return new optim.RMSprop(params, { lr, momentum, weightDecay });
    case 'adagrad':
      return new optim.Adagrad(params, { lr, weightDecay });
  }
}

/** "sgd (lr 0.05, momentum 0.9)" for the run's header line. */
export function describeOptimizer(config: TrainConfig): string {
  const parts = [`lr ${config.lr}${config.schedule === 'cosine' ? ' cosine-annealed' : ''}`];
  if (config.momentum > 0) parts.push(`momentum ${config.momentum}`);
  if (config.weightDecay > 0) parts.push(`weight decay ${config.weightDecay}`);
  return `${config.optimizer} (${parts.join(', ')})`;
}
