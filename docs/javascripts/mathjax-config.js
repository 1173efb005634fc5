// MathJax 3 is served by this site (assets/vendor/mathjax, installed from npm by scripts/setup.sh).
// pymdownx.arithmatex (generic mode) wraps math in .arithmatex elements with \( \) and \[ \].
//
// Formulas keep their size on every screen (extra.css): a display formula wider than the
// column scrolls inside its own block. An inline formula cannot be broken across lines, so
// one wider than its paragraph (on a phone; also in a collapsed block when it opens) is marked `dlref-wide` and becomes a scrolling
// block of its own; it goes back inline when the window is wide enough again.
function markWideFormulas() {
  const inline = document.querySelectorAll('mjx-container[jax="SVG"]:not([display="true"])');
  for (const formula of inline) formula.classList.remove("dlref-wide");
  const wide = [];
  for (const formula of inline) {
    const svg = formula.firstElementChild;
    const block = formula.closest("p, li, dd, dt, blockquote, figcaption, h1, h2, h3, h4, h5, h6, div");
    if (!svg || !block) continue;
    const style = getComputedStyle(block);
    const room = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (svg.getBoundingClientRect().width > room + 0.5) wide.push(formula);
  }
  for (const formula of wide) formula.classList.add("dlref-wide");
}

let wideFormulasFrame = 0;
function remarkWideFormulas() {
  cancelAnimationFrame(wideFormulasFrame);
  wideFormulasFrame = requestAnimationFrame(markWideFormulas);
}
window.addEventListener("resize", remarkWideFormulas);
document.addEventListener("toggle", remarkWideFormulas, true);  // a collapsed block opened

window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
  svg: { fontCache: "global" },
  startup: {
    pageReady: () => MathJax.startup.defaultPageReady().then(markWideFormulas),
  },
};
