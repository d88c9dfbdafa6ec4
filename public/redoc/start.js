// Starts ReDoc on Folio's OpenAPI document. A file rather than an inline script,
// so the page passes the Content-Security-Policy; the system's fonts, so nothing is
// fetched from a font service (ReDoc's own theme names Montserrat and Roboto); no
// search box, whose index runs in a worker made from a blob: URL, which the policy
// refuses (the sidebar lists every operation).
window.addEventListener("load", function () {
  if (!window.Redoc || typeof window.Redoc.init !== "function") {
    return; // the bundle is missing (scripts/bootstrap.sh copies it); the page keeps its links
  }
  var text = 'system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif';
  var code = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace';
  window.Redoc.init(
    "/api/openapi.json",
    {
      disableSearch: true,
      theme: {
        typography: {
          fontFamily: text,
          headings: { fontFamily: text },
          code: { fontFamily: code },
        },
      },
    },
    document.getElementById("redoc"),
  );
});
