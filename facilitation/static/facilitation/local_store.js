// Recordings and chosen files kept on this phone (IndexedDB) until the server has them: a reload, a closed tab,
// a phone call or a lost connection does not lose them. A recording is written piece by piece while it is made.
// Nothing here goes over the network (family_uploads.js sends). Where the browser cannot keep anything (private
// mode, storage full) the same interface keeps items in the page's memory and says so (`persistent` is false).
(function () {
  "use strict";
  // Days a recording that was never sent stays on the phone: the invitation's lifetime (INVITATION_DAYS) plus one.
  const script = document.currentScript;
  const KEEP_DAYS = Number((script && script.dataset.keepDays) || 31);

  function request(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }

  function openDatabase() {
    return new Promise((resolve, reject) => {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      const opening = indexedDB.open("sbg-family-uploads", 1);
      opening.onupgradeneeded = () => {
        const db = opening.result;
        db.createObjectStore("items", { keyPath: "id" }).createIndex("scope", "scope");
        db.createObjectStore("chunks", { keyPath: ["item", "seq"] });
      };
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
      opening.onblocked = () => reject(new Error("blocked"));
    });
  }

  function chunkRange(id) {
    return IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
  }

  function databaseStore(db) {
    const store = (name, mode) => db.transaction(name, mode).objectStore(name);
    const api = {
      persistent: true,
      put: (item) => {
        item.savedAt = item.savedAt || Date.now();
        return request(store("items", "readwrite").put(item));
      },
      list: (scope) => request(store("items", "readonly").index("scope").getAll(scope)),
      addChunk: (id, seq, blob) => request(store("chunks", "readwrite").put({ item: id, seq: seq, blob: blob })),
      blob: async (item) => {
        const chunks = await request(store("chunks", "readonly").getAll(chunkRange(item.id)));
        return new Blob(chunks.map((c) => c.blob), { type: item.type || "" });
      },
      dropChunks: (id) => request(store("chunks", "readwrite").delete(chunkRange(id))),
      // Whatever was never sent stays on a (possibly shared) phone only as long as the link could still send it.
      expire: async (maxAgeMs) => {
        const items = await request(store("items", "readonly").getAll());
        const cutoff = Date.now() - maxAgeMs;
        for (const item of items) {
          if (!item.savedAt || item.savedAt < cutoff) await api.remove(item.id);
        }
      },
      remove: (id) => new Promise((resolve, reject) => {
        const tx = db.transaction(["items", "chunks"], "readwrite");
        tx.objectStore("items").delete(id);
        tx.objectStore("chunks").delete(chunkRange(id));
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      }),
    };
    return api;
  }

  function memoryStore() {
    const items = new Map();
    const chunks = new Map();
    return {
      persistent: false,
      put: async (item) => { items.set(item.id, Object.assign({}, item)); },
      list: async (scope) => Array.from(items.values()).filter((item) => item.scope === scope),
      addChunk: async (id, seq, blob) => { (chunks.get(id) || chunks.set(id, []).get(id))[seq] = blob; },
      blob: async (item) => new Blob((chunks.get(item.id) || []).filter(Boolean), { type: item.type || "" }),
      dropChunks: async (id) => { chunks.delete(id); },
      remove: async (id) => { items.delete(id); chunks.delete(id); },
      expire: async () => {},
    };
  }

  // One promise for the page: the database when it opens and works, otherwise memory.
  window.SBGLocalStore = openDatabase().then(
    async (db) => {
      const store = databaseStore(db);
      try {
        await store.list("probe");  // private modes can open a database that then refuses every request
        await store.expire(KEEP_DAYS * 24 * 3600 * 1000);
        return store;
      } catch (error) {
        return memoryStore();
      }
    },
    () => memoryStore()
  );
})();
