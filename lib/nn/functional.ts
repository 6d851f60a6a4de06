// nn.functional: every layer and loss as a function (PyTorch's torch.nn.functional). These are
// the ops themselves, re-exported; they are also top-level (kiln.conv2d, kiln.mseLoss, ...).
export { elu, gelu, heaviside, leakyRelu, relu, sigmoid, softplus, tanh } from '../ops/activation';
export { crossEntropy, logSoftmax, softmax } from '../ops/softmax';
export type { CrossEntropyOptions } from '../ops/softmax';
export { oneHot, pad } from '../ops/indexing';
export { flatten } from '../ops/views';
export { linear } from '../ops/linear';
export { conv2d } from '../ops/conv';
export { adaptiveAvgPool2d, avgPool2d, maxPool2d, maxPool2dWithIndices } from '../ops/pool';
export { batchNorm, groupNorm, layerNorm } from '../ops/norm';
export { dropout } from '../ops/dropout';
export { bceLoss, bceWithLogitsLoss, huberLoss, l1Loss, mseLoss, multiMarginLoss, nllLoss } from '../ops/loss';
