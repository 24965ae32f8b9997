// Bundles src/extension.ts and its dependencies (vscode-languageclient) into out/extension.js,
// so the .vsix carries one file instead of node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'out/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  minify: process.argv.includes('--minify'),
  logLevel: 'info',
});
