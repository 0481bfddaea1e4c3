// Story step: every recording made here and every file chosen is first kept on this phone (local_store.js), then
// sent in resumable pieces (family_uploads.js) with its own state: waiting, sending n% (and time left), sent,
// refused (with the reason), or kept on the phone with "Send again". "Continue" waits until all have arrived.
// Without JavaScript the form posts the files itself; nothing here is needed for the page to work.
(function () {
  "use strict";
  const form = document.getElementById("story-form");
  const recorderBox = document.getElementById("recorder");
  if (!form || !recorderBox || !window.SBGLocalStore || !window.SBGTus) return;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("upload-status");
  const strings = JSON.parse(document.getElementById("upload-strings").textContent);
  const endpoint = recorderBox.dataset.tusUrl;
  const chunkBytes = Number(recorderBox.dataset.chunkBytes) || 512 * 1024;
  const scope = endpoint.replace(/^\/[a-z]{2}\//, "/");  // this invitation's items, whatever the page's language
  const fileInput = form.querySelector("input[type=file][name=audio]");
  const listBox = document.getElementById("local-files");
  const list = document.getElementById("upload-list");
  let received = Number(recorderBox.dataset.received) || 0;
  const items = new Map();  // id -> {item, view, row, percent, left, reason}
  const queue = [];
  let busy = false;
  let store;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  const newId = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  const mmss = (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  };

  function row(entry) {
    if (entry.row) return entry.row;
    const li = document.createElement("li");
    li.className = "upload";
    li.dataset.id = entry.item.id;
    li.innerHTML = '<span class="upload__name"></span><span class="upload__state"></span>' +
      '<progress max="100" value="0" hidden></progress><span class="upload__buttons">' +
      '<button type="button" class="button" data-do="send"></button>' +
      '<button type="button" class="button button--quiet" data-do="remove"></button></span>';
    const name = li.querySelector(".upload__name");
    name.textContent = entry.item.name;
    name.id = "upload-" + entry.item.id;
    li.querySelector("progress").setAttribute("aria-labelledby", name.id);
    li.querySelectorAll("button").forEach((button) => button.setAttribute("aria-describedby", name.id));
    li.querySelector("[data-do=remove]").textContent = strings.remove;
    li.querySelector("[data-do=send]").addEventListener("click", () => enqueue(entry, true));
    li.querySelector("[data-do=remove]").addEventListener("click", () => remove(entry));
    list.appendChild(li);
    listBox.hidden = false;
    entry.row = li;
    return li;
  }

  function show(entry, view) {
    if (view) entry.view = view;
    const li = row(entry);
    const texts = {
      recording: strings.recordingNow,
      local: entry.tried ? strings.failed : strings.local + (store.persistent ? "" : " · " + strings.pageOnly),
      waiting: strings.waiting,
      sending: fill(strings.sendingPercent, { percent: entry.percent || 0 }) +
        (entry.left ? " · " + fill(strings.timeLeft, { time: mmss(entry.left) }) : ""),
      retrying: strings.retrying,
      sent: strings.sentItem,
      refused: fill(strings.refused, { reason: entry.reason || "" }),
    };
    li.dataset.state = entry.view;
    li.querySelector(".upload__state").textContent = texts[entry.view];
    const bar = li.querySelector("progress");
    bar.hidden = entry.view !== "sending";
    bar.value = entry.percent || 0;
    const send = li.querySelector("[data-do=send]");
    send.hidden = !["local", "retrying"].includes(entry.view);
    send.textContent = entry.tried ? strings.again : strings.send;
    li.querySelector("[data-do=remove]").hidden = ["sending", "sent", "recording"].includes(entry.view);
  }

  function enqueue(entry, now) {
    clearTimeout(entry.timer);
    if (queue.includes(entry) || entry.view === "sending") return;
    if (now) entry.attempts = 0;
    queue.push(entry);
    show(entry, "waiting");
    pump();
  }

  async function pump() {
    if (busy) return;
    const entry = queue.shift();
    if (!entry) return;
    busy = true;
    try {
      await send(entry);
    } finally {
      busy = false;
      pump();
    }
  }

  async function send(entry) {
    entry.tried = true;
    entry.percent = 0;
    entry.left = 0;
    show(entry, "sending");
    status.textContent = strings.sending + " " + entry.item.name;
    const blob = await store.blob(entry.item);
    const began = { at: Date.now(), bytes: null };
    try {
      const result = await window.SBGTus.send(blob, {
        endpoint: endpoint,
        uploadUrl: entry.item.uploadUrl,
        chunkBytes: chunkBytes,
        csrf: csrf,
        onUrl: (url) => { entry.item.uploadUrl = url; store.put(entry.item); },
        onProgress: (sent, total) => {
          if (began.bytes === null) { began.bytes = sent; began.at = Date.now(); }
          const seconds = (Date.now() - began.at) / 1000;
          const rate = seconds > 2 ? (sent - began.bytes) / seconds : 0;
          entry.percent = total ? Math.floor((100 * sent) / total) : 0;
          entry.left = rate > 0 ? (total - sent) / rate : 0;
          show(entry);
        },
      });
      received = result.received || received + 1;
      status.textContent = strings.sent + " (" + received + ")";
      show(entry, "sent");
      await store.remove(entry.item.id);  // the server has it: nothing of it stays on the phone
    } catch (error) {
      if (error && error.refused) {
        entry.reason = error.refused;
        entry.item.state = "refused";
        entry.item.reason = error.refused;
        await store.dropChunks(entry.item.id);
        await store.put(entry.item);
        status.textContent = entry.item.name + ": " + error.refused;
        show(entry, "refused");
      } else if (error && error.lost) {
        entry.item.uploadUrl = null;
        await store.put(entry.item);
        retryLater(entry, 0);
      } else {
        retryLater(entry);
      }
    }
  }

  // A dropped line: try again by itself a few times, and at once when the phone is back online; "Send again"
  // is there all along.
  function retryLater(entry, delay) {
    entry.attempts = (entry.attempts || 0) + 1;
    if (entry.attempts > 3) {
      status.textContent = strings.failed;
      show(entry, "local");
      return;
    }
    status.textContent = strings.retry;
    show(entry, "retrying");
    entry.timer = setTimeout(() => enqueue(entry), delay === undefined ? [3, 10, 30][entry.attempts - 1] * 1000 : delay);
  }

  async function remove(entry) {
    clearTimeout(entry.timer);
    const index = queue.indexOf(entry);
    if (index >= 0) queue.splice(index, 1);
    if (entry.item.uploadUrl && entry.item.state !== "refused") {
      const xhr = new XMLHttpRequest();  // tell the server to drop what arrived; the sweep would do it later
      xhr.open("DELETE", entry.item.uploadUrl);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.send();
    }
    await store.remove(entry.item.id);
    items.delete(entry.item.id);
    entry.row.remove();
    listBox.hidden = items.size === 0;
  }

  function add(item, view) {
    const entry = { item: item, view: view };
    items.set(item.id, entry);
    show(entry);
    return entry;
  }

  window.addEventListener("online", () => {
    items.forEach((entry) => { if (entry.view === "retrying" || (entry.view === "local" && entry.tried)) enqueue(entry, true); });
  });

  // "Continue" only once everything chosen has arrived. Going on (also "without the unfinished recordings") clears
  // what this page kept on the phone for this story: nothing of it should stay behind on a shared phone.
  form.addEventListener("submit", async (event) => {
    if (form.dataset.cleared) return;
    const dropping = Boolean(event.submitter && event.submitter.name === "drop_unfinished");
    const entries = Array.from(items.values());
    const unsent = entries.filter((entry) => !["sent", "refused"].includes(entry.view));
    if (unsent.length && !dropping) {
      event.preventDefault();
      status.textContent = strings.notYet;
      unsent[0].row.scrollIntoView({ block: "center" });
      return;
    }
    const leftovers = entries.filter((entry) => entry.view !== "sent");
    if (!leftovers.length) return;
    event.preventDefault();
    for (const entry of leftovers) await remove(entry).catch(() => null);
    form.dataset.cleared = "1";
    form.requestSubmit(event.submitter || undefined);
  });

  window.SBGLocalStore.then(async (ready) => {
    store = ready;
    // Ask the browser not to clear what is kept here when the phone runs short of space.
    if (store.persistent && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
    // What a reload, a closed tab or a lost connection left on this phone: shown first, sent when asked.
    const kept = await store.list(scope);
    kept.sort((a, b) => a.created - b.created);
    for (const item of kept) {
      const entry = add(item, item.state === "refused" ? "refused" : "local");
      entry.reason = item.reason;
    }
    if (fileInput) fileInput.addEventListener("change", chooseFiles);
    setUpRecorder();
  });

  async function chooseFiles() {
    const chosen = Array.from(fileInput.files);
    const kept = [];
    for (const file of chosen) {
      const item = { id: newId(), scope: scope, name: file.name, type: file.type, size: file.size, created: Date.now(), state: "local" };
      try {
        await store.addChunk(item.id, 0, file);
        await store.put(item);
      } catch (error) {
        kept.push(file);  // the phone cannot keep it: the form will post it the ordinary way
        continue;
      }
      enqueue(add(item, "waiting"));
    }
    const left = new DataTransfer();
    kept.forEach((file) => left.items.add(file));
    fileInput.files = left.files;  // only what could not be kept here is sent with the form
  }

  function setUpRecorder() {
    if (!(navigator.mediaDevices && window.MediaRecorder)) return;
    recorderBox.hidden = false;
    const stateText = recorderBox.querySelector("[data-state-text]");
    const meter = recorderBox.querySelector("[data-level]");
    const buttons = Object.fromEntries(Array.from(recorderBox.querySelectorAll("button[data-action]")).map((b) => [b.dataset.action, b]));
    let recorder, stream, audioContext, levelTimer, current, writes, seq;

    function setState(name) {
      stateText.textContent = strings[name];
      if (name === "recording") stateText.setAttribute("data-recording", ""); else stateText.removeAttribute("data-recording");
      buttons.start.disabled = name === "recording" || name === "paused";
      buttons.pause.disabled = name !== "recording";
      buttons.resume.disabled = name !== "paused";
      buttons.stop.disabled = !(name === "recording" || name === "paused");
    }

    buttons.start.addEventListener("click", async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (error) {
        stateText.textContent = strings.denied;
        return;
      }
      const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
      recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const number = Array.from(items.values()).filter((entry) => entry.item.recorded).length + 1;
      current = add({
        id: newId(), scope: scope, recorded: true, type: recorder.mimeType, created: Date.now(), state: "local",
        name: fill(strings.recordingName, { n: number }),
      }, "recording");
      writes = [store.put(current.item)];
      seq = 0;
      // Each second of sound is written to the phone as it comes: a reload mid-recording keeps what was said.
      recorder.ondataavailable = (event) => { if (event.data.size) writes.push(store.addChunk(current.item.id, seq++, event.data)); };
      recorder.onstop = async () => {
        clearInterval(levelTimer);
        stream.getTracks().forEach((track) => track.stop());
        setState("idle");
        const entry = current;
        await Promise.all(writes).catch(() => null);
        enqueue(entry);
      };
      audioContext = new AudioContext();
      const analyser = audioContext.createAnalyser();
      audioContext.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      levelTimer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        meter.value = Math.min(1, Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length) * 4);
      }, 100);
      recorder.start(1000);
      setState("recording");
    });
    buttons.pause.addEventListener("click", () => { recorder.pause(); setState("paused"); });
    buttons.resume.addEventListener("click", () => { recorder.resume(); setState("recording"); });
    buttons.stop.addEventListener("click", () => recorder.stop());
  }
})();
