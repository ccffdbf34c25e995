/**
 * The node's user key, `<DataDir>/user_id.pem` (Go's `UserKeyPath` and `LoadUserKey`): an RSA private key
 * in PKCS#1 PEM, created with 2048 bits and mode 0600 when missing, as Go creates it. The node signs the
 * challenge method's tokens with it, and the CLI signs the challenges of a node that asks for one with it
 * (as Bacalhau's CLI does with the same file).
 */
import { createHash, createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';

export const UserKeyFileName = 'user_id.pem';
const keyBits = 2048;

/**
 * @throws BacalhauError ConfigurationError when the file cannot be read, created or parsed as an RSA key
 */
export async function loadUserKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, UserKeyFileName);
  try {
    const pem = (await readExisting(path)) ?? (await createUserKey(dataDir, path));
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA key (${key.asymmetricKeyType ?? '?'})`);
    return key;
  } catch (err) {
    throw new BacalhauError(`cannot load the user key ${path}: ${errorMessage(err)}`, {
      code: ErrorCode.ConfigurationError,
      component: 'Authenticator',
      hint: `Check the permissions of ${dataDir}, or delete a damaged ${UserKeyFileName} to have a new one created`,
      cause: err,
    });
  }
}

/** Go's `ConvertToClientID`: hex SHA-256 of the modulus' big-endian bytes. */
export function clientIDOf(key: KeyObject): string {
  const modulus = key.export({ format: 'jwk' }).n ?? '';
  return createHash('sha256').update(Buffer.from(modulus, 'base64url')).digest('hex');
}

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function createUserKey(dataDir: string, path: string): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: keyBits,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    // `wx`: another process creating the key at the same time wins, and its key is used.
    await writeFile(path, privateKey, { flag: 'wx', mode: 0o600 });
    return privateKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw err;
  }
}
