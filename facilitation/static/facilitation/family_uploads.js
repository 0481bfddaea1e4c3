// A small client of the tus 1.0.0 resumable upload protocol (the server is facilitation/uploads.py): create an
// upload, ask how far it got (HEAD), append pieces (PATCH) from there, with progress inside each piece.
// A drop loses at most what was in flight; the next attempt continues from the server's offset.
(function () {
  "use strict";
  const STALL_MS = 45000;
  const MAX_PIECE = 8 * 1024 * 1024;  // no progress for this long: the line is dead even if the browser has not noticed

  function call(method, url, options) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      let stall;
      const watch = () => { clearTimeout(stall); stall = setTimeout(() => xhr.abort(), STALL_MS); };
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("X-CSRFToken", options.csrf);
      for (const [name, value] of Object.entries(options.headers || {})) xhr.setRequestHeader(name, String(value));
      if (options.onProgress) xhr.upload.onprogress = (event) => { watch(); options.onProgress(event.loaded); };
      xhr.onload = () => {
        clearTimeout(stall);
        let data = {};
        try { data = JSON.parse(xhr.responseText || "{}"); } catch (error) { data = {}; }
        resolve({ status: xhr.status, header: (name) => xhr.getResponseHeader(name), data: data });
      };
      const failed = () => { clearTimeout(stall); reject({ network: true }); };
      xhr.onerror = failed;
      xhr.onabort = failed;
      xhr.ontimeout = failed;
      watch();
      xhr.send(options.body === undefined ? null : options.body);
    });
  }

  function refusal(response) {
    if ([400, 403, 413, 415, 422].includes(response.status) && response.data.error) return { refused: response.data.error };
    if (response.status === 404) return { lost: true };
    return { network: true, status: response.status };
  }

  // options: endpoint, uploadUrl (from an earlier attempt, or null), chunkBytes, csrf,
  //          onUrl(url) to remember the upload, onProgress(sentBytes, totalBytes).
  // Resolves with {received} (the number of recordings the server holds); rejects with {refused: reason},
  // {lost: true} (the server no longer knows this upload: start a new one) or {network: true}.
  async function send(blob, options) {
    const common = { csrf: options.csrf };
    let url = options.uploadUrl;
    let offset = 0;
    if (url) {
      const head = await call("HEAD", url, common);
      if (head.status === 200) {
        if (head.header("Upload-State") === "accepted") return { received: null };
        offset = Number(head.header("Upload-Offset")) || 0;
      } else if (head.status === 404) {
        url = null;
      } else {
        throw refusal(head);
      }
    }
    if (!url) {
      const created = await call("POST", options.endpoint, Object.assign({
        headers: { "Upload-Length": blob.size, "Upload-Metadata": "filetype " + btoa(blob.type || "application/octet-stream") },
      }, common));
      if (created.status !== 201) throw refusal(created);
      url = created.header("Location");
      offset = 0;
      options.onUrl(url);
    }
    options.onProgress(offset, blob.size);
    // Pieces grow while the line is quick (fewer requests) and shrink again when it slows (less lost on a drop).
    let pieceBytes = options.chunkBytes;
    for (;;) {
      const start = offset;
      const began = Date.now();
      const piece = blob.slice(start, Math.min(blob.size, start + pieceBytes));
      const response = await call("PATCH", url, Object.assign({
        headers: { "Upload-Offset": start, "Content-Type": "application/offset+octet-stream" },
        body: piece,
        onProgress: (loaded) => options.onProgress(start + loaded, blob.size),
      }, common));
      const seconds = (Date.now() - began) / 1000;
      if (seconds < 2) pieceBytes = Math.min(pieceBytes * 2, MAX_PIECE);
      else if (seconds > 10) pieceBytes = Math.max(Math.floor(pieceBytes / 2), options.chunkBytes);
      if (response.status === 204 || response.status === 409) {
        offset = Number(response.header("Upload-Offset"));
        if (!Number.isFinite(offset)) throw { network: true };
        options.onProgress(offset, blob.size);
        if (response.header("Upload-State") === "accepted" || offset >= blob.size) {
          return { received: Number(response.header("Upload-Received")) || null };
        }
        continue;
      }
      throw refusal(response);
    }
  }

  window.SBGTus = { send: send };
})();
