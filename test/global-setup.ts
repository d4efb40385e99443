import type { TestProject } from 'vitest/node';
import { startDynalite } from '../local/dynamodb/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** One in-memory dynalite for the whole run; each test file creates its own table in it. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynalite();
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  return () => dynamo.close();
}
