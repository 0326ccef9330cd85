/* e-monitoring map: the projects of the page's area as points (vendored Leaflet, no outside service).
   Tiles only when the profile names a tile server; otherwise points on a plain background with a scale.
   Without JavaScript the page's table lists the same projects. */
(function () {
  "use strict";
  var box = document.getElementById("project-map");
  if (!box || !window.L) { return; }
  var labels = JSON.parse(box.getAttribute("data-labels"));
  var kinds = JSON.parse(box.getAttribute("data-kinds"));
  var colours = {0: "#0b6e4f", 1: "#d98200", 2: "#c0392b", done: "#1f5fa8"};

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function rupiah(n) { return "Rp " + Number(n).toLocaleString("id-ID"); }

  function popup(row, data, layer) {
    var relayout = function () { var p = layer.getPopup(); if (p && p.isOpen()) { p.update(); } };
    var fields = data.fields;
    var get = function (name) { return row[fields.indexOf(name)]; };
    var div = el("div", null, "map-popup");
    div.appendChild(el("strong", get("name")));
    div.appendChild(el("div", kinds[get("kind")] || get("kind"), "muted"));
    var flag = get("flag");
    div.appendChild(el("div", labels.progress + ": " + get("progress") + "%" +
      (flag === 2 ? " · " + labels.late : flag === 1 ? " · " + labels.stalled : "")));
    var more = el("div");
    div.appendChild(more);
    var mine = data.photos[String(get("id"))] || [];
    if (mine.length) {
      var strip = el("div", null, "map-photos");
      mine.forEach(function (p) {
        var img = el("img");
        img.src = data.photo_url + p[1];
        img.alt = labels.photo.replace("{stage}", p[0]);
        img.title = img.alt;
        img.loading = "lazy";
        img.addEventListener("load", relayout);
        strip.appendChild(img);
      });
      div.appendChild(strip);
    }
    fetch(data.details_url + get("id") + ".json", {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) { return; }
        if (d.agency || d.region) { more.appendChild(el("div", [d.agency, d.region].filter(Boolean).join(" · "))); }
        if (d.budget !== undefined) { more.appendChild(el("div", labels.budget + ": " + rupiah(d.budget))); }
        if (d.realised !== undefined) { more.appendChild(el("div", labels.realised + ": " + rupiah(d.realised))); }
        if (d.contractor) { more.appendChild(el("div", labels.contractor + ": " + d.contractor)); }
        if (d.starts_on) { more.appendChild(el("div", labels.dates + ": " + d.starts_on + " – " + (d.ends_on || ""))); }
        relayout();  // taller now: keep it inside the map
      });
    return div;
  }

  function draw(data) {
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
    L.control.scale({imperial: false}).addTo(map);
    var fields = data.fields, at = function (n) { return fields.indexOf(n); };
    var points = [];
    data.rows.forEach(function (row) {
      var ll = [row[at("lat")], row[at("lon")]];
      points.push(ll);
      var colour = row[at("progress")] >= 100 ? colours.done : colours[row[at("flag")]];
      L.circleMarker(ll, {radius: 7, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9})
        .bindPopup(function (layer) {  // made once: update() asks for the content again
          if (!layer.monitoringContent) { layer.monitoringContent = popup(row, data, layer); }
          return layer.monitoringContent;
        }, {autoPanPaddingTopLeft: [52, 10]})  // clear of the zoom buttons
        .addTo(map);
    });
    if (points.length) {
      map.fitBounds(points, {padding: [20, 20], maxZoom: 15});
    } else {
      map.setView([-2.5, 118], 4);
      box.parentNode.insertBefore(el("p", labels.none, "muted"), box.nextSibling);
    }
    box.setAttribute("data-points", String(points.length));
  }

  fetch(box.getAttribute("data-url"), {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(draw);
})();
