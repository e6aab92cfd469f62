// Builds the console into ../internal/console/dist (committed, embedded by
// go:embed): dist/index.html and dist/assets/app.{js,css}. Fixed names, so
// a rebuild replaces the files in place; the Go side serves ETags.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

const out = new URL('../internal/console/dist/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}assets`, { recursive: true });
copyFileSync(new URL('index.html', import.meta.url).pathname, `${out}index.html`);

const opts = {
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  outdir: `${out}assets`,
  logLevel: 'info',
};
if (process.argv.includes('--watch')) {
  const ctx = await esbuild.context({ ...opts, minify: false });
  await ctx.watch();
} else {
  await esbuild.build(opts);
}
