/* The journal grid: tap or type, each change one small htmx request.
   Saves wait in localStorage until the server confirms them, so a dropped network or an expired
   session never loses an entry silently: it is retried, and replayed after the next login. */
(function () {
  "use strict";
  // Any other save of these pages (period marks, reasons, the lesson form): a failure is said, never silent.
  var statusEl = function () { return document.getElementById("status"); };
  var isCellSave = function (path) { return /lessons\/\d+\/students\/\d+/.test(path || ""); };
  document.body.addEventListener("htmx:sendError", function (e) {
    var el = statusEl(), path = e.detail.pathInfo && e.detail.pathInfo.requestPath;
    if (el && !isCellSave(path)) { el.textContent = document.body.dataset.unsavedMsg || ""; el.className = "err"; }
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    var el = statusEl(), code = e.detail.xhr.status, path = e.detail.pathInfo && e.detail.pathInfo.requestPath;
    if (el && !isCellSave(path) && code !== 409 && code !== 422) {
      el.textContent = document.body.dataset.failedMsg || ""; el.className = "err";
    }
  });
  // A date header's lesson form opens below the grid, out of sight on a tablet: bring it into view, ready to type.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var panel = e.detail.target;
    if (!panel || panel.id !== "panel" || !panel.firstElementChild) return;
    panel.scrollIntoView({ block: "start" });
    var field = panel.querySelector(".has-error input, .has-error textarea, .has-error select") ||
      panel.querySelector("input:not([type=hidden]), textarea, select");
    if (field) field.focus({ preventScroll: true });
  });
  var grid = document.getElementById("grid");
  // A cell is named c<lesson>-<student> (saves, the queue on the device, reports' links) but has no id: it is
  // the cell of row r<student> under head h<lesson>. (A save's answer has the id; it is found the same way.)
  var heads = grid && grid.tHead ? grid.tHead.rows[0].cells : [];
  function isCell(td) {
    var h = td && td.tagName === "TD" && heads[td.cellIndex];
    return !!h && h.id.charAt(0) === "h" && !!td.parentElement && td.parentElement.id.charAt(0) === "r";
  }
  function nameOf(td) { return "c" + heads[td.cellIndex].id.slice(1) + "-" + td.parentElement.id.slice(1); }
  function cellNamed(name) {
    var m = /^c(\d+)-(\d+)$/.exec(name || "");
    var h = m && document.getElementById("h" + m[1]), tr = m && document.getElementById("r" + m[2]);
    return h && tr ? tr.cells[h.cellIndex] || null : null;
  }
  // A report's link to a cell (#c<lesson>-<student>): focus it, which brings it into view.
  var linked = cellNamed(location.hash.slice(1));
  if (!grid || grid.dataset.writable !== "1") {
    scrollToFocus();
    if (linked) { linked.tabIndex = -1; linked.focus(); }
    return;
  }
  var twelve = grid.dataset.scale === "twelve";
  var store = "defter-pending-" + grid.dataset.course;
  var picker = document.getElementById("picker");
  var ppicker = document.getElementById("ppicker");
  var pending = {};
  var inflight = {};
  var cur = null, curName = null, digits = "", digitTimer = null, retryDelay = 1000;
  try { pending = JSON.parse(localStorage.getItem(store) || "{}"); } catch (e) { pending = {}; }

  function persist() { try { localStorage.setItem(store, JSON.stringify(pending)); } catch (e) { /* full or private */ } }
  // The status line says three kinds of things: "err" (a save failed; it stays until the next successful save),
  // "note" (why a tap or a key was refused) and "info" (what the focused cell holds); the last two give way
  // to whatever comes next.
  function status(text, kind) {
    var el = document.getElementById("status");
    if (el) { el.textContent = text || ""; el.className = kind === true ? "err" : (text && kind) || ""; }
  }
  function describe(td) {
    var el = document.getElementById("status");
    if (!el || el.className === "err") return;
    status(td.classList.contains("err") ? "" : td.title, "info");
  }
  function editable(td) { return isCell(td) && !td.classList.contains("x"); }
  var cols = grid.querySelector("colgroup") ? grid.querySelector("colgroup").children : [];
  function column(td) { return cols[td.cellIndex] || null; }
  function whyLocked(td) {
    if (td.classList.contains("out")) return grid.dataset.outMsg;
    // The column names its reason; the table words each reason once (the window's with the column's date).
    var col = column(td), why = col && col.dataset.lock;
    return why ? (grid.getAttribute("data-lock-" + why) || "").replace("{date}", col.dataset.d || "") : "";
  }
  function takesMarks(td) { var col = column(td); return !(col && col.hasAttribute("data-nomarks")); }
  function cellUrl(id) {
    var p = id.slice(1).split("-");
    return grid.dataset.save.replace("/0/students/0", "/" + p[0] + "/students/" + p[1]);
  }
  function idFromPath(path) {
    var m = /lessons\/(\d+)\/students\/(\d+)/.exec(path || "");
    return m ? "c" + m[1] + "-" + m[2] : null;
  }

  function focusCell(td) {
    if (!isCell(td)) return;
    if (cur && cur !== td) cur.tabIndex = -1;
    cur = td; curName = nameOf(td); td.tabIndex = 0; td.focus();
    digits = "";
    describe(td);
  }
  function move(td, dr, dc) {
    var tr = td.parentElement, row = tr, idx = td.cellIndex, next = null;
    if (dr) {
      var rows = grid.tBodies[0].rows, r = row.sectionRowIndex + dr;
      if (r >= 0 && r < rows.length) next = rows[r].cells[idx];
    } else {
      next = tr.cells[idx + dc];
    }
    if (isCell(next)) focusCell(next);
  }

  // The version a save must have seen; an empty cell of the page carries none: nothing was saved there yet.
  function version(td) { return td.dataset.v || "0-0"; }

  function save(td, action, slot, extra) {
    if (!editable(td)) { status(whyLocked(td), "note"); return; }
    var name = nameOf(td);
    pending[name] = { action: action, slot: slot || 1, v: version(td), extra: extra || null };
    persist();
    td.classList.add("saving");
    if (!inflight[name]) send(name);
  }
  function send(id) {
    var p = pending[id], td = cellNamed(id);
    if (!p || !td) { delete pending[id]; persist(); return; }
    inflight[id] = p;
    var values = { action: p.action, slot: p.slot, version: inflight[id].v };
    if (p.extra) { values.work_kind = p.extra.kind; values.comment = p.extra.comment; }
    htmx.ajax("POST", cellUrl(id), { source: td, target: td, swap: "outerHTML", values: values });
  }
  function settled(id, ok) {
    var sent = inflight[id];
    delete inflight[id];
    var p = pending[id];
    var td = cellNamed(id);
    if (p && sent && p !== sent && td) {  // a newer entry for this cell waited: send it with the fresh version
      p.v = version(td); persist(); send(id); return;
    }
    if (ok !== null) { delete pending[id]; persist(); }
    if (td && cur && curName === id) { cur = td; td.tabIndex = 0; td.focus(); if (ok) describe(td); }
  }

  document.body.addEventListener("htmx:afterRequest", function (e) {
    var id = idFromPath(e.detail.pathInfo && e.detail.pathInfo.requestPath);
    if (!id || !inflight[id]) return;
    var code = e.detail.xhr ? e.detail.xhr.status : 0;
    if (code === 0) return;  // network: htmx:sendError retries
    if (code === 204 || e.detail.xhr.getResponseHeader("HX-Redirect")) {
      // The session expired: keep the entry; it is replayed after the next login.
      delete inflight[id];
      status(document.body.dataset.expiredMsg, true);
      return;
    }
    retryDelay = 1000;
    if (code >= 500 || code === 403 || code === 404 || code === 400) {
      var td = cellNamed(id);
      if (td) { td.classList.remove("saving"); td.classList.add("err"); }
      status(document.body.dataset.failedMsg, true);
    }
    settled(id, code < 300);
  });
  document.body.addEventListener("htmx:sendError", function (e) {
    var id = idFromPath(e.detail.pathInfo && e.detail.pathInfo.requestPath);
    if (!id) return;
    delete inflight[id];
    var td = cellNamed(id);
    if (td) { td.classList.add("retry"); }
    status(document.body.dataset.offlineMsg, true);
    setTimeout(function () { if (pending[id] && !inflight[id]) send(id); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  });

  // Below the cell when it fits, above it when not (the lower rows), else as low as the screen allows;
  // never past the screen's left or right edge.
  function openPicker(panel, anchor) {
    closePickers();
    if (panel === picker) {
      var marks = takesMarks(anchor);
      Array.prototype.forEach.call(picker.querySelectorAll(".marks, .more, .slot2"), function (el) { el.hidden = !marks; });
    }
    panel.hidden = false;
    var r = anchor.getBoundingClientRect(), de = document.documentElement, gap = 4, edge = 8;
    var vw = de.clientWidth, vh = Math.min(window.innerHeight, de.clientHeight);
    var w = panel.offsetWidth, h = panel.offsetHeight;
    var top = r.bottom + gap;
    if (top + h > vh - edge) top = r.top - gap - h >= edge ? r.top - gap - h : Math.max(edge, vh - edge - h);
    var left = Math.max(edge, Math.min(r.left, vw - edge - w));
    panel.style.top = (window.scrollY + top) + "px"; panel.style.left = (window.scrollX + left) + "px";
  }
  function closePickers() {
    if (picker) picker.hidden = true;
    if (ppicker) ppicker.hidden = true;
    var s2 = document.getElementById("slot2"); if (s2) s2.checked = false;
    var k = document.getElementById("pk-kind"); if (k) k.value = "";
    var c = document.getElementById("pk-comment"); if (c) c.value = "";
    var more = picker && picker.querySelector("details.more"); if (more) more.open = false;
  }

  grid.addEventListener("click", function (e) {
    var pbtn = e.target.closest("button[data-p]");
    if (pbtn && ppicker) { ppicker.dataset.sid = pbtn.dataset.p; openPicker(ppicker, pbtn); return; }
    var td = e.target.closest("td");
    if (!isCell(td)) return;
    focusCell(td);
    if (!editable(td)) { closePickers(); status(whyLocked(td), "note"); return; }
    if (picker) openPicker(picker, td);
  });
  if (picker) picker.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    if (b.hasAttribute("data-close")) { closePickers(); if (cur) cur.focus(); return; }
    var s2 = document.getElementById("slot2");
    var kind = document.getElementById("pk-kind"), comment = document.getElementById("pk-comment");
    var more = picker.querySelector("details.more");
    var isMark = b.parentElement.classList.contains("marks");
    var extra = isMark && more && more.open ? { kind: kind.value, comment: comment.value } : null;
    if (cur && b.dataset.a) save(cur, b.dataset.a, s2 && s2.checked ? 2 : 1, extra);
    closePickers();
    if (cur) cur.focus();
  });
  if (ppicker) ppicker.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    if (b.hasAttribute("data-close")) { closePickers(); return; }
    var sid = ppicker.dataset.sid, td = document.getElementById("p" + sid);
    if (td && b.dataset.a) {
      htmx.ajax("POST", grid.dataset.period.replace(/\/0$/, "/" + sid), { source: td, target: "#p" + sid,
        swap: "outerHTML", values: { value: b.dataset.a, version: version(td) } });
    }
    closePickers();
  });

  var ABSENT = { "н": 1, "Н": 1, "n": 1, "N": 1 };
  var LATE = { "о": 1, "О": 1 };
  function commitDigits() {
    clearTimeout(digitTimer);
    if (cur && digits) save(cur, digits, 1);
    digits = "";
  }
  grid.addEventListener("keydown", function (e) {
    var td = e.target;
    if (!isCell(td) || e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (k === "ArrowUp") { move(td, -1, 0); } else if (k === "ArrowDown" || k === "Enter") { commitDigits(); move(td, 1, 0); }
    else if (k === "ArrowLeft") { move(td, 0, -1); } else if (k === "ArrowRight") { move(td, 0, 1); }
    else if (k === "Backspace" || k === "Delete") { save(td, "clear", 1); }
    else if (ABSENT[k]) { save(td, "absent", 1); }
    else if (LATE[k]) { save(td, "late", 1); }
    else if (k === "Escape") { closePickers(); }
    else if (k === " " || k === "F2") { if (!editable(td)) status(whyLocked(td), "note"); else if (picker) openPicker(picker, td); }
    else if (/^[0-9]$/.test(k) && editable(td) && !takesMarks(td)) { status(grid.dataset.noMarksMsg, "note"); }
    else if (/^[0-9]$/.test(k)) {
      digits += k;
      if (!twelve || digits.length === 2 || digits !== "1") { commitDigits(); }
      else { clearTimeout(digitTimer); digitTimer = setTimeout(commitDigits, 700); }
    } else { return; }
    e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest(".picker") && !e.target.closest("#grid")) closePickers();
  });

  function scrollToFocusAndStart() {
    scrollToFocus();
    var h = grid.dataset.focus && document.getElementById("h" + grid.dataset.focus);
    var row = grid.tBodies[0].rows[0];
    var first = (h && row && row.cells[h.cellIndex]) || firstOpen();
    if (linked) { focusCell(linked); } else if (first) { cur = first; curName = nameOf(first); first.tabIndex = 0; }
    Object.keys(pending).forEach(function (id) { if (cellNamed(id)) send(id); else { delete pending[id]; } });
    persist();
  }
  function firstOpen() {
    var rows = grid.tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      for (var c = 0; c < rows[r].cells.length; c++) { if (editable(rows[r].cells[c])) return rows[r].cells[c]; }
    }
    return null;
  }
  scrollToFocusAndStart();

  function scrollToFocus() {
    var g = document.getElementById("grid");
    var h = g && g.dataset.focus && document.getElementById("h" + g.dataset.focus);
    if (h) {
      var wrap = g.parentElement;
      wrap.scrollLeft = Math.max(0, h.offsetLeft - wrap.clientWidth / 2);
    }
  }
})();
