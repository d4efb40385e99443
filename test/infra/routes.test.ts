import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../lib/contract.js';
import { render, synthStack } from './synth.js';

describe('HTTP API routes', () => {
  it('declares exactly the routes and scopes the api function serves', () => {
    const { template } = synthStack();
    const deployed = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (resource) => {
        const props = resource.Properties as { RouteKey: string; AuthorizationScopes?: string[] };
        return {
          routeKey: props.RouteKey,
          scopes: [...(props.AuthorizationScopes ?? [])].map((s) => String(render(s))).sort(),
        };
      }
    );
    const served = API_ROUTES.map((route) => ({
      routeKey: `${route.method} ${route.path}`,
      scopes: [...route.scopes].sort(),
    }));
    const byKey = (a: { routeKey: string }, b: { routeKey: string }) =>
      a.routeKey.localeCompare(b.routeKey);
    expect(deployed.sort(byKey)).toEqual(served.sort(byKey));
  });
});
