import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

import { backendInfo, getNumThreads, setNumThreads } from '../lib';
import { native } from '../lib/native';

describe('backend', () => {
  it('reports the active ISA among the supported ones, the thread count and the version', () => {
    const info = backendInfo();
    expect(info.supportedIsas).toContain('scalar');
    expect(info.supportedIsas).toContain(info.isa);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(info.version).toBe(pkg.version);
    expect(info.blas).toBe('kiln');
  });

  it('sets the thread count and refuses bad counts with a named error', () => {
    const before = getNumThreads();
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
    setNumThreads(before);
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: n must be an integer between 1 and 1024, got 0/);
    expect(() => setNumThreads(2.5)).toThrow(/got 2.5/);
    expect(() => native.setNumThreads(-1)).toThrow(/setNumThreads: argument 'n' must be >= 0, got -1/);
    expect(() => (native.setNumThreads as (x: unknown) => void)('2')).toThrow(/must be a number, got string/);
  });

  it('switches ISA paths and refuses unknown ones', () => {
    const { isa, supportedIsas } = backendInfo();
    for (const path of supportedIsas) {
      native.setIsa(path);
      expect(backendInfo().isa).toBe(path);
    }
    native.setIsa(isa);
    expect(() => native.setIsa('sse9' as never)).toThrow(/setIsa: unknown ISA 'sse9'/);
  });
});
