/**
 * The work cannot finish now but will later (an action not yet marked dispatched, SSM throttling,
 * an invocation not yet visible): the event must be delivered again. Nothing inconsistent was
 * written; a redelivery picks up where this one stopped.
 */
export class RetryLaterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}
