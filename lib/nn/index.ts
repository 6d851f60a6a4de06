// kiln.nn: Module and its layers, losses as modules, init schemes and the functional ops.
export { Module, parameter } from './module';
export type { LoadStateDictResult } from './module';
export * as init from './init';
