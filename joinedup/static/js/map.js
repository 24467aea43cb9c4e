// Draws a Leaflet map from the JSON in <script type="application/json" id="map-data">.
// Without a tile URL the base layer stays blank, so maps work offline.
(function () {
  "use strict";
  const holder = document.getElementById("map");
  const source = document.getElementById("map-data");
  if (!holder || !source || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const map = L.map(holder, { scrollWheelZoom: false }).setView([53.05, -1.1], 9);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  }
  const bounds = [];
  (data.markers || []).forEach(function (m) {
    const marker = L.circleMarker([m.lat, m.lon], { radius: 7, color: "#1d70b8", weight: 2, fillOpacity: 0.7 });
    marker.bindPopup("<strong>" + escapeHtml(m.title) + "</strong><br>" + escapeHtml(m.detail));
    marker.addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  (data.circles || []).forEach(function (c) {
    const radius = 6 + 4 * Math.sqrt(c.count);
    const circle = L.circleMarker([c.lat, c.lon], {
      radius: radius, color: c.count ? "#00703c" : "#d4351c", weight: 2, fillOpacity: 0.5,
    });
    circle.bindTooltip(escapeHtml(c.title) + ": " + c.count + " opportunit" + (c.count === 1 ? "y" : "ies"));
    circle.addTo(map);
    bounds.push([c.lat, c.lon]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
})();
