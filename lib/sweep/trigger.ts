import { z } from 'zod';

/**
 * What starts a sweep. EventBridge Scheduler delivers its `Input` JSON as the whole event, or, with
 * no `Input`, a default notification whose `detail` is the string `"{}"`; an EventBridge rule
 * schedule delivers a `Scheduled Event` from `aws.events`. All three give the scheduled time.
 */

const instant = z.iso.datetime({ offset: true });

const scheduledEvent = z.object({
  source: z.enum(['aws.scheduler', 'aws.events']),
  'detail-type': z.literal('Scheduled Event'),
  id: z.string().min(1).max(128),
  time: instant,
  resources: z.array(z.string().max(2048)).max(10),
});

/** `Input` of the schedule: `{"scheduledTime": "<aws.scheduler.scheduled-time>", …}`. */
const schedulerInput = z.object({
  scheduledTime: instant,
  scheduleArn: z.string().max(2048).optional(),
  executionId: z.string().max(128).optional(),
  attemptNumber: z.union([z.string().max(8), z.number().int()]).optional(),
});

export const sweepTriggerSchema = z.union([scheduledEvent, schedulerInput]).transform((event) => ({
  scheduledAt: new Date('scheduledTime' in event ? event.scheduledTime : event.time),
}));

export type SweepTrigger = z.output<typeof sweepTriggerSchema>;
