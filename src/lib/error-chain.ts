/**
 * An error and the errors that caused it (`cause`: fetch wraps the network error, BacalhauError the
 * failure it explains), outermost first. At most six deep, so a chain that loops still ends.
 */
export function* errorChain(err: unknown): Generator<Error> {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < MaxDepth; e = e.cause, depth++) {
    yield e;
  }
}

const MaxDepth = 6;
