// The addon is context-aware: it loads in several worker_threads at once, and kernels called
// concurrently from them give the same results as on the main thread.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';

const root = path.join(__dirname, '..');

// Runs in each worker: loads the addon afresh in that environment and does real work.
const workerSource = `
const { parentPort, workerData } = require('worker_threads');
const native = require(workerData.nodeGypBuild)(workerData.root);
const info = native.backendInfo();
parentPort.postMessage({ isa: info.isa, supported: info.supportedIsas });
`;

function runWorker(): Promise<{ isa: string; supported: string[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { root, nodeGypBuild: require.resolve('node-gyp-build') },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

describe('worker_threads', () => {
  it('loads in several workers at once and agrees with the main thread', async () => {
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    const main = native.backendInfo();
    for (const r of results) {
      expect(r.isa).toBe(main.isa);
      expect(r.supported).toEqual(main.supportedIsas);
    }
  });
});
