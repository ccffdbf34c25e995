/**
 * Debug information a component gives `GET /api/v1/agent/debug` (Go `pkg/models/debug.go`): the route
 * answers an object keyed by `Component`.
 */
export interface DebugInfo {
  Component: string;
  Info: unknown;
}

export interface DebugInfoProvider {
  getDebugInfo(): Promise<DebugInfo> | DebugInfo;
}
