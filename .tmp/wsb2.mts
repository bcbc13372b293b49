import { build } from 'esbuild';
const r = await build({ entryPoints: ['/work/wt-webapp/lambdas/workspace/handler.ts'], bundle: true, platform: 'node', format: 'esm', metafile: true, write: false, external: ['@aws-sdk/*'], logLevel: 'silent' });
const inputs = r.metafile.inputs;
const importers = new Map<string, string[]>();
for (const [f, i] of Object.entries(inputs)) for (const im of i.imports) { if (!importers.has(im.path)) importers.set(im.path, []); importers.get(im.path)!.push(f); }
let cur = Object.keys(inputs).find((k) => k.includes('node_modules/mailparser/'))!;
for (let n = 0; n < 15 && cur; n++) { console.log(cur); cur = (importers.get(cur) ?? [])[0]!; }
