// Starts Swagger UI on Folio's OpenAPI document. A file rather than an inline
// script, so the page passes the Content-Security-Policy.
window.addEventListener("load", function () {
  if (typeof window.SwaggerUIBundle !== "function") {
    return; // the bundle is missing (scripts/bootstrap.sh copies it); the page keeps its link to the raw document
  }
  window.ui = window.SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: true,
  });
});
