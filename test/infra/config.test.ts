import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContextError, readContextSettings } from '../../cdk/config.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
const read = (context: Record<string, unknown>) => readContextSettings(new App({ context }).node);

describe('cdk.json', () => {
  it('runs the app with tsx, which needs no compile step and no credentials', () => {
    expect(cdkJson.app).toBe('npx tsx cdk/app.ts');
  });

  it('holds settings the app accepts', () => {
    expect(read(cdkJson.context)).toEqual({
      managedTagKey: 'session-janitor:managed',
      managedTagValue: 'true',
      policyGroupTagKey: 'session-janitor:policy-group',
      sweepSchedule: 'rate(15 minutes)',
      retentionDays: 400,
      logRetentionDays: 90,
      statusConcurrency: 5,
      apiThrottle: { rateLimit: 10, burstLimit: 20 },
      retainData: true,
    });
  });
});

describe('readContextSettings', () => {
  it('returns nothing for absent keys, so the stack defaults apply', () => {
    expect(read({ 'other-tool:setting': 1 })).toEqual({});
  });

  it('parses the strings that `cdk -c key=value` passes', () => {
    expect(
      read({
        'session-janitor:retentionDays': '30',
        'session-janitor:retainData': 'false',
        'session-janitor:apiThrottle': '{"rateLimit":5,"burstLimit":10}',
        'session-janitor:policy': '{"version":1,"groups":{}}',
        'session-janitor:jwtIssuer':
          '{"issuerUrl":"https://login.example.com/tenant","audience":["api://janitor"]}',
        'session-janitor:idleEventChecksPerHost': '5',
        'session-janitor:idleEventCheckWindowMinutes': '15',
      })
    ).toEqual({
      idleEventChecksPerHost: 5,
      idleEventCheckWindowMinutes: 15,
      retentionDays: 30,
      retainData: false,
      apiThrottle: { rateLimit: 5, burstLimit: 10 },
      policy: { version: 1, groups: {} },
      jwtIssuer: { issuerUrl: 'https://login.example.com/tenant', audience: ['api://janitor'] },
    });
  });

  it('accepts cron schedules', () => {
    expect(read({ 'session-janitor:sweepSchedule': 'cron(0/10 7-19 ? * MON-FRI *)' })).toEqual({
      sweepSchedule: 'cron(0/10 7-19 ? * MON-FRI *)',
    });
  });

  it.each([
    [
      'session-janitor:sweepSchedul',
      'rate(5 minutes)',
      /unknown context key session-janitor:sweepSchedul/,
    ],
    [
      'session-janitor:sweepSchedule',
      'every 5 minutes',
      /session-janitor:sweepSchedule: must be rate/,
    ],
    ['session-janitor:sweepSchedule', 'rate(0 minutes)', /session-janitor:sweepSchedule/],
    ['session-janitor:logRetentionDays', 45, /session-janitor:logRetentionDays: must be one of/],
    ['session-janitor:retentionDays', 0, /session-janitor:retentionDays/],
    ['session-janitor:statusConcurrency', 1, /session-janitor:statusConcurrency/],
    [
      'session-janitor:managedTagKey',
      'bad"tag',
      /session-janitor:managedTagKey: must be a valid tag/,
    ],
    ['session-janitor:policy', '[1,2]', /session-janitor:policy/],
    ['session-janitor:policy', '{not json', /session-janitor:policy/],
    // The functions' own parser at synth: what they would refuse at every cold start is not deployed.
    ['session-janitor:policy', { groups: {} }, /session-janitor:policy\.version/],
    [
      'session-janitor:policy',
      { version: 1, default: { logoffDisconnectedMinutes: -5 } },
      /session-janitor:policy\.default\.logoffDisconnectedMinutes/,
    ],
    // `-c` text that repeats a key: JSON.parse would keep only the last `exclude`.
    [
      'session-janitor:policy',
      '{"version":1,"default":{"exclude":{"users":["svc-*"]},"exclude":{"users":[]}}}',
      /session-janitor:policy\.default\.exclude: the key "exclude" appears more than once/,
    ],
    [
      'session-janitor:jwtIssuer',
      { issuerUrl: 'http://login.example.com', audience: ['a'] },
      /session-janitor:jwtIssuer\.issuerUrl/,
    ],
    [
      'session-janitor:jwtIssuer',
      { issuerUrl: 'https://login.example.com', audience: [] },
      /jwtIssuer\.audience/,
    ],
    ['session-janitor:alarmTopicArn', 'arn:aws:sqs:eu-west-1:123456789012:q', /alarmTopicArn/],
    ['session-janitor:cognitoDomainPrefix', 'Session_Janitor', /cognitoDomainPrefix/],
  ])('rejects %s = %j with a ContextError naming the key', (key, value, message) => {
    const attempt = () => read({ [key]: value });
    expect(attempt).toThrow(ContextError);
    expect(attempt).toThrow(message);
  });
});
