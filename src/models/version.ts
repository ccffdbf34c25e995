/** `models.BuildVersionInfo`: served flattened by `GET /api/v1/agent/version` and in NodeInfo. */
export interface BuildVersionInfo {
  Major: string;
  Minor: string;
  GitVersion: string;
  GitCommit: string;
  BuildDate: string;
  GOOS: string;
  GOARCH: string;
}
