import { Counter, Histogram, type Registry } from 'prom-client';

export type RecordOutcome = 'consumed' | 'applied' | 'dead_lettered' | 'retried';

/** What every consumer group of a process reports on /metrics, labelled by group and topic. */
export class ProjectionMetrics {
  readonly records: Counter<'group' | 'topic' | 'outcome'>;
  readonly batchRecords: Histogram<'group' | 'topic'>;
  readonly applySeconds: Histogram<'group' | 'topic'>;

  constructor(registry: Registry) {
    this.records = new Counter({
      name: 'projection_records_total',
      help: 'Records a consumer group read (consumed), applied, dead-lettered, and handed again to a failing handler (retried).',
      labelNames: ['group', 'topic', 'outcome'],
      registers: [registry],
    });
    this.batchRecords = new Histogram({
      name: 'projection_batch_records',
      help: 'Records per batch a consumer group read (one partition, one fetch).',
      labelNames: ['group', 'topic'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000],
      registers: [registry],
    });
    this.applySeconds = new Histogram({
      name: 'projection_apply_seconds',
      help: "Time a consumer group's handler took to apply a batch (or part of one), successful or not.",
      labelNames: ['group', 'topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
