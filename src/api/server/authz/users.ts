/**
 * The configured API users (`API.Auth.Users`), checked as Go's entry-point authorizer checks them when the
 * node starts: each has a username and password or an API key (not both), sensible lengths, at least one
 * capability, and no alias, username (both case-insensitive) or API key is used twice. Messages are Go's.
 */
import type { AuthUser } from '../../../config/index.js';

const minPasswordLength = 10;
const maxPasswordLength = 255;
const minAPIKeyLength = 20;
const maxAPIKeyLength = 255;
const maxUsernameLength = 100;

/** Lengths are counted in bytes, as Go's `len` does. */
const byteLength = (s: string): number => new TextEncoder().encode(s).length;

/** How messages name a user: alias, else username, else the end of the API key. */
export function userIdentifier(user: AuthUser): string {
  if (user.Alias !== undefined && user.Alias !== '') return user.Alias;
  if (user.Username !== undefined && user.Username !== '') return user.Username;
  const key = user.APIKey ?? '';
  if (key === '') return 'unknown user';
  return key.length > 5 ? `API key ending in ...${key.slice(-5)}` : `API key ${key}`;
}

/** Go's `IsBcryptHash`: a `$2a$`, `$2b$` or `$2y$` prefix and at least the 60 characters of a hash. */
export function isBcryptHash(password: string): boolean {
  return /^\$2[aby]\$/.test(password) && password.length >= 60;
}

/** @throws Error with Go's message for the first invalid user */
export function validateUsers(users: readonly AuthUser[]): void {
  const aliases = new Map<string, string>();
  const usernames = new Map<string, string>();
  const apiKeys = new Set<string>();
  for (const user of users) {
    const problem = userProblem(user) ?? duplicateProblem(user, aliases, usernames, apiKeys);
    if (problem !== undefined) throw new Error(problem);
    if (user.Alias !== undefined && user.Alias !== '') aliases.set(user.Alias.toLowerCase(), user.Alias);
    if (user.Username !== undefined && user.Username !== '')
      usernames.set(user.Username.toLowerCase(), user.Username);
    if (user.APIKey !== undefined && user.APIKey !== '') apiKeys.add(user.APIKey);
  }
}

function userProblem(user: AuthUser): string | undefined {
  const id = userIdentifier(user);
  const username = user.Username ?? '';
  const password = user.Password ?? '';
  const apiKey = user.APIKey ?? '';
  const hasPassword = username !== '' && password !== '';
  if (hasPassword && apiKey !== '') {
    return `user '${id}' has both username/password and API key, must have only one authentication method`;
  }
  if (!hasPassword && apiKey === '') {
    return `user '${id}' has neither username/password nor API key, must have one authentication method`;
  }
  if (username !== '') {
    const trimmed = username.trim();
    if (byteLength(trimmed) > maxUsernameLength) {
      return `username for user '${id}' exceeds maximum length of ${maxUsernameLength} characters`;
    }
    if (trimmed === '') return `username for user '${id}' should not be empty`;
    if (!/^[a-zA-Z0-9]+$/.test(username)) {
      return `username for user '${id}' must contain only alphanumeric characters (a-z, A-Z, 0-9)`;
    }
  }
  if (password !== '') {
    if (byteLength(password) < minPasswordLength) {
      return `password for user '${id}' is too short, minimum length is ${minPasswordLength} characters`;
    }
    if (byteLength(password) > maxPasswordLength) {
      return `password for user '${id}' exceeds maximum length of ${maxPasswordLength} characters`;
    }
  }
  if (apiKey !== '') {
    if (byteLength(apiKey) < minAPIKeyLength) {
      return `API key for user '${id}' is too short, minimum length is ${minAPIKeyLength} characters`;
    }
    if (byteLength(apiKey) > maxAPIKeyLength) {
      return `API key for user '${id}' exceeds maximum length of ${maxAPIKeyLength} characters`;
    }
  }
  if ((user.Capabilities ?? []).length === 0) {
    return `user '${id}' has no capabilities defined, must have at least one capability`;
  }
  return undefined;
}

function duplicateProblem(
  user: AuthUser,
  aliases: ReadonlyMap<string, string>,
  usernames: ReadonlyMap<string, string>,
  apiKeys: ReadonlySet<string>,
): string | undefined {
  const alias = user.Alias ?? '';
  const seenAlias = aliases.get(alias.toLowerCase());
  if (alias !== '' && seenAlias !== undefined) {
    return `duplicate alias detected: '${seenAlias}' and '${alias}' (aliases are case-insensitive)`;
  }
  const username = user.Username ?? '';
  const seenUsername = usernames.get(username.toLowerCase());
  if (username !== '' && seenUsername !== undefined) {
    return `duplicate username detected: '${seenUsername}' and '${username}' (usernames are case-insensitive)`;
  }
  if (user.APIKey !== undefined && user.APIKey !== '' && apiKeys.has(user.APIKey)) {
    return `duplicate API key detected for user '${userIdentifier(user)}'`;
  }
  return undefined;
}
