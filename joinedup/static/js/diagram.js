// Draws a pathway's stages and transitions with Cytoscape.js from #diagram-data.
(function () {
  "use strict";
  const holder = document.getElementById("diagram");
  const source = document.getElementById("diagram-data");
  if (!holder || !source || typeof cytoscape === "undefined") return;
  const data = JSON.parse(source.textContent);
  cytoscape({
    container: holder,
    elements: data.nodes.concat(data.edges),
    layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1 },
    userZoomingEnabled: false,
    style: [
      { selector: "node", style: { label: "data(label)", "text-wrap": "wrap", "text-max-width": 120, "font-size": 11, "background-color": "#1d70b8", color: "#0b0c0c", "text-valign": "bottom", "text-margin-y": 4 } },
      { selector: "edge", style: { width: 2, "line-color": "#505a5f", "target-arrow-color": "#505a5f", "target-arrow-shape": "triangle", "curve-style": "bezier" } },
    ],
  });
})();
