// Sign-in screen: the admin token or a store API key. The token is checked
// against GET /api/stores before it is kept.

import { h, replace } from '../dom.js';
import { toggleTheme } from '../theme.js';

export function renderSignIn(root, { message = '', onSubmit }) {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', class: 'input', autocomplete: 'current-password',
    required: true, spellcheck: 'false', 'aria-describedby': 'token-hint token-error',
  });
  const error = h('p', { id: 'token-error', class: 'field-error', role: 'alert' });
  const info = h('p', { id: 'signin-message', class: 'signin-message', role: 'status' }, message);
  info.hidden = !message;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'signin-card', novalidate: true },
    h('div', { class: 'signin-brand' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'OF'),
      h('div', null, h('h1', null, 'OrderFlow'), h('p', { class: 'muted' }, 'Order processing dashboard'))),
    info,
    h('div', { class: 'field' },
      h('label', { for: 'token' }, 'Admin token or store API key'),
      input,
      h('p', { id: 'token-hint', class: 'hint' }, 'Kept for this browser tab only. ', h('code', null, 'make run'), ' prints a sign-in link with the admin token.'),
      error),
    submit,
    h('button', { type: 'button', class: 'btn btn-ghost btn-block', onClick: toggleTheme }, 'Toggle dark mode'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    if (!token) {
      error.textContent = 'Enter a token.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    const problem = await onSubmit(token);
    if (problem) {
      submit.disabled = false;
      submit.textContent = 'Sign in';
      error.textContent = problem;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });

  replace(root, h('div', { class: 'signin' }, form));
  input.focus();
}
