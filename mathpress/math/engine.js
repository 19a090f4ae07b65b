// mathpress's glue around MathJax 4 in a bare V8 (mini-racer): typeset one post's spans per call.
// Loaded after MathJax's components; engine.py calls mathpress.typeset(JSON) and reads JSON back.
(function () {
  "use strict";
  const mj = MathJax._;
  const STATE = mj.core.MathItem.STATE;
  const mathjax = mj.mathjax.mathjax;
  const TexParser = mj.input.tex.TexParser.default;
  const MapHandler = mj.input.tex.MapHandler.MapHandler;
  const adaptor = MathJax.startup.adaptor;
  const USER_MAPS = ["new-Command", "new-Environment", "new-Delimiter"];

  // Where the parser was reading when an error stopped it: the start of the token, not its end.
  TexParser.prototype.Parse = function () {
    let c;
    while (this.i < this.string.length) {
      this.mpStart = this.i;
      c = this.getCodePoint();
      this.i += c.length;
      this.parse("character", [this, c]);
    }
  };

  // Files MathJax loads on demand (the font's dynamic ranges, TeX extensions for autoload and
  // \require) come from engine.py: a request pauses the typesetting and is answered with
  // {needs: [paths]}; engine.py runs those files, then resume() carries on where it stopped.
  let waiting = [];  // [path, resolve] of each file asked for and not yet given
  let wake = null;  // answers the pending call with the files it needs
  MathJax.config.loader.require = function (path) {
    return new Promise((resolve, reject) => {
      waiting.push([path, resolve, reject]);
      if (wake) wake();
    });
  };

  function answer(work) {
    return new Promise((resolve, reject) => {
      wake = () => resolve(JSON.stringify({ needs: waiting.map((w) => w[0]) }));
      if (waiting.length) wake();
      work.then(resolve, reject);
    });
  }

  let current = null;

  function resume(missing) {
    const given = waiting;
    waiting = [];
    wake = null;
    for (const [path, resolve, reject] of given) {
      if (missing.includes(path)) reject(new Error("not vendored with mathpress: " + path));
      else resolve({});
    }
    return answer(current);
  }

  // Offset in the span's TeX of the token being read when MathJax stopped: nested parsers read
  // substrings (arguments), found again in their parent's text just before where it stopped.
  function errorOffset(parsers, tex) {
    if (!parsers || !parsers.length) return -1;
    let offset = parsers[0].mpStart !== undefined ? parsers[0].mpStart : parsers[0].i;
    for (let k = 1; k < parsers.length; k++) {
      const inner = parsers[k - 1].string, outer = parsers[k];
      const at = outer.string.lastIndexOf(inner, Math.max(0, outer.i - inner.length));
      offset = at >= 0 ? at + offset : outer.mpStart !== undefined ? outer.mpStart : outer.i;
    }
    // MathJax may have rewritten its text (x^1^2 reads as "x^1 ^2 "): up to where it still agrees
    // with the author's TeX, the offset is exact; past that, the place where they part is the problem.
    const text = parsers[parsers.length - 1].string;
    let same = 0;
    while (same < text.length && same < tex.length && text[same] === tex[same]) same++;
    return Math.min(offset, same, tex.length);
  }

  function formatError(jax, err) {
    const item = jax.parseOptions.mathItem;
    if (item) {
      item.inputData.mpError = { message: err.message, id: err.id, offset: errorOffset(jax.parseOptions.parsers, item.math) };
    }
    return jax.formatError(err);
  }

  const documents = {};

  // One MathDocument for the settings in use, made again when they change (a process may build
  // several sites: tests). Only one at a time: each TeX input registers its own \newcommand tables
  // under the same global names, and resetPost must clear the tables of the document in use.
  function documentFor(settings) {
    const key = JSON.stringify(settings);
    if (documents[key]) return documents[key];
    for (const old of Object.keys(documents)) delete documents[old];
    const tex = new mj.input.tex_ts.TeX({
      packages: MathJax.config.tex.packages,
      macros: settings.macros,
      tags: settings.tags,
      formatError: formatError,
    });
    const svg = new mj.output.svg_ts.SVG({
      fontData: MathJax.startup.output.options.fontData,
      fontCache: "none",  // paths inline: no ids to keep unique across a page's formulas
      displayOverflow: settings.width ? "linebreak" : "overflow",
      linebreaks: { inline: true, width: "100%" },
    });
    const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });
    return (documents[key] = { doc: doc, tex: tex, svg: svg });
  }

  // A post is a page of its own: equation numbers, labels and \newcommand start afresh.
  function resetPost(tex) {
    tex.reset();
    for (const name of USER_MAPS) {
      const map = MapHandler.getMap(name);
      if (map) map.map.clear();
    }
  }

  // Macros that MathJax does not know (noundefined paints them red): the names, in order.
  function undefinedMacros(root) {
    const found = [];
    root.walkTree(function (node) {
      if (node.isKind("mtext") && node.attributes.get("mathcolor") === "red") {
        const text = node.getText();
        const latex = node.attributes.get("data-latex") || "";
        // `\nosuch` (or `\[`) as written, or a named macro inside \text{…} (no textmacros, as in the
        // browser): `\text{\textdollar}`, shown as written
        const named = /^\\[A-Za-z]+$/.test(text);
        if ((named || /^\\[^A-Za-z]$/.test(text)) && (latex === text || (named && latex.includes(text)))) found.push(text);
      }
    });
    return found;
  }

  // The output without the TeX of every node (data-latex) and the MathML names its stylesheet does
  // not select (data-mml-node): the browser's MathJax keeps them for its menus, a static page need not.
  const STYLED = ["merror", "mtable", "maction"];
  function lean(node) {
    if (adaptor.kind(node).charAt(0) === "#") return node;  // text, comments
    adaptor.removeAttribute(node, "data-latex");
    if (!STYLED.includes(adaptor.getAttribute(node, "data-mml-node"))) adaptor.removeAttribute(node, "data-mml-node");
    for (const child of adaptor.childNodes(node)) lean(child);
    return node;
  }

  function itemFor(data, span, settings) {
    const item = new data.doc.options.MathItem(span.tex, data.tex, span.display);
    item.start.node = adaptor.body(data.doc.document);
    item.setMetrics(16, 8, settings.width ? settings.width * 16 : 80 * 8, 1);
    return item;
  }

  function result(item, data, output) {
    const error = item.inputData.mpError || null;
    const crash = item.inputData.error;  // not a TeX error: MathJax itself failed ("Math input error")
    const out = {
      mml: MathJax.startup.toMML(item.root),
      error: error || (crash ? { message: String(crash.message || crash), id: "internal", offset: -1 } : null),
      undefined: undefinedMacros(item.root),
      tag: null,
    };
    if (output) out.svg = adaptor.outerHTML(lean(item.typesetRoot));
    return out;
  }

  async function typeset(request) {
    const settings = request.settings;
    const data = documentFor(settings);
    const doc = data.doc;
    resetPost(data.tex);
    doc.clear();
    doc.clearPromises();
    const items = request.spans.map((span) => itemFor(data, span, settings));
    for (const item of items) doc.math.push(item);
    await mathjax.handleRetriesFor(() => doc.compile());
    if (request.output) {
      await mathjax.handleRetriesFor(() => {
        for (const item of items) item.typeset(doc);
      });
    }
    return JSON.stringify({ spans: items.map((item) => result(item, data, request.output)) });
  }

  globalThis.mathpress = {
    typeset: (json) => answer((current = typeset(JSON.parse(json)))),
    resume: resume,
    stylesheet: (json) => {
      const data = documentFor(JSON.parse(json));
      return adaptor.textContent(data.svg.styleSheet(data.doc));
    },
    version: () => MathJax.version,
  };
})();
