// Filled in when the softmax kernels land.

export interface SoftmaxBindings {}
