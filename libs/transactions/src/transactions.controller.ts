import { Body, Controller, HttpCode, Post, Query, ServiceUnavailableException } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { TransactionEvent } from '@nurt/contracts';
import { AcceptedBatchDto, AcceptedTransactionDto, ProduceQueryDto, TransactionBatchDto } from './transactions.dto.js';
import { TransactionsService } from './transactions.service.js';

@ApiTags('transactions')
@Controller('transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedTransactionDto, description: 'The broker has the transaction (acks=all).' })
  @ApiBadRequestResponse({ description: 'A field breaks a rule; the body names it.' })
  @ApiServiceUnavailableResponse({
    description: 'Kafka did not acknowledge in time; retrying with the same id is safe.',
  })
  async submit(@Body() body: TransactionEvent, @Query() query: ProduceQueryDto): Promise<AcceptedTransactionDto> {
    const [accepted] = await this.produce([body], query);
    if (!accepted) throw new ServiceUnavailableException('Kafka returned no metadata');
    return accepted;
  }

  @Post('batch')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedBatchDto, description: 'The broker has every transaction of the batch.' })
  @ApiBadRequestResponse({
    description: 'Empty, over 1000 items, or an item breaks a rule (field transactions.<i>.<name>).',
  })
  @ApiServiceUnavailableResponse({
    description: 'Kafka did not acknowledge in time; retrying with the same ids is safe.',
  })
  async submitBatch(@Body() body: TransactionBatchDto, @Query() query: ProduceQueryDto): Promise<AcceptedBatchDto> {
    return { accepted: await this.produce(body.transactions, query) };
  }

  private async produce(events: TransactionEvent[], query: ProduceQueryDto): Promise<AcceptedTransactionDto[]> {
    try {
      return await this.transactions.submit(events, query.partitioning);
    } catch (err: unknown) {
      // Consumers apply each id once, so a client may safely retry whatever Kafka did with this write.
      throw new ServiceUnavailableException(`Kafka unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
