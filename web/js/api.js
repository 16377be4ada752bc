// The one place that talks to the HTTP API: adds the credentials and store
// header, decodes the {"error":{code,message,field}} envelope into ApiError,
// and signs out on 401.

import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

/**
 * api('/api/orders', {method, body, idempotencyKey, signal, store}) → parsed JSON.
 * Throws ApiError; an aborted request rethrows the AbortError.
 */
export async function api(path, options = {}) {
  const { method = 'GET', body, idempotencyKey, signal, token = session.token } = options;
  const storeId = options.store === undefined ? session.storeId : options.store;
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (storeId) headers['X-Store-ID'] = storeId;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store' });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached. Check that OrderFlow is running.');
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (response.ok) return data ?? {};

  const envelope = data && data.error ? data.error : {};
  const error = new ApiError(
    response.status,
    envelope.code || `http_${response.status}`,
    envelope.message || `${response.status} ${response.statusText || 'request failed'}`,
    envelope.field,
  );
  if (response.status === 401 && token === session.token) {
    session.signOut('Your session has ended or the token was not accepted. Please sign in again.');
  }
  if (response.status === 429) {
    const retry = response.headers.get('Retry-After');
    error.message = `Too many requests${retry ? `; try again in ${retry} s` : ''}.`;
  }
  throw error;
}
