// Filled in when the elementwise kernels land.

export interface ElementwiseBindings {}
