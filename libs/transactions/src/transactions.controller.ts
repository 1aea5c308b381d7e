import { Body, Controller, HttpCode, Post, Query, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { TransactionEvent, type Transaction } from '@nurt/contracts';
import { KafkaSendError } from '@nurt/kafka';
import { TransactionBatchPipe, TransactionBodyPipe } from './transaction-body.pipe.js';
import {
  AcceptedBatchDto,
  AcceptedTransactionDto,
  ProduceQueryDto,
  TransactionBatchDto,
  WriteFailedDto,
} from './transactions.dto.js';
import { TransactionsService } from './transactions.service.js';

const UNAVAILABLE = {
  type: WriteFailedDto,
  description:
    'Kafka did not acknowledge. `outcome: "not-written"`: none of the transactions is in the log. ' +
    '`outcome: "unknown"`: some or all may be; retrying with the same ids is safe either way (each id is applied once).',
};

@ApiTags('transactions')
@Controller('transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  @Post()
  @HttpCode(202)
  @ApiBody({ type: TransactionEvent })
  @ApiAcceptedResponse({ type: AcceptedTransactionDto, description: 'The broker has the transaction (acks=all).' })
  @ApiBadRequestResponse({ description: 'A field breaks a rule; the body names it.' })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async submit(
    @Body(TransactionBodyPipe) tx: Transaction,
    @Query() query: ProduceQueryDto,
  ): Promise<AcceptedTransactionDto> {
    const [accepted] = await this.produce([tx], query);
    if (!accepted) throw new ServiceUnavailableException({ message: 'Kafka returned no metadata', outcome: 'unknown' });
    return accepted;
  }

  @Post('batch')
  @HttpCode(202)
  @ApiBody({ type: TransactionBatchDto })
  @ApiAcceptedResponse({ type: AcceptedBatchDto, description: 'The broker has every transaction of the batch.' })
  @ApiBadRequestResponse({
    description: 'Empty, over 1000 items, or an item breaks a rule (field transactions.<i>.<name>).',
  })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async submitBatch(
    @Body(TransactionBatchPipe) txs: Transaction[],
    @Query() query: ProduceQueryDto,
  ): Promise<AcceptedBatchDto> {
    return { accepted: await this.produce(txs, query) };
  }

  private async produce(txs: readonly Transaction[], query: ProduceQueryDto): Promise<AcceptedTransactionDto[]> {
    try {
      return await this.transactions.submit(txs, query.partitioning);
    } catch (err: unknown) {
      if (!(err instanceof KafkaSendError)) throw err;
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message: err.message,
        outcome: err.outcome,
      });
    }
  }
}
