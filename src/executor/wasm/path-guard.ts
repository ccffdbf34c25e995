/**
 * Keeps a WASM task's path calls inside its preopened folders on the host.
 *
 * node:wasi (uvwasi) checks a path only as text in the guest's namespace, then hands the host path
 * to the OS, which follows every symbolic link in it. So a link inside a mounted folder reaches the
 * rest of the host: one an operator's data holds (`/data/etc -> /etc`), or one the task makes itself
 * (uvwasi lets `../../../../etc` through when the mount is at `/etc`, since `..` stops at the guest's
 * root but not at the host's). Before each path call the worker asks the guard, which resolves the
 * path as uvwasi will and then as the host will, and refuses it (ENOTCAPABLE) when the folder the
 * call acts in, or a link the host would follow at its end, is outside the preopen the call came
 * through. Links that stay inside (`current -> v2`) keep working.
 *
 * The task is single-threaded, so nothing it does runs between a check and its call; another
 * process changing a writable mount at the same time is outside this guard. A local input's folder
 * (`checked`) must still be the real path it was checked as when the guard is made.
 *
 * {@link createPathGuard} is self-contained (it uses only `require` and its arguments): the worker
 * gets its source text, as it gets its own (worker.ts).
 */

/**
 * What the host does with a symbolic link at the path's end:
 * - `acts-on-link`: nothing, the call works on the link itself (unlink, rename, mkdir, lstat);
 * - `follows-in-guest`: uvwasi reads the link and resolves its target in the guest's namespace, again
 *   and again, before the host sees the path (the call's SYMLINK_FOLLOW flag);
 * - `follows-on-host`: the host follows it (path_open without SYMLINK_FOLLOW opens with the OS's
 *   default, which follows).
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';

export type LinkHandling = 'acts-on-link' | 'follows-in-guest' | 'follows-on-host';

export interface PathGuard {
  /**
   * The real host folder of each preopen, in order, as text: what WASI is to preopen, and the checks'
   * root. (Preopens are given as text; everything else is bytes.)
   */
  readonly hosts: readonly string[];
  /**
   * Whether the call may go ahead: errno 0 and the host path it will act on (none when WASI answers
   * by itself), or the WASI errno to return instead. `path` holds the guest's bytes one per char
   * (latin1), so names that are not UTF-8 are checked as the host will see them.
   */
  check(fd: number, path: string, handling: LinkHandling): { errno: number; host?: string };
  /**
   * Whether a link at `path` (through `fd`) may hold `target`: errno 0, or ENOTCAPABLE for an absolute
   * target or one with a `..`. uvwasi checks the text in the guest's namespace only, so a task with a
   * folder mounted at `/` could make `../../..` there, a link to the host's root that the next job
   * mounting that folder (or anyone on the host) would follow; and a chain of links each inside by its
   * text (`dot -> .`, `up -> dot/..`) climbs out too. A link pointing downwards stays inside wherever
   * it is moved.
   */
  checkLinkTarget(fd: number, path: string, target: string): number;
  /**
   * Whether the file at `path` (through `fd`, its last link not followed) may get another name: a
   * hard link to a symbolic link is a copy of it, which must pass as a new one would
   * ({@link checkLinkTarget}): else a task could copy an absolute link another task made.
   */
  checkLinkCopy(fd: number, path: string): number;
  /** Records the fd a path_open through `dirFd` returned, named by the host path `check` gave. */
  opened(dirFd: number, host: string, fd: number): void;
  closed(fd: number): void;
  renumbered(from: number, to: number): void;
}

export function createPathGuard(
  req: NodeJS.Require,
  preopens: readonly { guest: string; host: string; checked?: boolean }[],
  firstFd: number,
): PathGuard {
  const fs = req('node:fs') as typeof Fs;
  const posix = (req('node:path') as typeof Path).posix;
  const Errno = { success: 0, notcapable: 76 };
  const maxFollows = 32; // how many links uvwasi follows before ELOOP

  // Paths are handled as byte strings (one char per byte, latin1), as the guest passes them
  const bytes = (path: string): Buffer => Buffer.from(path, 'latin1');
  const fromText = (text: string): string => Buffer.from(text).toString('latin1');
  const toText = (path: string): string => bytes(path).toString();
  const realPath = (path: string): string =>
    fs.realpathSync.native(bytes(path), { encoding: 'buffer' }).toString('latin1');
  const linkTarget = (path: string): string | undefined => {
    try {
      return fs.readlinkSync(bytes(path), { encoding: 'buffer' }).toString('latin1');
    } catch {
      return undefined; // not a link, or nothing there
    }
  };
  /**
   * A link's target is allowed only downwards from where the link is: a `..` cannot be judged by its
   * text (`dot/..` climbs out when `dot` is a link to `.`), and a link moved elsewhere would climb
   * from there.
   */
  const targetAllowed = (target: string): number =>
    target.startsWith('/') || target.split('/').includes('..') ? Errno.notcapable : Errno.success;
  const isInside = (path: string, root: string): boolean =>
    path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);

  /**
   * Where the host ends up at `path`'s folder: the real path of its nearest existing ancestor (a call
   * through a missing folder fails on the host too, whatever that folder would have been).
   */
  const realFolder = (path: string): string => {
    for (let folder = posix.dirname(path); ; folder = posix.dirname(folder)) {
      try {
        return realPath(folder);
      } catch {
        if (folder === '/') return folder;
      }
    }
  };

  /** A descriptor as uvwasi sees it: its path in the guest's namespace and on the host. */
  interface Descriptor {
    guest: string;
    host: string;
    /** The real host folder of the preopen it was opened through. */
    root: string;
  }
  const descriptors = new Map<number, Descriptor>();
  const hosts = preopens.map((preopen, i) => {
    const root = realPath(fromText(preopen.host));
    // a local input's folder swapped for a link since it was checked would make the host's whole
    // rest of the file system the root every call is checked against (mounts.ts asked too, earlier)
    if (preopen.checked === true && root !== fromText(preopen.host)) {
      throw new Error(
        `input source ${JSON.stringify(preopen.host)} now leads to ${JSON.stringify(toText(root))}: it changed after it was checked`,
      );
    }
    descriptors.set(firstFd + i, { guest: fromText(preopen.guest), host: root, root });
    return toText(root);
  });

  /** uvwasi's normalisation: `..` stops at `/`, and no trailing slash. */
  const normalize = (path: string): string => {
    const normalized = posix.normalize(path);
    return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
  };

  /**
   * The host path uvwasi makes of `path` through `descriptor` (a guest path for a preopen, a host
   * path for a descriptor opened from one), or undefined when uvwasi refuses it by its text alone.
   */
  const toHost = (descriptor: Descriptor, path: string): string | undefined => {
    const guest = normalize(path.startsWith('/') ? path : `${descriptor.guest}/${path}`);
    // uvwasi compares the text's start only, so /database passes for a preopen at /data: as uvwasi
    if (!guest.startsWith(descriptor.guest)) return undefined;
    const rest = guest.slice(descriptor.guest === '/' ? 1 : descriptor.guest.length);
    if (rest === '' || rest === '/') return descriptor.host;
    return `${descriptor.host}${rest.startsWith('/') ? '' : '/'}${rest}`;
  };

  /**
   * The host path the call will act on and whether the host stays inside the root on the way, or
   * undefined when uvwasi refuses the call itself (then there is nothing to check).
   */
  const resolve = (
    descriptor: Descriptor,
    path: string,
    handling: LinkHandling,
  ): { host: string; inside: boolean } | undefined => {
    let host = toHost(descriptor, path);
    for (let follows = 0; host !== undefined; follows++) {
      if (host !== descriptor.root && !isInside(realFolder(host), descriptor.root))
        return { host, inside: false };
      if (handling === 'acts-on-link' || host === descriptor.root) return { host, inside: true };
      const target = linkTarget(host);
      if (target === undefined) return { host, inside: true };
      if (handling === 'follows-on-host') {
        // the host resolves the link from its own folder; one that leads nowhere would be created
        let real: string | undefined;
        try {
          real = realPath(host);
        } catch {
          real = undefined;
        }
        return { host, inside: real !== undefined && isInside(real, descriptor.root) };
      }
      if (follows >= maxFollows) return undefined; // uvwasi's ELOOP
      // uvwasi resolves a relative target against the descriptor's path, not the link's folder
      host = toHost(descriptor, target);
    }
    return undefined;
  };

  return {
    hosts,
    check(fd, path, handling) {
      const descriptor = descriptors.get(fd);
      // stdio, an fd not open, or a path uvwasi refuses by its text: WASI answers by itself
      const resolved = descriptor && resolve(descriptor, path, handling);
      if (resolved === undefined) return { errno: Errno.success };
      return resolved.inside ? { errno: Errno.success, host: resolved.host } : { errno: Errno.notcapable };
    },
    checkLinkTarget(fd, path, target) {
      const descriptor = descriptors.get(fd);
      const host = descriptor && toHost(descriptor, path);
      if (descriptor === undefined || host === undefined) return Errno.success; // WASI answers by itself
      return targetAllowed(target);
    },
    checkLinkCopy(fd, path) {
      const { errno, host } = this.check(fd, path, 'acts-on-link');
      if (errno !== Errno.success || host === undefined) return errno;
      const target = linkTarget(host);
      return target === undefined ? Errno.success : targetAllowed(target);
    },
    opened(dirFd, host, fd) {
      const descriptor = descriptors.get(dirFd);
      // uvwasi names a descriptor it opened by its host path, in both namespaces
      if (descriptor !== undefined) descriptors.set(fd, { guest: host, host, root: descriptor.root });
    },
    closed(fd) {
      descriptors.delete(fd);
    },
    renumbered(from, to) {
      const descriptor = descriptors.get(from);
      descriptors.delete(from);
      if (descriptor === undefined) descriptors.delete(to);
      else descriptors.set(to, descriptor);
    },
  };
}
