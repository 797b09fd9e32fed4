import { OAuth2Client } from 'google-auth-library';
import { PushAuthError } from '../errors.ts';

/** Checks a push request's Authorization header; throws PushAuthError when it does not hold. */
export type PushVerifier = (authorization: string | undefined) => Promise<void>;

export interface PushIdentity {
  /** The audience set on the push subscription's OIDC token (Terraform: the worker's URL). */
  audience: string;
  /** Email of the service account the subscription signs its tokens as; any other caller is refused. */
  serviceAccount: string;
}

/**
 * Verifies the OIDC token Pub/Sub attaches to authenticated push requests: Google's signature,
 * issuer, expiry, the audience configured on the subscription, and that the token was issued to
 * the expected service account (`email` claim, `email_verified` true), as Pub/Sub's push
 * authentication guide prescribes: a valid Google token for the right audience from any other
 * account is not a push from our subscription. google-auth-library checks the signature; `client`
 * is injectable so tests can supply their own signing certificates.
 */
export function oidcVerifier(expected: PushIdentity, client = new OAuth2Client()): PushVerifier {
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new PushAuthError('push request without a bearer token');
    let claims: { email?: string; email_verified?: boolean } | undefined;
    try {
      claims = (await client.verifyIdToken({ idToken: token, audience: expected.audience })).getPayload();
    } catch (error) {
      throw new PushAuthError(`push token rejected: ${(error as Error).message}`);
    }
    if (claims?.email !== expected.serviceAccount || claims.email_verified !== true) {
      throw new PushAuthError(
        `push token rejected: issued to ${claims?.email ?? 'no email'}${claims?.email_verified === true ? '' : ' (unverified)'}, not ${expected.serviceAccount}`,
      );
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
