// Loaded first: records console.warn calls and CSP violations for smoke.js's report.
window.__smoke = { warnings: [], violations: [] };
(function () {
  var origWarn = console.warn;
  console.warn = function (msg) {
    window.__smoke.warnings.push(String(msg));
    origWarn.apply(console, arguments);
  };
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__smoke.violations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
})();
