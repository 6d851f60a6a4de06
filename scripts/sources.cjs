#!/usr/bin/env node
// The one list of native sources, shared by binding.gyp and CMakeLists.txt so the two builds
// cannot drift. Files are grouped by naming convention rather than listed by hand:
//   kernels   native/cpu/**.cpp and native/kernels/**.cpp, except *_avx2.cpp
//   avx2      native/kernels/**/*_avx2.cpp: compiled with -mavx2 -mfma, x86-64 only
//   addon     native/addon/**.cpp: the Node-API bindings
// Usage: node scripts/sources.cjs <group> [--sep=;]   (paths relative to the package root)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function walk(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    return entry.isDirectory() ? walk(rel) : [rel];
  });
}

const isCpp = (f) => f.endsWith('.cpp');
const isAvx2 = (f) => f.endsWith('_avx2.cpp');

const groups = {
  kernels: () => [...walk('native/cpu'), ...walk('native/kernels')].filter((f) => isCpp(f) && !isAvx2(f)),
  avx2: () => walk('native/kernels').filter(isAvx2),
  addon: () => walk('native/addon').filter(isCpp),
};

const group = process.argv[2];
if (!groups[group]) {
  process.stderr.write(`sources.cjs: unknown group '${group}' (expected ${Object.keys(groups).join(', ')})\n`);
  process.exit(2);
}
const sepArg = process.argv.find((a) => a.startsWith('--sep='));
const sep = sepArg ? sepArg.slice('--sep='.length) : ' ';
process.stdout.write(groups[group]().sort().join(sep));
