/**
 * Errors a service may return. Surfaces translate them (HTTP: problem+json with these statuses;
 * CLI: one line and a non-zero exit); nothing else is expected to escape a service.
 */
export type FieldError = { field: string; message: string };

export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export class ValidationError extends ServiceError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super(422, 'Invalid request', detail, errors);
  }
}

export class NotFoundError extends ServiceError {
  constructor(what: string) {
    super(404, 'Not found', `${what} was not found.`);
  }
}

export class ConflictError extends ServiceError {
  constructor(detail: string, errors?: FieldError[]) {
    super(409, 'Conflict', detail, errors);
  }
}

/** A booking would overlap another of its vessel; `otherBookingId` names that one, or is null when it is gone. */
export class OverlapError extends ConflictError {
  constructor(
    detail: string,
    errors: FieldError[],
    readonly otherBookingId: string | null,
  ) {
    super(detail, errors);
  }
}

export class PreconditionFailedError extends ServiceError {
  constructor(detail: string) {
    super(412, 'Precondition failed', detail);
  }
}
