// Light/dark theme (persisted; the default follows prefers-color-scheme) and
// the per-store accent colour, adjusted so text on it and it on the page
// background both stay readable.

const THEME_KEY = 'orderflow.theme';

export function currentTheme() {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  try { localStorage.setItem(THEME_KEY, theme); } catch { /* ignore */ }
  document.dispatchEvent(new CustomEvent('themechange', { detail: theme }));
  applyAccent(lastAccent);
}

export function toggleTheme() {
  setTheme(currentTheme() === 'dark' ? 'light' : 'dark');
}

/** Follows the system setting until the user picks a theme. */
export function watchSystemTheme() {
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', (event) => {
    let stored = null;
    try { stored = localStorage.getItem(THEME_KEY); } catch { /* ignore */ }
    if (stored) return;
    document.documentElement.dataset.theme = event.matches ? 'dark' : 'light';
    document.dispatchEvent(new CustomEvent('themechange', { detail: currentTheme() }));
    applyAccent(lastAccent);
  });
}

function parseHex(color) {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color || '').trim());
  if (!m) return null;
  let hex = m[1];
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function toHex(rgb) {
  return `#${rgb.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function mix(rgb, target, t) {
  return rgb.map((v, i) => v + (target[i] - v) * t);
}

/** Moves `rgb` towards `target` until it reaches `ratio` contrast against `against`. */
function ensureContrast(rgb, against, ratio, target) {
  let out = rgb;
  for (let t = 0; t <= 1 && contrast(out, against) < ratio; t += 0.04) out = mix(rgb, target, t);
  return out;
}

const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];
const BG = { light: [255, 255, 255], dark: [17, 24, 39] };
let lastAccent = '#2563eb';

export function applyAccent(color) {
  const rgb = parseHex(color) || parseHex('#2563eb');
  lastAccent = toHex(rgb);
  const theme = currentTheme();
  const root = document.documentElement.style;
  // Button fill with white text on it.
  const fill = ensureContrast(rgb, WHITE, 4.6, BLACK);
  // Accent used as text/links/focus ring on the page background.
  const text = theme === 'dark'
    ? ensureContrast(rgb, BG.dark, 4.6, WHITE)
    : ensureContrast(rgb, BG.light, 4.6, BLACK);
  root.setProperty('--brand', lastAccent);
  root.setProperty('--accent', toHex(fill));
  root.setProperty('--accent-text', toHex(text));
  root.setProperty('--accent-soft', `rgba(${rgb.join(',')}, ${theme === 'dark' ? 0.22 : 0.12})`);
}
