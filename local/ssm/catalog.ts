import type { FleetInstance } from '../fleet/types.js';
import type { CommandDocument } from './document.js';
import { SsmApiError, validationError } from './errors.js';
import {
  checkMaxResults,
  epochSeconds,
  type Input,
  type Operation,
  optionalInteger,
  optionalList,
  optionalString,
  paginate,
  requiredString,
  serialization,
} from './input.js';
import type { SsmFaults } from './types.js';

/**
 * What an operator reads about documents and nodes besides Run Command itself: GetDocument,
 * ListDocuments, ListTagsForResource and DescribeInstanceProperties, with the shapes and errors of
 * botocore's `ssm/2014-11-06/service-2.json`. Documents may be named by name or by ARN.
 */

export interface CatalogContext {
  documents: ReadonlyMap<string, CommandDocument>;
  instances: () => FleetInstance[];
  faults: () => SsmFaults;
  accountId: string;
  region: string;
  startedAt: Date;
  clock: () => Date;
}

const DOCUMENT_ARN = /^arn:aws:ssm:([a-z0-9-]+):(\d{12}):document\/([a-zA-Z0-9_\-.]{3,128})$/;
const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const DOCUMENT_VERSION = /([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)/;
const DOCUMENT_FORMATS = ['YAML', 'JSON', 'TEXT'];
const ASSOCIATION_STATUSES = ['Success', 'Pending', 'Failed'];
const PING_STATUSES = ['Online', 'ConnectionLost', 'Inactive'];
const TAGGABLE = [
  'Document',
  'ManagedInstance',
  'MaintenanceWindow',
  'Parameter',
  'PatchBaseline',
  'OpsItem',
  'OpsMetadata',
  'Automation',
  'Association',
];

/**
 * A document of this account by name or by its ARN; an ARN of another account or region names a
 * document shared with this one, and none is.
 */
export function lookUpDocument(
  context: Pick<CatalogContext, 'documents' | 'accountId' | 'region'>,
  name: string
): CommandDocument | undefined {
  const arn = DOCUMENT_ARN.exec(name);
  if (arn) {
    if (arn[1] !== context.region || arn[2] !== context.accountId) return undefined;
    return context.documents.get(arn[3] as string);
  }
  return context.documents.get(name);
}

export function checkDocumentName(name: string, member: string): void {
  if (!DOCUMENT_NAME_PATTERN.test(name)) {
    throw validationError(
      member,
      name,
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.:/]{3,128}$'
    );
  }
}

export function checkDocumentVersion(version: string | undefined): void {
  if (version !== undefined && !DOCUMENT_VERSION.test(version)) {
    throw validationError(
      'documentVersion',
      version,
      'Member must satisfy regular expression pattern: ([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)'
    );
  }
}

/** The documents hold one version each, `1`, which is also `$LATEST` and `$DEFAULT`. */
export function findDocument(
  context: Pick<CatalogContext, 'documents' | 'accountId' | 'region'>,
  name: string,
  version?: string
): CommandDocument {
  const document = lookUpDocument(context, name);
  if (document === undefined) {
    throw new SsmApiError('InvalidDocument', 'The specified document does not exist.');
  }
  if (version !== undefined && !['$LATEST', '$DEFAULT', '1'].includes(version)) {
    throw new SsmApiError(
      'InvalidDocumentVersion',
      'The document version is not valid or does not exist.'
    );
  }
  return document;
}

/** PingStatus as SSM reports it, with the offline fault applied. */
export function pingStatusOf(faults: SsmFaults, instance: FleetInstance): string {
  return instance.pingStatus === 'Online' && faults.offlineInstanceIds.includes(instance.instanceId)
    ? 'ConnectionLost'
    : instance.pingStatus;
}

/**
 * `AssociationStatus` filter values. No State Manager association exists here, so no node has an
 * association status and a valid value matches none.
 */
export function associationStatusFilter(
  values: readonly string[],
  invalid: () => SsmApiError
): (instance: FleetInstance) => boolean {
  if (!values.every((value) => ASSOCIATION_STATUSES.includes(value))) throw invalid();
  return () => false;
}

export function resourceType(instanceId: string): string {
  return instanceId.startsWith('mi-') ? 'ManagedInstance' : 'EC2Instance';
}

function documentIdentifier(document: CommandDocument, owner: string, created: Date) {
  return {
    Name: document.name,
    CreatedDate: epochSeconds(created),
    Owner: owner,
    PlatformTypes: ['Windows'],
    DocumentVersion: '1',
    DocumentType: 'Command',
    SchemaVersion: document.definition.schemaVersion,
    DocumentFormat: 'JSON',
    Tags: [],
  };
}

export function createCatalogOperations(context: CatalogContext): Record<string, Operation> {
  function getDocument(input: Input) {
    const name = requiredString(input, 'Name', 'name');
    checkDocumentName(name, 'name');
    const version = optionalString(input, 'DocumentVersion');
    checkDocumentVersion(version);
    const format = optionalString(input, 'DocumentFormat');
    if (format !== undefined && !DOCUMENT_FORMATS.includes(format)) {
      throw validationError(
        'documentFormat',
        format,
        'Member must satisfy enum value set: [YAML, JSON, TEXT]'
      );
    }
    const document = findDocument(context, name, version);
    if (optionalString(input, 'VersionName') !== undefined) {
      // The documents are created without a version name, so none matches.
      throw new SsmApiError('InvalidDocument', 'The specified document does not exist.');
    }
    // The content is kept as created (JSON), and JSON is what this answers in every format;
    // `DocumentFormat` says so.
    return {
      Name: document.name,
      CreatedDate: epochSeconds(context.startedAt),
      DocumentVersion: '1',
      Status: 'Active',
      Content: document.content,
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    };
  }

  function listDocuments(input: Input) {
    const legacy = optionalList(input, 'DocumentFilterList');
    const filters = optionalList(input, 'Filters');
    checkMaxResults(optionalInteger(input, 'MaxResults'), 1, 50);
    if (filters !== undefined && filters.length > 6) {
      throw validationError('filters', filters, 'Member must have length less than or equal to 6');
    }
    const conditions = [
      ...(legacy ?? []).map((filter) => {
        if (typeof filter.key !== 'string' || typeof filter.value !== 'string') {
          throw serialization('A DocumentFilter needs a key and a value.');
        }
        if (!['Name', 'Owner', 'PlatformTypes', 'DocumentType'].includes(filter.key)) {
          throw validationError(
            'documentFilterList.member.key',
            filter.key,
            'Member must satisfy enum value set: [Name, Owner, PlatformTypes, DocumentType]'
          );
        }
        return documentCondition(filter.key, [filter.value]);
      }),
      ...(filters ?? []).map((filter) => {
        const { Key: key, Values: values } = filter;
        if (typeof key !== 'string' || !Array.isArray(values)) {
          throw serialization('A DocumentKeyValuesFilter needs a Key and Values.');
        }
        return documentCondition(key, values.map(String));
      }),
    ];
    const listed = [...context.documents.values()].filter((document) =>
      conditions.every((matches) => matches(document))
    );
    const { page, next } = paginate(listed, input, 50);
    return {
      DocumentIdentifiers: page.map((document) =>
        documentIdentifier(document, context.accountId, context.startedAt)
      ),
      NextToken: next,
    };
  }

  /** What each key matches of this account's own (untagged, Windows, Command) documents. */
  function documentCondition(
    key: string,
    values: readonly string[]
  ): (document: CommandDocument) => boolean {
    switch (key) {
      case 'Name':
        return (document) => values.some((value) => document.name.startsWith(value));
      case 'Owner':
        // Self and Private are this account's documents; Amazon, Public, ThirdParty name others.
        return () =>
          values.some((value) => ['Self', 'Private', 'All', context.accountId].includes(value));
      case 'PlatformTypes':
        return () => values.includes('Windows');
      case 'DocumentType':
        return () => values.includes('Command');
      case 'TargetType':
        return () => false;
      case 'SearchKeyword':
        return (document) =>
          values.some((value) =>
            `${document.name} ${document.definition.description}`
              .toLowerCase()
              .includes(value.toLowerCase())
          );
      default:
        if (key.startsWith('tag:')) return () => false;
        throw new SsmApiError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
    }
  }

  function listTagsForResource(input: Input) {
    const type = requiredString(input, 'ResourceType', 'resourceType');
    const id = requiredString(input, 'ResourceId', 'resourceId');
    if (!TAGGABLE.includes(type)) {
      throw validationError(
        'resourceType',
        type,
        `Member must satisfy enum value set: [${TAGGABLE.join(', ')}]`
      );
    }
    if (type === 'Document') {
      if (lookUpDocument(context, id) === undefined) throw new SsmApiError('InvalidResourceId', '');
      return { TagList: [] };
    }
    // SSM keeps tags of on-premises nodes (mi-) only; an EC2 instance's tags are EC2's.
    if (type === 'ManagedInstance' && id.startsWith('mi-')) {
      const instance = context.instances().find((i) => i.instanceId === id);
      if (instance === undefined) throw new SsmApiError('InvalidResourceId', '');
      return {
        TagList: Object.entries(instance.tags).map(([Key, Value]) => ({ Key, Value })),
      };
    }
    throw new SsmApiError('InvalidResourceId', '');
  }

  function describeInstanceProperties(input: Input) {
    const legacy = optionalList(input, 'InstancePropertyFilterList');
    const filters = optionalList(input, 'FiltersWithOperator');
    if (legacy !== undefined && filters !== undefined) {
      throw new SsmApiError(
        'InvalidInstancePropertyFilterValue',
        'InstancePropertyFilterList and FiltersWithOperator cannot be used together.'
      );
    }
    checkMaxResults(optionalInteger(input, 'MaxResults'), 5, 1000);
    const faults = context.faults();
    const instances = context.instances();
    const invalidValue = () =>
      new SsmApiError(
        'InvalidInstancePropertyFilterValue',
        "The specified filter value isn't valid."
      );
    const condition = (key: string, values: string[], operator: string) => {
      if (values.length === 0 || values.length > 40) {
        throw validationError('values', values, 'Member must have length between 1 and 40');
      }
      const compare = comparison(operator, values);
      switch (key) {
        case 'InstanceIds':
          for (const id of values) {
            if (!instances.some((i) => i.instanceId === id)) {
              throw new SsmApiError('InvalidInstanceId', '');
            }
          }
          return (i: FleetInstance) => compare(i.instanceId);
        case 'AgentVersion':
          return (i: FleetInstance) => compare(i.agentVersion);
        case 'PingStatus':
          if (!values.every((value) => PING_STATUSES.includes(value))) throw invalidValue();
          return (i: FleetInstance) => compare(pingStatusOf(faults, i));
        case 'PlatformTypes':
          return (i: FleetInstance) => compare(i.platformType);
        case 'ResourceType':
          return (i: FleetInstance) => compare(resourceType(i.instanceId));
        case 'AssociationStatus':
          return associationStatusFilter(values, invalidValue);
        case 'DocumentName':
          // Nodes associated with the document: there are no associations.
          for (const name of values) findDocument(context, name);
          return () => false;
        case 'ActivationIds':
        case 'IamRole':
          return () => false;
        default:
          if (key.startsWith('tag:')) {
            const tag = key.slice(4);
            return (i: FleetInstance) => Object.hasOwn(i.tags, tag) && compare(i.tags[tag] ?? '');
          }
          if (key === 'tag-key') {
            return (i: FleetInstance) => Object.keys(i.tags).some((tag) => compare(tag));
          }
          throw new SsmApiError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
      }
    };
    const conditions = [
      ...(legacy ?? []).map((filter) => {
        if (typeof filter.key !== 'string' || !Array.isArray(filter.valueSet)) {
          throw serialization('An InstancePropertyFilter needs a key and a valueSet.');
        }
        if (filter.key.startsWith('tag')) {
          throw new SsmApiError('InvalidFilterKey', `The filter key ${filter.key} isn't valid.`);
        }
        return condition(filter.key, filter.valueSet.map(String), 'Equal');
      }),
      ...(filters ?? []).map((filter) => {
        if (typeof filter.Key !== 'string' || !Array.isArray(filter.Values)) {
          throw serialization('An InstancePropertyStringFilter needs a Key and Values.');
        }
        const operator = filter.Operator ?? 'Equal';
        if (typeof operator !== 'string') throw serialization('Operator must be a string.');
        return condition(filter.Key, filter.Values.map(String), operator);
      }),
    ];
    const matching = instances.filter((instance) =>
      conditions.every((matches) => matches(instance))
    );
    const { page, next } = paginate(matching, input, 50);
    const now = context.clock();
    return {
      InstanceProperties: page.map((instance) => {
        const ping = pingStatusOf(faults, instance);
        return {
          Name: instance.tags.Name ?? instance.computerName,
          InstanceId: instance.instanceId,
          IPAddress: instance.ipAddress,
          PingStatus: ping,
          LastPingDateTime: epochSeconds(ping === 'Online' ? now : context.startedAt),
          AgentVersion: instance.agentVersion,
          PlatformType: instance.platformType,
          PlatformName: instance.platformName,
          PlatformVersion: instance.platformVersion,
          ResourceType: resourceType(instance.instanceId),
          ComputerName: instance.computerName,
          SourceId: instance.instanceId,
          SourceType: instance.instanceId.startsWith('mi-')
            ? 'AWS::SSM::ManagedInstance'
            : 'AWS::EC2::Instance',
        };
      }),
      NextToken: next,
    };
  }

  return {
    GetDocument: getDocument,
    ListDocuments: listDocuments,
    ListTagsForResource: listTagsForResource,
    DescribeInstanceProperties: describeInstanceProperties,
  };
}

/** `InstancePropertyFilterOperator`: Equal and NotEqual against any value, the rest against one. */
function comparison(operator: string, values: readonly string[]): (actual: string) => boolean {
  const [first = ''] = values;
  switch (operator) {
    case 'Equal':
      return (actual) => values.includes(actual);
    case 'NotEqual':
      return (actual) => !values.includes(actual);
    case 'BeginWith':
      return (actual) => values.some((value) => actual.startsWith(value));
    case 'LessThan':
      return (actual) => actual.localeCompare(first, 'en', { numeric: true }) < 0;
    case 'GreaterThan':
      return (actual) => actual.localeCompare(first, 'en', { numeric: true }) > 0;
    default:
      throw validationError(
        'filtersWithOperator.member.operator',
        operator,
        'Member must satisfy enum value set: [Equal, NotEqual, BeginWith, LessThan, GreaterThan]'
      );
  }
}
