// Filled in when the reduce kernels land.

export interface ReduceBindings {}
