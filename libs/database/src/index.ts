export { Database, quoteIdentifier, ServerNotifications, type NotificationHandler, type NotificationSource, type Queryable } from './database';
export { DatabaseConfigError, openDatabase, redact, type OpenDatabaseOptions } from './open-database';
export { migrate, migrationFiles, MIGRATIONS_DIR } from './migrate';
