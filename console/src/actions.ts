import { ApiFailure } from './api.js';
import type { App } from './app.js';
import { errorBox } from './app.js';
import { h } from './dom.js';
import { explainCause, OPERATION_WORDS, STATUS_WORDS, TERMINAL } from './words.js';

export interface ActionSpec {
  operation: string;
  instanceId: string;
  /** What the confirmation names: `bob.smith's session 4 (rdp-tcp#3)`. */
  target: string;
  /** The request's own fields for that target (sessionId, userName, fileId…). */
  fields: Record<string, unknown>;
  /** Notify asks for the message too. */
  message?: boolean;
}

interface RecordedAction {
  id: string;
  status: string;
  commandId: string | null;
  result: { exitCode: number | null; errorCode: string | null; excerpt: string } | null;
}

const POLL_MS = 700;
const WAIT_MS = 90_000;

/**
 * The form behind every action button: ticket and reason first, then a confirmation that names
 * the user and the session, then the request, then the action followed until it ends.
 */
export function actionButton(app: App, spec: ActionSpec, onDone: () => void): HTMLButtonElement {
  const label = OPERATION_WORDS[spec.operation] ?? spec.operation;
  return h(
    'button',
    {
      type: 'button',
      class: `act act-${spec.operation}`,
      'aria-label': `${label}: ${spec.target}`,
      onclick: () => openDialog(app, spec, onDone),
    },
    label
  );
}

function openDialog(app: App, spec: ActionSpec, onDone: () => void): void {
  const label = OPERATION_WORDS[spec.operation] ?? spec.operation;
  const titleId = `dialog-title-${Date.now()}`;
  const body = h('div', { class: 'dialog-body' });
  const dialog = h(
    'dialog',
    { 'aria-labelledby': titleId, class: 'action-dialog' },
    h('h2', { id: titleId }, `${label}: ${spec.target}`),
    body
  );
  let changed = false;
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (changed) onDone();
  });
  document.body.appendChild(dialog);
  dialog.showModal();

  const ticket = h('input', {
    id: 'f-ticket',
    name: 'ticketId',
    required: true,
    autocomplete: 'off',
    placeholder: 'INC0012345',
  });
  const reason = h('textarea', { id: 'f-reason', name: 'reason', required: true, rows: 2 });
  const message = spec.message
    ? h('textarea', { id: 'f-message', name: 'message', required: true, rows: 2 })
    : null;
  const cancel = () => dialog.close();

  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'p',
      {},
      `On ${spec.instanceId}. The request is recorded under the ticket, with the reason, as your action.`
    ),
    h('label', { for: 'f-ticket' }, 'Ticket'),
    ticket,
    h('label', { for: 'f-reason' }, 'Reason'),
    reason,
    message && [h('label', { for: 'f-message' }, 'Message to show the user'), message],
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit' }, 'Review'),
      h('button', { type: 'button', onclick: cancel }, 'Cancel')
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const request: Record<string, unknown> = {
      operation: spec.operation,
      instanceId: spec.instanceId,
      ...spec.fields,
      ticketId: ticket.value.trim(),
      reason: reason.value.trim(),
      ...(message ? { message: message.value.trim() } : {}),
    };
    confirmStep(request);
  });
  body.replaceChildren(form);
  ticket.focus();

  function confirmStep(request: Record<string, unknown>, note?: Node): void {
    const go = h(
      'button',
      { type: 'button', class: 'danger' },
      `Confirm: ${label.toLowerCase()} ${spec.target}`
    );
    const back = h(
      'button',
      {
        type: 'button',
        onclick: () => {
          body.replaceChildren(form);
          ticket.focus();
        },
      },
      'Back'
    );
    go.addEventListener('click', () => void send(request));
    body.replaceChildren(
      h(
        'div',
        { class: 'stack confirm' },
        note ?? null,
        h('p', {}, h('strong', {}, `${label} ${spec.target}`), ` on ${spec.instanceId}?`),
        h(
          'p',
          {},
          `Ticket ${String(request.ticketId) || '(none)'}; reason: ${String(request.reason) || '(none)'}.`
        ),
        h(
          'div',
          { class: 'buttons' },
          go,
          back,
          h('button', { type: 'button', onclick: cancel }, 'Cancel')
        )
      )
    );
    go.focus();
  }

  async function send(request: Record<string, unknown>): Promise<void> {
    const status = h('p', { role: 'status', 'aria-live': 'polite' }, 'Sending…');
    body.replaceChildren(status);
    try {
      const { body: answer } = await app.api.post<{
        actionId: string;
        status: string;
        created: boolean;
      }>('/v1/actions', request);
      changed = true;
      await follow(answer.actionId, status);
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'confirmation-required') {
        const users = Array.isArray(error.body.users) ? (error.body.users as string[]) : [];
        const note = h(
          'div',
          { class: 'warning', role: 'alert' },
          h('p', {}, error.message),
          users.length > 0 && h('p', {}, `It cuts off ${users.length} users: ${users.join(', ')}.`)
        );
        confirmStep({ ...request, confirm: true }, note);
        return;
      }
      body.replaceChildren(errorBox(error, `${label} refused`), closeButton());
      if (error instanceof ApiFailure && 'actionId' in error.body) changed = true;
    }
  }

  async function follow(actionId: string, status: HTMLElement): Promise<void> {
    const started = Date.now();
    let action: RecordedAction | null = null;
    while (Date.now() - started < WAIT_MS) {
      action = await app.api.get<RecordedAction>(`/v1/actions/${encodeURIComponent(actionId)}`);
      status.textContent = `${actionId}: ${STATUS_WORDS[action.status] ?? action.status}`;
      if (TERMINAL.includes(action.status)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (!action) return;
    const cause = explainCause(action.result?.errorCode ?? null);
    body.replaceChildren(
      h(
        'div',
        { class: `stack result result-${action.status}`, role: 'status', 'aria-live': 'polite' },
        h(
          'p',
          {},
          h(
            'strong',
            { class: `status status-${action.status}`, 'data-testid': 'action-status' },
            action.status
          ),
          ' — ',
          STATUS_WORDS[action.status] ?? ''
        ),
        cause && h('p', { class: 'cause' }, cause),
        action.result?.excerpt &&
          h(
            'pre',
            { class: 'excerpt', 'aria-label': 'What the host printed' },
            action.result.excerpt
          ),
        h(
          'p',
          {},
          'Action ',
          h(
            'a',
            {
              href: `#/trail?action=${encodeURIComponent(action.id)}&host=${encodeURIComponent(spec.instanceId)}`,
              // The dialog is modal: leaving for the trail closes it.
              onclick: cancel,
            },
            action.id
          ),
          action.commandId ? `, SSM command ${action.commandId}` : ''
        ),
        TERMINAL.includes(action.status)
          ? null
          : h('p', {}, 'Still running: follow it in the Trail.')
      ),
      closeButton()
    );
  }

  function closeButton(): HTMLElement {
    const close = h('button', { type: 'button', onclick: cancel }, 'Close');
    queueMicrotask(() => close.focus());
    return h('div', { class: 'buttons' }, close);
  }
}
