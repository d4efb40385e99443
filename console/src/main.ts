import './style.css';
import { apiClient } from './api.js';
import { type App, errorBox } from './app.js';
import {
  type ConsoleConfig,
  cognitoSignOutUrl,
  currentSession,
  finishCognitoSignIn,
  signIn,
  signOut,
  startCognitoSignIn,
  takeTokenFromFragment,
} from './auth.js';
import { h, replace } from './dom.js';
import { fleetPage } from './pages/fleet.js';
import { hostPage } from './pages/host.js';
import { sweepsPage } from './pages/sweeps.js';
import { trailPage } from './pages/trail.js';

const main = document.getElementById('main') as HTMLElement;
const top = document.getElementById('top') as HTMLElement;

const PAGES = [
  ['fleet', 'Fleet'],
  ['trail', 'Trail'],
  ['sweeps', 'Sweeps'],
] as const;

async function start(): Promise<void> {
  let config: ConsoleConfig;
  try {
    const response = await fetch('./config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    config = (await response.json()) as ConsoleConfig;
  } catch (error) {
    replace(main, errorBox(error, 'The console has no configuration'));
    return;
  }
  takeTokenFromFragment();
  if (config.auth.kind === 'cognito') {
    const failed = await finishCognitoSignIn(config.auth).catch((e: unknown) => String(e));
    if (failed) replace(main, errorBox(new Error(failed), 'Sign-in'));
  }
  window.addEventListener('hashchange', () => render(config));
  render(config);
}

function render(config: ConsoleConfig): void {
  const session = currentSession();
  if (!session) {
    header(config, null);
    replace(main, signInPage(config));
    return;
  }
  const app: App = {
    config,
    session,
    api: apiClient(
      config.apiUrl.replace(/\/$/, ''),
      () => currentSession()?.token ?? null,
      () => undefined
    ),
    can: (scope) => session.scopes.includes(scope),
    go: (hash) => {
      if (location.hash === hash) render(config);
      else location.hash = hash;
    },
  };
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  const page = parts[0] ?? 'fleet';
  header(config, app, page);
  let content: Node;
  if (page === 'host' && parts[1]) content = hostPage(app, decodeURIComponent(parts[1]));
  else if (page === 'trail') content = trailPage(app, params);
  else if (page === 'sweeps') content = sweepsPage(app, params);
  else content = fleetPage(app, params);
  replace(main, content);
  document.title = `${page[0]?.toUpperCase()}${page.slice(1)} · session-janitor`;
}

function header(config: ConsoleConfig, app: App | null, page?: string): void {
  const out = () => {
    signOut();
    if (config.auth.kind === 'cognito') location.assign(cognitoSignOutUrl(config.auth));
    else render(config);
  };
  replace(
    top,
    h('a', { class: 'brand', href: '#/fleet' }, 'session-janitor'),
    app &&
      h(
        'nav',
        { 'aria-label': 'Pages' },
        PAGES.map(([id, label]) =>
          h('a', { href: `#/${id}`, 'aria-current': page === id ? 'page' : null }, label)
        )
      ),
    app &&
      h(
        'div',
        { class: 'who' },
        h(
          'span',
          { title: app.session.scopes.join(' ') },
          `${app.session.subject} · ${app.session.scopes.map((s) => s.replace('session-janitor/', '')).join(', ') || 'no scopes'}`
        ),
        ' ',
        h('button', { type: 'button', onclick: out }, 'Sign out')
      )
  );
}

function signInPage(config: ConsoleConfig): Node {
  if (config.auth.kind === 'cognito') {
    const auth = config.auth;
    return h(
      'div',
      { class: 'signin' },
      h('h1', {}, 'Sign in'),
      h(
        'p',
        {},
        'Sign in with your organisation account. The console asks only for the scopes it shows.'
      ),
      h('button', { type: 'button', onclick: () => void startCognitoSignIn(auth) }, 'Sign in')
    );
  }
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const problem = h('p', { role: 'alert', class: 'error-message' });
  const form = h(
    'form',
    { class: 'stack signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h(
      'p',
      {},
      'Paste an access token. Locally, the operator token npm start wrote to ',
      h('code', {}, config.auth.tokenFile ?? '.janitor/local.json'),
      ': ',
      h('code', {}, `node -p "require('./.janitor/local.json').token"`),
      '. It stays in this tab only.'
    ),
    h('label', { for: 'token' }, 'Access token'),
    input,
    problem,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Sign in'))
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const session = signIn(input.value);
    if (!session) {
      problem.textContent = 'That is not a token (expected a JWT: three dot-separated parts).';
      input.focus();
      return;
    }
    if (session.expires !== null && session.expires * 1000 <= Date.now()) {
      signOut();
      problem.textContent = 'That token has expired: npm start issues a new one at every start.';
      return;
    }
    if (!location.hash || location.hash === '#') location.hash = '#/fleet';
    else render(config);
  });
  queueMicrotask(() => input.focus());
  return form;
}

void start();
