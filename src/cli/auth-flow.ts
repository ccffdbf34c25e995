/**
 * Bacalhau's CLI login (Go's `cmd/util/auth.RunAuthenticationFlow`), run when a node refuses a request
 * with 401 and no credential came from the environment or the profile: the node's methods are listed
 * (`GET /api/v1/auth`), one this CLI can answer is chosen (the user is asked when there are several),
 * and answered: `challenge` by signing the node's phrase with `<DataDir>/user_id.pem` (made when
 * missing), `ask` by prompting for each field its JSON schema requires, a `writeOnly` one without echo
 * on a terminal. The token it earns is what the request is sent again with; api-client.ts saves it in
 * `tokens.json`, where Go's CLI keeps the same tokens.
 *
 * Deliberate differences: Go runs the flow before the first request whenever it has no token saved;
 * this runs it once a node refuses a request, so a node that needs no token gets none. A method the
 * node refuses is asked again only on a terminal, where the user can type other answers (Go asks again
 * in every case, forever for a refused challenge or a script's wrong secret).
 */
import { createPublicKey, createSign, constants } from 'node:crypto';
import {
  AuthMethodType,
  challengeInputPhrase,
  encodeChallengeResponse,
  type AuthApi,
  type Requirement,
} from '../api/client/index.js';
import { loadUserKey } from '../config/index.js';
import { isPlainObject } from '../models/codec.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import type { CliContext } from './context.js';
import { InputInterrupted, InputReader } from './input.js';

const supported: readonly string[] = [AuthMethodType.Challenge, AuthMethodType.Ask];

/** The request stays refused (401): said as the node's answer is, without the request's context. */
function flowError(message: string, hint?: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.Unauthorized,
    component: 'CLI',
    httpStatus: 401,
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * The token the node issues once one of its methods is answered; undefined when the user gave up (no
 * choice made, input ended at a prompt).
 * @throws BacalhauError when no method can be answered, or the node refused a method not asked again
 */
export async function runAuthenticationFlow(
  ctx: CliContext,
  auth: AuthApi,
  dataDir: string,
): Promise<string | undefined> {
  try {
    return await logIn(ctx, auth, dataDir);
  } catch (err) {
    // Go's words when its prompt is interrupted
    if (err instanceof InputInterrupted) throw flowError('context canceled', 'the login was interrupted');
    throw err;
  }
}

async function logIn(ctx: CliContext, auth: AuthApi, dataDir: string): Promise<string | undefined> {
  const signal = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const { Methods: offered } = await auth.methods(signal);
  const names = Object.keys(offered).sort();
  if (names.length === 0) {
    throw flowError(
      'Request Unauthorized: the node asks for a username and password, an API key or an SSO token',
      `set BACALHAU_API_KEY, or BACALHAU_API_USERNAME and BACALHAU_API_PASSWORD, or run '${ctx.binName} auth sso login'`,
    );
  }
  const usable = names.filter((name) => supported.includes(offered[name]?.type ?? ''));
  if (usable.length === 0) {
    const types = [...new Set(names.map((name) => offered[name]?.type ?? ''))].join(' ');
    throw flowError(
      `no common authentication method: client supports [${supported.join(' ')}], server supports [${types}]`,
    );
  }
  const input = new InputReader(ctx.stdin, ctx.signal);
  for (;;) {
    const name = await choose(ctx, input, usable);
    if (name === undefined) return undefined;
    const requirement = offered[name] as Requirement;
    const answer =
      requirement.type === AuthMethodType.Challenge
        ? await answerChallenge(requirement, dataDir)
        : await answerAsk(ctx, input, requirement);
    if (answer === undefined) return undefined;
    const outcome = await auth.authenticate(name, answer, signal);
    if (outcome.success && outcome.token !== undefined) return outcome.token;
    const reason = outcome.reason ?? 'no reason given';
    const typedAgain = requirement.type === AuthMethodType.Ask && input.fromTerminal;
    if (!typedAgain) throw flowError(`the node refused the ${name} login: ${reason}`);
    ctx.stderr.write(`${reason}\n`);
  }
}

/** Go's `choose.Choose`: the only method without asking; else a numbered list and a number typed. */
async function choose(ctx: CliContext, input: InputReader, names: string[]): Promise<string | undefined> {
  if (names.length === 1) return names[0];
  ctx.stderr.write('How would you like to authenticate?\n');
  names.forEach((name, i) => ctx.stderr.write(`${i + 1}. ${name}\n`));
  for (;;) {
    ctx.stderr.write('Choose a number: ');
    const typed = await input.line();
    if (typed === undefined || typed === '') return undefined;
    const index = /^\d+$/.test(typed) ? Number(typed) : Number.NaN;
    if (Number.isNaN(index)) ctx.stderr.write(`invalid choice: ${JSON.stringify(typed)} is not a number\n`);
    else if (index < 1 || index > names.length) ctx.stderr.write(`invalid choice: ${index}\n`);
    else return names[index - 1];
  }
}

/** The node's phrase signed as Go's `MessageSigner` signs: PKCS#1 v1.5 over SHA-256, base64. */
async function answerChallenge(requirement: Requirement, dataDir: string): Promise<Uint8Array> {
  const phrase = challengeInputPhrase(requirement);
  const key = await loadUserKey(dataDir);
  const signature = createSign('sha256')
    .update(phrase)
    .sign({ key, padding: constants.RSA_PKCS1_PADDING })
    .toString('base64');
  const publicKey = createPublicKey(key).export({ type: 'pkcs1', format: 'der' }).toString('base64');
  return encodeChallengeResponse({ PhraseSignature: signature, PublicKey: publicKey });
}

/**
 * Go's `ask` responder: `<field>: ` for each field the schema requires, in its order, each answer sent
 * as text (the node's policy checks them). Undefined when the input ends first.
 */
async function answerAsk(
  ctx: CliContext,
  input: InputReader,
  requirement: Requirement,
): Promise<Uint8Array | undefined> {
  const schema = isPlainObject(requirement.params) ? requirement.params : {};
  const required = Array.isArray(schema['required']) ? schema['required'].map(String) : [];
  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const answers: Record<string, string> = {};
  for (const field of required) {
    const property = isPlainObject(properties[field]) ? properties[field] : {};
    const type = [property['type']].flat()[0];
    if (typeof type !== 'string') throw flowError(`invalid schema: property "${field}" has no type`);
    if (type === 'object') throw flowError(`invalid schema: property "${field}" has non-scalar type`);
    let answer: string | undefined;
    if (property['writeOnly'] === true && input.fromTerminal) {
      try {
        answer = await input.hiddenLine(ctx.stderr, `${field}: `);
      } catch (err) {
        if (err instanceof InputInterrupted) throw err;
        if (errorMessage(err) === 'EOF') return undefined;
        throw flowError(`failed to read ${field}: ${errorMessage(err)}`);
      }
    } else {
      ctx.stderr.write(`${field}: `);
      answer = await input.line();
    }
    if (answer === undefined) return undefined;
    answers[field] = answer;
  }
  return new TextEncoder().encode(JSON.stringify(answers));
}
