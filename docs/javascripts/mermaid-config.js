// Mermaid, served by this site (assets/vendor/mermaid, installed from npm by scripts/setup.sh
// and added to the build by docs/hooks/vendor_assets.py).
//
// Material for MkDocs draws each ```mermaid block by calling mermaid.initialize() once and
// mermaid.render() per diagram, and would fetch the library from a CDN if no `mermaid` were
// defined. This stand-in is that `mermaid`: it loads the library from this site on the first
// render, so pages without a diagram never download it (2.5 MB), and it draws diagrams at
// their natural size (useMaxWidth: false): the text keeps the page's size instead of being
// scaled down to the column; a wide diagram scrolls sideways in its own block (extra.css).
(function () {
  const library = new URL("../assets/vendor/mermaid/mermaid.min.js", document.currentScript.src).href;
  const diagrams = [
    "flowchart", "sequence", "gantt", "journey", "class", "state", "er", "pie", "quadrantChart",
    "xyChart", "requirement", "mindmap", "timeline", "gitGraph", "sankey", "block", "packet",
    "architecture", "radar", "kanban",
  ];
  let settings = {};
  let loading = null;

  function naturalSize(config) {
    const merged = Object.assign({}, config);
    for (const kind of diagrams) merged[kind] = Object.assign({useMaxWidth: false}, config[kind]);
    return merged;
  }

  function load() {
    loading = loading || new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = library;
      script.onload = function () { resolve(window.mermaid); };
      script.onerror = function () { reject(new Error("could not load " + library)); };
      document.head.appendChild(script);
    }).then(function (mermaid) {
      // the library replaced this stand-in as window.mermaid; later calls go straight to it
      mermaid.initialize(naturalSize(settings));
      const initialize = mermaid.initialize.bind(mermaid);
      mermaid.initialize = function (config) { return initialize(naturalSize(config || {})); };
      return mermaid;
    });
    return loading;
  }

  window.mermaid = {
    initialize: function (config) { settings = config || {}; },
    render: function (id, text, container) {
      return load().then(function (mermaid) { return mermaid.render(id, text, container); });
    },
  };
})();
