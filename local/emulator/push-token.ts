import { randomUUID, type webcrypto } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

// The Web Crypto key type (a global only where the DOM lib is loaded, as under the tests' types).
type CryptoKey = webcrypto.CryptoKey;

/** Where the emulator serves its signing certificates, in the shape of Google's PEM certs endpoint. */
export const CERTS_PATH = '/oauth2/v1/certs';

const TOKEN_LIFETIME_S = 3600;
// A cached token is replaced this long before it expires, as Google's are.
const REFRESH_MARGIN_S = 300;

/**
 * Signs OIDC-shaped ID tokens for authenticated push (pushConfig.oidcToken): RS256 JWTs with
 * Google's issuer, the configured audience and service-account email, signed by a key made at
 * start-up (jose). A verifier that takes its certificates from CERTS_PATH instead of Google's
 * (`orderflow worker --push-certs-url`) accepts them; nothing else does.
 */
export class PushTokenSigner {
  readonly keyId = `orderflow-emulator-${randomUUID()}`;
  private keys: Promise<{ privateKey: CryptoKey; publicPem: string }> | null = null;
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();

  /** {keyId: PEM public key}, the body Google's /oauth2/v1/certs answers with. */
  async certs(): Promise<Record<string, string>> {
    return { [this.keyId]: (await this.keyPair()).publicPem };
  }

  /** A token for this audience and service account, cached until shortly before it expires. */
  async token(audience: string, serviceAccountEmail: string): Promise<string> {
    const key = `${audience}\n${serviceAccountEmail}`;
    const now = Math.floor(Date.now() / 1000);
    const cached = this.cache.get(key);
    if (cached && cached.refreshAt > now) return cached.token;
    const { privateKey } = await this.keyPair();
    const token = await new SignJWT({ email: serviceAccountEmail, email_verified: true, azp: serviceAccountEmail })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId })
      .setIssuer('https://accounts.google.com')
      .setAudience(audience)
      .setSubject(serviceAccountEmail)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_LIFETIME_S)
      .sign(privateKey);
    this.cache.set(key, { token, refreshAt: now + TOKEN_LIFETIME_S - REFRESH_MARGIN_S });
    return token;
  }

  // Made on first use: most runs never push with a token, and an RSA key takes a moment.
  private keyPair(): Promise<{ privateKey: CryptoKey; publicPem: string }> {
    this.keys ??= generateKeyPair('RS256').then(async ({ privateKey, publicKey }) => ({ privateKey, publicPem: await exportSPKI(publicKey) }));
    return this.keys;
  }
}
