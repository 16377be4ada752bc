// Who is signed in and which store is selected. The token lives in
// sessionStorage (gone when the tab closes); the chosen store and theme in
// localStorage. Emits 'signin', 'signout' and 'store' events.

const TOKEN_KEY = 'orderflow.token';
const STORE_KEY = 'orderflow.store';

function read(storage, key) {
  try { return storage.getItem(key); } catch { return null; }
}
function write(storage, key, value) {
  try {
    if (value === null || value === undefined) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch { /* storage disabled: keep it in memory only */ }
}

class Session extends EventTarget {
  constructor() {
    super();
    this.token = read(sessionStorage, TOKEN_KEY);
    this.stores = [];
    this.storeId = read(localStorage, STORE_KEY);
    this.signOutMessage = '';
  }

  get store() {
    return this.stores.find((s) => s.storeId === this.storeId) || null;
  }

  get currency() {
    return this.store?.currency || 'USD';
  }

  setToken(token) {
    this.token = token;
    write(sessionStorage, TOKEN_KEY, token);
  }

  setStores(stores) {
    this.stores = stores;
    if (!this.store) this.storeId = stores[0]?.storeId ?? null;
    write(localStorage, STORE_KEY, this.storeId);
  }

  selectStore(storeId) {
    if (storeId === this.storeId || !this.stores.some((s) => s.storeId === storeId)) return;
    this.storeId = storeId;
    write(localStorage, STORE_KEY, storeId);
    this.dispatchEvent(new CustomEvent('store', { detail: this.store }));
  }

  signOut(message = '') {
    const wasSignedIn = Boolean(this.token);
    this.token = null;
    this.stores = [];
    this.signOutMessage = message;
    write(sessionStorage, TOKEN_KEY, null);
    if (wasSignedIn) this.dispatchEvent(new CustomEvent('signout', { detail: { message } }));
  }
}

export const session = new Session();
