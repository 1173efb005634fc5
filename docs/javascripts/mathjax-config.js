// MathJax 3 is served by this site (assets/vendor/mathjax, installed from npm by scripts/setup.sh).
// pymdownx.arithmatex (generic mode) wraps math in .arithmatex elements with \( \) and \[ \].
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
};
