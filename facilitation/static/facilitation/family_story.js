// Story step: send audio one file at a time (retrying when the connection drops), and record in the browser.
// Without JavaScript the form posts the files itself; nothing here is needed for the page to work.
(function () {
  const form = document.getElementById("story-form");
  const recorderBox = document.getElementById("recorder");
  if (!form || !recorderBox) return;
  const uploadUrl = recorderBox.dataset.uploadUrl;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("upload-status");
  const strings = JSON.parse(recorderBox.querySelector("template[data-strings]").innerHTML);
  const fileInput = form.querySelector("input[type=file][name=audio]");

  async function send(blob, filename) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const body = new FormData();
      body.append("file", blob, filename);
      try {
        const response = await fetch(uploadUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
        const data = await response.json();
        if (response.ok) { status.textContent = strings.sent + " (" + data.count + ")"; return true; }
        status.textContent = data.error; return false;  // refused: retrying would not help
      } catch (error) {
        status.textContent = strings.retry;
        await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      }
    }
    status.textContent = strings.failed;
    return false;
  }

  if (fileInput) {
    fileInput.addEventListener("change", async () => {
      const failed = new DataTransfer();
      for (const file of Array.from(fileInput.files)) {
        status.textContent = strings.sending + " " + file.name;
        if (!(await send(file, file.name))) failed.items.add(file);
      }
      fileInput.files = failed.files;  // only what did not arrive is sent again with the form
    });
  }

  if (!(navigator.mediaDevices && window.MediaRecorder)) return;
  recorderBox.hidden = false;
  const stateText = recorderBox.querySelector("[data-state-text]");
  const meter = recorderBox.querySelector("[data-level]");
  const buttons = Object.fromEntries(Array.from(recorderBox.querySelectorAll("button[data-action]")).map((b) => [b.dataset.action, b]));
  let recorder, chunks = [], stream, audioContext, levelTimer, lastBlob;
  const startLabel = buttons.start.textContent;

  function setState(name) {
    stateText.textContent = strings[name];
    if (name === "recording") stateText.setAttribute("data-recording", ""); else stateText.removeAttribute("data-recording");
    buttons.start.disabled = name === "recording" || name === "paused";
    buttons.pause.disabled = name !== "recording";
    buttons.resume.disabled = name !== "paused";
    buttons.stop.disabled = !(name === "recording" || name === "paused");
  }

  buttons.start.addEventListener("click", async () => {
    if (buttons.start.dataset.resend && lastBlob) {
      delete buttons.start.dataset.resend;
      if (!(await send(lastBlob, lastBlob.filename))) buttons.start.dataset.resend = "1";
      else buttons.start.textContent = startLabel;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      stateText.textContent = strings.denied;
      return;
    }
    const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    chunks = [];
    recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
    recorder.onstop = async () => {
      clearInterval(levelTimer);
      stream.getTracks().forEach((track) => track.stop());
      lastBlob = new Blob(chunks, { type: recorder.mimeType });
      setState("idle");
      status.textContent = strings.sending;
      const extension = recorder.mimeType.includes("mp4") ? "m4a" : recorder.mimeType.includes("ogg") ? "ogg" : "webm";
      lastBlob.filename = "recording." + extension;
      if (!(await send(lastBlob, lastBlob.filename))) {
        buttons.start.textContent = strings.again;  // the recording stays on the page until it arrives
        buttons.start.dataset.resend = "1";
      }
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
})();
