// thinkforge report: the sample browser. Model output is untrusted: every text goes in through textContent
// (never innerHTML), and only the rows in view exist in the DOM (virtual list of fixed-height rows).
(function () {
  "use strict";
  var ROW = 30;        // px; matches .row.sample in the CSS
  var OVERSCAN = 8;    // rows drawn above and below the viewport
  var PREVIEW = 120;   // characters of the extracted answer shown in a row

  var data = JSON.parse(document.getElementById("tf-data").textContent);
  var S = data.samples, P = data.problems, RUNS = data.runs;
  var $ = function (id) { return document.getElementById(id); };
  var rowsBox = $("rows"), spacer = $("rows-spacer"), detail = $("detail"), count = $("f-count");
  var fTask = $("f-task"), fRun = $("f-run"), fStatus = $("f-status"), fOk = $("f-ok"), fText = $("f-text");
  var view = [], drawn = [-1, -1], lower = null, selected = -1;

  function el(name, text, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function unique(key) {
    var seen = {}, out = [];
    S.forEach(function (s) { var v = s[key]; if (!seen.hasOwnProperty(v)) { seen[v] = true; out.push(v); } });
    return out;
  }

  function fill(select, values, label) {
    select.appendChild(el("option", "all")).value = "";
    values.forEach(function (v) { select.appendChild(el("option", label ? label(v) : v)).value = String(v); });
  }

  // Samples of the same problem, for the side-by-side view.
  var byProblem = {};
  S.forEach(function (s, i) {
    var key = s.t + "\u0000" + s.p;
    (byProblem[key] = byProblem[key] || []).push(i);
  });

  function haystack(i) {
    if (lower === null) { lower = new Array(S.length); }
    if (lower[i] === undefined) {
      var s = S[i];
      lower[i] = [s.p, s.x, s.a, s.th, s.f].join("\n").toLowerCase();
    }
    return lower[i];
  }

  function apply() {
    var t = fTask.value, r = fRun.value, st = fStatus.value, ok = fOk.value;
    var q = fText.value.trim().toLowerCase();
    view = [];
    for (var i = 0; i < S.length; i++) {
      var s = S[i];
      if (t && s.t !== t) { continue; }
      if (r && String(s.r) !== r) { continue; }
      if (st && s.s !== st) { continue; }
      if (ok && (s.ok === null || (s.ok ? "1" : "0") !== ok)) { continue; }
      if (q && haystack(i).indexOf(q) < 0) { continue; }
      view.push(i);
    }
    count.textContent = view.length + " of " + S.length + " samples";
    spacer.style.height = (view.length * ROW) + "px";
    rowsBox.scrollTop = 0;
    draw(true);
  }

  function makeRow(i, k) {
    var s = S[i];
    var row = el("div", null, "row sample" + (i === selected ? " selected" : ""));
    row.style.top = (k * ROW) + "px";
    row.setAttribute("data-index", String(i));
    row.appendChild(el("span", RUNS[s.r]));
    row.appendChild(el("span", s.t));
    row.appendChild(el("span", s.p));
    row.appendChild(el("span", s.i));
    row.appendChild(el("span", s.s, "st st-" + s.s));
    row.appendChild(el("span", (s.x || "").slice(0, PREVIEW), "mono"));
    row.appendChild(el("span", s.ct === null || s.ct === undefined ? "" : s.ct));
    return row;
  }

  function draw(force) {
    var top = rowsBox.scrollTop, height = rowsBox.clientHeight || 400;
    var first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    var last = Math.min(view.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    if (!force && first === drawn[0] && last === drawn[1]) { return; }
    drawn = [first, last];
    var frag = document.createDocumentFragment();
    for (var k = first; k < last; k++) { frag.appendChild(makeRow(view[k], k)); }
    spacer.textContent = "";
    spacer.appendChild(frag);
  }

  function block(title, text, cls) {
    var box = el("div", null, "block");
    box.appendChild(el("h5", title));
    box.appendChild(el("pre", text, cls));
    return box;
  }

  function column(i) {
    var s = S[i], col = el("div", null, "col");
    col.setAttribute("data-index", String(i));
    var head = el("div", null, "col-head");
    head.appendChild(el("strong", RUNS[s.r] + " · sample #" + s.i));
    head.appendChild(el("span", s.s, "st st-" + s.s));
    if (s.ct !== null && s.ct !== undefined) { head.appendChild(el("span", s.ct + " tokens", "muted")); }
    if (s.fr) { head.appendChild(el("span", "finish: " + s.fr, "muted")); }
    col.appendChild(head);
    col.appendChild(block("Extracted answer", s.x || "(none)", "extracted"));
    if (s.f) { col.appendChild(block("Failing test", s.f, "failing")); }
    if (s.th) {
      var think = el("details", null, "thinking");
      think.appendChild(el("summary", "Thinking (" + s.th.length.toLocaleString() + " characters)"));
      think.appendChild(el("pre", s.th));
      col.appendChild(think);
    }
    col.appendChild(block("Response", s.a, "response"));
    return col;
  }

  function show(i) {
    selected = i;
    var s = S[i], problem = (P[s.t] || {})[s.p] || {};
    detail.textContent = "";
    detail.hidden = false;
    var bar = el("div", null, "detail-bar");
    bar.appendChild(el("h3", s.t + " · " + s.p));
    var others = (byProblem[s.t + "\u0000" + s.p] || []).filter(function (j) { return j !== i; });
    var pick = el("select");
    pick.id = "compare-with";
    pick.appendChild(el("option", "side by side with …")).value = "";
    others.forEach(function (j) { pick.appendChild(el("option", RUNS[S[j].r] + " · #" + S[j].i + " · " + S[j].s)).value = String(j); });
    var close = el("button", "close");
    close.type = "button";
    close.addEventListener("click", function () { detail.hidden = true; selected = -1; draw(true); });
    bar.appendChild(pick);
    bar.appendChild(close);
    detail.appendChild(bar);
    var prob = el("details", null, "problem");
    prob.open = true;
    prob.appendChild(el("summary", "Problem"));
    prob.appendChild(el("pre", problem.q === undefined ? "(problem text not available)" : problem.q));
    detail.appendChild(prob);
    detail.appendChild(block("Gold", problem.g === undefined ? "(not available)" : problem.g, "gold"));
    var cols = el("div", null, "cols");
    cols.appendChild(column(i));
    detail.appendChild(cols);
    pick.addEventListener("change", function () {
      while (cols.children.length > 1) { cols.removeChild(cols.lastChild); }
      if (pick.value !== "") { cols.appendChild(column(Number(pick.value))); }
    });
    var partner = others.filter(function (j) { return S[j].r !== s.r && S[j].i === s.i; })[0];
    if (partner !== undefined) { pick.value = String(partner); pick.dispatchEvent(new Event("change")); }
    draw(true);
  }

  fill(fTask, unique("t"));
  fill(fRun, unique("r"), function (r) { return RUNS[r]; });
  fill(fStatus, unique("s").sort());
  if (RUNS.length < 2) { fRun.parentNode.hidden = true; }

  var pending = null;
  [fTask, fRun, fStatus, fOk].forEach(function (f) { f.addEventListener("change", apply); });
  fText.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(apply, 200);
  });
  var frame = 0;
  rowsBox.addEventListener("scroll", function () {
    if (!frame) { frame = requestAnimationFrame(function () { frame = 0; draw(false); }); }
  });
  spacer.addEventListener("click", function (event) {
    var row = event.target.closest(".row.sample");
    if (row) { show(Number(row.getAttribute("data-index"))); }
  });
  apply();
  window.__tfReady = performance.now();
})();
