/* egovkit kiosk mode (egovkit/web/kiosk.py): idle reset, on-screen keypads, QR scanning, printing.
   Progressive enhancement only: every page works without it (the fields keep inputmode=numeric, a
   <noscript> refresh does the idle reset). No outside files. */
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.classList.contains("kiosk")) { return; }
  var t = function (name) { return body.getAttribute("data-t-" + name) || name; };

  /* Idle reset: back to the start page after data-idle seconds without a touch. */
  var idle = parseInt(body.getAttribute("data-idle"), 10) || 90;
  var reset = body.getAttribute("data-reset") || "/kiosk?idle=1";
  var timer = null;
  function restart() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { window.location.replace(reset); }, idle * 1000);
  }
  ["pointerdown", "touchstart", "keydown", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true, capture: true });
  });
  restart();
  /* A page brought back by Back/Forward starts again, never showing what the last visitor left. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.replace(reset); } });

  /* On-screen keypads: a numeric pad for inputmode=numeric (NIK, codes), the tracking-code letters for
     data-pad="code", and both for other text fields. */
  var alphabet = (body.getAttribute("data-alphabet") || "ABCDEFGHJKLMNPQRSTUVWXYZ23456789").split("");
  var digits = "1234567890".split("");
  var letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ".split("");  /* 7 rows of 6 with the wide keys */
  function key(label, action, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "key" + (extra ? " " + extra : "");
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }
  function pad(input) {
    var kind = input.getAttribute("data-pad") ||
      (input.getAttribute("inputmode") === "numeric" ? "numeric" : "text");
    var keys = kind === "numeric" ? digits : kind === "code" ? alphabet : letters;
    var box = document.createElement("div");
    box.className = "keypad keypad-" + kind;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("keypad"));
    var max = parseInt(input.getAttribute("maxlength"), 10) || 64;
    function put(value) {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function typed(k) {
      return key(k === " " ? "\u2423" : k, function () {
        if (input.value.length < max) { put(input.value + k); }
      }, k === " " ? "key-wide" : "");
    }
    var erase = key("\u232b " + t("delete"), function () { put(input.value.slice(0, -1)); },
                    kind === "numeric" ? "key-edit" : "key-wide key-edit");
    var clear = key(t("clear"), function () { put(""); }, kind === "numeric" ? "key-edit" : "key-wide key-edit");
    if (kind === "numeric") {  /* a phone's layout: 1-9, then delete, 0, clear */
      keys.slice(0, 9).forEach(function (k) { box.appendChild(typed(k)); });
      box.appendChild(erase); box.appendChild(typed("0")); box.appendChild(clear);
    } else {
      keys.forEach(function (k) { box.appendChild(typed(k)); });
      box.appendChild(erase); box.appendChild(clear);
    }
    input.setAttribute("inputmode", "none"); /* the pad replaces the system keyboard */
    input.insertAdjacentElement("afterend", box);
  }
  var fields = document.querySelectorAll(
    "main input[data-pad], main input[type=text], main input[type=search], main input:not([type])");
  Array.prototype.forEach.call(fields, function (input) { if (!input.readOnly && !input.disabled) { pad(input); } });

  /* QR codes (a letter's verification QR, or a tracking code): only where the browser can read them. */
  var scanForm = document.querySelector("form[data-qr]");
  if (scanForm && "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    var scan = key(t("scan"), function () {
      var video = document.createElement("video");
      video.className = "kiosk-scan";
      video.setAttribute("playsinline", "");
      var cancel = key(t("cancel"), stop, "secondary");
      var stream = null;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      function stop() {
        if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
        video.remove(); cancel.remove();
      }
      function found(text) {
        stop();
        var url;
        try { url = new URL(text, window.location.href); } catch (e) { url = null; }
        if (url && url.origin === window.location.origin) { window.location.assign(url.pathname + url.search); return; }
        var input = scanForm.querySelector("input[name=code]");
        input.value = text.trim();
        scanForm.submit();
      }
      function look() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length) { found(codes[0].rawValue); } else { window.requestAnimationFrame(look); }
        }).catch(function () { window.requestAnimationFrame(look); });
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        scanForm.appendChild(video);
        scanForm.appendChild(cancel);
        video.play();
        look();
      }).catch(stop);
    }, "secondary");
    scanForm.appendChild(scan);
  }

  /* Printing the letter shown in the page's frame. */
  Array.prototype.forEach.call(document.querySelectorAll("[data-print-frame]"), function (button) {
    var frame = document.getElementById(button.getAttribute("data-print-frame"));
    if (!frame) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { window.print(); }
    });
  });
}());
