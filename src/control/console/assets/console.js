// The sixpn console in the browser: follows the watch stream (SSE) and swaps the page's live parts in place
// (forms are never touched, so typing survives), sends writes with the session's CSRF token, and makes peers:
// X25519 keys from WebCrypto (or, without it, from the control plane), the wg-quick file and its QR code.
// Served as is (no build step, no framework); data goes into the page only through textContent.

const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const body = document.body;
const liveLine = document.getElementById('live');
let revision = Number(body.dataset.revision ?? '0');

function say(text) {
  if (liveLine) liveLine.textContent = text;
}

async function api(method, url, data) {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  if (res.status === 204) return undefined;
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(out?.error?.message ?? `${method} ${url}: HTTP ${res.status}`);
  return out;
}

// Live parts: every [data-live] element with an id is replaced by its new version from a fresh render.
let refreshing = false;
let again = false;

async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const res = await fetch(location.pathname + location.search, { credentials: 'same-origin' });
    if (res.status === 401) {
      location.reload();
      return;
    }
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const focused = document.activeElement?.id;
    for (const old of document.querySelectorAll('[data-live][id]')) {
      const fresh = doc.getElementById(old.id);
      if (fresh) old.replaceWith(document.importNode(fresh, true));
    }
    if (focused && document.activeElement === body) document.getElementById(focused)?.focus();
    body.dispatchEvent(new CustomEvent('sixpn:refreshed', { detail: { revision } }));
  } catch (e) {
    say(`Live: refresh failed (${e.message})`);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

/**
 * An instance whose state alone changed is patched in its row at once (a page of 1,000 rows need not be
 * rendered again for it); anything else (a new row, checks, another kind) takes a refresh. True when patched.
 */
function patchInstance(change) {
  const obj = change.obj;
  if (change.kind !== 'instance' || change.op !== 'put' || 'checks' in obj) return false;
  const row = document.getElementById(`instance-${obj.id}`);
  const cell = row?.querySelector('td.state');
  const btn = row?.querySelector('button[data-action]');
  if (!row || !cell || !btn) return false;
  row.dataset.state = obj.state;
  cell.textContent = obj.state;
  cell.className = `state ${obj.state}`;
  const verb = obj.state === 'started' ? 'stop' : 'start';
  btn.id = `${verb}-${obj.id}`;
  btn.dataset.action = verb;
  btn.dataset.url = `/v1/instances/${encodeURIComponent(obj.id)}/${verb}`;
  btn.setAttribute('aria-label', `${verb} instance ${obj.id}`);
  btn.textContent = verb === 'stop' ? 'Stop' : 'Start';
  btn.disabled = false;
  return true;
}

function follow() {
  const es = new EventSource(`/v1/watch?since=${revision}`);
  es.addEventListener('open', () => say('Live: following changes'));
  es.addEventListener('heartbeat', (ev) => {
    revision = Math.max(revision, Number(JSON.parse(ev.data).heartbeat));
    liveLine?.setAttribute('data-revision', String(revision));
  });
  es.addEventListener('change', (ev) => {
    const change = JSON.parse(ev.data);
    revision = Math.max(revision, Number(change.rev));
    liveLine?.setAttribute('data-revision', String(revision));
    if (!patchInstance(change)) void refresh();
  });
  const restart = () => {
    es.close();
    say('Live: reconnecting…');
    setTimeout(() => {
      void refresh().then(() => {
        // A revision the control plane no longer keeps: resume from the page just rendered.
        revision = Math.max(revision, 0);
        follow();
      });
    }, 1000);
  };
  es.addEventListener('error', restart);
}

if (liveLine) follow();
if (body.dataset.poll) setInterval(() => void refresh(), Number(body.dataset.poll));

// Row buttons: stop/start an instance, remove a peer, revoke a token.
document.addEventListener('click', async (ev) => {
  const btn = ev.target instanceof Element ? ev.target.closest('button[data-action]') : null;
  if (!btn) return;
  const action = btn.getAttribute('data-action');
  const confirmText = btn.getAttribute('data-confirm');
  if (confirmText && !window.confirm(confirmText)) return;
  btn.disabled = true;
  try {
    await api(action === 'remove' ? 'DELETE' : 'POST', btn.getAttribute('data-url'));
    say(`Done: ${btn.getAttribute('aria-label')}`);
    await refresh();
  } catch (e) {
    say(`Failed: ${e.message}`);
    btn.disabled = false;
  }
});

const b64 = (bytes) => btoa(String.fromCharCode(...bytes));

/** X25519 keys made here; null when this browser's WebCrypto has no X25519. */
async function browserKeys() {
  try {
    const kp = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
    const pub = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey));
    return { privateKey: b64(pkcs8.slice(-32)), publicKey: b64(pub), where: 'browser' };
  } catch {
    return null;
  }
}

async function peerKeys() {
  const mine = await browserKeys();
  if (mine) return mine;
  const kp = await api('POST', '/console/keypair');
  return { privateKey: kp.private_key, publicKey: kp.public_key, where: 'server' };
}

/** The same file `sixpn wireguard create` writes. */
function wgQuick(created, privateKey) {
  const { peer, gateway, network } = created;
  return [
    `# sixpn peer '${peer.name}' of ${peer.org}/${peer.network}`,
    `# gateway ${gateway.name} (${gateway.region})`,
    '[Interface]',
    `PrivateKey = ${privateKey}`,
    `Address = ${peer.address}/120`,
    `DNS = ${network.dns}`,
    '',
    '[Peer]',
    `PublicKey = ${gateway.peer_key}`,
    `AllowedIPs = ${network.prefix}`,
    `Endpoint = ${gateway.peer_endpoint}`,
    'PersistentKeepalive = 15',
    '',
  ].join('\n');
}

/** wg-quick names the interface after the file: at most 15 characters before `.conf`. */
function fileOf(name) {
  return name.length <= 15
    ? `${name}.conf`
    : `${name.slice(0, 10).replace(/-+$/, '')}-${name.slice(-4)}.conf`;
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function showPeer(out, created, keys) {
  const text = wgQuick(created, keys.privateKey);
  const file = fileOf(created.peer.name);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  out.replaceChildren(
    el(
      'p',
      {},
      `Peer ${created.peer.name} has address ${created.peer.address} on gateway ${created.gateway.name}.`,
    ),
    el(
      'p',
      { class: keys.where === 'server' ? 'error' : 'muted' },
      keys.where === 'server'
        ? 'This browser has no X25519 in WebCrypto: the keys were made on the control plane, sent here once and not kept there.'
        : 'The private key was made in this browser and exists only in this file: download it now.',
    ),
  );
  const link = el('a', { href: url, download: file, id: 'peer-download' }, `Download ${file}`);
  out.append(el('p', {}, undefined), el('p', {}, `Bring it up with: wg-quick up ./${file}`));
  out.children[2].append(link);
  try {
    const { renderSVG } = await import(body.dataset.qr);
    const svg = renderSVG(text, { border: 2 });
    out.append(
      el('img', {
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
        alt: `QR code of the WireGuard file of ${created.peer.name}, for the WireGuard mobile app`,
      }),
    );
  } catch (e) {
    out.append(el('p', { class: 'error' }, `No QR code: ${e.message}`));
  }
}

document.getElementById('peer-form')?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  const out = document.getElementById('peer-result');
  const f = new FormData(form);
  out.replaceChildren(el('p', {}, 'Making keys…'));
  try {
    const keys = await peerKeys();
    const org = form.getAttribute('data-org');
    const created = await api('POST', `/v1/orgs/${encodeURIComponent(org)}/peers`, {
      name: String(f.get('name')),
      network: String(f.get('network')),
      region: String(f.get('region')),
      public_key: keys.publicKey,
    });
    await showPeer(out, created, keys);
    await refresh();
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
  }
});

document.getElementById('token-form')?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  const out = document.getElementById('token-result');
  const f = new FormData(form);
  const network = String(f.get('network') ?? '');
  try {
    const made = await api('POST', '/v1/tokens', {
      kind: 'peer',
      name: String(f.get('name')),
      org: form.getAttribute('data-org'),
      ...(network ? { network } : {}),
      expires_in: String(f.get('expires_in')),
    });
    out.replaceChildren(
      el('p', {}, `Token ${made.token.name}: copy it now, it is shown only once.`),
      el('pre', { id: 'token-secret', tabindex: '0', 'aria-label': 'the new token' }, made.secret),
    );
    form.querySelector('input[name="name"]').value = '';
    await refresh();
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
  }
});
