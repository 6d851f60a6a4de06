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
const values = new Float32Array(200000);
native.randomUniform(values, 7, 0, -1, 1);
const param = values.slice(), grad = values.map((x) => x * 0.5);
const m = new Float32Array(values.length), v = new Float32Array(values.length);
for (let step = 1; step <= 20; ++step) {
  native.adamStep(param, grad, m, v, null, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, false, step);
}
parentPort.postMessage({ isa: info.isa, supported: info.supportedIsas, param }, [param.buffer]);
`;

interface WorkerResult {
  isa: string;
  supported: string[];
  param: Float32Array;
}

// The same work as the workers do, on this thread.
function expectedParam(): Float32Array {
  const values = new Float32Array(200000);
  native.randomUniform(values, 7, 0, -1, 1);
  const param = values.slice();
  const grad = values.map((x) => x * 0.5);
  const m = new Float32Array(values.length);
  const v = new Float32Array(values.length);
  for (let step = 1; step <= 20; ++step) {
    native.adamStep(param, grad, m, v, null, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, false, step);
  }
  return param;
}

function runWorker(): Promise<WorkerResult> {
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
  it('loads in several workers at once, runs kernels concurrently and agrees with the main thread', async () => {
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    const main = native.backendInfo();
    const param = expectedParam();
    for (const r of results) {
      expect(r.isa).toBe(main.isa);
      expect(r.supported).toEqual(main.supportedIsas);
      expect(Buffer.from(r.param.buffer).equals(Buffer.from(param.buffer))).toBe(true);
    }
  });
});
