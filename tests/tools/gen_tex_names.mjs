// Generates mathpress/data/tex_names.json: every TeX macro and environment name that
// MathJax 3 or MathJax 4 can typeset through any of its TeX packages (autoload and
// \require can load all of them), read from MathJax's own package configurations.
//
// To rerun (from any scratch folder; the script finds the packages in the current folder):
//
//   mkdir -p /tmp/texnames && cd /tmp/texnames
//   npm init -y && npm install mathjax-full@3.2.2 @mathjax/src@4.1.3
//   node /work/main/tests/tools/gen_tex_names.mjs
//
// It loads every input/tex/*/*Configuration.js of both versions, then, for every
// registered package configuration, reads the keys of the token maps named in its
// `macro` and `delimiter` handlers (control words such as \frac, character macros such
// as \alpha, delimiters such as \langle) and in its `environment` handler. The output is
// sorted, indented by 1, with a trailing newline, so reruns give the same file.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.join(here, '..', '..', 'mathpress', 'data', 'tex_names.json');
const require = createRequire(path.join(process.cwd(), 'package.json'));

/** Every package folder's *Configuration.js file below a MathJax input/tex folder, sorted. */
function configurationFiles(texDir) {
  return fs.readdirSync(texDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fs.readdirSync(path.join(texDir, entry.name))
      .filter((file) => file.endsWith('Configuration.js'))
      .map((file) => path.join(texDir, entry.name, file)))
    .sort();
}

/** Names from one version: walk the maps named by every registered configuration. */
function collect(ConfigurationHandler, MapHandler, macros, environments) {
  const configs = [...ConfigurationHandler.keys()].sort().map((name) => ConfigurationHandler.get(name));
  const delimiterMaps = new Set(configs.flatMap((config) => config.handler?.delimiter || []));
  for (const config of configs) {
    for (const kind of ['macro', 'delimiter', 'environment']) {
      for (const mapName of config.handler?.[kind] || []) {
        const map = MapHandler.getMap(mapName);
        if (!map || !(map.map instanceof Map)) continue;  // regexp maps have no names
        const delimiters = delimiterMaps.has(mapName);
        for (const key of map.map.keys()) addName(kind, key, delimiters, macros, environments);
      }
    }
  }
}

/** Record one map key: environments as they are, macros without the backslash. */
function addName(kind, key, delimiters, macros, environments) {
  if (kind === 'environment') {
    environments.add(key);
  } else if (!delimiters) {
    macros.add(key);  // a macro map's keys are the names after the backslash
  } else if (key.startsWith('\\') && key.length > 1) {
    macros.add(key.slice(1));  // a delimiter map: `\langle` is a macro, `(` and `<` are not
  }
}

/** MathJax 3 (CommonJS build in mathjax-full). */
function loadV3(macros, environments) {
  const root = path.dirname(require.resolve('mathjax-full/package.json'));
  const texDir = path.join(root, 'js', 'input', 'tex');
  for (const file of configurationFiles(texDir)) require(file);
  const { ConfigurationHandler } = require(path.join(texDir, 'Configuration.js'));
  const { MapHandler } = require(path.join(texDir, 'MapHandler.js'));
  collect(ConfigurationHandler, MapHandler, macros, environments);
  return require('mathjax-full/package.json').version;
}

/** MathJax 4 (ES module build in @mathjax/src). */
async function loadV4(macros, environments) {
  const root = path.dirname(require.resolve('@mathjax/src/package.json'));
  const texDir = path.join(root, 'mjs', 'input', 'tex');
  for (const file of configurationFiles(texDir)) await import(pathToFileURL(file).href);
  const { ConfigurationHandler } = await import(pathToFileURL(path.join(texDir, 'Configuration.js')).href);
  const { MapHandler } = await import(pathToFileURL(path.join(texDir, 'MapHandler.js')).href);
  collect(ConfigurationHandler, MapHandler, macros, environments);
  return require('@mathjax/src/package.json').version;
}

const macros = new Set();
const environments = new Set();
const versions = [loadV3(macros, environments), await loadV4(macros, environments)];
const sorted = (set) => [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const data = { mathjax: versions, macros: sorted(macros), environments: sorted(environments) };
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output, JSON.stringify(data, null, 1) + '\n');
console.log(`${output}: ${data.macros.length} macros, ${data.environments.length} environments`);
