// One async walk over any loader: a DataLoader's async iterator (which yields to the event
// loop itself), or a plain iterable with an event-loop turn before each batch.
import type { Tensor } from '../tensor/tensor';
import type { Batches } from './types';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The batches of one epoch, with the event loop free to run between them. */
export async function* eachBatch(owner: string, loader: Batches): AsyncIterableIterator<Tensor[]> {
  if (loader !== null && typeof loader === 'object' && Symbol.asyncIterator in loader) {
    yield* loader as AsyncIterable<Tensor[]>;
    return;
  }
  if (loader === null || typeof loader !== 'object' || !(Symbol.iterator in loader)) throw new TypeError(`${owner}: loader must be a DataLoader or an iterable of [input, target] batches`);
  for (const batch of loader as Iterable<Tensor[]>) {
    await nextTurn();
    yield batch;
  }
}

/** [input, target] of a batch, or an error naming the owner. */
export function inputAndTarget(owner: string, batch: Tensor[]): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2) throw new TypeError(`${owner}: each batch must be [input, target, ...], got ${Array.isArray(batch) ? `${batch.length} tensor(s)` : typeof batch}`);
  return [batch[0], batch[1]];
}
