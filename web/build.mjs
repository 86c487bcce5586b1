// Builds the reader widget: `node web/build.mjs OUTFILE`.
//
// Bundles and minifies web/widget.js into one IIFE for browsers from about
// 2019 on, and writes it to OUTFILE (folders are created). The server's build
// calls exactly this and embeds the result, so the output depends only on the
// source: no timestamps, no source maps, no legal comments.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 4096; // bytes, gzip -9

const out = process.argv[2];
if (!out || process.argv.length > 3) {
  console.error('usage: node web/build.mjs OUTFILE');
  process.exit(2);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.resolve(out);

try {
  await build({
    entryPoints: [path.join(here, 'widget.js')],
    outfile,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019', 'chrome80', 'firefox78', 'safari13'],
    legalComments: 'none',
    charset: 'ascii', // the host page may not be UTF-8
    logLevel: 'warning',
  });
} catch (err) {
  // esbuild has already printed the errors.
  process.exit(1);
}

const size = gzipSync(readFileSync(outfile), { level: 9 }).length;
if (size > BUDGET) {
  console.error(`web/build.mjs: ${out} is ${size} bytes gzipped, over the ${BUDGET}-byte budget`);
  process.exit(1);
}
