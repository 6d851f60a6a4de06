// The momentum that CyclicLR and OneCycleLR cycle inversely to the lr: a group's `momentum`
// (SGD, RMSprop) or the first of its `betas` (Adam, AdamW).
import type { ParamGroupLike } from './scheduler';

function hasBetas(group: ParamGroupLike): group is ParamGroupLike & { betas: [number, number] } {
  return Array.isArray(group.betas) && group.betas.length === 2 && typeof group.betas[0] === 'number';
}

function hasMomentum(group: ParamGroupLike): boolean {
  return hasBetas(group) || typeof group.momentum === 'number';
}

/** Sets the group's momentum, or beta1 when the group has betas (betas is replaced, not mutated). */
export function setMomentum(group: ParamGroupLike, value: number): void {
  if (hasBetas(group)) group.betas = [value, group.betas[1]];
  else group.momentum = value;
}

/**
 * Whether to cycle momentum: by default when every group has a momentum or betas; `true`
 * insists (and throws naming the first group without either), `false` never cycles.
 */
export function resolveCycleMomentum(where: string, groups: ParamGroupLike[], cycleMomentum: boolean | undefined): boolean {
  const without = groups.findIndex((g) => !hasMomentum(g));
  if (cycleMomentum === undefined) return without < 0;
  if (cycleMomentum && without >= 0) {
    throw new Error(
      `${where}: cycleMomentum needs a momentum or betas option in every param group; paramGroups[${without}] has neither`,
    );
  }
  return cycleMomentum;
}
