// Placeholder entry so that the CDK stack can be built while the handler is written (issue 5).
export const handler = async (): Promise<never> => {
  throw new Error('handler not implemented yet');
};
