#!/usr/bin/env node
// The `bm` command: loads the TypeScript sources through tsx (no build step).
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`bm needs Node.js 22 or newer (this is ${process.version}).`);
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
await import('./bm.ts');
