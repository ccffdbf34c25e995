/**
 * The `challenge` authentication method (Go's `authn/challenge` with its default policy,
 * `challenge_ns_anon.rego`). The phrase to sign is this node's ID, as Go's node configures it (the same
 * phrase every time: a signature proves possession of the key, not freshness). The client signs it with
 * RSA PKCS#1 v1.5 over SHA-256 and sends the signature and its PKCS#1 public key, both base64; a valid
 * signature earns a one-month RS256 JWT signed with the node's user key, whose subject is the client ID
 * (hex SHA-256 of the key's modulus) and whose `ns` claim grants read and download on every namespace and
 * everything on the namespace named after the client ID. Failure reasons are Go's.
 *
 * Deliberate difference: `iat` and `exp` are seconds, as JWTs define them; Go's policy writes
 * microseconds (`time.now_ns() / 1000`), which makes its tokens effectively never expire.
 */
import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import { decodeStruct, isPlainObject } from '../../../models/codec.js';
import {
  AuthMethodType,
  challengeParamsSchema,
  challengeResponseSchema,
  type Authentication,
  type ChallengeResponse,
  type Requirement,
} from '../../apimodels/auth.js';
import { base64Decode } from '../../apimodels/base64.js';
import { requestError } from '../errors.js';
import { wire } from '../json.js';
import { signJwt } from './jwt.js';
import type { Authenticator } from './types.js';
import { clientIDOf } from '../../../config/user-key.js';

export interface ChallengeDeps {
  /** This node's ID: the phrase clients sign, and the tokens' issuer and audience. */
  nodeID(): Promise<string>;
  /** The key tokens are signed with (the node's user key). */
  signingKey(): Promise<KeyObject>;
  clock: Clock;
}

/** Namespace permission bits of the token's `ns` claim (Go's policies). */
const nsRead = 1;
const nsWrite = 2;
const nsDownload = 4;
const nsCancel = 8;
const readOnly = nsRead | nsDownload;
const fullAccess = readOnly | nsWrite | nsCancel;

/** Go 1.24+ refuses smaller RSA keys in every operation. */
const minKeyBits = 1024;

export class ChallengeAuthenticator implements Authenticator {
  constructor(private readonly deps: ChallengeDeps) {}

  async requirement(): Promise<Requirement> {
    const phrase = new TextEncoder().encode(await this.deps.nodeID());
    return { type: AuthMethodType.Challenge, params: wire({ InputPhrase: phrase }, challengeParamsSchema) };
  }

  async authenticate(methodData: Uint8Array): Promise<Authentication> {
    const answer = decodeAnswer(methodData);
    const nodeID = await this.deps.nodeID();
    const key = verifySignature(new TextEncoder().encode(nodeID), answer);
    if (typeof key === 'string') return { success: false, reason: key };
    const clientID = clientIDOf(key);
    const now = this.deps.clock.now();
    const claims = {
      aud: [nodeID],
      exp: Math.floor(oneMonthLater(now) / 1000),
      iat: Math.floor(now / 1000),
      iss: nodeID,
      ns: { '*': readOnly, [clientID]: fullAccess },
      sub: clientID,
    };
    return { success: true, token: signJwt(claims, await this.deps.signingKey()) };
  }
}

/** The client's JSON answer. JSON `null` is an empty answer, as Go's decoder reads it. */
function decodeAnswer(methodData: Uint8Array): ChallengeResponse {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(methodData)) ?? {};
  } catch (err) {
    throw invalidData(methodData.length === 0 ? 'MethodData is empty' : (err as Error).message);
  }
  const decoded = decodeStruct<ChallengeResponse>(raw, challengeResponseSchema());
  if (!isPlainObject(raw) || decoded.errors.length > 0) {
    throw invalidData(decoded.errors.join('; ') || 'expected a JSON object {PhraseSignature, PublicKey}');
  }
  return decoded.value;
}

function invalidData(reason: string) {
  return requestError(`invalid authentication data: ${reason}`, {
    hint: 'MethodData is the base64 of the JSON {"PhraseSignature": …, "PublicKey": …}',
  });
}

/** The client's public key when `answer` signs `phrase`, else the reason it does not (Go's words). */
function verifySignature(phrase: Uint8Array, answer: ChallengeResponse): KeyObject | string {
  let der: Uint8Array;
  try {
    der = base64Decode(answer.PublicKey);
  } catch (err) {
    // Go wraps this error twice: in DecodePublicKey, then in Verify.
    return `failed to decode public key: failed to decode public key: ${(err as Error).message}`;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'pkcs1' });
  } catch {
    return 'failed to decode public key: not a PKCS#1 RSA public key';
  }
  let signature: Uint8Array;
  try {
    signature = base64Decode(answer.PhraseSignature);
  } catch (err) {
    return `failed to decode signature: ${(err as Error).message}`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < minKeyBits) {
    return `crypto/rsa: ${bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)`;
  }
  let valid = false;
  try {
    valid = verify('sha256', phrase, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // A signature of the wrong length: refused like any other bad signature.
  }
  return valid ? key : 'crypto/rsa: verification error';
}

/** Go's `AddDate(0, 1, 0)`: the same day and time next month, normalised (31 January → 2 or 3 March). */
function oneMonthLater(epochMs: number): number {
  const date = new Date(epochMs);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return date.getTime();
}
