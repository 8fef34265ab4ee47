/* Live Code: the book's front end for Thebe 0.9, in place of sphinx-thebe's (see _ext/live_code.py).
 *
 * sphinx-book-theme's "Live Code" button calls initThebeSBT(), which adds a status button under
 * the page title and calls initThebe() below. BOOK_LIVE_CODE (written by _ext/live_code.py) says
 * where thebe is and which Jupyter server to use (null: Binder, from the page's thebe config).
 */
(() => {
  "use strict";

  const HERE = document.currentScript ? document.currentScript.src : document.baseURI;
  // MyST-NB's HTML: a code cell, its source (never a <pre> of its output) and its output.
  const CELL = ".cell, .thebe";
  const SOURCE = ".cell_input pre, .thebe > pre";
  const OUTPUT = ".cell_output";
  let started = null;

  const url = (path) => new URL(path, HERE).href;

  function show(state, text) {
    document.body.dataset.liveCode = state;
    const button = document.querySelector(".thebe-launch-button");
    if (button) {
      button.dataset.status = state;
      button.textContent = text;
    }
  }

  function load(tag, attributes) {
    return new Promise((resolve, reject) => {
      const element = Object.assign(document.createElement(tag), attributes);
      element.addEventListener("load", resolve);
      element.addEventListener("error", () => reject(new Error(`could not load ${attributes.src || attributes.href}`)));
      document.head.appendChild(element);
    });
  }

  // Every executable source gets exactly one [data-output], in page order: thebe 0.9 pairs the
  // n-th source with the n-th output.
  function markCells() {
    document.querySelectorAll(CELL).forEach((cell) => {
      const source = cell.querySelector(SOURCE);
      if (!source || source.hasAttribute("data-executable")) return;
      source.setAttribute("data-executable", "true");
      source.setAttribute("data-language", "python");
      let output = cell.querySelector(OUTPUT);
      if (!output) {
        output = document.createElement("div");
        output.className = "cell_output live-code-output";
        cell.appendChild(output);
      }
      output.setAttribute("data-output", "");
      cell.querySelectorAll("button.copybtn").forEach((button) => button.remove());
    });
  }

  // LaTeX outputs (SymPy's "$\displaystyle ...$") through the page's own MathJax 3, never the
  // MathJax 2 thebe would load from a CDN; without MathJax on the page the TeX stays as text.
  function typeset(host) {
    const mathjax = window.MathJax;
    if (!mathjax || !mathjax.tex2chtmlPromise) return;
    const tex = host.textContent.trim().match(/^(\$\$?)([\s\S]+)\1$/);
    let done;
    if (tex) {
      done = mathjax.tex2chtmlPromise(tex[2], { display: tex[1] === "$$" }).then((node) => {
        host.replaceChildren(node);
        mathjax.startup.document.clear();
        mathjax.startup.document.updateDocument();
      });
    } else {
      host.classList.add("output_area");       // MyST's MathJax setup typesets only such classes
      done = mathjax.typesetPromise([host]);
    }
    done.catch((error) => console.warn("Live Code: could not typeset", error));
  }

  async function start() {
    const settings = BOOK_LIVE_CODE;
    const where = settings.server ? settings.server.baseUrl : "Binder";
    show("loading", "Loading Thebe…");
    await Promise.all([
      load("link", { rel: "stylesheet", href: url(settings.css) }),
      load("script", { src: url(settings.js) }),
    ]);
    markCells();
    const thebe = window.thebe;
    thebe.on("status", (_, data) => show(data.status || "status", `Live Code (${where}): ${data.message}`));
    thebe.on("error", (_, data) => show("failed", `Live Code failed: ${data.message}`));
    const options = {
      requestKernel: true,
      useBinder: !settings.server,
      kernelOptions: { kernelName: window.kernelName || "python3" },
      binderOptions: { binderUrl: settings.binderUrl },  // repo and ref: the page's thebe config
    };
    if (settings.server) options.serverSettings = settings.server;
    const running = thebe.bootstrap(options);
    // bootstrap() has built the notebook and its output renderers, which share one typesetter
    // and call it only later (after a promise): give that object the page's MathJax now.
    const rendermime = thebe.notebook.rendermime;
    if (rendermime.latexTypesetter) rendermime.latexTypesetter.typeset = typeset;
    else rendermime.latexTypesetter = { typeset };
    const { session } = await running;
    if (!session) throw new Error(`no kernel from ${where}`);
    show("ready", `Live Code: kernel ready (${where})`);
    // sphinx-thebe's thebe-init tag: run these cells as soon as the kernel is up.
    document.querySelectorAll(".tag_thebe-init .thebe-run-button").forEach((button) => button.click());
  }

  window.initThebe = () => {
    if (!started) {
      started = start().catch((error) => {
        show("failed", `Live Code failed: ${error.message || error}`);
        console.error("Live Code:", error);
      });
    }
    return started;
  };
})();
