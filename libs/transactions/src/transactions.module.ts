import { Module } from '@nestjs/common';
import { loadTransactionsEnv } from './transactions.config.js';
import { TRANSACTIONS_ENV } from './transactions.constants.js';
import { TransactionsController } from './transactions.controller.js';
import { TransactionsService } from './transactions.service.js';

/** Ingest: REST in, `transactions` topic out. Needs KafkaModule.forRoot() in the app. */
@Module({
  controllers: [TransactionsController],
  providers: [{ provide: TRANSACTIONS_ENV, useFactory: () => loadTransactionsEnv() }, TransactionsService],
  exports: [TransactionsService],
})
export class TransactionsModule {}
