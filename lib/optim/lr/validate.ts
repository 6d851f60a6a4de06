// Option checks shared by the schedules: each throws an Error naming the schedule, the
// option and the bad value, so a typo in a training script fails at construction.

/** Throws unless `value` is a finite number. */
export function requireFinite(where: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${where}: ${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is an integer >= `min` (1 by default). */
export function requireInteger(where: string, name: string, value: number, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number in [lo, hi]. */
export function requireInRange(where: string, name: string, value: number, lo: number, hi: number): number {
  requireFinite(where, name, value);
  if (value < lo || value > hi) throw new Error(`${where}: ${name} must be in [${lo}, ${hi}], got ${value}`);
  return value;
}

/** Throws unless `value` is a finite number > 0. */
export function requirePositive(where: string, name: string, value: number): number {
  requireFinite(where, name, value);
  if (value <= 0) throw new Error(`${where}: ${name} must be > 0, got ${value}`);
  return value;
}

/** Throws unless `value` is one of `allowed`. */
export function requireOneOf<T extends string>(where: string, name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new Error(`${where}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
  return value;
}

/**
 * One value per param group: a scalar is repeated, an array must have one entry per group
 * (PyTorch's `_format_param`).
 */
export function perGroup(where: string, name: string, value: number | readonly number[], groups: number): number[] {
  const values = typeof value === 'number' ? new Array<number>(groups).fill(value) : [...value];
  if (values.length !== groups) {
    throw new Error(`${where}: expected ${groups} values for ${name} (one per param group), got ${values.length}`);
  }
  values.forEach((v, i) => requireFinite(where, `${name}[${i}]`, v));
  return values;
}

/** Throws unless `value` is a finite number >= 0. */
export function requireNonNegative(where: string, name: string, value: number): number {
  requireFinite(where, name, value);
  if (value < 0) throw new Error(`${where}: ${name} must be >= 0, got ${value}`);
  return value;
}
