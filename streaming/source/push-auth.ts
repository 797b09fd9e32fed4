import { OAuth2Client } from 'google-auth-library';
import { PushAuthError } from '../errors.ts';

/** Checks a push request's Authorization header; throws PushAuthError when it does not hold. */
export type PushVerifier = (authorization: string | undefined) => Promise<void>;

/**
 * Verifies the OIDC token Pub/Sub attaches to authenticated push requests: Google's signature,
 * issuer, expiry and the audience configured on the subscription (google-auth-library, no
 * hand-rolled crypto). `client` is injectable so tests can supply their own signing certificates.
 */
export function oidcVerifier(audience: string, client = new OAuth2Client()): PushVerifier {
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new PushAuthError('push request without a bearer token');
    try {
      await client.verifyIdToken({ idToken: token, audience });
    } catch (error) {
      throw new PushAuthError(`push token rejected: ${(error as Error).message}`);
    }
  };
}

/**
 * A verifying client that takes the signing certificates from `certsUrl` (Google's PEM format,
 * {keyId: PEM}) instead of Google's: for tokens from a local emulator, never in production.
 */
export function localCertsClient(certsUrl: string): OAuth2Client {
  return new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl } });
}
