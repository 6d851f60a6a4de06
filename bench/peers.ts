// Running a benchmark peer script: bench/peers/*.py with Debian's PyTorch, when installed, and
// TypeScript programs (a peer library, or kiln alone) in a Node process of their own.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Debian's python3 (the one python3-torch installs for), not a pyenv python3 first on PATH. */
const PYTHON = '/usr/bin/python3';

export function torchAvailable(): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function jsonLines<T>(out: string): T[] {
  return out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as T);
}

/** Runs bench/peers/<script> with args (and extra environment) and parses every JSON line it prints. */
export function runPeerLines<T>(script: string, args: (string | number)[], env: Record<string, string> = {}): T[] {
  const out = execFileSync(PYTHON, [path.join(__dirname, 'peers', script), ...args.map(String)], { encoding: 'utf8', env: { ...process.env, ...env } });
  return jsonLines<T>(out);
}

/**
 * Runs a TypeScript program (path relative to bench/) in a Node process of its own, so that its
 * memory and start-up are its own, and parses every JSON line it prints.
 */
export function runNodeLines<T>(program: string, args: (string | number)[]): T[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, program), ...args.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return jsonLines<T>(out);
}

/** Runs bench/peers/<script> with args and parses the JSON object it prints last. */
export function runPeer<T>(script: string, args: (string | number)[]): T {
  const lines = runPeerLines<T>(script, args);
  return lines[lines.length - 1];
}
