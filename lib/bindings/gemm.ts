// Filled in when the gemm kernels land.

export interface GemmBindings {}
