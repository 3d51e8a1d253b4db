export { dropTestDatabase, openTestDatabase } from './test-database';
