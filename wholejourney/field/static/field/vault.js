// The phone's encrypted store for field work: IndexedDB holding only ciphertext (AES-GCM).
//
// A random data key encrypts the pack and every entry. It is kept wrapped (AES-GCM) by a key
// derived with PBKDF2-SHA256 from the field PIN and a salt that only the server's secret can make:
// salt = HMAC(secret, random). The secret is imported as a non-extractable key, so the page's own
// script cannot read it back out, and a copy of the database alone is not enough to try PINs.
// Five wrong PINs erase the database.

const DB_NAME = "wj-field";
const STORE = "kv";
export const ITERATIONS = 310000;
export const MAX_FAILURES = 5;
const enc = new TextEncoder();
const dec = new TextDecoder();

let dataKey = null; // in memory only, while the app is open and unlocked

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const get = (key) => run("readonly", (s) => s.get(key));
const put = (key, value) => run("readwrite", (s) => s.put(value, key));
const remove = (key) => run("readwrite", (s) => s.delete(key));
const keys = () => run("readonly", (s) => s.getAllKeys());

const random = (n) => crypto.getRandomValues(new Uint8Array(n));

async function wrappingKey(pin, meta) {
  const salt = await crypto.subtle.sign("HMAC", meta.secretKey, meta.salt);
  const pinKey = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: meta.iterations },
    pinKey,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function seal(value) {
  const iv = random(12);
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, dataKey, enc.encode(JSON.stringify(value)));
  return { iv, data };
}

async function unseal(box) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, dataKey, box.data);
  return JSON.parse(dec.decode(plain));
}

/** Whether this phone keeps field data, and its plain facts (no client data): token, expiry, failures. */
export async function meta() {
  return (await get("meta")) || null;
}

export function unlocked() {
  return dataKey !== null;
}

export function lock() {
  dataKey = null;
}

/** Erase everything this phone keeps for field work. */
export async function wipe() {
  dataKey = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

/** Keep a new pack under a new data key wrapped by the PIN and the pack's secret. Entries
 * waiting or refused are re-encrypted under the new key (they are never dropped). */
export async function create(pack, pin) {
  // Accepted entries (their line in the list) are left behind; waiting and refused ones move over.
  const waiting = dataKey ? (await entries()).filter((e) => e.state !== "accepted") : [];
  const secretKey = await crypto.subtle.importKey(
    "raw", enc.encode(pack.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const salt = random(32);
  const fresh = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const base = { secretKey, salt, iterations: ITERATIONS };
  const wrapIv = random(12);
  const wrapped = await crypto.subtle.wrapKey("raw", fresh, await wrappingKey(pin, base), { name: "AES-GCM", iv: wrapIv });
  await wipe();
  await put("meta", {
    ...base, wrapped, wrapIv, token: pack.token, expiresAt: Date.parse(pack.expires_at), failures: 0,
  });
  dataKey = await crypto.subtle.unwrapKey(
    "raw", wrapped, await wrappingKey(pin, base), { name: "AES-GCM", iv: wrapIv }, "AES-GCM", false,
    ["encrypt", "decrypt"],
  );
  delete pack.secret;
  await put("pack", await seal(pack));
  for (const entry of waiting) await saveEntry(entry);
}

/** Open with the PIN: "ok", "expired" (entries can still be synced), "wrong" or "wiped". */
export async function unlock(pin) {
  const m = await meta();
  if (!m) return "wiped";
  let key;
  try {
    key = await crypto.subtle.unwrapKey(
      "raw", m.wrapped, await wrappingKey(pin, m), { name: "AES-GCM", iv: m.wrapIv }, "AES-GCM", false,
      ["encrypt", "decrypt"],
    );
  } catch {
    m.failures = (m.failures || 0) + 1;
    if (m.failures >= MAX_FAILURES) {
      await wipe();
      return "wiped";
    }
    await put("meta", m);
    return "wrong";
  }
  dataKey = key;
  if (m.failures) {
    m.failures = 0;
    await put("meta", m);
  }
  const p = await pack();
  // The expiry inside the encrypted pack counts; the plain copy only says it without the PIN.
  if (!p || Date.now() >= Math.min(m.expiresAt, Date.parse(p.expires_at))) {
    await remove("pack");
    return "expired";
  }
  return "ok";
}

export async function pack() {
  const box = await get("pack");
  return box ? unseal(box) : null;
}

export async function saveEntry(entry) {
  await put(`entry:${entry.key}`, await seal(entry));
}

export async function deleteEntry(key) {
  await remove(`entry:${key}`);
}

export async function entries() {
  const all = [];
  for (const key of await keys()) {
    if (String(key).startsWith("entry:")) all.push(await unseal(await get(key)));
  }
  return all.sort((a, b) => a.made_at.localeCompare(b.made_at));
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = random(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
