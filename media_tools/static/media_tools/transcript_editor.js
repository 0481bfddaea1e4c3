// The transcript editor: correction at a trained transcriber's speed.
// Keyboard: Esc or Alt+K play/pause, Alt+J back 5 s, Alt+Down/Up next/previous segment, Alt+R mark reviewed
// and go on, Alt+S split at the cursor, Alt+M merge with the next segment, Alt+, / Alt+. slower/faster.
// Every change is autosaved (a few seconds after typing stops) into the person's working revision; the machine
// draft is never changed. Without JavaScript the form still saves, one field per segment.
(function () {
  "use strict";
  const root = document.getElementById("transcript-editor");
  if (!root) return;
  const config = JSON.parse(document.getElementById("transcript-editor-config").textContent);
  const audio = root.querySelector("audio");
  const form = document.getElementById("transcript-form");
  const tbody = form.querySelector("tbody");
  const rateSelect = document.getElementById("playback-rate");
  const search = document.getElementById("transcript-search");
  const searchCount = document.getElementById("search-count");
  const reviewState = document.getElementById("review-state");
  const saveState = document.getElementById("save-state");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  let current = null; // the row being played
  let dirty = false;
  let saving = false;
  let timer = null;
  let newIds = 0;

  const rows = () => Array.from(tbody.querySelectorAll("tr.segment"));
  const textOf = (row) => row.querySelector("textarea");
  const num = (value) => Math.round(parseFloat(value) * 1000) / 1000;
  const fmt = (t) => (Math.round(t * 10) / 10).toFixed(1);

  function rowOf(element) {
    return element && element.closest ? element.closest("tr.segment") : null;
  }

  function activeRow() {
    return rowOf(document.activeElement) || current || rows()[0] || null;
  }

  function setTimes(row, start, end) {
    row.dataset.start = start.toFixed(3);
    row.dataset.end = end.toFixed(3);
    row.querySelector(".segment__play").textContent = fmt(start) + "–" + fmt(end) + " s";
  }

  function serialise() {
    return rows().map((row) => ({
      start: num(row.dataset.start),
      end: num(row.dataset.end),
      text: textOf(row).value,
      speaker: row.querySelector(".segment__speaker").value,
      reviewed: row.querySelector(".segment__reviewed").checked,
      language: row.dataset.language || "",
      kind: textOf(row).value.trim() ? "speech" : row.dataset.kind || "speech",
      confidence: row.dataset.confidence === "" ? null : parseFloat(row.dataset.confidence),
    }));
  }

  // ------------------------------------------------------------------ playback

  function playFrom(row) {
    audio.currentTime = parseFloat(row.dataset.start);
    audio.play().catch(() => {});
  }

  function toggle() {
    if (audio.paused) audio.play().catch(() => {});
    else audio.pause();
  }

  function setRate(rate) {
    audio.playbackRate = rate;
    rateSelect.value = String(rate);
  }

  function stepRate(direction) {
    const i = RATES.indexOf(audio.playbackRate);
    const next = RATES[Math.min(Math.max((i < 0 ? 2 : i) + direction, 0), RATES.length - 1)];
    setRate(next);
  }

  rateSelect.addEventListener("change", () => setRate(parseFloat(rateSelect.value)));

  audio.addEventListener("timeupdate", () => {
    const t = audio.currentTime;
    const row = rows().find((r) => t >= parseFloat(r.dataset.start) && t < parseFloat(r.dataset.end));
    if (row === current) return;
    if (current) current.classList.remove("segment--playing"), current.removeAttribute("aria-current");
    current = row || null;
    if (current) {
      current.classList.add("segment--playing");
      current.setAttribute("aria-current", "true");
      if (!audio.paused) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });

  function goTo(row) {
    if (!row) return;
    textOf(row).focus();
    row.scrollIntoView({ block: "nearest" });
    const playing = !audio.paused;
    audio.currentTime = parseFloat(row.dataset.start);
    if (playing) audio.play().catch(() => {});
  }

  function neighbour(row, step) {
    const all = rows();
    return all[all.indexOf(row) + step] || null;
  }

  // ------------------------------------------------------------------ review share

  function updateReview() {
    const all = rows();
    const done = all.filter((r) => r.querySelector(".segment__reviewed").checked).length;
    const percent = all.length ? Math.round((100 * done) / all.length) : 0;
    reviewState.dataset.reviewed = String(done);
    reviewState.dataset.total = String(all.length);
    reviewState.textContent = reviewState.textContent.replace(/\d+(\D+)\d+(\D+)\d+/, done + "$1" + all.length + "$2" + percent);
  }

  // ------------------------------------------------------------------ split and merge

  function split(row) {
    const area = textOf(row);
    const text = area.value;
    const caret = area.selectionStart || 0;
    const start = parseFloat(row.dataset.start);
    const end = parseFloat(row.dataset.end);
    if (end - start < 0.2) return;
    let at = start + ((end - start) * caret) / Math.max(text.length, 1);
    const t = audio.currentTime; // a transcriber pauses where the next sentence starts, then splits there
    if (t > start + 0.05 && t < end - 0.05) at = t;
    at = Math.min(Math.max(at, start + 0.05), end - 0.05);
    const copy = row.cloneNode(true);
    copy.classList.remove("segment--playing");
    copy.removeAttribute("aria-current");
    renumber(copy);
    textOf(copy).value = text.slice(caret).trim();
    copy.querySelector(".segment__speaker").value = row.querySelector(".segment__speaker").value;
    copy.querySelector(".segment__reviewed").checked = false;
    area.value = text.slice(0, caret).trim();
    setTimes(row, start, at);
    setTimes(copy, at, end);
    row.after(copy);
    bindRow(copy);
    textOf(copy).focus();
    textOf(copy).setSelectionRange(0, 0);
    changed();
  }

  function merge(row) {
    const next = neighbour(row, 1);
    if (!next) return;
    const area = textOf(row);
    const joined = [area.value.trim(), textOf(next).value.trim()].filter(Boolean).join(" ");
    const caret = area.value.trim().length;
    area.value = joined;
    setTimes(row, parseFloat(row.dataset.start), parseFloat(next.dataset.end));
    const speaker = row.querySelector(".segment__speaker");
    if (!speaker.value) speaker.value = next.querySelector(".segment__speaker").value;
    const reviewed = row.querySelector(".segment__reviewed");
    reviewed.checked = reviewed.checked && next.querySelector(".segment__reviewed").checked;
    const a = parseFloat(row.dataset.confidence);
    const b = parseFloat(next.dataset.confidence);
    if (!isNaN(a) || !isNaN(b)) row.dataset.confidence = String(Math.min(isNaN(a) ? b : a, isNaN(b) ? a : b));
    if (joined) row.dataset.kind = "speech";
    if (next === current) current = null;
    next.remove();
    area.focus();
    area.setSelectionRange(caret, caret);
    changed();
  }

  function renumber(row) {
    newIds += 1;
    row.querySelectorAll("[id]").forEach((el) => {
      const id = el.id + "-n" + newIds;
      const label = row.querySelector('label[for="' + el.id + '"]');
      if (label) label.htmlFor = id;
      el.id = id;
      el.removeAttribute("name");
    });
    row.querySelectorAll("[name]").forEach((el) => el.removeAttribute("name"));
  }

  // ------------------------------------------------------------------ transcribe again

  async function retranscribe(row, language, button) {
    const previous = saveState.textContent;
    saveState.textContent = root.dataset.working;
    button.disabled = true;
    try {
      const response = await fetch(config.retranscribeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ start: num(row.dataset.start), end: num(row.dataset.end), language: language }),
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      if (data.text) {
        textOf(row).value = data.text;
        textOf(row).lang = language;
        row.dataset.language = language;
        row.dataset.kind = "speech";
        row.dataset.confidence = data.confidence === null ? "" : String(data.confidence);
        changed();
      } else {
        saveState.textContent = data.empty_message;
        return;
      }
      saveState.textContent = previous;
    } catch (error) {
      saveState.textContent = String(error.message || error);
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ autosave

  function changed() {
    dirty = true;
    root.dataset.pending = "1";
    updateReview();
    clearTimeout(timer);
    timer = setTimeout(autosave, 2000);
  }

  async function autosave() {
    if (!dirty) return;
    if (saving) {
      timer = setTimeout(autosave, 1000);
      return;
    }
    saving = true;
    dirty = false;
    saveState.textContent = root.dataset.saving;
    try {
      const response = await fetch(config.autosaveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ segments: serialise() }),
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      config.autosaveUrl = data.autosave_url;
      config.retranscribeUrl = data.retranscribe_url;
      form.action = data.url;
      if (excerptForm) excerptForm.action = data.url + "excerpt/";
      if (window.location.pathname !== data.url) window.history.replaceState(null, "", data.url);
      root.dataset.revision = String(data.revision);
      saveState.textContent = data.message;
      if (!dirty) root.dataset.pending = "0";
    } catch (error) {
      dirty = true;
      saveState.textContent = root.dataset.saveFailed;
    } finally {
      saving = false;
    }
  }

  window.addEventListener("beforeunload", (event) => {
    if (dirty || saving) {
      autosave();
      event.preventDefault();
    }
  });

  form.addEventListener("submit", () => {
    clearTimeout(timer);
    dirty = false;
    document.getElementById("segments-json").value = JSON.stringify(serialise());
  });

  // ------------------------------------------------------------------ excerpt
  // The ticked rows go by their start time (it survives splits and merges), after any pending edit is saved.

  const excerptForm = document.getElementById("excerpt-form");
  if (excerptForm) {
    excerptForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearTimeout(timer);
      if (dirty) await autosave();
      while (saving) await new Promise((resolve) => setTimeout(resolve, 100));
      rows().forEach((row) => {
        const box = row.querySelector(".segment__excerpt");
        if (box) box.removeAttribute("name");
        if (box && box.checked) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = "start";
          input.value = row.dataset.start;
          excerptForm.appendChild(input);
        }
      });
      excerptForm.submit();
    });
  }

  // ------------------------------------------------------------------ search

  function runSearch(jump) {
    const term = search.value.trim().toLowerCase();
    const matches = [];
    rows().forEach((row) => {
      const hit = term !== "" && textOf(row).value.toLowerCase().includes(term);
      row.classList.toggle("segment--match", hit);
      if (hit) matches.push(row);
    });
    searchCount.textContent = term ? matches.length + " " + root.dataset.matches : "";
    if (jump && matches.length) {
      const from = rows().indexOf(activeRow());
      const next = matches.find((row) => rows().indexOf(row) > from) || matches[0];
      next.scrollIntoView({ block: "center" });
      next.classList.add("segment--found");
      setTimeout(() => next.classList.remove("segment--found"), 1200);
      goToFromSearch(next);
    }
  }

  function goToFromSearch(row) {
    audio.currentTime = parseFloat(row.dataset.start);
    const area = textOf(row);
    const at = area.value.toLowerCase().indexOf(search.value.trim().toLowerCase());
    area.focus();
    if (at >= 0) area.setSelectionRange(at, at + search.value.trim().length);
  }

  search.addEventListener("input", () => runSearch(false));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      runSearch(true);
    }
  });

  // ------------------------------------------------------------------ wiring

  function bindRow(row) {
    row.querySelector(".segment__play").addEventListener("click", () => playFrom(row));
    textOf(row).addEventListener("input", () => {
      if (textOf(row).value.trim()) row.classList.remove("segment--gap");
      changed();
    });
    row.querySelector(".segment__speaker").addEventListener("change", changed);
    row.querySelector(".segment__reviewed").addEventListener("change", changed);
    row.querySelectorAll(".segment__retranscribe").forEach((button) => {
      button.addEventListener("click", () => retranscribe(row, button.dataset.language, button));
    });
  }

  rows().forEach(bindRow);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.altKey && !event.ctrlKey && !event.metaKey) {
      if (event.target === search) return;
      event.preventDefault();
      toggle();
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const row = activeRow();
    const actions = {
      KeyK: () => toggle(),
      KeyJ: () => {
        audio.currentTime = Math.max(0, audio.currentTime - 5);
      },
      ArrowDown: () => goTo(row ? neighbour(row, 1) : rows()[0]),
      ArrowUp: () => goTo(row ? neighbour(row, -1) : rows()[0]),
      KeyR: () => {
        if (!row) return;
        const box = row.querySelector(".segment__reviewed");
        box.checked = !box.checked;
        changed();
        if (box.checked) goTo(neighbour(row, 1) || row);
      },
      KeyS: () => row && split(row),
      KeyM: () => row && merge(row),
      Comma: () => stepRate(-1),
      Period: () => stepRate(1),
    };
    const action = actions[event.code];
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
