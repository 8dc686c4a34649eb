// «Пересчет» on the phone: the lines come as JSON in the page and are drawn here, a screenful
// at a time (1,000 lines stay fast); every change is an op with its own UUID, applied on the
// phone at once, kept in localStorage and sent to the server, which applies each op once.
// Ops are deltas («+1», «+3 defective»); a typed number is sent as the difference from what
// the phone shows, so two phones counting the same SKU add up instead of overwriting.
(function () {
  "use strict";
  var root = document.getElementById("rc");
  var dataEl = document.getElementById("rc-data");
  if (!root || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var t = data.t;
  var KEY = "recount:" + data.task;
  var PAGE = 60;

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) { return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.from(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrf() {
    var input = document.querySelector("#rc-finish [name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- state: the server's values (c0, d0) plus the queued ops on top ----------------------
  var lines = [], byId = {}, version = data.version;
  function addRow(r) {
    var line = { id: r[0], a: r[1], b: r[2], n: r[3], e: r[4], c0: r[5], d0: r[6], u: r[7], x: r[8], p: r[9] };
    line.key = (line.b + " " + line.a + " " + line.n).toLowerCase();
    byId[line.id] = line;
    lines.push(line);
    return line;
  }
  function setRow(r) {
    var line = byId[r[0]];
    if (!line) return addRow(r);
    line.c0 = r[5]; line.d0 = r[6]; line.x = r[8]; line.p = r[9];
    return line;
  }
  data.lines.forEach(addRow);

  var queue = [];
  try { queue = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { queue = []; }
  function save() { try { localStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* full: kept in memory */ } }
  function lineOf(op) { return op.line != null ? byId[op.line] : byId["n:" + op.ref]; }

  function recompute() {
    lines.forEach(function (l) { l.c = l.c0; l.d = l.d0; });
    queue.forEach(function (op) {
      if (op.kind === "new_line" && !byId["n:" + op.op] && !(op.op in refs)) {
        var line = addRow(["n:" + op.op, op.article, op.barcode, op.name, 0, 0, 0, 1, "", 0]);
        line.c = 0; line.d = 0;
      }
      if (op.kind !== "add") return;
      var l = lineOf(op);
      if (!l) return;
      if (op.field === "counted") l.c = Math.max(0, l.c + op.delta);
      else l.d = Math.max(0, l.d + op.delta);
    });
  }
  var refs = {};

  // --- drawing ------------------------------------------------------------------------------
  var list = $("rc-list"), more = $("rc-more"), shown = PAGE, current = null;
  function matches() {
    var q = $("rc-q").value.trim().toLowerCase();
    if (!q) return lines;
    return lines.filter(function (l) { return l.key.indexOf(q) !== -1; });
  }
  function rowClass(l) {
    var cls = "rc-line";
    if (l.x) cls += " is-disputed";
    if (l.u) cls += " is-unexpected";
    if (l.d) cls += " is-defective";
    if (l.c === l.e && l.c) cls += " is-done";
    else if (l.c > l.e) cls += " is-over";
    return cls;
  }
  function rowHtml(l) {
    var codes = [l.a, l.b].filter(Boolean).join(" · ");
    return '<li class="' + rowClass(l) + '" data-id="' + esc(l.id) + '">' +
      '<button type="button" class="rc-open">' +
      '<b>' + esc(l.n || l.a || l.b) + '</b>' +
      '<small>' + esc(codes) + (l.u ? " · " + esc(t.unexpected) : "") + '</small>' +
      (l.x ? '<small class="rc-dispute">' + esc(l.x) + '</small>' : "") +
      '</button><span class="rc-n"><b>' + l.c + '</b>/' + l.e + (l.d ? '<i>−' + l.d + '</i>' : "") + '</span>' +
      '<button type="button" class="rc-plus" aria-label="+1 ' + esc(l.n || l.a) + '">+1</button></li>';
  }
  function draw() {
    var found = matches();
    list.innerHTML = found.slice(0, shown).map(rowHtml).join("");
    more.hidden = found.length <= shown;
    if (!more.hidden) more.textContent = fmt(t.more, { count: Math.min(PAGE, found.length - shown) });
    drawTotals();
  }
  function drawTotals() {
    var s = { counted: 0, expected: 0, defective: 0, done: 0, lines: lines.length };
    lines.forEach(function (l) { s.counted += l.c; s.expected += l.e; s.defective += l.d; if (l.c && l.c === l.e) s.done += 1; });
    $("rc-totals").textContent = fmt(t.totals, s);
    var status = $("rc-status");
    if (!navigator.onLine) status.textContent = t.offline + (queue.length ? " · " + fmt(t.unsent, { count: queue.length }) : "");
    else status.textContent = queue.length ? t.sending + " " + fmt(t.unsent, { count: queue.length }) : t.saved;
    status.className = "rc-status" + (queue.length ? " is-pending" : "");
  }
  function redrawLine(l) {
    var li = list.querySelector('li[data-id="' + CSS.escape(String(l.id)) + '"]');
    if (li) li.outerHTML = rowHtml(l);
    drawTotals();
    if (current === l) fillSheet();
  }

  // --- the line sheet -----------------------------------------------------------------------
  var sheet = $("rc-sheet");
  function open(l) {
    current = l;
    fillSheet();
    sheet.hidden = false;
    $("rc-new").hidden = true;
  }
  function fillSheet() {
    var l = current;
    $("rc-s-name").textContent = l.n || l.a || l.b;
    $("rc-s-codes").textContent = [l.a, l.b].filter(Boolean).join(" · ");
    $("rc-s-expected").textContent = l.e;
    if (document.activeElement !== $("rc-s-counted")) $("rc-s-counted").value = l.c;
    if (document.activeElement !== $("rc-s-defective")) $("rc-s-defective").value = l.d;
    $("rc-s-photos").textContent = l.p ? "(" + fmt(t.photos, { count: l.p }) + ")" : "";
    $("rc-s-dispute").hidden = !l.x;
    $("rc-s-dispute").textContent = l.x || "";
  }
  $("rc-s-close").addEventListener("click", function () { sheet.hidden = true; current = null; $("rc-q").focus(); });

  // --- changes ------------------------------------------------------------------------------
  function change(l, field, delta) {
    if (!delta) return;
    var now = field === "counted" ? l.c : l.d;
    if (now + delta < 0) delta = -now;
    if (!delta) return;
    var op = { op: uuid(), kind: "add", field: field, delta: delta };
    if (typeof l.id === "string") op.ref = l.id.slice(2); else op.line = l.id;
    queue.push(op);
    save();
    recompute();
    redrawLine(l);
    sync();
  }
  sheet.addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    if (button && current) change(current, button.dataset.step, Number(button.dataset.by));
  });
  ["counted", "defective"].forEach(function (field) {
    $("rc-s-" + field).addEventListener("change", function (event) {
      var value = parseInt(event.target.value, 10);
      if (!current || isNaN(value) || value < 0) { fillSheet(); return; }
      change(current, field, value - (field === "counted" ? current.c : current.d));
    });
  });
  list.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-id]");
    if (!li) return;
    var id = li.dataset.id, l = byId[/^\d+$/.test(id) ? Number(id) : id];
    if (!l) return;
    if (event.target.closest(".rc-plus")) change(l, "counted", 1);
    else open(l);
  });
  more.addEventListener("click", function () { shown += PAGE; draw(); });

  // --- search, typed or scanned ---------------------------------------------------------------
  var q = $("rc-q"), pendingCode = "";
  q.addEventListener("input", function () { shown = PAGE; $("rc-new").hidden = true; draw(); });
  q.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); scan(q.value); }
  });
  // What a scanned (or typed and entered) code does: jump to its line, else offer to add it.
  function scan(code) {
    code = String(code || "").trim();
    if (!code) return;
    q.value = code;
    shown = PAGE;
    var low = code.toLowerCase();
    var hit = lines.filter(function (l) { return l.b.toLowerCase() === low || l.a.toLowerCase() === low; })[0];
    draw();
    if (hit) { open(hit); return; }
    sheet.hidden = true;
    pendingCode = code;
    $("rc-new-text").textContent = fmt(t.notFound, { code: code });
    $("rc-new-name").value = "";
    $("rc-new").hidden = false;
  }
  $("rc-new-add").addEventListener("click", function () {
    if (!pendingCode) return;
    var digits = /^\d{6,}$/.test(pendingCode);
    var op = { op: uuid(), kind: "new_line", barcode: digits ? pendingCode : "", article: digits ? "" : pendingCode, name: $("rc-new-name").value.trim() };
    queue.push(op);
    save();
    recompute();
    $("rc-new").hidden = true;
    draw();
    open(byId["n:" + op.op]);
    sync();
  });

  // --- the camera: BarcodeDetector where the browser has it, else the vendored ZXing --------
  var camera = $("rc-camera"), video = $("rc-video"), stream = null, reader = null, timer = null;
  function stopCamera() {
    camera.hidden = true;
    clearInterval(timer);
    if (reader) { try { reader.reset(); } catch (e) { /* already stopped */ } reader = null; }
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }
  function found(code) { stopCamera(); scan(code); }
  function loadZxing() {
    return new Promise(function (resolve, reject) {
      if (window.ZXing) { resolve(window.ZXing); return; }
      var s = document.createElement("script");
      s.src = data.zxing;
      s.onload = function () { resolve(window.ZXing); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  $("rc-cam").addEventListener("click", function () {
    camera.hidden = false;
    var constraints = { video: { facingMode: "environment" } };
    if ("BarcodeDetector" in window) {
      var detector = new window.BarcodeDetector();
      navigator.mediaDevices.getUserMedia(constraints).then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      }).then(function () {
        timer = setInterval(function () {
          detector.detect(video).then(function (codes) { if (codes.length) found(codes[0].rawValue); }).catch(function () {});
        }, 250);
      }).catch(noCamera);
      return;
    }
    loadZxing().then(function (ZXing) {
      reader = new ZXing.BrowserMultiFormatReader();
      return reader.decodeFromConstraints(constraints, video, function (result) { if (result) found(result.getText()); });
    }).catch(noCamera);
  });
  function noCamera() { $("rc-cam-msg").textContent = t.noCamera; }
  $("rc-cam-close").addEventListener("click", stopCamera);

  // --- photos of damage (need the network) -----------------------------------------------------
  $("rc-s-photo").addEventListener("change", function (event) {
    var file = event.target.files[0], l = current;
    event.target.value = "";
    if (!file || !l) return;
    if (typeof l.id === "string" || !navigator.onLine) { alert(t.photoOffline); return; }
    var body = new FormData();
    body.append("photo", file);
    fetch(data.photos.replace("/0/photos/", "/" + l.id + "/photos/"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: body
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (r) { if (!r.ok) { alert(r.json.detail); return; } l.p = r.json.photos; redrawLine(l); })
      .catch(function () { alert(t.photoOffline); });
  });

  // --- sync -----------------------------------------------------------------------------------
  var syncing = false;
  function sync() {
    drawTotals();
    if (syncing || !navigator.onLine) return Promise.resolve();
    if (!queue.length && !sync.force) return Promise.resolve();
    syncing = true;
    var batch = queue.slice(0, 100);
    return fetch(data.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ ops: batch, since: version })
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (r) {
        syncing = false;
        if (!r.ok) { $("rc-status").textContent = r.json.detail || ""; return; }
        var done = {};
        r.json.applied.forEach(function (id) { done[id] = true; });
        r.json.rejected.forEach(function (x) {
          done[x.op] = true;
          var temp = byId["n:" + x.op];  // a new SKU the server refused is not kept
          if (temp) { delete byId["n:" + x.op]; lines.splice(lines.indexOf(temp), 1); if (current === temp) current = null; }
        });
        var reopen = null;
        Object.keys(r.json.refs).forEach(function (ref) {
          refs[ref] = r.json.refs[ref];
          var temp = byId["n:" + ref];
          if (temp) {
            delete byId["n:" + ref];
            lines.splice(lines.indexOf(temp), 1);
            if (current === temp) reopen = refs[ref];
          }
        });
        queue = queue.filter(function (op) { return !done[op.op]; });
        // Queued ops still pointing at a new line by its op id now name the server's line.
        queue.forEach(function (op) { if (op.ref && refs[op.ref]) { op.line = refs[op.ref]; delete op.ref; } });
        save();
        r.json.lines.forEach(setRow);
        version = r.json.version;
        if (reopen && byId[reopen]) current = byId[reopen];
        recompute();
        draw();
        if (current) fillSheet();
        if (r.json.rejected.length) alert(r.json.rejected[0].error);
        if (queue.length) sync();
      })
      .catch(function () { syncing = false; drawTotals(); });
  }
  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", drawTotals);
  setInterval(function () { if (queue.length) sync(); }, 10000);

  // Finishing waits for every change to reach the server.
  $("rc-finish").addEventListener("submit", function (event) {
    if (queue.length) { event.preventDefault(); alert(t.wait); sync(); return; }
    if (!window.confirm(t.confirm)) event.preventDefault();
  });

  // The test suite and the camera call this, as a detection result would.
  window.recountScan = scan;
  recompute();
  draw();
  sync();
})();
