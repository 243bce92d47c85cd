/* The team's private keys, held in this tab's memory only, and libsodium's sealed boxes.
 *
 * A key comes from its file (read here; never uploaded) or from a copy kept in this
 * browser's localStorage, sealed with a key made from a passphrase (Argon2id,
 * crypto_pwhash, then crypto_secretbox). It is never sent to the server, never put in a URL,
 * and is wiped (sodium.memzero) when the tab closes, on sign-out, or after the configured
 * minutes without use. Key ids are the same as the server's: BLAKE2b, 6 bytes, of the
 * public key (referrals/crypto.py key_id).
 */
(function () {
  "use strict";
  var Ix = (window.Ix = window.Ix || {});
  var PRIVATE_HEADER = "oxpip-referrals PRIVATE key v1";
  var PUBLIC_HEADER = "oxpip-referrals public key v1";
  var COPY_ITEM = "oxpip-inbox-key-copy";
  var ring = []; /* [{id, privateKey, publicKey}] */

  function sodium() { return window.sodium; }
  function b64(bytes) { return sodium().to_base64(bytes, sodium().base64_variants.ORIGINAL); }
  function unb64(text) { return sodium().from_base64(text, sodium().base64_variants.ORIGINAL); }

  function KeyProblem(message) { this.message = message; }

  function keyId(publicKey) { return sodium().to_hex(sodium().crypto_generichash(6, publicKey)); }

  /* The private key in a key file's text, or KeyProblem saying what the file is instead. */
  function parseKeyFile(text) {
    var lines = String(text || "").trim().split(/\s*\n\s*/);
    if (lines[0] && lines[0].indexOf(PUBLIC_HEADER) === 0) {
      throw new KeyProblem("This is the team's public key file. Choose the private key file: its first line says “PRIVATE key”.");
    }
    if (!lines[0] || lines[0].indexOf(PRIVATE_HEADER) !== 0 || lines.length < 2) {
      throw new KeyProblem("This file is not an inbox key file. Choose the team's private key file (it usually ends in .key).");
    }
    var raw;
    try { raw = unb64(lines[lines.length - 1]); } catch (e) { raw = null; }
    if (!raw || raw.length !== 32) throw new KeyProblem("This key file is damaged. Use another copy of the team's private key.");
    return raw;
  }

  /* Add a private key to the ring if it is one of `known` key ids (else KeyProblem naming both). */
  function add(privateKey, known) {
    var publicKey = sodium().crypto_scalarmult_base(privateKey);
    var id = keyId(publicKey);
    if (known.indexOf(id) === -1) {
      sodium().memzero(privateKey);
      throw new KeyProblem("This key (id " + id + ") does not open the referrals here: they were sealed for key id " +
        known.join(" or ") + ". Choose the team's private key.");
    }
    if (!ring.some(function (k) { return k.id === id; })) ring.push({ id: id, privateKey: privateKey, publicKey: publicKey });
    return id;
  }

  /* The document in {key id: base64 sealed}, opened with whichever loaded key fits; null if none. */
  function open(copies) {
    for (var i = 0; i < ring.length; i++) {
      var k = ring[i];
      if (copies[k.id]) {
        try {
          var plain = sodium().crypto_box_seal_open(unb64(copies[k.id]), k.publicKey, k.privateKey);
          return JSON.parse(sodium().to_string(plain));
        } catch (e) {
          return null;
        }
      }
    }
    return null;
  }

  /* Seal text to each public key ({key_id, public_key} from /api/me): {key id: base64 sealed}. */
  function seal(text, publicKeys) {
    var copies = {};
    publicKeys.forEach(function (k) {
      copies[k.key_id] = b64(sodium().crypto_box_seal(sodium().from_string(JSON.stringify({ text: text })), unb64(k.public_key)));
    });
    return copies;
  }

  /* -- the passphrase-sealed copy kept in this browser -------------------------------------- */
  function passphraseKey(passphrase, salt, ops, mem) {
    return sodium().crypto_pwhash(sodium().crypto_secretbox_KEYBYTES, passphrase, salt, ops, mem,
      sodium().crypto_pwhash_ALG_ARGON2ID13);
  }

  function keepCopy(passphrase) {
    var s = sodium();
    var k = ring[0];
    var salt = s.randombytes_buf(s.crypto_pwhash_SALTBYTES);
    var nonce = s.randombytes_buf(s.crypto_secretbox_NONCEBYTES);
    var ops = s.crypto_pwhash_OPSLIMIT_MODERATE, mem = s.crypto_pwhash_MEMLIMIT_INTERACTIVE;
    var key = passphraseKey(passphrase, salt, ops, mem);
    var box = s.crypto_secretbox_easy(k.privateKey, nonce, key);
    s.memzero(key);
    window.localStorage.setItem(COPY_ITEM, JSON.stringify({
      v: 1, key_id: k.id, salt: b64(salt), nonce: b64(nonce), ops: ops, mem: mem, box: b64(box)
    }));
  }

  function storedCopy() {
    try {
      var copy = JSON.parse(window.localStorage.getItem(COPY_ITEM) || "null");
      return copy && copy.v === 1 ? copy : null;
    } catch (e) { return null; }
  }

  function unlockCopy(passphrase, known) {
    var copy = storedCopy();
    if (!copy) throw new KeyProblem("There is no key kept in this browser. Load the key file instead.");
    var key = passphraseKey(passphrase, unb64(copy.salt), copy.ops, copy.mem);
    var privateKey;
    try {
      privateKey = sodium().crypto_secretbox_open_easy(unb64(copy.box), unb64(copy.nonce), key);
    } catch (e) {
      throw new KeyProblem("The passphrase is not right. Try again, or load the key file.");
    } finally {
      sodium().memzero(key);
    }
    return add(privateKey, known);
  }

  function forgetCopy() { window.localStorage.removeItem(COPY_ITEM); }

  function forget() {
    ring.forEach(function (k) { if (sodium()) sodium().memzero(k.privateKey); });
    ring = [];
  }

  Ix.keys = {
    KeyProblem: KeyProblem,
    ready: function () { return sodium().ready; },
    keyId: keyId,
    parseKeyFile: parseKeyFile,
    add: add,
    open: open,
    seal: seal,
    keepCopy: keepCopy,
    storedCopy: storedCopy,
    unlockCopy: unlockCopy,
    forgetCopy: forgetCopy,
    forget: forget,
    loaded: function () { return ring.map(function (k) { return k.id; }); },
    count: function () { return ring.length; }
  };
  window.addEventListener("pagehide", forget);
})();
