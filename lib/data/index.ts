// kiln.data: datasets, batching, splits and normalization.
export { Dataset, Subset, TensorDataset, collate } from './dataset';
export type { Sample } from './dataset';
export { DataLoader } from './loader';
export type { DataLoaderOptions } from './loader';
export { randomSplit } from './split';
export type { RandomSplitOptions } from './split';
export { randperm } from './permutation';
export { meanStd, normalize } from './normalize';
export { RandomShift } from './augment';
export type { RandomShiftOptions } from './augment';
export type { MeanStd } from './normalize';
export { parseIdx, readIdx } from './idx';
export type { IdxArray } from './idx';
export * as datasets from './datasets/index';
