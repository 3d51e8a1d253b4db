const KEY = 'tuneforge.apiKey';

/**
 * Where the signed-in API key is kept: sessionStorage by default (gone when the tab closes), localStorage when the
 * user asks to stay signed in on this device. Only this origin's scripts can read either (the gateway's CSP allows
 * no other script).
 */
export function storedApiKey(storage: { session: Storage; local: Storage } = browserStorage()): string | null {
  return storage.session.getItem(KEY) ?? storage.local.getItem(KEY);
}

export function storeApiKey(apiKey: string, remember: boolean, storage = browserStorage()): void {
  forgetApiKey(storage);
  (remember ? storage.local : storage.session).setItem(KEY, apiKey);
}

export function forgetApiKey(storage = browserStorage()): void {
  storage.session.removeItem(KEY);
  storage.local.removeItem(KEY);
}

function browserStorage(): { session: Storage; local: Storage } {
  return { session: window.sessionStorage, local: window.localStorage };
}
