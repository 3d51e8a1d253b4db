/** Injection tokens for what the service kit provides to every service's providers. */
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');
/** The metadata database (`@tuneforge/database`); only services that keep metadata inject it (`requireDatabase`). */
export const DATABASE = Symbol('DATABASE');
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
export const LOGGER = Symbol('LOGGER');
/** The service's validated environment: the kit's variables plus those its definition declares. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
