// An independent float64 implementation of schedule-free AdamW (Defazio et al. 2024, the
// reference AdamWScheduleFree), shared by the native-step and optimizer-class tests.

export interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  warmupSteps: number;
  r: number;
  weightLrPower: number;
}

// The reference optimizer: keeps x, y, z, v and its own scalar state.
export class Reference {
  x: number[];
  y: number[];
  z: number[];
  v: number[];
  t = 0;
  lrMax = -1;
  weightSum = 0;
  constructor(p0: ArrayLike<number>, readonly h: Hyper) {
    this.x = Array.from(p0);
    this.y = Array.from(p0);
    this.z = Array.from(p0);
    this.v = this.x.map(() => 0);
  }
  /** One step with gradient g (taken at y); returns the step's lr and c. */
  step(g: ArrayLike<number>): { lr: number; c: number } {
    const h = this.h;
    this.t += 1;
    const lr = h.lr * Math.min(1, this.t / h.warmupSteps);
    this.lrMax = Math.max(this.lrMax, lr);
    const weight = this.t ** h.r * this.lrMax ** h.weightLrPower;
    this.weightSum += weight;
    const c = weight / this.weightSum;
    const bc2 = 1 - h.beta2 ** this.t;
    for (let i = 0; i < this.x.length; ++i) {
      this.z[i] -= lr * h.weightDecay * this.y[i];
      this.v[i] = h.beta2 * this.v[i] + (1 - h.beta2) * g[i] * g[i];
      this.z[i] -= (lr * g[i]) / (Math.sqrt(this.v[i] / bc2) + h.eps);
      this.x[i] = (1 - c) * this.x[i] + c * this.z[i];
      this.y[i] = h.beta1 * this.x[i] + (1 - h.beta1) * this.z[i];
    }
    return { lr, c };
  }
}
