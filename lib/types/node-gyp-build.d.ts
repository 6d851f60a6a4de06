// node-gyp-build ships no types: it exports one function that loads the addon below a root.
declare module 'node-gyp-build' {
  function nodeGypBuild(root: string): unknown;
  export = nodeGypBuild;
}
