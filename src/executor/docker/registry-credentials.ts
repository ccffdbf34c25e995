/**
 * Registry login for pulls (Go `getAuthToken`): the compute node's DOCKER_USERNAME and DOCKER_PASSWORD,
 * both set, are sent with a pull from the default registry (Docker Hub). Bacalhau takes an image with
 * fewer than two slashes (`image`, `user/image`) for one from there, and gives no login to others.
 */

export const UsernameEnvVar = 'DOCKER_USERNAME';
export const PasswordEnvVar = 'DOCKER_PASSWORD';

/** The login to pull `image` with, or undefined for an anonymous pull. */
export function registryLogin(
  image: string,
  env: NodeJS.ProcessEnv = process.env,
): { username: string; password: string } | undefined {
  const username = env[UsernameEnvVar] ?? '';
  const password = env[PasswordEnvVar] ?? '';
  if (username === '' || password === '') return undefined;
  if (image.split('/').length > 2) return undefined;
  return { username, password };
}
