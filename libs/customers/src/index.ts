export { CustomersEnv, loadCustomersEnv } from './customers.config.js';
export { CustomersModule, type CustomersModuleOptions } from './customers.module.js';
export { CustomersService, type CustomerPage } from './customers.service.js';
export { LECTURE_CUSTOMERS } from './customers.seed.js';
export { generateCustomers } from './customer.generator.js';
export {
  CustomerNotFoundError,
  EmailTakenError,
  type Customer,
  type CustomerFilter,
  type CustomerInput,
} from './customer.js';
