/**
 * The header the gateway sets on requests it routes to the inference service: the tenant of the API key it
 * authenticated. The inference service trusts it and refuses requests without it; the gateway drops any copy
 * a client sent, and only the gateway may reach the inference service (the network policy's job on a cluster).
 */
export const TENANT_HEADER = 'x-tuneforge-tenant';
