/** The evaluation broker: the queue between the store and the scheduler workers. */
export {
  BrokerErrorReason,
  EvaluationBroker,
  compileBrokerOptions,
  type BrokerStats,
  type CompiledBrokerOptions,
  type Delivery,
  type DequeueOptions,
  type EvaluationBrokerOptions,
  type QueueStats,
} from './broker.js';
