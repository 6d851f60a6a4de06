// Filled in when the activation kernels land.

export interface ActivationBindings {}
