/**
 * Access tokens: short-lived JWTs signed with an asymmetric key (Ed25519 → EdDSA, or P-256 → ES256). Verification
 * pins the algorithm of the configured key (so `alg: none`, HS256 with the public key as secret, and any other
 * algorithm are refused), the issuer, the audience, the `at+jwt` type and the required claims.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

export type SigningAlgorithm = "EdDSA" | "ES256";

export interface SigningKey {
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Key id: a digest of the public key. */
  readonly kid: string;
}

function keyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const type = privateKey.asymmetricKeyType;
  let alg: SigningAlgorithm;
  if (type === "ed25519") alg = "EdDSA";
  else if (type === "ec" && privateKey.asymmetricKeyDetails?.namedCurve === "prime256v1") alg = "ES256";
  else throw new Error(`the signing key must be Ed25519 or ECDSA P-256 (got ${type ?? "unknown"})`);
  const der = publicKey.export({ format: "der", type: "spki" });
  return { alg, privateKey, publicKey, kid: createHash("sha256").update(der).digest("base64url").slice(0, 16) };
}

/** Read a PEM private key (PKCS#8, or SEC1 for EC). `source` names it in errors. */
export function signingKeyFromPem(pem: string, source: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${source}: not a PEM private key (${(err as Error).message})`);
  }
  try {
    return keyOf(key);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

/** A fresh Ed25519 key (tokens signed with it die with the process). */
export function generateSigningKey(): SigningKey {
  return keyOf(generateKeyPairSync("ed25519").privateKey);
}

export interface AccessClaims {
  readonly email: string;
  /** The refresh-token family (login session) the token belongs to. */
  readonly family: string;
}

export interface TokenOptions {
  readonly issuer: string;
  readonly audience: string;
  /** @default 300 */
  readonly lifetimeSeconds?: number;
}

const TOKEN_TYPE = "at+jwt";
const CLOCK_TOLERANCE_SECONDS = 5;

export class TokenIssuer {
  readonly lifetimeSeconds: number;

  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenOptions,
  ) {
    this.lifetimeSeconds = options.lifetimeSeconds ?? 300;
  }

  async issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ fam: claims.family })
      .setProtectedHeader({ alg: this.key.alg, typ: TOKEN_TYPE, kid: this.key.kid })
      .setSubject(claims.email)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key.privateKey);
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** The claims of a valid token, or undefined for anything else (expired, tampered, other key or algorithm). */
  async verify(token: string): Promise<AccessClaims | undefined> {
    if (token.length > 4096) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: [this.key.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: TOKEN_TYPE,
        requiredClaims: ["exp", "iat", "sub", "fam"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: this.lifetimeSeconds + CLOCK_TOLERANCE_SECONDS,
      });
      if (typeof payload.sub !== "string" || typeof payload["fam"] !== "string") return undefined;
      return { email: payload.sub, family: payload["fam"] };
    } catch {
      return undefined;
    }
  }
}
