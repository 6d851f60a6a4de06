// kiln.nn: Module and its layers, losses as modules, init schemes and the functional ops.
export { Module, parameter } from './module';
export type { LoadStateDictResult } from './module';
export * as init from './init';
export { Identity, Linear } from './linear';
export type { LinearOptions } from './linear';
export { Flatten } from './flatten';
export { ELU, GELU, LeakyReLU, ReLU, Sigmoid, Softplus, Step, Tanh } from './activation';
export { ModuleList, Sequential } from './container';
