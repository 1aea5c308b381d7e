import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CustomerId } from './customer-id.param.js';
import { CustomerNotFoundError, EmailTakenError, type Customer } from './customer.js';
import {
  CustomerBodyDto,
  CustomerDto,
  CustomerPageDto,
  ErrorDto,
  Examples,
  ListCustomersQueryDto,
  ValidationErrorDto,
} from './customers.dto.js';
import { CustomersService, type CustomerPage } from './customers.service.js';

/** The part of Fastify's reply used here. */
interface Reply {
  header(name: string, value: string): unknown;
}

/** Domain errors as the status codes a client can act on. */
function asHttp(err: unknown): unknown {
  if (err instanceof CustomerNotFoundError) return new NotFoundException(err.message);
  if (err instanceof EmailTakenError) {
    return new ConflictException({
      statusCode: 409,
      error: 'Conflict',
      message: err.message,
      errors: [{ field: 'email', message: 'email is already taken' }],
    });
  }
  return err;
}

const idParam = ApiParam({
  name: 'id',
  schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 1 },
  description: 'Customer id.',
});
const badId = ApiBadRequestResponse({
  type: ValidationErrorDto,
  description: 'The id is not a positive integer.',
  example: Examples.badId,
});
const notFound = ApiNotFoundResponse({
  type: ErrorDto,
  description: 'No customer has this id.',
  example: Examples.notFound,
});
const conflict = ApiConflictResponse({
  type: ErrorDto,
  description: 'Another customer has this email.',
  example: Examples.conflict,
});

@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One customer by id' })
  @idParam
  @ApiOkResponse({ type: CustomerDto, example: Examples.anna })
  @badId
  @notFound
  async get(@CustomerId() id: number): Promise<Customer> {
    return this.customers.get(id).catch((err: unknown) => {
      throw asHttp(err);
    });
  }

  @Get()
  @ApiOperation({
    summary: 'Customers in id order, optionally by segment and city',
    description: 'Keyset pagination: follow nextCursor until it is null. Unknown parameters are rejected.',
  })
  @ApiOkResponse({ type: CustomerPageDto, example: { items: [Examples.anna], nextCursor: null } })
  @ApiBadRequestResponse({
    type: ValidationErrorDto,
    description: 'A parameter is invalid or unknown.',
    example: Examples.badQuery,
  })
  async list(@Query() query: ListCustomersQueryDto): Promise<CustomerPage> {
    return this.customers.list({
      segment: query.segment,
      city: query.city,
      afterId: query.cursor === undefined ? undefined : Number(query.cursor),
      limit: query.limit,
    });
  }

  @Post()
  @ApiOperation({ summary: 'Create a customer', description: 'Published to the customers topic as created.' })
  @ApiCreatedResponse({
    type: CustomerDto,
    example: Examples.anna,
    headers: { Location: { description: 'The new customer: /customers/{id}', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    type: ValidationErrorDto,
    description: 'A field is missing, breaks a rule or is unknown.',
    example: Examples.badBody,
  })
  @conflict
  async create(@Body() body: CustomerBodyDto, @Res({ passthrough: true }) reply: Reply): Promise<Customer> {
    const customer = await this.customers.create(body).catch((err: unknown) => {
      throw asHttp(err);
    });
    reply.header('Location', `/customers/${customer.id}`);
    return customer;
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Replace a customer',
    description: 'Every field is required. Published to the customers topic as updated.',
  })
  @idParam
  @ApiOkResponse({ type: CustomerDto, example: Examples.anna })
  @ApiBadRequestResponse({
    type: ValidationErrorDto,
    description: 'The id or a field is invalid, missing or unknown.',
    example: Examples.badBody,
  })
  @notFound
  @conflict
  async replace(@CustomerId() id: number, @Body() body: CustomerBodyDto): Promise<Customer> {
    return this.customers.replace(id, body).catch((err: unknown) => {
      throw asHttp(err);
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a customer',
    description: 'Published to the customers topic as a tombstone.',
  })
  @idParam
  @ApiNoContentResponse({ description: 'Deleted.' })
  @badId
  @notFound
  async delete(@CustomerId() id: number): Promise<void> {
    await this.customers.delete(id).catch((err: unknown) => {
      throw asHttp(err);
    });
  }
}
