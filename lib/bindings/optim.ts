// Filled in when the optim kernels land.

export interface OptimBindings {}
