/* e-monitoring map: the projects of the page's area as points (vendored Leaflet, no outside service).
   Tiles only when the profile names a tile server; otherwise the points lie over the regency's kecamatan
   outlines (when the kit carries them), with a scale. A point carries its place and state (and, for a
   kecamatan or desa, its name); its popup asks for the rest, photos included.
   Without JavaScript the page's table lists the same projects. */
(function () {
  "use strict";
  var box = document.getElementById("project-map");
  if (!box || !window.L) { return; }
  var labels = JSON.parse(box.getAttribute("data-labels"));
  var kinds = JSON.parse(box.getAttribute("data-kinds"));
  var colours = {0: "#0b6e4f", 1: "#d98200", 2: "#c0392b", 3: "#1f5fa8"};  // on time, stalled, late, finished

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function rupiah(n) { return "Rp " + Number(n).toLocaleString("id-ID"); }
  function json(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; });
  }

  function popup(row, data, layer) {
    var relayout = function () { var p = layer.getPopup(); if (p && p.isOpen()) { p.update(); } };
    var fields = data.fields;
    var get = function (name) { var i = fields.indexOf(name); return i < 0 ? undefined : row[i]; };
    var div = el("div", null, "map-popup");
    var title = div.appendChild(el("strong", get("name") || "…"));
    var kind = div.appendChild(el("div", get("kind") ? kinds[get("kind")] || get("kind") : "", "muted"));
    var state = get("state");
    var status = div.appendChild(el("div"));
    function progress(percent) {
      status.textContent = labels.progress + ": " + percent + "%" +
        (state === 2 ? " · " + labels.late : state === 1 ? " · " + labels.stalled : "");
    }
    if (get("progress") !== undefined) { progress(get("progress")); }
    var more = div.appendChild(el("div"));
    json(data.details_url + get("id") + ".json").then(function (d) {
      if (!d) { return; }
      title.textContent = d.name;
      kind.textContent = kinds[d.kind] || d.kind;
      progress(d.progress);
      if (d.agency || d.region) { more.appendChild(el("div", [d.agency, d.region].filter(Boolean).join(" · "))); }
      if (d.budget !== undefined) { more.appendChild(el("div", labels.budget + ": " + rupiah(d.budget))); }
      if (d.realised !== undefined) { more.appendChild(el("div", labels.realised + ": " + rupiah(d.realised))); }
      if (d.contractor) { more.appendChild(el("div", labels.contractor + ": " + d.contractor)); }
      if (d.starts_on) { more.appendChild(el("div", labels.dates + ": " + d.starts_on + " – " + (d.ends_on || ""))); }
      if (d.photos && d.photos.length) {
        var strip = more.appendChild(el("div", null, "map-photos"));
        d.photos.forEach(function (p) {
          var img = el("img");
          img.src = data.photo_url + p[1];
          img.alt = labels.photo.replace("{stage}", p[0]);
          img.title = img.alt;
          img.loading = "lazy";
          img.addEventListener("load", relayout);
          strip.appendChild(img);
        });
      }
      relayout();  // taller now: keep it inside the map
    });
    return div;
  }

  function outlinesLayer(geojson, map) {
    var area = box.getAttribute("data-area") || "";
    var year = box.getAttribute("data-year");
    return L.geoJSON(geojson, {
      style: function (f) {
        var here = area && area.indexOf(f.id) === 0;
        return {className: "kecamatan-outline", color: here ? "#1f3d2b" : "#7a8a7e", weight: here ? 2.5 : 1,
                fillColor: "#f7f5ef", fillOpacity: here ? 0.9 : 0.6};
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(f.properties.name, {sticky: true, className: "kecamatan-name"});
        layer.on("click", function (e) {
          var div = el("div", null, "map-popup");
          div.appendChild(el("strong", labels.district + " " + f.properties.name));
          var link = div.appendChild(el("a", labels.district_map));
          link.href = location.pathname + "?year=" + encodeURIComponent(year) + "&area=" + encodeURIComponent(f.id);
          L.popup({autoPanPaddingTopLeft: [52, 10]}).setLatLng(e.latlng).setContent(div).openOn(map);
        });
      }
    });
  }

  function draw(data, geojson) {
    box.hidden = false;
    var tiles = box.getAttribute("data-tiles");
    var map = L.map(box, {preferCanvas: data.rows.length > 2000});
    if (tiles) {
      L.tileLayer(tiles, {maxZoom: Number(box.getAttribute("data-max-zoom")) || 18,
                          attribution: box.getAttribute("data-attribution")}).addTo(map);
    } else {
      box.classList.add("no-tiles");
      var note = document.querySelector(".map-note");
      if (note) { note.hidden = false; }
    }
    var outlines = !tiles && geojson ? outlinesLayer(geojson, map) : null;
    L.control.scale({imperial: false}).addTo(map);
    var fields = data.fields, at = function (n) { return fields.indexOf(n); };
    var points = data.rows.map(function (row) { return [row[at("lat")], row[at("lon")]]; });
    if (points.length) {  // a view first: shapes are clipped to it as they are added
      map.fitBounds(points, {padding: [20, 20], maxZoom: 15});
    } else {
      if (outlines) { map.fitBounds(outlines.getBounds()); } else { map.setView([-2.5, 118], 4); }
      box.parentNode.insertBefore(el("p", labels.none, "muted"), box.nextSibling);
    }
    if (outlines) { outlines.addTo(map); }  // under the points
    data.rows.forEach(function (row, i) {
      var point = L.circleMarker(points[i], {radius: 7, color: "#fff", weight: 1, fillColor: colours[row[at("state")]],
                                             fillOpacity: 0.9, className: "project-point"})
        .bindPopup(function (layer) {  // made once: update() asks for the content again
          if (!layer.monitoringContent) { layer.monitoringContent = popup(row, data, layer); }
          return layer.monitoringContent;
        }, {autoPanPaddingTopLeft: [52, 10]})  // clear of the zoom buttons
        .addTo(map);
      var node = point.getElement && point.getElement();  // SVG only (not on a canvas of thousands)
      if (node) { node.setAttribute("data-id", String(row[at("id")])); }
    });
    if (outlines) { box.setAttribute("data-outlines-drawn", String(outlines.getLayers().length)); }
    box.setAttribute("data-points", String(points.length));
  }

  var outlinesUrl = box.getAttribute("data-outlines");
  Promise.all([json(box.getAttribute("data-url")), outlinesUrl ? json(outlinesUrl) : Promise.resolve(null)])
    .then(function (got) { draw(got[0], got[1]); });
})();
