// Polls the job's JSON state every two seconds and updates the progress bar until the job ends.
(function () {
  const root = document.getElementById("job-progress");
  if (!root) return;
  const url = root.dataset.jobUrl;
  const bar = root.querySelector("progress");
  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  async function poll() {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    bar.value = state.progress;
    field("progress").textContent = state.progress;
    field("segments").textContent = state.segments;
    field("status_label").textContent = state.status_label;
    field("error").textContent = state.error;
    field("error").hidden = !state.error;
    if (state.transcript_url) {
      field("transcript_url").href = state.transcript_url;
      field("transcript_url").hidden = false;
    }
    if (state.status === "queued" || state.status === "running") setTimeout(poll, 2000);
    else if (state.status !== "done") window.location.reload();
  }
  setTimeout(poll, 1000);
})();
