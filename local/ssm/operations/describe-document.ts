import { checkDocumentName, checkDocumentVersion } from '../catalog.js';
import { describeDocument as documentDescription } from '../document.js';
import { type Input, optionalString, requiredString } from '../input.js';
import type { OperationContext } from './context.js';

export function describeDocument(context: OperationContext, input: Input) {
  const name = requiredString(input, 'Name', 'name');
  checkDocumentName(name, 'name');
  const version = optionalString(input, 'DocumentVersion');
  checkDocumentVersion(version);
  const found = context.findDocument(name, version);
  return { Document: documentDescription(found, context.accountId, context.startedAt) };
}
