// kiln.data.datasets: loaders for the datasets the examples and benchmarks use.
export { mnist } from './mnist';
export type { MnistOptions } from './mnist';
export { fashionMnist, FASHION_MNIST_DIR } from './fashion_mnist';
export type { ImageOptions, ImageSplits } from './split';
