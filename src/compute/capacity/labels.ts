/**
 * The labels a node announces (Go: the config, runtime, name and GPU label providers, merged in that
 * order so later ones win): the user's `Labels`, then `os_type` / `os_arch` spelled as Go's
 * `runtime.GOOS` / `GOARCH`, then `name`, then per allocated GPU `GPU-<i>` (model, spaces as dashes)
 * and `GPU-<i>-Memory` (`<MiB>-MiB`). A user label with one of these names is overwritten, as in Go.
 */
import type { Resources } from '../../models/resources.js';

export interface NodeLabelOptions {
  /** The node's name (its node ID); Go labels every node with it. */
  nodeName?: string;
}

export function nodeLabels(
  userLabels: Readonly<Record<string, string>>,
  allocated: Resources,
  options: NodeLabelOptions = {},
): Record<string, string> {
  const labels: Record<string, string> = {
    ...userLabels,
    os_type: goOS(process.platform),
    os_arch: goArch(process.arch),
  };
  if (options.nodeName !== undefined) labels.name = options.nodeName;
  (allocated.GPUs ?? []).forEach((gpu, i) => {
    labels[`GPU-${i}`] = gpu.Name.replaceAll(' ', '-');
    labels[`GPU-${i}-Memory`] = `${gpu.Memory}-MiB`;
  });
  return labels;
}

/** Go's `runtime.GOOS` for Node's `process.platform`. */
export function goOS(platform: NodeJS.Platform): string {
  const names: Partial<Record<NodeJS.Platform, string>> = { win32: 'windows', sunos: 'solaris' };
  return names[platform] ?? platform;
}

/** Go's `runtime.GOARCH` for Node's `process.arch` (Node's `ppc64` builds are little-endian). */
export function goArch(arch: string): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', mipsel: 'mipsle', ppc64: 'ppc64le' };
  return names[arch] ?? arch;
}
