// Renders Splink's match-weights chart (a Vega-Lite spec) with vega-embed.
// The expression interpreter keeps Vega inside the CSP (no eval); our own
// stylesheet styles the tooltip, so nothing injects inline styles.
(function () {
  "use strict";
  const holder = document.getElementById("match-weights-chart");
  const source = document.getElementById("match-weights-spec");
  if (!holder || !source || typeof vegaEmbed === "undefined") return;
  const spec = JSON.parse(source.textContent);
  vegaEmbed(holder, spec, {
    actions: false,
    renderer: "svg",
    ast: true,
    expr: vega.expressionInterpreter,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  }).then(function () {
    holder.setAttribute("data-rendered", "true");
  }).catch(function (error) {
    holder.textContent = "The chart could not be drawn; the figures are in the table below.";
    holder.setAttribute("data-rendered", "error");
    console.error(error);
  });
})();
