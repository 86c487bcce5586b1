// Builds the reader widget: `node web/build.mjs OUTFILE`.
// Minifies the appeal's stylesheet: `node web/build.mjs --css INFILE OUTFILE`
// (readers download it with every appeal; comments stay in the source).
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

import { transform } from 'esbuild';
import { writeFileSync } from 'node:fs';

const BUDGET = 4096; // bytes, gzip -9
const CSS_BUDGET = 2048;
const TARGETS = ['es2019', 'chrome80', 'firefox78', 'safari13'];

if (process.argv[2] === '--css') {
  const [input, output] = process.argv.slice(3);
  if (!input || !output || process.argv.length > 5) {
    console.error('usage: node web/build.mjs --css INFILE OUTFILE');
    process.exit(2);
  }
  const { code } = await transform(readFileSync(input, 'utf8'), {
    loader: 'css',
    minify: true,
    target: TARGETS.slice(1),
    logLevel: 'warning',
  });
  writeFileSync(output, code);
  const size = gzipSync(Buffer.from(code), { level: 9 }).length;
  if (size > CSS_BUDGET) {
    console.error(`web/build.mjs: ${output} is ${size} bytes gzipped, over the ${CSS_BUDGET}-byte budget`);
    process.exit(1);
  }
  process.exit(0);
}

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
    target: TARGETS,
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
