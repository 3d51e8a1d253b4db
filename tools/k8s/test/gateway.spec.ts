// The gateway as each overlay deploys it boots: its API keys come from a Secret (dev generates one; prod names the
// operator's), and what that Secret holds is what the gateway's own configuration accepts in distributed mode —
// where missing keys stop it with exit 78 (apps/gateway/src/auth/api-keys.ts).
import { ApiKeyRegistry, parseApiKeys } from '@tuneforge/gateway/src/auth/api-keys';
import { gatewayEnvSchema } from '@tuneforge/gateway/src/config/gateway-config';
import { parseManifests, type Manifest } from '../src/policy';
import { API_KEYS_SECRET } from '../src/services';
import { OVERLAYS, renderOverlay } from '../src/tools';

describe.each(OVERLAYS)('gateway in overlay %s', (overlay) => {
  const manifests = parseManifests(renderOverlay(overlay));
  const gateway: Manifest = manifests.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'gateway')!.spec.template.spec.containers[0];
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata?.name?.startsWith(API_KEYS_SECRET));

  it('takes its API keys from the API keys Secret', () => {
    expect(gateway.envFrom).toContainEqual({ secretRef: { name: overlay === 'dev' ? secret?.metadata.name : API_KEYS_SECRET } });
    // dev generates the keys; prod expects them from the operator's secret store (docs/deploy.md).
    expect(secret !== undefined).toBe(overlay === 'dev');
  });

  if (overlay === 'dev')
    it('holds keys the gateway accepts in distributed mode, its admin key among them', () => {
      const env = Object.fromEntries(Object.entries(secret!.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
      const keys = parseApiKeys(env.TF_API_KEYS);
      const admins = gatewayEnvSchema.shape.TF_ADMIN_API_KEYS.parse(env.TF_ADMIN_API_KEYS);
      const registry = ApiKeyRegistry.fromConfig(keys, 'distributed', admins);
      expect(registry.callerOf([...admins][0])).toEqual({ tenant: 'default', admin: true });
    });
});
