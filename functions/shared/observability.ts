import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics instance per process, shared by every handler. */
export const logger = new Logger({ serviceName: 'session-janitor' });
export const metrics = new Metrics({ serviceName: 'session-janitor', namespace: 'SessionJanitor' });
