import { type Stack, Token } from 'aws-cdk-lib';

/**
 * The stack's pseudo parameters as cdk-nag writes them in a finding's name (`AwsSolutions-IAM5[
 * Resource::…]`): the value when the stack knows it (`cdk deploy` sets the account and region),
 * `<AWS::…>` when it is a token. An acknowledgement must name the finding exactly.
 */
export function nagPseudo(stack: Stack): { partition: string; region: string; account: string } {
  const shown = (value: string, pseudo: string) =>
    Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
  return {
    partition: shown(stack.partition, 'Partition'),
    region: shown(stack.region, 'Region'),
    account: shown(stack.account, 'AccountId'),
  };
}
