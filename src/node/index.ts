/**
 * The composition root: the only place that constructs concrete classes (design.md). See README.md.
 * Test helpers (in-process cluster with fake compute nodes) live in `./testing.ts`, not here.
 */
export {
  Orchestrator,
  type OrchestratorComponents,
  type OrchestratorJobReads,
  type OrchestratorNodeActions,
  type OrchestratorState,
} from './orchestrator.js';
export {
  compileOrchestratorOptions,
  DefaultStoreFile,
  OrchestratorComponent,
  type CompiledOrchestratorOptions,
  type OrchestratorOptions,
  type OrchestratorTunables,
} from './options.js';
