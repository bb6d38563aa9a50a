// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's
// Content-Security-Policy can refuse inline scripts.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
  });
})();
