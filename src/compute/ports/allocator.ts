/**
 * Host ports for job network ports (Go's compute `PortAllocator`). A port with `Static: 0` gets a free
 * port from `Compute.Network.PortRangeStart`–`PortRangeEnd`; a static port is used as given, anywhere.
 * Free means: held by no live execution of this node AND bindable on the host right now (checked by
 * listening on it briefly, as Go does, so ports other processes hold are skipped).
 *
 * Ownership: the allocator is in memory, one per node. The runner allocates before it starts an
 * execution and releases when the execution ends however it ends (idempotent), so a restarted process
 * starts empty; an execution re-run after a restart re-claims the ports recorded with it (`reclaim`).
 * Dynamic allocation goes round-robin from the last port handed out, as Go does, so a port just
 * released is not handed out again at once (a client may still be talking to the old job).
 */
import { listenProbe } from '../../lib/listen-probe.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { MaximumPort, MinimumPort, NetworkType, supportsPortAllocation } from '../../models/network.js';
import type { NetworkConfig, Port } from '../../models/network.js';

export const PortAllocatorComponent = 'PortAllocator';
const RangeKeys = 'Compute.Network.PortRangeStart/PortRangeEnd';

/** Whether a port can be bound on this host now. */
export type PortProbe = (port: number) => Promise<boolean>;

export interface PortAllocatorOptions {
  /** First and last port (inclusive) of the dynamic range; see {@link portRangeProblems}. */
  rangeStart: number;
  rangeEnd: number;
  /** Defaults to {@link canListen} on all interfaces. */
  probe?: PortProbe;
}

/** Go's range checks, each naming its key; empty when the range is usable. */
export function portRangeProblems(start: number, end: number): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(start) || start < MinimumPort)
    problems.push(`Compute.Network.PortRangeStart must be an integer >= ${MinimumPort}: ${start}`);
  if (!Number.isSafeInteger(end) || end > MaximumPort)
    problems.push(`Compute.Network.PortRangeEnd must be an integer <= ${MaximumPort}: ${end}`);
  if (start >= end)
    problems.push(`Compute.Network.PortRangeStart (${start}) must be less than PortRangeEnd (${end})`);
  return problems;
}

export class PortAllocator {
  readonly #start: number;
  readonly #end: number;
  readonly #probe: PortProbe;
  /** Port → the execution holding it (or reserving it while its probe runs). */
  readonly #owners = new Map<number, string>();
  #last: number;

  constructor(options: PortAllocatorOptions) {
    const problems = portRangeProblems(options.rangeStart, options.rangeEnd);
    if (problems.length > 0) {
      throw new BacalhauError(`invalid port range: ${problems.join('; ')}`, {
        code: ErrorCode.ConfigurationError,
        component: PortAllocatorComponent,
      });
    }
    this.#start = options.rangeStart;
    this.#end = options.rangeEnd;
    this.#probe = options.probe ?? canListen;
    this.#last = options.rangeStart - 1;
  }

  /** Ports of the dynamic range no live execution holds (the host may still hold some). */
  get availableInRange(): number {
    let held = 0;
    for (const port of this.#owners.keys()) if (port >= this.#start && port <= this.#end) held++;
    return this.#end - this.#start + 1 - held;
  }

  /**
   * The task's ports with every `Static` filled in (and, for Bridge, `Target` defaulting to it), held
   * for `executionID` until {@link release}. Modes without port mappings get none. All or nothing: on
   * error nothing stays held.
   *
   * @throws BacalhauError ResourceInUse naming a static port another execution or process holds;
   *   ResourceExhausted naming the range keys when no port of the range is free.
   */
  async allocate(executionID: string, network: NetworkConfig): Promise<Port[]> {
    return this.#claim(executionID, network, true);
  }

  /**
   * For an execution re-run after a restart: its recorded static ports are held again without the
   * bind check (its own container may still hold them); ports still at 0 are allocated as usual.
   */
  async reclaim(executionID: string, network: NetworkConfig): Promise<Port[]> {
    return this.#claim(executionID, network, false);
  }

  /** Frees every port `executionID` holds. Idempotent. */
  release(executionID: string): void {
    for (const [port, owner] of this.#owners) if (owner === executionID) this.#owners.delete(port);
  }

  async #claim(executionID: string, network: NetworkConfig, probeStatic: boolean): Promise<Port[]> {
    if (!supportsPortAllocation(network.Type)) return [];
    const claimed: Port[] = [];
    try {
      for (const port of network.Ports ?? []) {
        const requested = port.Static ?? 0;
        const host =
          requested > 0
            ? await this.#claimStatic(executionID, requested, probeStatic)
            : await this.#claimDynamic(executionID);
        const target = network.Type === NetworkType.Bridge ? port.Target || host : port.Target;
        claimed.push({ ...port, Static: host, ...(target ? { Target: target } : {}) });
      }
      return claimed;
    } catch (err) {
      this.release(executionID);
      throw err;
    }
  }

  async #claimStatic(executionID: string, port: number, probe: boolean): Promise<number> {
    const owner = this.#owners.get(port);
    if (owner !== undefined && owner !== executionID) {
      throw portInUse(port, `port ${port} is already in use by another execution on this node`);
    }
    this.#owners.set(port, executionID);
    if (probe && !(await this.#probe(port))) {
      this.#owners.delete(port);
      throw portInUse(port, `port ${port} is in use on this node's host`);
    }
    return port;
  }

  async #claimDynamic(executionID: string): Promise<number> {
    const size = this.#end - this.#start + 1;
    const offset = this.#last + 1 - this.#start;
    for (let i = 0; i < size; i++) {
      const port = this.#start + ((offset + i) % size);
      if (this.#owners.has(port)) continue;
      // Held while the probe runs, so a concurrent allocation cannot pick it too.
      this.#owners.set(port, executionID);
      if (await this.#probe(port)) {
        this.#last = port;
        return port;
      }
      this.#owners.delete(port);
    }
    throw new BacalhauError(`no available ports in range ${this.#start}-${this.#end}`, {
      code: ErrorCode.ResourceExhausted,
      component: PortAllocatorComponent,
      retryable: true,
      hint: `Wait for other jobs on this node to end, or widen ${RangeKeys} in the compute node's configuration`,
    });
  }
}

function portInUse(port: number, message: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.ResourceInUse,
    component: PortAllocatorComponent,
    retryable: true,
    details: { port: String(port) },
    hint: 'Use another Static port, or leave Static unset (0) to get a free port from the node',
  });
}

/** Listens on `port` on all interfaces (Go: `net.Listen("tcp", ":port")`) and closes at once. */
export async function canListen(port: number): Promise<boolean> {
  return (await listenProbe(port)) === undefined;
}
