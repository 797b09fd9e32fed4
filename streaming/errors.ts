/** The worker's named failures; each maps to one outcome or HTTP status where it is caught. */

/** A sink write failed in a way that may pass on retry: the batch's messages are nacked. */
export class TransientWriteError extends Error {
  override name = 'TransientWriteError';
}

/** A message arrived after shutdown began: nacked so another instance takes it. */
export class DrainingError extends Error {
  override name = 'DrainingError';
}

/** A push request that is not a Pub/Sub push (HTTP 400: retrying the same bytes cannot help). */
export class PushRequestError extends Error {
  override name = 'PushRequestError';
}

/** A push request over the size limit (HTTP 413). */
export class PushTooLargeError extends PushRequestError {
  override name = 'PushTooLargeError';
}

/** A push request without a valid OIDC token for the configured audience (HTTP 401). */
export class PushAuthError extends Error {
  override name = 'PushAuthError';
}
