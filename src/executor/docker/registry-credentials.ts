/**
 * Registry login for pulls (Go `getAuthToken`): the compute node's DOCKER_USERNAME and DOCKER_PASSWORD,
 * both set, are sent with a pull from Docker Hub only. The daemon hands a pull's login to whatever
 * registry the image names, and Bacalhau's rule (fewer than two slashes) also lets
 * `attacker.example/x` and `localhost:5000/x` through: any job submitter could collect the node's Hub
 * password. So the registry is read as Docker reads it: a first path component with a `.` or a `:`,
 * or `localhost`, names a registry, and only Docker Hub's own names get the login.
 */

export const UsernameEnvVar = 'DOCKER_USERNAME';
export const PasswordEnvVar = 'DOCKER_PASSWORD';

const DockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Whether `image` is pulled from Docker Hub (`ubuntu`, `me/app`, `docker.io/library/ubuntu`). */
function isDockerHubImage(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return true;
  const first = image.slice(0, slash);
  const namesRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  return !namesRegistry || DockerHubHosts.has(first);
}

/** The login to pull `image` with, or undefined for an anonymous pull. */
export function registryLogin(
  image: string,
  env: NodeJS.ProcessEnv = process.env,
): { username: string; password: string } | undefined {
  const username = env[UsernameEnvVar] ?? '';
  const password = env[PasswordEnvVar] ?? '';
  if (username === '' || password === '') return undefined;
  if (!isDockerHubImage(image)) return undefined;
  return { username, password };
}
