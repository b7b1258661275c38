/* Minqing visits: the household picker of the visit form, and the offline outbox.
 *
 * A visit written without a connection is kept in this browser (localStorage) and sent to
 * /visits/sync/ when the connection comes back. Each draft carries the form's client_key (a UUID),
 * so a draft sent twice (an answer lost on the way back, a second tab) still makes one visit.
 * Plain JS, no dependencies; htmx (from base.html) posts the form when online.
 */
(function () {
  "use strict";

  var STORE = "minqing.visits.outbox";
  var RETRY_MS = 30000;
  var sending = false;

  // ---- small helpers ------------------------------------------------------------------------
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function localNow() {
    var d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  }

  function csrfToken() {
    var meta = $("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // ---- household picker ---------------------------------------------------------------------
  function addChip(picker, pk, label) {
    var chosen = $(".hp-chosen", picker);
    if ($('.hp-chip[data-pk="' + pk + '"]', chosen)) { return; }
    var chip = document.createElement("span");
    chip.className = "hp-chip badge rounded-pill text-bg-primary";
    chip.dataset.pk = pk;
    chip.dataset.label = label;
    chip.innerHTML = '<input type="hidden" name="' + escapeHtml(picker.dataset.name) + '" value="' +
      escapeHtml(pk) + '">' + escapeHtml(label) +
      '<button type="button" class="btn-close btn-close-white hp-remove" aria-label="移除"></button>';
    chosen.appendChild(chip);
  }

  function pick(button) {
    var picker = button.closest(".household-picker");
    if (!picker) { return; }
    addChip(picker, button.dataset.pk, button.dataset.label);
    var form = picker.closest("form");
    var village = form && form.querySelector("select[name=village]");
    if (village && button.dataset.village && village.querySelector('option[value="' + button.dataset.village + '"]')) {
      village.value = button.dataset.village;
    }
    var search = $(".hp-search", picker);
    if (search && button.closest(".hp-results")) { search.value = ""; }
    $(".hp-results", picker).innerHTML = "";
  }

  document.addEventListener("click", function (e) {
    var pickButton = e.target.closest(".hp-pick");
    if (pickButton) { e.preventDefault(); pick(pickButton); return; }
    var remove = e.target.closest(".hp-remove");
    if (remove) { e.preventDefault(); remove.closest(".hp-chip").remove(); return; }
    if (e.target.closest("[data-outbox-send]")) { flush(); return; }
    var drop = e.target.closest("[data-outbox-drop]");
    if (drop && window.confirm("删除这条未上传的走访记录？")) { drop_(drop.dataset.outboxDrop); return; }
    var restore = e.target.closest("[data-outbox-restore]");
    if (restore) { restore_(restore.dataset.outboxRestore); }
  });

  // Enter in the search box picks the first result instead of submitting the form.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.classList || !e.target.classList.contains("hp-search")) { return; }
    e.preventDefault();
    var first = $(".hp-results .hp-pick", e.target.closest(".household-picker"));
    if (first) { pick(first); }
  });

  // ---- the outbox ---------------------------------------------------------------------------
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (err) { return []; }
  }

  function save(items) {
    localStorage.setItem(STORE, JSON.stringify(items));
    render();
  }

  function setStatus(text) {
    var el = $("#visit-outbox [data-outbox-status]");
    if (el) { el.textContent = text || ""; }
  }

  function render() {
    var box = $("#visit-outbox");
    if (!box) { return; }
    var items = load();
    box.classList.toggle("d-none", items.length === 0);
    $("[data-outbox-count]", box).textContent = items.length;
    var onForm = !!$("form[data-offline]");
    $("[data-outbox-list]", box).innerHTML = items.map(function (item) {
      var errors = item.errors ? '<div class="text-danger">' + escapeHtml(item.errors) + "</div>" : "";
      var restore = onForm && item.errors
        ? ' <button type="button" class="btn btn-sm btn-outline-dark" data-outbox-restore="' + escapeHtml(item.key) + '">放回表单修改</button>'
        : "";
      return '<li class="outbox-item" data-key="' + escapeHtml(item.key) + '"><i class="fa-solid fa-clock me-1"></i>' +
        escapeHtml(item.label) + restore +
        ' <button type="button" class="btn btn-sm btn-outline-danger" data-outbox-drop="' +
        escapeHtml(item.key) + '">删除</button>' + errors + "</li>";
    }).join("");
  }

  function describe(form) {
    var kind = $("input[name=kind]:checked", form);
    var kindLabel = kind ? $('label[for="' + kind.id + '"]', form) : null;
    var names = $all(".hp-chip", form).map(function (chip) { return chip.textContent.trim(); });
    var when = ($("[name=visited_at]", form) || {}).value || "";
    return [kindLabel ? kindLabel.textContent.trim() : "走访", names.join("、"), when.replace("T", " ")]
      .filter(Boolean).join(" · ");
  }

  function clientProblems(form) {
    var problems = [];
    if (!$("[name=heard]", form).value.trim()) { problems.push("请填写听到的情况。"); }
    if (!($("[name=village]", form) || {}).value) { problems.push("请选择村。"); }
    return problems;
  }

  function keep(form) {
    var problems = clientProblems(form);
    var note = $("#visit-offline-note");
    if (problems.length) {
      if (note) { note.textContent = problems.join(" "); note.classList.remove("d-none"); }
      return false;
    }
    var keyInput = $("[name=client_key]", form);
    if (!keyInput.value) { keyInput.value = uuid4(); }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "q") { fields.push([name, value]); }
    });
    var chips = $all(".hp-chip", form).map(function (chip) {
      return { pk: chip.dataset.pk, label: chip.textContent.trim() };
    });
    var items = load().filter(function (item) { return item.key !== keyInput.value; });
    items.push({ key: keyInput.value, fields: fields, chips: chips, label: describe(form), savedAt: new Date().toISOString() });
    save(items);
    clearForm(form);
    setStatus(navigator.onLine ? "" : "当前没有网络，已保存在本机，联网后自动上传。");
    if (note) { note.classList.add("d-none"); }
    window.scrollTo(0, 0);
    return true;
  }

  function clearForm(form) {
    ["heard", "done_on_spot"].forEach(function (name) { var el = $("[name=" + name + "]", form); if (el) { el.value = ""; } });
    var follow = $("[name=needs_follow_up]", form);
    if (follow) { follow.checked = false; }
    $all(".hp-chip", form).forEach(function (chip) { chip.remove(); });
    $("[name=client_key]", form).value = uuid4();
    var when = $("[name=visited_at]", form);
    if (when) { when.value = localNow(); }
  }

  function restore_(key) {
    var form = $("form[data-offline]");
    var item = load().filter(function (i) { return i.key === key; })[0];
    if (!form || !item) { return; }
    clearForm(form);
    item.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (name === "households") { return; }
      $all('[name="' + name + '"]', form).forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === value || (el.type === "checkbox" && value === "on"); }
        else if (el.tagName === "SELECT" && el.multiple) {
          $all("option", el).forEach(function (o) { if (o.value === value) { o.selected = true; } });
        } else { el.value = value; }
      });
    });
    var picker = $(".household-picker", form);
    (item.chips || []).forEach(function (chip) { addChip(picker, chip.pk, chip.label); });
    save(load().filter(function (i) { return i.key !== key; }));
    form.scrollIntoView();
  }

  function drop_(key) {
    save(load().filter(function (i) { return i.key !== key; }));
  }

  function errorsText(errors) {
    return Object.keys(errors || {}).map(function (field) { return errors[field].join(" "); }).join(" ");
  }

  function announce(data) {
    var done = $("#visit-outbox-done");
    if (!done) { return; }
    var link = '<a class="alert-link" href="' + escapeHtml(data.url) + '">' + escapeHtml(data.label) + "</a>";
    done.innerHTML = '<i class="fa-solid fa-check me-1"></i>已上传：' + link;
    done.classList.remove("d-none");
  }

  function sendOne(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("csrfmiddlewaretoken", csrfToken());
    return fetch($("#visit-outbox").dataset.syncUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { status: resp.status, data: data };
      });
    });
  }

  function flush() {
    var box = $("#visit-outbox");
    if (!box || sending) { return; }
    var pending = load().filter(function (item) { return !item.errors; });
    if (!pending.length) { return; }
    sending = true;
    setStatus("正在上传……");
    var chain = Promise.resolve(true);
    pending.forEach(function (item) {
      chain = chain.then(function (goOn) {
        if (!goOn) { return false; }
        return sendOne(item).then(function (result) {
          if (result.status === 200 || result.status === 201) {
            save(load().filter(function (i) { return i.key !== item.key; }));
            announce(result.data);
            return true;
          }
          if (result.status === 400) {
            save(load().map(function (i) {
              if (i.key === item.key) { i.errors = errorsText(result.data.errors) || "内容有误，请修改后重新提交。"; }
              return i;
            }));
            return true;
          }
          setStatus(result.status === 401 || result.status === 403
            ? "登录已过期或无权提交，请重新登录后再上传。"
            : "服务器暂时无法接收，稍后自动重试。");
          return false;
        }, function () {
          setStatus("网络未连接，联网后自动上传。");
          return false;
        });
      });
    });
    chain.then(function (allSent) {
      sending = false;
      if (allSent) { setStatus(""); }
    });
  }

  // ---- the visit form: htmx posts it online; offline, the draft goes to the outbox ----------
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (!form.matches || !form.matches("form[data-offline]")) { return; }
    if (!navigator.onLine) { e.preventDefault(); keep(form); }
  });

  document.addEventListener("htmx:sendError", function (e) {
    var form = e.detail.elt;
    if (form.matches && form.matches("form[data-offline]")) { keep(form); }
  });

  window.addEventListener("online", function () { setStatus("网络已恢复，正在上传……"); flush(); });
  window.addEventListener("offline", function () { setStatus("当前没有网络，新的走访会先保存在本机。"); });
  window.addEventListener("storage", function (e) { if (e.key === STORE) { render(); } });

  // ---- small page behaviours (no inline scripts) ---------------------------------------------
  document.addEventListener("change", function (e) {
    var revisit = e.target.closest && e.target.closest(".revisit-form");
    if (revisit) { syncRevisit(revisit); }
  });

  // Only a reached petitioner gives a verdict: the verdict shows once "联系上了" is chosen.
  function syncRevisit(form) {
    var verdict = $(".revisit-verdict", form);
    var reached = $("input[name=reached]:checked", form);
    if (verdict) { verdict.hidden = !(reached && reached.value === "1"); }
  }

  function start() {
    $all(".revisit-form").forEach(syncRevisit);
    var form = $("form[data-offline]");
    if (form && !$("#visit-offline-note")) {
      var note = document.createElement("div");
      note.id = "visit-offline-note";
      note.className = "alert alert-danger d-none";
      note.setAttribute("role", "alert");
      form.parentNode.insertBefore(note, form);
    }
    render();
    if (navigator.onLine) { flush(); }
    window.setInterval(function () { if (navigator.onLine) { flush(); } }, RETRY_MS);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
