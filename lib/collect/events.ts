import { z } from 'zod';
import {
  COMMAND_DETAIL_TYPE,
  type HostDocuments,
  INSTANCE_ID_PATTERN,
  INVOCATION_DETAIL_TYPE,
} from '../contract.js';
import type { InvocationStatusInput } from './collect.js';

/**
 * The two Run Command status events (`source: aws.ssm`). Only what is needed to find the
 * invocation is read; the invocation itself is then asked of SSM, never taken from the event.
 */

const instanceId = z.string().regex(INSTANCE_ID_PATTERN, 'must be an instance id');

export const ssmStatusEventSchema = z.object({
  version: z.literal('0'),
  id: z.string().min(1).max(128),
  'detail-type': z.enum([INVOCATION_DETAIL_TYPE, COMMAND_DETAIL_TYPE]),
  source: z.literal('aws.ssm'),
  time: z.string().max(64),
  resources: z.array(z.string().max(2048)).max(100),
  detail: z.object({
    'command-id': z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must be a command id'),
    'document-name': z.string().min(1).max(128),
    'instance-id': instanceId.optional(),
    status: z.string().min(1).max(64),
  }),
});

export type SsmStatusEvent = z.infer<typeof ssmStatusEventSchema>;

const INSTANCE_ARN =
  /^arn:aws[a-z-]*:(?:ec2|ssm):[a-z0-9-]+:\d{12}:(?:instance|managed-instance)\/([\w-]+)$/;

/**
 * The invocations an event is about. Another document's events are none of ours. A command-level
 * event stands for its invocation only when it names exactly one instance (every action command
 * does); for a many-host command the invocation events carry the news.
 */
export function invocationsOf(
  event: SsmStatusEvent,
  documents: HostDocuments
): InvocationStatusInput[] {
  const { detail } = event;
  const name = detail['document-name'];
  if (name !== documents.operate && name !== documents.read) return [];
  const base = { commandId: detail['command-id'], status: detail.status };
  if (event['detail-type'] === INVOCATION_DETAIL_TYPE) {
    return detail['instance-id'] ? [{ ...base, instanceId: detail['instance-id'] }] : [];
  }
  if (event.resources.length !== 1) return [];
  const id = INSTANCE_ARN.exec(event.resources[0] ?? '')?.[1];
  return id && INSTANCE_ID_PATTERN.test(id) ? [{ ...base, instanceId: id }] : [];
}
