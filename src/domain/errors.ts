/** A rule was broken. The message is written for the person using the service. */
export class DomainError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'DomainError';
    this.field = field;
  }
}

/** The record does not exist, or belongs to an organisation the actor cannot see. */
export class NotFoundError extends Error {
  constructor(what = 'Record') {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}
