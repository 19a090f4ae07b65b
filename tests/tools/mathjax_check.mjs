// Typeset math spans with MathJax 4 (tests/node_modules/mathjax4) and report the ones it rejects.
//
// Usage: node tests/tools/mathjax_check.mjs < request.json > errors.json
// request: {"tex": {"macros": {...}, "tags": "ams"}, "pages": [{"page": "/a/", "spans": [["x^2", false], ...]}]}
// reply:   {"/a/": [[span index, "message"], ...], ...} for the pages with at least one error.
//
// One process per site: MathJax starts once with the site's macros; `texReset` between pages resets
// equation numbers and labels. An error is a thrown TeX error or an <merror> in the MathML; with the
// `noundefined` package removed, an unknown macro is an error too (in a browser it shows in red).
// Identical spans are typeset once. Macros a page defines with \newcommand stay defined for later
// pages, as they would not in a browser: an approximation that can only hide errors.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'package.json'));
const MathJax = require('mathjax4');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const tex = request.tex || {};

await MathJax.init({
  loader: { load: ['input/tex'] },
  tex: {
    packages: { '[-]': ['noundefined'] },
    macros: tex.macros || {},
    tags: tex.tags || 'none',
    formatError: (jax, err) => { throw err; },
  },
});

const seen = new Map();
async function check(source, display) {
  const key = `${display ? 'D' : 'I'}${source}`;
  if (seen.has(key)) return seen.get(key);
  let message = null;
  try {
    const mml = await MathJax.tex2mmlPromise(source, { display });
    const merror = /<merror[^>]*>([\s\S]*?)<\/merror>/.exec(mml);
    if (merror) message = merror[1].replace(/<[^>]+>/g, '').trim() || 'merror';
  } catch (err) {
    message = String((err && err.message) || err);
  }
  if (!/\\(?:newcommand|renewcommand|def|let|DeclareMathOperator|newenvironment)/.test(source)) seen.set(key, message);
  return message;
}

const reply = {};
for (const { page, spans } of request.pages || []) {
  MathJax.texReset();
  const errors = [];
  for (let i = 0; i < spans.length; i++) {
    const message = await check(spans[i][0], Boolean(spans[i][1]));
    if (message) errors.push([i, message]);
  }
  if (errors.length) reply[page] = errors;
}
process.stdout.write(JSON.stringify(reply));
