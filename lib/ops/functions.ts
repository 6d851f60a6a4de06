// Every op function, for Tensor's methods and the public `kiln` namespace.
export * from './activation';
export * from './arith';
export * from './convert';
export * from './join';
export * from './matmul';
export * from './linear';
export * from './reduce';
export * from './softmax';
export * from './views';
export { onesLike, zerosLike } from '../tensor/creation';
export * from './indexing';
export * from './conv';
export * from './pool';
export * from './norm';
export * from './dropout';
export * from './loss';
