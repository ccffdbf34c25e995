/**
 * The bodies of `/api/v1/auth` (Go's `apimodels/auth.go` and `pkg/authn`) and of the `challenge`
 * method's exchange, as types and codec schemas. Go's `[]byte` fields travel as standard base64.
 * Browser-safe: the client builds `MethodData` with these, the server decodes it with them.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import {
  any,
  bool,
  decodeStruct,
  jsonTypeOf,
  mapOf,
  sharedSchema,
  string,
  struct,
  type CustomKind,
  type StructSchema,
} from '../../models/codec.js';
import { base64Decode, base64Encode } from './base64.js';

/** Go's `[]byte` in JSON: a standard base64 string; nil is `null`. */
export const bytes: CustomKind = {
  kind: 'custom',
  goType: '[]byte',
  decode(raw) {
    if (typeof raw !== 'string') throw new Error(`expected a base64 string, got ${jsonTypeOf(raw)}`);
    return base64Decode(raw);
  },
  encode: (value) => base64Encode(value as Uint8Array),
  zero: undefined,
};

/** `authn.MethodType`. */
export const AuthMethodType = { Challenge: 'challenge', Ask: 'ask' } as const;

/** How to authenticate with one method (`authn.Requirement`); `params` is the method's own JSON. */
export interface Requirement {
  type: string;
  params: unknown;
}
export const requirementSchema = sharedSchema((): StructSchema => ({
  name: 'Requirement',
  fields: [
    { name: 'type', kind: string },
    { name: 'params', kind: any },
  ],
}));

/** `authn.Authentication`: a token on success, a reason on failure. */
export interface Authentication {
  success: boolean;
  reason?: string;
  token?: string;
}
export const authenticationSchema = sharedSchema((): StructSchema => ({
  name: 'Authentication',
  fields: [
    { name: 'success', kind: bool },
    { name: 'reason', kind: string, omitEmpty: true },
    { name: 'token', kind: string, omitEmpty: true },
  ],
}));

/** `GET /api/v1/auth`: `NextToken` first, as Go's embedded `BaseListResponse` puts it. */
export interface ListAuthnMethodsResponse {
  NextToken: string;
  Methods: Record<string, Requirement>;
}
export const listAuthnMethodsResponseSchema = sharedSchema((): StructSchema => ({
  name: 'ListAuthnMethodsResponse',
  fields: [
    { name: 'NextToken', kind: string },
    { name: 'Methods', kind: mapOf(struct(requirementSchema)) },
  ],
}));

/** `POST /api/v1/auth/{name}`; the method is the one in the path, `Name` is informational. */
export interface AuthnRequestBody {
  Namespace?: string;
  Name?: string;
  MethodData?: Uint8Array;
}
export const authnRequestSchema = sharedSchema((): StructSchema => ({
  name: 'AuthnRequest',
  fields: [
    { name: 'Namespace', kind: string },
    { name: 'Name', kind: string },
    { name: 'MethodData', kind: bytes },
  ],
}));

export interface AuthnResponse {
  Authentication: Authentication;
}
export const authnResponseSchema = sharedSchema((): StructSchema => ({
  name: 'AuthnResponse',
  fields: [{ name: 'Authentication', kind: struct(authenticationSchema) }],
}));

// ---------------------------------------------------------------------------------------------------
// The challenge method: the server names a phrase, the client signs it with its RSA key.

/** A challenge method's `params`: the phrase to sign. */
export const challengeParamsSchema = sharedSchema((): StructSchema => ({
  name: 'ChallengeParams',
  fields: [{ name: 'InputPhrase', kind: bytes }],
}));

/** The client's answer: base64 PKCS#1 v1.5 SHA-256 signature and base64 PKCS#1 DER public key. */
export interface ChallengeResponse {
  PhraseSignature: string;
  PublicKey: string;
}
export const challengeResponseSchema = sharedSchema((): StructSchema => ({
  name: 'ChallengeResponse',
  fields: [
    { name: 'PhraseSignature', kind: string },
    { name: 'PublicKey', kind: string },
  ],
}));

/**
 * The phrase a challenge requirement asks to sign.
 * @throws BacalhauError `unexpected challenge input` (Go's responder's words) when there is none
 */
export function challengeInputPhrase(requirement: Requirement): Uint8Array {
  const decoded = decodeStruct<{ InputPhrase?: Uint8Array }>(requirement.params, challengeParamsSchema());
  const phrase = decoded.value.InputPhrase;
  if (decoded.errors.length > 0 || phrase === undefined || phrase.length === 0) {
    throw new BacalhauError(`unexpected challenge input${decoded.errors.map((e) => `: ${e}`).join('')}`, {
      code: ErrorCode.BadRequest,
      component: 'Authenticator',
    });
  }
  return phrase;
}

/** The `MethodData` of a challenge answer (JSON bytes, as Go's responder sends them). */
export function encodeChallengeResponse(response: ChallengeResponse): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(response));
}
