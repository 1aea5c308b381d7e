import type { DynamicModule, Type } from '@nestjs/common';
import type { ConsumerGroupOptions } from '@nurt/kafka';

/** What one service adds to the monolith: its feature modules, consumer groups and env checks. */
export interface ServicePart {
  readonly imports: () => readonly (Type | DynamicModule)[];
  readonly consumerGroups: readonly ConsumerGroupOptions[];
  /** Env loaders of the feature's own config (Kafka and database are checked by the monolith). */
  readonly config: readonly (() => unknown)[];
  readonly kafka: boolean;
  readonly database: boolean;
}
