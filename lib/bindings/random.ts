// Filled in when the random kernels land.

export interface RandomBindings {}
