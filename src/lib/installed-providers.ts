/**
 * Providers of one kind keyed by wire type (Bacalhau's `MappedProvider`): storages, publishers,
 * execution engines. Types match case-insensitively and ignoring surrounding space, as in Go, and each
 * provider's installation is asked once (Go caches it too: it does not change while a node runs). A
 * check that rejects counts as not installed.
 */
export interface Installable {
  isInstalled(): Promise<boolean>;
}

export class InstalledProviders<T extends Installable> {
  /** Lower-cased type → [the type as given, the provider]. */
  readonly #providers: ReadonlyMap<string, readonly [string, T]>;
  readonly #installed = new Map<string, Promise<boolean>>();

  constructor(providers: Readonly<Record<string, T | undefined>>) {
    this.#providers = new Map(
      Object.entries(providers).flatMap(([type, provider]) =>
        provider === undefined ? [] : [[type.toLowerCase(), [type, provider] as const]],
      ),
    );
  }

  /** The installed provider of `type`, or undefined. */
  async find(type: string): Promise<T | undefined> {
    const key = type.trim().toLowerCase();
    const found = this.#providers.get(key);
    return found !== undefined && (await this.#isInstalled(key, found[1])) ? found[1] : undefined;
  }

  /** The types (as given) whose provider is installed, in the order given. */
  async installedTypes(): Promise<string[]> {
    return (await this.#installedEntries()).map(([type]) => type);
  }

  /** The installed providers, in the order given. */
  async installed(): Promise<T[]> {
    return (await this.#installedEntries()).map(([, provider]) => provider);
  }

  /** Every provider with its type (as given), installed or not. */
  all(): (readonly [string, T])[] {
    return [...this.#providers.values()];
  }

  async #installedEntries(): Promise<(readonly [string, T])[]> {
    const found: (readonly [string, T])[] = [];
    for (const [key, entry] of this.#providers) {
      if (await this.#isInstalled(key, entry[1])) found.push(entry);
    }
    return found;
  }

  #isInstalled(key: string, provider: T): Promise<boolean> {
    let installed = this.#installed.get(key);
    if (installed === undefined) {
      installed = provider.isInstalled().catch(() => false);
      this.#installed.set(key, installed);
    }
    return installed;
  }
}
