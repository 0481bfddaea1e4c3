// Click a segment to play from its start; while playing, the current segment is highlighted and kept in view.
(function () {
  const root = document.getElementById("transcript-editor");
  if (!root) return;
  const audio = root.querySelector("audio");
  const rows = Array.from(root.querySelectorAll("tr.segment"));
  rows.forEach((row) => {
    row.querySelector(".segment__play").addEventListener("click", () => {
      audio.currentTime = parseFloat(row.dataset.start);
      audio.play();
    });
  });
  let current = null;
  audio.addEventListener("timeupdate", () => {
    const t = audio.currentTime;
    const row = rows.find((r) => t >= parseFloat(r.dataset.start) && t < parseFloat(r.dataset.end));
    if (row === current) return;
    if (current) { current.style.background = ""; current.removeAttribute("aria-current"); }
    current = row || null;
    if (current) {
      current.style.background = "var(--w-color-surface-info-panel, #e6f3fb)";
      current.setAttribute("aria-current", "true");
      if (!audio.paused) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
})();
